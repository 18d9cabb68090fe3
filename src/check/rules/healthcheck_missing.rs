use crate::check::{Context, Findings, Rule, declare_rule};
use crate::diag::Severity;
use crate::model::roles;

declare_rule! {
    /// ## What it does
    /// Reports a service without a health check where one matters: a warning for a DinD
    /// service, for a service another one depends on, and for an inner MCP container; an info
    /// for other Docker clients, and for an inner container with `spec.mcp` (whose handshake
    /// `apply` and `verify` run). One-shot jobs — `restart: "no"` (or a `deploy.restart_policy`
    /// of `none`), or waited for with `condition: service_completed_successfully` — are not
    /// reported: they are meant to exit.
    ///
    /// ## Why is this bad?
    /// Without one, "running" is all anyone can know: a manager starts before the inner daemon
    /// accepts connections (compose's `depends_on` waits for health only with a health
    /// check), and `dindctl apply` cannot tell a crash-looping MCP server from a healthy one.
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
            let waited: std::collections::HashMap<&str, bool> = {
                // Service name → whether some dependant waits for more than its completion.
                let mut m = std::collections::HashMap::new();
                for s in &project.services {
                    for d in &s.depends_on {
                        let completion = d
                            .condition
                            .as_ref()
                            .is_some_and(|c| c.value == "service_completed_successfully");
                        let slot = m.entry(d.service.as_str()).or_insert(false);
                        *slot |= !completion;
                    }
                }
                m
            };
            for service in &project.services {
                let one_shot =
                    service.one_shot || waited.get(service.name.as_str()) == Some(&false);
                if one_shot || service.healthcheck.as_ref().is_some_and(|h| h.is_active()) {
                    continue;
                }
                let (role, severity) = if roles::is_dind(service) {
                    ("DinD service", Severity::Warning)
                } else if waited.get(service.name.as_str()) == Some(&true) {
                    ("service", Severity::Warning)
                } else if roles.is_client(service) {
                    ("Docker client", Severity::Info)
                } else {
                    continue;
                };
                let help = if role == "DinD service" {
                    "add `healthcheck: {test: [CMD, docker, info], interval: 10s, retries: 10}` so clients can wait for the daemon"
                } else {
                    "add a `healthcheck:` so dependants can wait with `condition: service_healthy`"
                };
                let message = if role == "service" {
                    format!(
                        "`{}` has no health check, and other services depend on it",
                        service.name
                    )
                } else {
                    format!("{role} `{}` has no health check", service.name)
                };
                let d = out.add(&Self::META, service.key, message);
                d.severity = severity;
                d.help(help);
            }
        }
        for (m, c) in cx.stack.containers() {
            if c.healthcheck.as_ref().is_none_or(|h| !h.is_active()) {
                let d = out.add(
                    &Self::META,
                    m.name.span,
                    format!("inner container `{}` has no health check", m.name.value),
                );
                if c.mcp.is_some() {
                    // dindctl speaks MCP to it at every apply and `verify`: readiness is
                    // proven, only the daemon's own view between those is missing.
                    d.severity = Severity::Info;
                    d.help("apply and `dindctl verify` run its MCP handshake; a health check also lets the daemon and `status` see it stop answering in between");
                } else {
                    d.help(
                        "add `spec.healthcheck` with a `test`; apply waits for healthy containers",
                    );
                }
            }
        }
    }
}
