use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a top-level `version:` in a compose file.
    ///
    /// ## Why is this bad?
    /// Compose v2 ignores it (and warns); it suggests a file format that no longer exists.
    ///
    /// ## Example
    /// ```yaml
    /// version: "3.8"
    /// services: {}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services: {}
    /// ```
    ObsoleteVersion, "obsolete-version", Warning, "top-level `version:` in a compose file"
}

impl Rule for ObsoleteVersion {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for &span in cx.stack.outer.iter().flat_map(|p| &p.versions) {
            out.add(
                &Self::META,
                span,
                "`version` is obsolete and ignored by Compose v2",
            )
            .help("remove the `version:` line");
        }
    }
}
