use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a dependency on a service that does not exist: in `depends_on`, and the ones
    /// compose adds itself for `links`, `volumes_from` and `network_mode`/`ipc`/`pid`/`uts`/
    /// `cgroup: service:NAME`. A dependency on a service outside the active compose profiles
    /// counts as missing unless it says `required: false`.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "depends on undefined service" (compose-go
    /// `checkConsistency`, after `Normalize` turned the implicit references into
    /// dependencies).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web: {image: "web:1", depends_on: [databse]}
    ///   database: {image: "postgres:16"}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web: {image: "web:1", depends_on: [database]}
    ///   database: {image: "postgres:16"}
    /// ```
    UndefinedDependency, "undefined-dependency", Error, "`depends_on` names a service that does not exist"
}

impl Rule for UndefinedDependency {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for service in &project.services {
            for dep in &service.depends_on {
                if project.service(&dep.service).is_some() {
                    continue;
                }
                let disabled = project.any_service(&dep.service).is_some();
                if disabled && !dep.required {
                    continue;
                }
                let via = dep
                    .implied_by
                    .map(|f| format!(" (through `{f}`)"))
                    .unwrap_or_default();
                let (what, help) = if disabled {
                    (
                        "which is outside the active profiles",
                        "activate its profile (`--compose-profile`, `COMPOSE_PROFILES`), or mark the dependency `required: false`",
                    )
                } else {
                    (
                        "which is not a service",
                        "fix the name, or define the service",
                    )
                };
                out.add(
                    &Self::META,
                    dep.span,
                    format!(
                        "`{}` depends on `{}`{via}, {what}",
                        service.name, dep.service
                    ),
                )
                .help(help);
            }
        }
    }
}
