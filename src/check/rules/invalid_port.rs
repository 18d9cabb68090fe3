use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a port that does not parse: a number out of 0–65535, a range that ends before
    /// it starts, host and container ranges of different lengths, an unknown protocol, a host
    /// IP that is not an address. Compose ports are read as compose reads them (go-connections
    /// `nat.ParsePortSpec`); inner mcp/v1 ports as dindctl applies them. Ports that depend on
    /// an unresolved variable are skipped.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file ("invalid hostPort", "invalid proto"); an inner
    /// container with such a port cannot be created.
    ///
    /// ## Example
    /// ```yaml
    /// ports: ["80800:80", "127.0.0.1:9000-8000:9000"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// ports: ["8080:80", "127.0.0.1:8000-9000:8000-9000"]
    /// ```
    InvalidPort, "invalid-port", Error, "a port that does not parse or is out of range"
}

impl Rule for InvalidPort {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        // Compose ports are checked while loading, exactly as compose parses them; the
        // long syntax compose does not check is `port-refused-by-engine`.
        for (m, c) in cx.stack.containers() {
            for port in &c.ports {
                if let Err(why) = &port.spec {
                    out.add(
                        &Self::META,
                        port.span,
                        format!("invalid port in `{}`: {why}", m.name.value),
                    )
                    .help(
                        "mcp/v1 ports map `\"[host_ip:]host_port\": \"container_port[/tcp|udp]\"`",
                    );
                }
            }
        }
    }
}
