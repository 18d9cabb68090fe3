use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::EnvVar;

declare_rule! {
    /// ## What it does
    /// Reports a credential-shaped environment key (`*PASSWORD*`, `*PASSWD*`, `*TOKEN*`,
    /// `*SECRET*`, `*_KEY`, `*APIKEY*`, `*CREDENTIAL*`) whose value is written literally in the
    /// file. `*_FILE` keys and values taken from variables (`${VAR}`) are fine. The value is
    /// never printed.
    ///
    /// ## Why is this bad?
    /// The secret lands in version control, in `docker inspect`, and in every log that dumps
    /// the environment.
    ///
    /// ## Example
    /// ```yaml
    /// environment:
    ///   POSTGRES_PASSWORD: hunter2
    /// ```
    /// Use instead:
    /// ```yaml
    /// environment:
    ///   POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password
    /// secrets: [postgres_password]
    /// ```
    SecretInEnvironment, "secret-in-environment", Warning, "a credential written literally in the environment"
}

/// Whether an environment key names a credential.
pub fn is_credential_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    if k.ends_with("_FILE") || k.ends_with("_PATH") || k.ends_with("_DIR") {
        return false;
    }
    [
        "PASSWORD",
        "PASSWD",
        "TOKEN",
        "SECRET",
        "APIKEY",
        "API_KEY",
        "CREDENTIAL",
        "PRIVATE_KEY",
    ]
    .iter()
    .any(|w| k.contains(w))
        || k.ends_with("_KEY")
}

fn check_env(owner: &str, env: &[EnvVar], out: &mut Findings) {
    for var in env {
        let Some(value) = &var.value else { continue };
        if value.value.interpolated || value.value.text.is_empty() || !is_credential_key(&var.key) {
            continue;
        }
        out.add(
            &SecretInEnvironment::META,
            value.span,
            format!(
                "`{}` of `{owner}` holds a credential written in the file",
                var.key
            ),
        )
        .help(format!(
            "pass it as a secret (`{}_FILE: /run/secrets/…`) or from a variable (`{}: ${{{}}}`)",
            var.key, var.key, var.key
        ));
    }
}

impl Rule for SecretInEnvironment {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            check_env(&service.name, &service.environment, out);
        }
        for (m, c) in cx.stack.containers() {
            check_env(&m.name.value, &c.environment, out);
        }
    }
}
