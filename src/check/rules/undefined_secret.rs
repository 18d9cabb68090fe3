use std::collections::HashSet;

use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a secret used by a service but not declared under the top-level `secrets:`,
    /// or used by an inner container but not defined by an `MCPSecret`.
    ///
    /// ## Why is this bad?
    /// Compose refuses the file; `dindctl apply` cannot place the secret, so the container
    /// starts without it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db: {image: "postgres:16", secrets: [db_password]}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   db: {image: "postgres:16", secrets: [db_password]}
    /// secrets:
    ///   db_password: {file: ./secrets/db_password}
    /// ```
    UndefinedSecret, "undefined-secret", Error, "a secret used but not defined"
}

impl Rule for UndefinedSecret {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        if let Some(project) = &cx.stack.outer {
            let declared: HashSet<&str> = project.secrets.iter().map(|s| s.name.as_str()).collect();
            for service in &project.services {
                for secret in &service.secrets {
                    if secret.value.is_empty() {
                        out.add(
                            &Self::META,
                            secret.span,
                            format!("a secret of `{}` names no `source`", service.name),
                        )
                        .help("write `source: NAME` naming a top-level secret");
                    } else if !declared.contains(secret.value.as_str()) {
                        out.add(&Self::META, secret.span, format!("secret `{}` used by `{}` is not declared", secret.value, service.name))
                            .help(format!("declare it under the top-level `secrets:` (`{}: {{file: ./secrets/{}}}`)", secret.value, secret.value));
                    }
                }
            }
        }
        let defined = cx.stack.inner_secret_names();
        for (m, c) in cx.stack.containers() {
            for secret in &c.secrets {
                if !defined.contains(&secret.value.as_str()) {
                    out.add(
                        &Self::META,
                        secret.span,
                        format!(
                            "secret `{}` used by `{}` is not defined",
                            secret.value, m.name.value
                        ),
                    )
                    .help(format!(
                        "add an `MCPSecret` manifest named `{}` with the file that holds it",
                        secret.value
                    ));
                }
            }
        }
    }
}
