//! URLs a service is given in its environment, resolved as compose's DNS resolves them.

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::{Project, Service};
use crate::model::dind::{Daemon, Resolution, resolve};

declare_rule! {
    /// ## What it does
    /// Reports a URL in a service's environment (`scheme://HOST[:PORT]…`, also in a
    /// comma-separated list) whose `HOST` is a service name, `container_name` or network
    /// alias (or `hostname`) of the stack that the service shares no network with. `DOCKER_HOST` is judged
    /// by `docker-host-unreachable`.
    ///
    /// ## Why is this bad?
    /// Compose attaches each container to the networks it names and registers its service
    /// name, `container_name` and aliases in Docker's embedded DNS on those networks only
    /// (Docker's networking documentation: "containers … can look each other up by name" on
    /// a user-defined network they are both attached to). From any other network the name
    /// does not resolve, and the client fails with "no such host" / `EAI_NONAME` at runtime.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api: {image: "api:1", networks: [backend]}
    ///   web: {image: "web:1", environment: {API_URL: "http://api:8080"}}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api: {image: "api:1", networks: [backend]}
    ///   web: {image: "web:1", networks: [backend], environment: {API_URL: "http://api:8080"}}
    /// ```
    UrlHostUnresolvable, "url-host-unresolvable", Error, "a URL naming a service on no shared network"
}

declare_rule! {
    /// ## What it does
    /// Reports a URL in a service's environment that names another service of the stack
    /// with a port that is only the *host* side of that service's published ports
    /// (`http://api:18080` where `api` publishes `18080:8080` and neither publishes nor
    /// exposes 18080 as a container port).
    ///
    /// ## Why is this bad?
    /// Between containers, traffic goes to the container's own address and port; a published
    /// port's host side exists only on the host's interfaces (Docker's networking
    /// documentation on published ports: "the container port is … what the service
    /// listens on"). The request is refused unless the target also listens on that port
    /// inside its container, which nothing in the stack says.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api: {image: "api:1", ports: ["127.0.0.1:18080:8080"]}
    ///   web: {image: "web:1", environment: {API_URL: "http://api:18080"}}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api: {image: "api:1", ports: ["127.0.0.1:18080:8080"]}
    ///   web: {image: "web:1", environment: {API_URL: "http://api:8080"}}
    /// ```
    UrlHostSidePort, "url-host-side-port", Warning, "a URL using the host side of a published port between containers"
}

declare_rule! {
    /// ## What it does
    /// Reports a URL in a service's environment that names a DinD service with a port on
    /// which nothing in that container listens: not a port of its daemon (as its command
    /// and the dind entrypoint start it) and not a port an inner MCP container publishes.
    /// Judged only when the stack's inner manifests are known.
    ///
    /// ## Why is this bad?
    /// A DinD container runs `dockerd`; the only other listeners in its network namespace
    /// are the inner daemon's published ports (`docker-proxy` or its NAT rules bind them
    /// on the DinD container's interfaces). Anything else is refused: the client retries or
    /// fails at runtime while the stack looks healthy.
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   environment: {REGISTRY_URL: "http://dind:8080"}   # no inner container publishes 8080
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   environment: {REGISTRY_URL: "http://dind:13001"}  # published by an MCP manifest
    /// ```
    UrlNothingListens, "url-nothing-listens", Warning, "a URL to a DinD service port on which nothing listens"
}

/// `(host, port)` of each `scheme://` URL in `text`.
pub fn urls(text: &str) -> Vec<(&str, Option<u16>)> {
    let mut out = Vec::new();
    for part in text.split([',', ' ', ';']) {
        let Some((scheme, rest)) = part.split_once("://") else {
            continue;
        };
        let scheme_ok = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            continue;
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            match v6.split_once(']') {
                Some((h, p)) => (h, p.strip_prefix(':')),
                None => continue,
            }
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            continue;
        }
        let port = match port {
            Some(p) => match p.parse() {
                Ok(p) => Some(p),
                Err(_) => continue,
            },
            None => None,
        };
        out.push((host, port));
    }
    out
}

/// Each URL in `service`'s environment (but `DOCKER_HOST`), with what its host resolves to.
fn each_url<'p>(
    project: &'p Project,
    service: &'p Service,
    mut f: impl FnMut(&str, &str, Option<u16>, crate::source::Span, Resolution<'p>),
) {
    for var in &service.environment {
        if var.key == "DOCKER_HOST" {
            continue;
        }
        let Some(value) = &var.value else { continue };
        if value.value.unresolved {
            continue;
        }
        for (host, port) in urls(&value.value.text) {
            let r = resolve(project, service, host);
            f(&var.key, host, port, value.span, r);
        }
    }
}

impl Rule for UrlHostUnresolvable {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for service in &project.services {
            // A service on the host's network or another's namespace resolves differently.
            if service.network_mode.is_some() {
                continue;
            }
            each_url(project, service, |key, host, _, span, r| {
                let Resolution::Unshared(target) = r else {
                    return;
                };
                if target.name == service.name {
                    return;
                }
                out.add(
                    &Self::META,
                    span,
                    format!(
                        "`{key}` of `{}` names `{host}`, but `{}` is on no network `{}` joins",
                        service.name, target.name, service.name
                    ),
                )
                .related(target.key, "the service it names")
                .help(format!(
                    "compose resolves `{host}` only on networks both join: put `{}` and `{}` on a common network",
                    service.name, target.name
                ));
            });
        }
    }
}

impl Rule for UrlHostSidePort {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for service in &project.services {
            each_url(project, service, |key, host, port, span, r| {
                let (Resolution::Service(target, _), Some(port)) = (r, port) else {
                    return;
                };
                // A daemon's ports are judged by the daemon rules; a DinD service also
                // carries the inner containers' published ports.
                if target.dind.is_some() || target.name == service.name {
                    return;
                }
                let specs: Vec<_> = target
                    .ports
                    .iter()
                    .filter(|p| !p.unknown)
                    .filter_map(|p| p.spec.as_ref().ok())
                    .collect();
                let inside = specs.iter().any(|p| p.container.contains(port))
                    || target.expose.iter().any(|r| r.contains(port));
                if inside {
                    return;
                }
                let Some(published) = specs
                    .iter()
                    .find(|p| p.host.is_some_and(|h| h.contains(port)))
                else {
                    return;
                };
                let container = match published.host {
                    Some(h)
                        if h.end - h.start
                            == published.container.end - published.container.start =>
                    {
                        port - h.start + published.container.start
                    }
                    _ => published.container.start,
                };
                out.add(
                    &Self::META,
                    span,
                    format!(
                        "`{key}` of `{}` reaches `{host}:{port}`, the host side of a port `{}` publishes",
                        service.name, target.name
                    ),
                )
                .related(target.key, "the service it names")
                .help(format!(
                    "between containers use the container port: `{host}:{container}`"
                ));
            });
        }
    }
}

impl Rule for UrlNothingListens {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        if cx.stack.containers().next().is_none() {
            return;
        }
        let inner: Vec<crate::model::ports::Range> = cx
            .stack
            .containers()
            .flat_map(|(_, c)| c.ports.iter())
            .filter_map(|p| p.spec.as_ref().ok())
            .filter(|s| s.protocol == "tcp")
            .filter_map(|s| s.host)
            .collect();
        for service in &project.services {
            each_url(project, service, |key, host, port, span, r| {
                let (Resolution::Service(target, _), Some(port)) = (r, port) else {
                    return;
                };
                let Some(evidence) = target.dind.clone() else {
                    return;
                };
                let daemon = Daemon::new(target, evidence);
                let Some(config) = &daemon.config else {
                    return;
                };
                if daemon.listens_on(port) || inner.iter().any(|r| r.contains(port)) {
                    return;
                }
                let listens: Vec<String> = config
                    .listeners
                    .iter()
                    .map(|l| l.port.to_string())
                    .collect();
                let daemon_ports = if listens.is_empty() {
                    "no TCP port".to_string()
                } else {
                    listens.join(", ")
                };
                out.add(
                    &Self::META,
                    span,
                    format!(
                        "`{key}` of `{}` reaches `{host}:{port}`, but nothing listens there: `{}` runs a Docker daemon (on {daemon_ports}) and no inner container publishes {port}",
                        service.name, target.name
                    ),
                )
                .related(target.key, "the DinD service")
                .help("point the URL at a port an MCP manifest publishes, or publish the port from the inner container that serves it");
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::urls;

    #[test]
    fn finds_hosts_and_ports() {
        assert_eq!(urls("http://api:8080/x"), [("api", Some(8080))]);
        assert_eq!(urls("postgres://u:p@db/app"), [("db", None)]);
        assert_eq!(
            urls("redis://a:6379,redis://b:6380"),
            [("a", Some(6379)), ("b", Some(6380))]
        );
        assert_eq!(urls("http://[::1]:80"), [("::1", Some(80))]);
        assert_eq!(urls("not a url"), []);
        assert_eq!(urls("http://x:port"), []);
    }
}
