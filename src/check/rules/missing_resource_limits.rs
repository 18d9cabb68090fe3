use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a service or inner container without a memory or CPU limit
    /// (`deploy.resources.limits`, `mem_limit`, `cpus`; `spec.resources.limits` inside DinD).
    ///
    /// ## Why is this bad?
    /// One leaking MCP server can take the memory of the whole DinD daemon, and with it every
    /// other server.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api: {image: "api:1"}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: "api:1"
    ///     deploy: {resources: {limits: {cpus: "0.5", memory: 256M}}}
    /// ```
    MissingResourceLimits, "missing-resource-limits", Info, "no memory or CPU limit"
}

impl Rule for MissingResourceLimits {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services().filter(|s| !s.has_limits) {
            out.add(
                &Self::META,
                service.key,
                format!("`{}` has no memory or CPU limit", service.name),
            )
            .help("set `deploy.resources.limits` (`cpus`, `memory`)");
        }
        for (m, _) in cx.stack.containers().filter(|(_, c)| !c.has_limits) {
            out.add(
                &Self::META,
                m.name.span,
                format!(
                    "inner container `{}` has no memory or CPU limit",
                    m.name.value
                ),
            )
            .help("set `spec.resources.limits` (`cpus`, `memory`)");
        }
    }
}
