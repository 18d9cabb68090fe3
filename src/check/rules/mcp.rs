//! `spec.mcp`: how dindctl speaks MCP to an inner server, held against the rest of the
//! manifest and the outer stack.

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::Transport;
use crate::model::dind::daemons;
use crate::model::manifest::Container;

declare_rule! {
    /// ## What it does
    /// Reports an MCP server over HTTP whose `spec.mcp.port` is not among the container ports
    /// its manifest publishes, while it publishes others.
    ///
    /// ## Why is this bad?
    /// A published port forwards to the container port named on its right-hand side and to
    /// no other (Docker's "published ports"); clients outside the DinD daemon reach only
    /// those. When the container publishes some port but not the MCP one, either the MCP
    /// port is meant to be inner-only (then this is information), or one of the two numbers
    /// is a typo and the published port leads to something that is not the MCP endpoint.
    /// dindctl verifies such a server from inside the daemon.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   ports: {"13001": "3000"}
    ///   mcp: {transport: streamable-http, port: 8080}
    /// ```
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   ports: {"13001": "8080"}
    ///   mcp: {transport: streamable-http, port: 8080}
    /// ```
    McpPortNotPublished, "mcp-port-not-published", Info, "an MCP port that the container does not publish, while it publishes others"
}

declare_rule! {
    /// ## What it does
    /// Reports an MCP server over HTTP that no MCP client can reach: its MCP port is not
    /// forwarded to the host (not published inside DinD, or published but not forwarded by
    /// the outer DinD service) and no other inner container shares a network with it.
    /// Checked when the stack holds the outer compose file with its DinD service.
    ///
    /// ## Why is this bad?
    /// Containers reach each other only over networks they share (Docker's networking
    /// overview), and a port published inside DinD is bound in the DinD container's network
    /// namespace, which the host reaches only through the ports the DinD service publishes.
    /// Such a server runs and may pass its health check, but nothing can use it; only
    /// dindctl's probe from inside the daemon can speak to it.
    ///
    /// ## Example
    /// ```yaml
    /// # mcp-manifests/search-mcp.yml: alone on its network, nothing published
    /// spec:
    ///   networks: [search-only]
    ///   mcp: {transport: streamable-http, port: 3000}
    /// ```
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   ports: {"13005": "3000"}   # and `127.0.0.1:13005:13005` on the DinD service
    ///   mcp: {transport: streamable-http, port: 3000}
    /// ```
    McpUnreachable, "mcp-unreachable", Warning, "an MCP server over HTTP that no client can reach"
}

declare_rule! {
    /// ## What it does
    /// Reports an MCP server on `stdio` that publishes ports.
    ///
    /// ## Why is this bad?
    /// A stdio server reads JSON-RPC from its standard input and writes to its standard
    /// output (the MCP specification's stdio transport); it listens on no port, so whatever
    /// is published there answers nothing (or is a different program), and the outer
    /// forwards for it are dead.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   ports: {"13001": "3000"}
    ///   mcp: {transport: stdio}
    /// ```
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   mcp: {transport: stdio}
    /// ```
    McpStdioWithPorts, "mcp-stdio-with-ports", Warning, "an MCP server on stdio that publishes ports"
}

declare_rule! {
    /// ## What it does
    /// Reports a health check that fetches the MCP endpoint itself with a plain GET (`curl`
    /// or `wget` on `localhost`, `spec.mcp.port` and `spec.mcp.path`).
    ///
    /// ## Why is this bad?
    /// The MCP endpoint is not a health page. Under the 2026-07-28 revision a GET on a
    /// Streamable HTTP endpoint is answered `405 Method Not Allowed`; under 2025-03-26 to
    /// 2025-11-25 the server either answers 405 or opens an event stream that does not end;
    /// on the 2024-11-05 HTTP+SSE transport a GET on the SSE path always opens such a stream
    /// (the specification's transport pages). `curl -f` fails on the 405, and an open stream
    /// keeps the check running until its timeout: the container never turns healthy, and
    /// whatever waits for it (`service_healthy`, `dindctl apply`) waits in vain. Probe a
    /// health page of the server, or leave the MCP check to `dindctl verify`.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   healthcheck: {test: [CMD, curl, -f, "http://localhost:3000/mcp"]}
    ///   mcp: {transport: streamable-http, port: 3000}
    /// ```
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   healthcheck: {test: [CMD, curl, -f, "http://localhost:3000/health"]}
    ///   mcp: {transport: streamable-http, port: 3000}
    /// ```
    McpHealthcheckOnEndpoint, "mcp-healthcheck-on-endpoint", Warning, "a health check that GETs the MCP endpoint, which never answers it with success"
}

/// Container ports a manifest publishes (TCP).
fn published(c: &Container) -> Vec<u16> {
    c.ports
        .iter()
        .filter_map(|p| p.spec.as_ref().ok())
        .filter(|s| s.protocol == "tcp")
        .flat_map(|s| s.container.start..=s.container.end)
        .collect()
}

impl Rule for McpPortNotPublished {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for (m, c) in cx.stack.containers() {
            let Some(mcp) = &c.mcp else { continue };
            let Some(port) = &mcp.port else { continue };
            if !mcp.transport.value.is_http() || c.ports.iter().any(|p| p.spec.is_err()) {
                continue;
            }
            let ports = published(c);
            if ports.is_empty() || ports.contains(&port.value) {
                continue;
            }
            let list: Vec<String> = ports.iter().map(u16::to_string).collect();
            out.add(
                &Self::META,
                port.span,
                format!(
                    "`{}` serves MCP on port {}, but publishes only {}",
                    m.name.value,
                    port.value,
                    list.join(", ")
                ),
            )
            .help("publish the MCP port, or correct `spec.mcp.port`; an inner-only MCP port is verified from inside the daemon");
        }
    }
}

impl Rule for McpUnreachable {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let ds = daemons(project);
        if ds.is_empty()
            || ds
                .iter()
                .flat_map(|d| d.service.ports.iter())
                .any(|p| p.unknown)
        {
            return;
        }
        let forwarded = |port: u16| crate::model::dind::forward_of(project, port).is_some();
        // The networks of each inner container; none written means the default bridge.
        let nets = |c: &Container| -> Vec<String> {
            if c.networks.is_empty() {
                vec!["bridge".into()]
            } else {
                c.networks.iter().map(|n| n.value.clone()).collect()
            }
        };
        let containers: Vec<_> = cx.stack.containers().collect();
        for (i, (m, c)) in containers.iter().enumerate() {
            let Some(mcp) = &c.mcp else { continue };
            let Some(port) = &mcp.port else { continue };
            if !mcp.transport.value.is_http() || c.ports.iter().any(|p| p.spec.is_err()) {
                continue;
            }
            let host_ports: Vec<u16> = c
                .ports
                .iter()
                .filter_map(|p| p.spec.as_ref().ok())
                .filter(|s| {
                    s.protocol == "tcp"
                        && s.container.start <= port.value
                        && port.value <= s.container.end
                })
                .filter_map(|s| s.host.map(|h| h.start + (port.value - s.container.start)))
                .collect();
            if host_ports.iter().any(|p| forwarded(*p)) {
                continue;
            }
            let mine = nets(c);
            let peers = containers
                .iter()
                .enumerate()
                .any(|(j, (_, other))| j != i && nets(other).iter().any(|n| mine.contains(n)));
            if peers {
                continue;
            }
            let why = if host_ports.is_empty() {
                format!("port {} is not published", port.value)
            } else {
                format!(
                    "host port {} inside DinD is not forwarded by `{}`",
                    host_ports[0], ds[0].service.name
                )
            };
            out.add(
                &Self::META,
                mcp.transport.span,
                format!(
                    "no MCP client can reach `{}`: {why}, and no other inner container shares a network with it",
                    m.name.value
                ),
            )
            .help("publish the MCP port and forward it on the DinD service, or put the server on a network with its clients");
        }
    }
}

impl Rule for McpStdioWithPorts {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for (m, c) in cx.stack.containers() {
            let Some(mcp) = &c.mcp else { continue };
            if mcp.transport.value != Transport::Stdio {
                continue;
            }
            if let Some(first) = c.ports.first() {
                out.add(
                    &Self::META,
                    first.span,
                    format!(
                        "`{}` speaks MCP on stdio, yet publishes ports: nothing of it listens there",
                        m.name.value
                    ),
                )
                .related(mcp.transport.span, "the stdio transport")
                .help("drop `ports` (and their forwards on the DinD service), or use an HTTP transport if the server listens");
            }
        }
    }
}

/// Whether `word` is an `http://` URL on the container itself at `port` and `path`.
fn is_own_endpoint(word: &str, port: u16, path: &str) -> bool {
    let Some(rest) = word.strip_prefix("http://") else {
        return false;
    };
    let (authority, url_path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let url_path = url_path.split(['?', '#']).next().unwrap_or(url_path);
    let (host, p) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().ok()),
        None => (authority, Some(80)),
    };
    matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]")
        && p == Some(port)
        && url_path.trim_end_matches('/') == path.trim_end_matches('/')
}

impl Rule for McpHealthcheckOnEndpoint {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for (m, c) in cx.stack.containers() {
            let Some(mcp) = &c.mcp else { continue };
            let Some(port) = &mcp.port else { continue };
            let Some(h) = c.healthcheck.as_ref().filter(|h| h.is_active()) else {
                continue;
            };
            if !mcp.transport.value.is_http() {
                continue;
            }
            // The words of the check, a `CMD-SHELL` string split on spaces.
            let words: Vec<(String, crate::source::Span)> = h
                .test
                .iter()
                .flat_map(|t| {
                    t.value
                        .text
                        .split_whitespace()
                        .map(|w| (w.trim_matches(['\'', '"']).to_string(), t.span))
                        .collect::<Vec<_>>()
                })
                .collect();
            // A GET: curl or wget without a request body or another method.
            let getter = words
                .iter()
                .any(|(w, _)| w.ends_with("curl") || w.ends_with("wget"));
            let other_method = words.iter().any(|(w, _)| {
                matches!(
                    w.as_str(),
                    "-X" | "--request" | "-d" | "--data" | "--post-data" | "--method"
                ) || w.starts_with("--data")
                    || w.starts_with("--request=")
                    || w.starts_with("--post-")
            });
            if !getter || other_method {
                continue;
            }
            if let Some((url, span)) = words
                .iter()
                .find(|(w, _)| is_own_endpoint(w, port.value, &mcp.path))
            {
                out.add(
                    &Self::META,
                    *span,
                    format!(
                        "the health check of `{}` GETs its MCP endpoint `{url}`, which answers a GET with 405 or an endless event stream",
                        m.name.value
                    ),
                )
                .related(mcp.span, "the MCP endpoint")
                .help("probe a health page of the server instead; `dindctl verify` speaks MCP to it");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_own_endpoint;

    #[test]
    fn endpoints() {
        assert!(is_own_endpoint("http://localhost:3000/mcp", 3000, "/mcp"));
        assert!(is_own_endpoint(
            "http://127.0.0.1:3000/mcp/?x=1",
            3000,
            "/mcp"
        ));
        assert!(!is_own_endpoint(
            "http://localhost:3000/health",
            3000,
            "/mcp"
        ));
        assert!(!is_own_endpoint("http://localhost:3001/mcp", 3000, "/mcp"));
        assert!(!is_own_endpoint("http://other:3000/mcp", 3000, "/mcp"));
    }
}
