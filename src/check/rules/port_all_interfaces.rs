use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::roles;

declare_rule! {
    /// ## What it does
    /// Reports a port published without a host IP (or on `0.0.0.0`/`::`), other than a DinD
    /// daemon port, which `daemon-port-exposed` covers.
    ///
    /// ## Why is this bad?
    /// The port is reachable from every network the host is on, which is rarely what a
    /// development or internal service needs.
    ///
    /// ## Example
    /// ```yaml
    /// ports: ["8080:80"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// ports: ["127.0.0.1:8080:80"]
    /// ```
    PortAllInterfaces, "port-all-interfaces", Info, "a port published on every host interface"
}

/// The container ports on which a Docker daemon listens.
pub const DAEMON_PORTS: [u16; 2] = [2375, 2376];

impl Rule for PortAllInterfaces {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            let dind = roles::is_dind(service);
            for port in service.ports.iter().filter(|p| !p.unknown) {
                let Ok(spec) = &port.spec else { continue };
                let daemon = dind && DAEMON_PORTS.iter().any(|d| spec.container.contains(*d));
                if spec.host.is_some() && spec.all_interfaces() && !daemon {
                    out.add(&Self::META, port.span, format!("`{}` publishes a port on all host interfaces", service.name))
                        .help("bind it to one address, e.g. `127.0.0.1:HOST:CONTAINER`, unless it must be reachable from other machines");
                }
            }
        }
    }
}
