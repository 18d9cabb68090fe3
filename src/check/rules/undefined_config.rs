use std::collections::HashSet;

use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a service that uses a config the top-level `configs:` does not declare.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "service refers to undefined config" (compose-go
    /// `checkConsistency`).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy: {image: "nginx:1.27", configs: [nginx_conf]}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   proxy: {image: "nginx:1.27", configs: [nginx_conf]}
    /// configs:
    ///   nginx_conf: {file: ./nginx.conf}
    /// ```
    UndefinedConfig, "undefined-config", Error, "a config used but not declared"
}

impl Rule for UndefinedConfig {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let declared: HashSet<&str> = project.configs.iter().map(|c| c.name.as_str()).collect();
        for service in &project.services {
            for config in &service.configs {
                if !declared.contains(config.value.as_str()) {
                    out.add(
                        &Self::META,
                        config.span,
                        format!(
                            "config `{}` used by `{}` is not declared",
                            config.value, service.name
                        ),
                    )
                    .help(format!(
                        "declare it under the top-level `configs:` (`{}: {{file: ./{}}}`)",
                        config.value, config.value
                    ));
                }
            }
        }
    }
}
