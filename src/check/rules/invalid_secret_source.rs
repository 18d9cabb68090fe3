use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::Decl;

declare_rule! {
    /// ## What it does
    /// Reports a top-level secret without a source (`file` or `environment`) or with both, and
    /// a config without one of `file`, `environment`, `content` or with several. External
    /// ones need none; a config with a `driver` may get its content from the driver.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "one of file|environment must be set", "attributes
    /// are mutually exclusive" (compose-go `validation/validation.go`, `checkFileObject`), and
    /// "secret must declare either `file` or `environment`" (`checkConsistency`).
    ///
    /// ## Example
    /// ```yaml
    /// secrets:
    ///   db_password: {}
    /// ```
    /// Use instead:
    /// ```yaml
    /// secrets:
    ///   db_password: {file: ./secrets/db_password}
    /// ```
    InvalidSecretSource, "invalid-secret-source", Error,
    "a secret or config with no source, or with several"
}

fn check_decls(kind: &str, decls: &[Decl], allowed: &[&str], out: &mut Findings) {
    for d in decls.iter().filter(|d| !d.external) {
        let sources: Vec<_> = d
            .sources
            .iter()
            .filter(|s| allowed.contains(&s.value.as_str()))
            .collect();
        let list = allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        match sources.len() {
            0 if kind == "config" && d.driver.is_some() => {}
            0 => {
                out.add(
                    &InvalidSecretSource::META,
                    d.key,
                    format!("{kind} `{}` has no source: set one of {list}", d.name),
                )
                .help("or mark it `external: true` when it is created outside the project");
            }
            1 => {}
            _ => {
                out.add(
                    &InvalidSecretSource::META,
                    sources[1].span,
                    format!("{kind} `{}` sets more than one of {list}", d.name),
                )
                .related(sources[0].span, "the first source")
                .help("keep one of them");
            }
        }
    }
}

impl Rule for InvalidSecretSource {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        check_decls("secret", &project.secrets, &["file", "environment"], out);
        check_decls(
            "config",
            &project.configs,
            &["file", "environment", "content"],
            out,
        );
    }
}
