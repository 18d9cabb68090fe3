//! Outer networking: ports on internal-only networks, `host.docker.internal`.

use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a service that publishes ports while every network it joins is
    /// `internal: true`.
    ///
    /// ## Why is this bad?
    /// Internal networks have no route to the outside, so the published port never answers.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api: {image: "api:1", ports: ["127.0.0.1:8080:80"], networks: [private]}
    /// networks:
    ///   private: {internal: true}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api: {image: "api:1", ports: ["127.0.0.1:8080:80"], networks: [private, edge]}
    /// networks:
    ///   private: {internal: true}
    ///   edge: {}
    /// ```
    InternalNetworkPublishedPort, "internal-network-published-port", Warning, "ports published on internal-only networks"
}

declare_rule! {
    /// ## What it does
    /// Reports `host.docker.internal` used in the environment, command or health check of a
    /// service or an inner MCP container without
    /// `extra_hosts: ["host.docker.internal:host-gateway"]`.
    ///
    /// ## Why is this bad?
    /// On Linux engines the name does not resolve unless mapped to the host gateway (Docker's
    /// `--add-host host.docker.internal:host-gateway`; only Docker Desktop provides it by
    /// itself). Inside DinD the mapping is the inner daemon's gateway — the DinD container,
    /// not the real host — and an inner container needs it in its own manifest.
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   environment: {GATEWAY: http://host.docker.internal:8080}
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   environment: {GATEWAY: http://host.docker.internal:8080}
    ///   extra_hosts: ["host.docker.internal:host-gateway"]
    /// ```
    HostGatewayMissing, "host-gateway-missing", Warning, "`host.docker.internal` without a host-gateway entry"
}

impl Rule for InternalNetworkPublishedPort {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for service in &project.services {
            let published = service
                .ports
                .iter()
                .find(|p| p.spec.as_ref().is_ok_and(|s| s.host.is_some()));
            let Some(port) = published else { continue };
            let internal = |name: &str| {
                project
                    .networks
                    .iter()
                    .find(|n| n.name == name)
                    .is_some_and(|n| n.internal)
            };
            if !service.networks.is_empty() && service.networks.iter().all(|n| internal(&n.value)) {
                out.add(&Self::META, port.span, format!("`{}` publishes ports, but all its networks are internal", service.name))
                    .help("join a non-internal network as well (e.g. the stack's bridge), or drop the published ports");
            }
        }
    }
}

impl Rule for HostGatewayMissing {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            let mapped = service.extra_hosts.iter().any(|h| {
                let t = h.value.text.replace('=', ":");
                t.starts_with("host.docker.internal:")
            });
            if mapped {
                continue;
            }
            let env = service.environment.iter().filter_map(|e| e.value.as_ref());
            let health = service.healthcheck.iter().flat_map(|h| h.test.iter());
            let used = env
                .chain(service.command.iter())
                .chain(health)
                .find(|t| t.value.text.contains("host.docker.internal"));
            if let Some(used) = used {
                out.add(&Self::META, used.span, format!("`{}` uses `host.docker.internal` without mapping it", service.name))
                    .help("add `extra_hosts: [\"host.docker.internal:host-gateway\"]`; on Linux the name does not resolve otherwise");
            }
        }
        for (m, c) in cx.stack.containers() {
            let mapped = c.extra_hosts.iter().any(|h| {
                h.value
                    .replace('=', ":")
                    .starts_with("host.docker.internal:")
            });
            if mapped {
                continue;
            }
            let env = c.environment.iter().filter_map(|e| e.value.as_ref());
            let health = c.healthcheck.iter().flat_map(|h| h.test.iter());
            let used = env
                .chain(c.command.iter())
                .chain(health)
                .find(|t| t.value.text.contains("host.docker.internal"));
            if let Some(used) = used {
                out.add(&Self::META, used.span, format!("inner container `{}` uses `host.docker.internal` without mapping it", m.name.value))
                    .help("add `extra_hosts: [\"host.docker.internal:host-gateway\"]` to its spec; it then names the DinD container (the inner daemon's gateway), not the real host");
            }
        }
    }
}
