use std::collections::HashMap;

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::intervals::FirstOwner;
use crate::model::ports::PortSpec;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports a host port (and protocol) published twice on one daemon: ranges are expanded,
    /// and host IPs compared (`0.0.0.0` and `::` overlap every address). Outer services share
    /// the host's daemon; inner containers share the DinD daemon, so the two layers are
    /// checked separately.
    ///
    /// ## Why is this bad?
    /// The second container fails to start with "port is already allocated".
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api: {image: "api:1", ports: ["8080:80"]}
    ///   web: {image: "web:1", ports: ["127.0.0.1:8080:80"]}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api: {image: "api:1", ports: ["8080:80"]}
    ///   web: {image: "web:1", ports: ["127.0.0.1:8081:80"]}
    /// ```
    DuplicateHostPort, "duplicate-host-port", Error, "the same host port published twice on one daemon"
}

struct Published<'a> {
    owner: &'a str,
    spec: &'a PortSpec,
    span: Span,
}

/// Reports each publication that collides with an earlier one on the same daemon, at the
/// lowest colliding port, naming the earliest publication there. Per protocol, the ports
/// published so far are kept as intervals — all of them, those on an unspecified host IP, and
/// those of each specific IP — so this costs O(n log n) whatever the width of the ranges.
fn check_daemon(entries: &[Published<'_>], daemon: &str, out: &mut Findings) {
    #[derive(Default)]
    struct Seen {
        all: FirstOwner,
        any_ip: FirstOwner,
        by_ip: HashMap<std::net::IpAddr, FirstOwner>,
    }
    let mut seen: HashMap<&str, Seen> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let Some(host) = entry.spec.host else {
            continue;
        };
        let proto = seen.entry(entry.spec.protocol.as_str()).or_default();
        let specific = entry.spec.host_ip.filter(|ip| !ip.is_unspecified());
        let candidates: Vec<&FirstOwner> = match specific {
            None => vec![&proto.all],
            Some(ip) => proto
                .by_ip
                .get(&ip)
                .into_iter()
                .chain([&proto.any_ip])
                .collect(),
        };
        let port = candidates
            .iter()
            .filter_map(|c| c.first_covered(host.start, host.end))
            .min();
        if let Some(port) = port {
            let j = candidates.iter().filter_map(|c| c.owner_at(port)).min();
            if let Some(first) = j.and_then(|j| entries.get(j)) {
                let who = if first.owner == entry.owner {
                    format!("twice by `{}`", entry.owner)
                } else {
                    format!("by both `{}` and `{}`", first.owner, entry.owner)
                };
                out.add(
                    &DuplicateHostPort::META,
                    entry.span,
                    format!(
                        "host port `{port}/{}` is published {who} on the {daemon} daemon",
                        entry.spec.protocol
                    ),
                )
                .related(first.span, "first published here")
                .help("give each container its own host port, or bind them to different host IPs");
            }
        }
        proto.all.insert(host.start, host.end, i);
        match specific {
            None => proto.any_ip.insert(host.start, host.end, i),
            Some(ip) => proto
                .by_ip
                .entry(ip)
                .or_default()
                .insert(host.start, host.end, i),
        }
    }
}

impl Rule for DuplicateHostPort {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let outer: Vec<Published<'_>> = cx
            .stack
            .services()
            .flat_map(|s| {
                s.ports.iter().filter(|p| !p.unknown).filter_map(move |p| {
                    p.spec.as_ref().ok().map(|spec| Published {
                        owner: &s.name,
                        spec,
                        span: p.span,
                    })
                })
            })
            .collect();
        check_daemon(&outer, "host", out);
        let inner: Vec<Published<'_>> = cx
            .stack
            .containers()
            .flat_map(|(m, c)| {
                c.ports.iter().filter_map(move |p| {
                    p.spec.as_ref().ok().map(|spec| Published {
                        owner: &m.name.value,
                        spec,
                        span: p.span,
                    })
                })
            })
            .collect();
        check_daemon(&inner, "DinD", out);
    }
}
