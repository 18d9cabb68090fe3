//! Rules whose findings come from loading the files (parsing, schema validation,
//! interpolation, manifest identification); they are declared here so they can be listed,
//! explained, configured and suppressed like every other rule.

use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports every YAML syntax error, at its position. The other files are still checked.
    ///
    /// ## Why is this bad?
    /// Docker Compose and dindctl cannot read the file at all.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     ports: ["8080:80"
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     ports: ["8080:80"]
    /// ```
    YamlSyntax, "yaml-syntax", Error, "a YAML syntax error"
}

declare_rule! {
    /// ## What it does
    /// Reports a mapping key written twice, at the second occurrence, with the first as a
    /// related location.
    ///
    /// ## Why is this bad?
    /// YAML parsers disagree on duplicates: some keep the last value silently, some the first,
    /// some fail. A stack whose meaning depends on the parser is a bug waiting to happen.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     image: nginx:1.25
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    DuplicateKey, "duplicate-key", Error, "a mapping key repeated"
}

declare_rule! {
    /// ## What it does
    /// Validates compose files against dindctl's compose schema (written from the Compose
    /// specification) and mcp/v1 manifests against the mcp/v1 schema, and reports every
    /// violation at the offending node: an unknown key at the key, a wrong type at the value.
    ///
    /// ## Why is this bad?
    /// Docker Compose rejects such files, or silently ignores what it does not know.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     restart_policy: always   # not a service key: `restart`
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     restart: always
    /// ```
    SchemaViolation, "schema-violation", Error, "a document does not match its schema"
}

declare_rule! {
    /// ## What it does
    /// Reports an inner manifest whose `apiVersion` is not `mcp/v1` or whose `kind` is not
    /// `MCPContainer`, `MCPNetwork` or `MCPSecret`.
    ///
    /// ## Why is this bad?
    /// A document that is skipped silently is a container that never runs.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: mcp/v1
    /// kind: MCPServer
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: mcp/v1
    /// kind: MCPContainer
    /// ```
    UnknownManifestKind, "unknown-manifest-kind", Error, "apiVersion/kind not understood"
}

declare_rule! {
    /// ## What it does
    /// Reports `${VAR}` references that have no value from the environment, `.env` or
    /// `--env-file` and no default; `${VAR:?message}` unresolved is an error. A value that
    /// depends on an unresolved variable is unknown: no other rule judges it.
    ///
    /// ## Why is this bad?
    /// Docker Compose substitutes an empty string, which turns `${PORT}:80` into `:80`.
    ///
    /// ## Example
    /// ```yaml
    /// ports: ["${WEB_PORT}:80"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// ports: ["${WEB_PORT:-8080}:80"]
    /// ```
    UnresolvedVariable, "unresolved-variable", Warning, "a variable with no value and no default"
}

declare_rule! {
    /// ## What it does
    /// Reports an inline suppression (`# dindctl: ignore[rule]`) that suppresses nothing.
    ///
    /// ## Why is this bad?
    /// Stale suppressions hide the next real problem on that line, and a misspelt rule id
    /// suppresses nothing at all.
    ///
    /// ## Example
    /// ```yaml
    /// image: nginx:1.27  # dindctl: ignore[unpinned-image]
    /// ```
    /// Use instead (the image is pinned; nothing to suppress):
    /// ```yaml
    /// image: nginx:1.27
    /// ```
    UnusedSuppression, "unused-suppression", Info, "a suppression comment that suppresses nothing"
}

impl Rule for YamlSyntax {}
impl Rule for DuplicateKey {}
impl Rule for UnknownManifestKind {}
impl Rule for UnresolvedVariable {}
impl Rule for UnusedSuppression {}

/// Compose documents are validated here (manifests while loading, as their kind decides the
/// schema). On a large file this is the most expensive rule, so it runs beside the others.
impl Rule for SchemaViolation {
    fn runs_apart(&self) -> bool {
        true
    }

    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        if let Some(tree) = &cx.stack.compose_tree {
            out.extend(crate::load::compose::validate_compose(tree));
        }
    }
}
