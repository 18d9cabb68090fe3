use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a port in the long syntax (`{target: …, published: …}`) whose numbers or
    /// protocol the Docker Engine refuses: a port outside 1–65535, a published port that is
    /// not a number or range, a protocol other than tcp, udp or sctp.
    ///
    /// ## Why is this bad?
    /// Docker Compose loads such a file (it does not parse the long syntax's numbers), and
    /// `docker compose up` then fails when the Engine refuses the container (go-connections
    /// `nat.ParsePortSpec`, moby `validatePortBindings`), after the services before it were
    /// started.
    ///
    /// ## Example
    /// ```yaml
    /// ports: [{target: 80, published: "70000"}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// ports: [{target: 80, published: "7000"}]
    /// ```
    PortRefusedByEngine, "port-refused-by-engine", Error,
    "a long-syntax port compose loads but the Engine refuses"
}

impl Rule for PortRefusedByEngine {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            for port in service
                .ports
                .iter()
                .filter(|p| p.long && !p.unknown && !p.bad_host_ip)
            {
                if let Err(why) = &port.spec {
                    out.add(
                        &Self::META,
                        port.span,
                        format!("the Engine refuses this port of `{}`: {why}", service.name),
                    )
                    .help("ports are 1-65535; `published` is a port or a range such as `8080-8081`; protocols tcp, udp or sctp");
                }
            }
        }
    }
}
