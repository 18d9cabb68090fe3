use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::roles;

declare_rule! {
    /// ## What it does
    /// Reports a DinD service, a Docker client service, or an inner MCP container without a
    /// health check.
    ///
    /// ## Why is this bad?
    /// Without one, "running" is all anyone can know: a manager starts before the inner daemon
    /// accepts connections, and `dindctl apply` cannot tell a crash-looping MCP server from a
    /// healthy one.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   dind: {image: "docker:25.0.5-dind", privileged: true}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   dind:
    ///     image: "docker:25.0.5-dind"
    ///     privileged: true
    ///     healthcheck: {test: [CMD, docker, info], interval: 10s, retries: 10}
    /// ```
    HealthcheckMissing, "healthcheck-missing", Warning, "a DinD service, a client or an inner container without a health check"
}

impl Rule for HealthcheckMissing {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        if let Some(project) = &cx.stack.outer {
            let roles = roles::Roles::of(project);
            for service in &project.services {
                let role = if roles::is_dind(service) {
                    "DinD service"
                } else if roles.is_client(service) {
                    "Docker client"
                } else {
                    continue;
                };
                if service.healthcheck.as_ref().is_none_or(|h| !h.is_active()) {
                    out.add(&Self::META, service.key, format!("{role} `{}` has no health check", service.name))
                        .help(if role == "DinD service" {
                            "add `healthcheck: {test: [CMD, docker, info], interval: 10s, retries: 10}` so clients can wait for the daemon"
                        } else {
                            "add a `healthcheck:` so dependants can wait with `condition: service_healthy`"
                        });
                }
            }
        }
        for (m, c) in cx.stack.containers() {
            if c.healthcheck.as_ref().is_none_or(|h| !h.is_active()) {
                out.add(
                    &Self::META,
                    m.name.span,
                    format!("inner container `{}` has no health check", m.name.value),
                )
                .help("add `spec.healthcheck` with a `test`; apply waits for healthy containers");
            }
        }
    }
}
