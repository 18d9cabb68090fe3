use std::io::ErrorKind;

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::manifest::ManifestKind;

declare_rule! {
    /// ## What it does
    /// Reports an `MCPSecret` whose `spec.file` does not exist, is not a regular file, or
    /// cannot be opened by the user running dindctl. Only the file's metadata is looked at
    /// and it is opened for reading without reading anything: its content is never read or
    /// printed by `check`.
    ///
    /// ## Why is this bad?
    /// `apply` reads the file to put it into the container at `/run/secrets/NAME`; a missing
    /// or unreadable file makes every apply fail before anything changes, so the stack cannot
    /// be deployed as written. The path is resolved relative to the manifest's own file,
    /// lexically (a `..` through a directory that does not exist still resolves), exactly as
    /// `apply` resolves it (`InnerSecret::path`). A FIFO or a device is refused because
    /// reading it can block or never end: `open()` of a FIFO without a writer blocks, and
    /// `/dev/zero` never reaches end of file (both reproduced by `tests/hostile.rs`, which
    /// runs `check`, `diff` and `apply --dry-run` on them under a watchdog).
    ///
    /// ## Example
    /// ```yaml
    /// kind: MCPSecret
    /// metadata: {name: postgres_password}
    /// spec:
    ///   file: ../secrets/postgres_pasword
    /// ```
    /// Use instead:
    /// ```yaml
    /// kind: MCPSecret
    /// metadata: {name: postgres_password}
    /// spec:
    ///   file: ../secrets/postgres_password
    /// ```
    SecretFileMissing, "secret-file-missing", Error, "an MCPSecret whose file is missing or unreadable"
}

impl Rule for SecretFileMissing {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for m in &cx.stack.inner {
            let ManifestKind::Secret(s) = &m.kind else {
                continue;
            };
            let (Some(file), Some(path)) = (&s.file, s.path(cx.db.name(m.source))) else {
                continue;
            };
            if file.value.unresolved {
                continue;
            }
            let shown = path.display();
            let problem = match std::fs::metadata(&path) {
                Err(e) if e.kind() == ErrorKind::NotFound => Some((
                    format!("secret file `{shown}` does not exist"),
                    "create it, or correct `spec.file` (relative to this manifest)",
                )),
                Err(e) => Some((
                    format!("secret file `{shown}` cannot be read: {e}"),
                    "make it readable by the user that runs dindctl",
                )),
                Ok(meta) if !meta.is_file() => Some((
                    format!("secret file `{shown}` is not a regular file"),
                    "point `spec.file` at a regular file (FIFOs and devices are refused)",
                )),
                Ok(_) => match std::fs::File::open(&path) {
                    Ok(_) => None,
                    Err(e) => Some((
                        format!("secret file `{shown}` cannot be opened: {e}"),
                        "make it readable by the user that runs dindctl",
                    )),
                },
            };
            let Some((message, help)) = problem else {
                continue;
            };
            let manifest_file = cx.db.name(m.source);
            let d = out.add(
                &Self::META,
                file.span,
                format!("secret `{}`: {message}", m.name.value),
            );
            d.help(help);
            // A profile rendered in memory (`check --profile`) has no files of its own yet:
            // its secrets are what the user puts beside the output before `apply`, so their
            // absence is a note for later, not a defect of the profile.
            if !std::path::Path::new(manifest_file).is_file() {
                d.severity = crate::diag::Severity::Info;
                d.help(format!(
                    "{help}; `apply` of this profile reads it from there (the manifests are rendered in memory)"
                ));
            }
        }
    }
}
