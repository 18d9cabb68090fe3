use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a host port below 1024.
    ///
    /// ## Why is this bad?
    /// Binding it needs root (or `CAP_NET_BIND_SERVICE`) on the host; rootless Docker and
    /// Podman refuse it by default.
    ///
    /// ## Example
    /// ```yaml
    /// ports: ["80:8080"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// ports: ["8080:8080"]
    /// ```
    PrivilegedHostPort, "privileged-host-port", Info, "a host port below 1024"
}

impl Rule for PrivilegedHostPort {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            for port in service.ports.iter().filter(|p| !p.unknown) {
                if let Ok(spec) = &port.spec {
                    if let Some(host) = spec.host.filter(|h| h.start < 1024) {
                        out.add(
                            &Self::META,
                            port.span,
                            format!("host port `{host}` of `{}` is below 1024", service.name),
                        )
                        .help("binding it needs root on the host; use a port of 1024 or above");
                    }
                }
            }
        }
    }
}
