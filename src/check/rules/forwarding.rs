//! Inner ports and the outer DinD service's port mappings must meet.

use std::collections::HashMap;

use crate::model::intervals::RangeSet;

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::dind::daemons;

declare_rule! {
    /// ## What it does
    /// Reports an inner container that publishes host port `P` on the DinD daemon while no
    /// DinD service publishes container port `P` on the real host.
    ///
    /// ## Why is this bad?
    /// Inner ports are published inside the DinD container's network namespace. Without the
    /// outer mapping, the MCP server is unreachable from the host, though `docker ps` inside
    /// DinD shows the port.
    ///
    /// ## Example
    /// ```yaml
    /// # mcp-manifests/files-mcp.yml
    /// spec:
    ///   ports: {"13002": "3000"}
    /// # docker-compose.dind.yml: dind publishes only 127.0.0.1:2376:2376
    /// ```
    /// Use instead:
    /// ```yaml
    /// # docker-compose.dind.yml
    /// dind:
    ///   ports: ["127.0.0.1:2376:2376", "127.0.0.1:13002:13002"]
    /// ```
    InnerPortNotForwarded, "inner-port-not-forwarded", Warning, "an inner port that the DinD service does not publish"
}

declare_rule! {
    /// ## What it does
    /// Reports a port the DinD service publishes on which nothing listens: neither its daemon
    /// (2375/2376 as TLS decides) nor any inner container's published port. Checked only when
    /// the stack includes the inner manifests.
    ///
    /// ## Why is this bad?
    /// A stale forward hides which MCP servers really exist, and occupies a host port.
    ///
    /// ## Example
    /// ```yaml
    /// dind:
    ///   ports: ["127.0.0.1:13009:13009"]   # no inner container publishes 13009
    /// ```
    /// Use instead:
    /// ```yaml
    /// dind:
    ///   ports: ["127.0.0.1:2376:2376", "127.0.0.1:13001:13001"]   # 13001 is an MCP server's port
    /// ```
    DindPortUnused, "dind-port-unused", Warning, "a DinD port mapping on which nothing listens"
}

impl Rule for InnerPortNotForwarded {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let ds = daemons(project);
        if ds.is_empty() {
            return;
        }
        if ds
            .iter()
            .flat_map(|d| d.service.ports.iter())
            .any(|p| p.unknown)
        {
            return;
        }
        // Container ports the DinD services forward, per protocol, as intervals.
        let mut forwarded: HashMap<&str, RangeSet> = HashMap::new();
        for spec in ds
            .iter()
            .flat_map(|d| d.service.ports.iter())
            .filter_map(|p| p.spec.as_ref().ok())
        {
            forwarded
                .entry(spec.protocol.as_str())
                .or_default()
                .insert(spec.container.start, spec.container.end);
        }
        let none = RangeSet::new();
        for (m, c) in cx.stack.containers() {
            for port in &c.ports {
                let Ok(spec) = &port.spec else { continue };
                let Some(host) = spec.host else { continue };
                let set = forwarded.get(spec.protocol.as_str()).unwrap_or(&none);
                if let Some(first) = set.first_uncovered(host.start, host.end) {
                    let dind = &ds[0].service.name;
                    out.add(&Self::META, port.span, format!("`{}` publishes port {first} inside DinD, but `{dind}` does not forward it to the host", m.name.value))
                        .related(ds[0].service.key, "the DinD service")
                        .help(format!("add `\"127.0.0.1:{first}:{first}\"` to the ports of `{dind}`, or drop the inner port if it is internal"));
                }
            }
        }
    }
}

impl Rule for DindPortUnused {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        if cx.stack.containers().next().is_none() {
            return;
        }
        // Host ports the inner containers publish, per protocol, as intervals.
        let mut inner: HashMap<&str, RangeSet> = HashMap::new();
        for spec in cx
            .stack
            .containers()
            .flat_map(|(_, c)| c.ports.iter())
            .filter_map(|p| p.spec.as_ref().ok())
        {
            if let Some(h) = spec.host {
                inner
                    .entry(spec.protocol.as_str())
                    .or_default()
                    .insert(h.start, h.end);
            }
        }
        let none = RangeSet::new();
        for d in daemons(project) {
            for port in d.service.ports.iter().filter(|p| !p.unknown) {
                let Ok(spec) = &port.spec else { continue };
                if spec.host.is_none() {
                    continue;
                }
                // Used: every port is the daemon's, a conventional daemon port, or published
                // by an inner container.
                let published = inner.get(spec.protocol.as_str()).unwrap_or(&none);
                let daemon_port = |p: u16| d.listens_on(p) || super::DAEMON_PORTS.contains(&p);
                let mut from = Some(spec.container.start);
                let mut used = true;
                while let Some(f) = from {
                    match published.first_uncovered(f, spec.container.end) {
                        Some(p) if daemon_port(p) => from = p.checked_add(1),
                        Some(_) => {
                            used = false;
                            break;
                        }
                        None => break,
                    }
                }
                if !used {
                    out.add(&Self::META, port.span, format!("`{}` forwards port {}, but no inner container publishes it", d.service.name, spec.container))
                        .help("remove the mapping, or publish the port from the MCP server that should own it");
                }
            }
        }
    }
}
