//! The DinD daemon's published ports: exposed beyond loopback, reachable without TLS, or
//! mapped where nothing listens.

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::dind::{Daemon, daemons};
use crate::model::ports::PortSpec;
use crate::source::Span;

use super::DAEMON_PORTS;

declare_rule! {
    /// ## What it does
    /// Reports a DinD service that publishes its daemon port (2375 or 2376) on all host
    /// interfaces or on a non-loopback address.
    ///
    /// ## Why is this bad?
    /// The DinD daemon runs privileged: whoever reaches its API is root on the host. Even
    /// with TLS, the port belongs on loopback (or unpublished, with clients on the stack's
    /// network).
    ///
    /// ## Example
    /// ```yaml
    /// dind:
    ///   image: docker:25.0.5-dind
    ///   ports: ["2376:2376"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// dind:
    ///   image: docker:25.0.5-dind
    ///   ports: ["127.0.0.1:2376:2376"]
    /// ```
    DaemonPortExposed, "daemon-port-exposed", Error, "a DinD daemon port published beyond loopback"
}

declare_rule! {
    /// ## What it does
    /// Reports a daemon port reachable without TLS: a DinD service with TLS off
    /// (`DOCKER_TLS_CERTDIR: ""`) that publishes 2375, or a client that connects to
    /// `tcp://…:2375`.
    ///
    /// ## Why is this bad?
    /// The plain Docker API has no authentication: anyone who can connect controls the
    /// daemon, and through a privileged DinD container, the host.
    ///
    /// ## Example
    /// ```yaml
    /// dind:
    ///   image: docker:25.0.5-dind
    ///   environment: {DOCKER_TLS_CERTDIR: ""}
    ///   ports: ["127.0.0.1:2375:2375"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// dind:
    ///   image: docker:25.0.5-dind
    ///   environment: {DOCKER_TLS_CERTDIR: /certs}
    ///   ports: ["127.0.0.1:2376:2376"]
    /// ```
    PlaintextDaemonPort, "plaintext-daemon-port", Error, "a daemon port reachable without TLS"
}

declare_rule! {
    /// ## What it does
    /// Reports a DinD service that maps 2375 while TLS is on (`DOCKER_TLS_CERTDIR` non-empty,
    /// the image's default), or 2376 while TLS is off: the daemon does not listen there.
    ///
    /// ## Why is this bad?
    /// Clients pointed at that port get "connection refused" (or a reset), and the mapping
    /// suggests a plaintext port that someone may later "fix" by turning TLS off.
    ///
    /// ## Example
    /// ```yaml
    /// dind:
    ///   image: docker:25.0.5-dind
    ///   ports: ["127.0.0.1:2375:2375"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// dind:
    ///   image: docker:25.0.5-dind
    ///   ports: ["127.0.0.1:2376:2376"]
    /// ```
    DeadDaemonPort, "dead-daemon-port", Error, "a daemon port mapped where nothing listens"
}

/// The DinD service's published daemon ports: (spec, span, daemon port).
fn daemon_ports<'a>(d: &'a Daemon<'_>) -> impl Iterator<Item = (&'a PortSpec, Span, u16)> {
    d.service
        .ports
        .iter()
        .filter(|p| !p.unknown)
        .filter_map(|p| {
            let spec = p.spec.as_ref().ok()?;
            let port = DAEMON_PORTS
                .into_iter()
                .find(|dp| spec.container.contains(*dp))?;
            spec.host?;
            Some((spec, p.span, port))
        })
}

impl Rule for DaemonPortExposed {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for d in daemons(project) {
            for (spec, span, port) in daemon_ports(&d) {
                if !spec.loopback_only() {
                    let where_ = match spec.host_ip {
                        Some(ip) if !ip.is_unspecified() => format!("on `{ip}`"),
                        _ => "on all host interfaces".into(),
                    };
                    out.add(&Self::META, span, format!("DinD service `{}` publishes its daemon port {port} {where_}", d.service.name))
                        .help(format!(
                            "the daemon's API is root on the host for anyone who reaches it; publish it as `127.0.0.1:{port}:{port}`, or not at all"
                        ));
                }
            }
        }
    }
}

impl Rule for PlaintextDaemonPort {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for d in daemons(project) {
            if d.tls != Some(false) {
                continue;
            }
            for (_, span, port) in daemon_ports(&d).filter(|(_, _, p)| *p == 2375) {
                out.add(&Self::META, span, format!("DinD service `{}` publishes the plain-TCP daemon port {port}", d.service.name))
                    .help("turn TLS on (`DOCKER_TLS_CERTDIR: /certs`) and publish 2376 with the client certificates, or share the socket volume instead");
            }
        }
        for service in &project.services {
            if let Some((
                crate::model::dind::DockerHost::Tcp {
                    host,
                    port: Some(2375),
                },
                span,
            )) = crate::model::dind::docker_host(service)
            {
                // A client of a DinD service with TLS on is `docker-host-unreachable` instead.
                let tls_on = project
                    .service(&host)
                    .map(Daemon::of)
                    .is_some_and(|d| d.tls == Some(true));
                if !tls_on {
                    out.add(&Self::META, span, format!("`{}` talks to the Docker daemon at `{host}:2375` without TLS", service.name))
                        .help("use `tcp://HOST:2376` with `DOCKER_TLS_VERIFY=1` and `DOCKER_CERT_PATH`, or the shared socket");
                }
            }
        }
    }
}

impl Rule for DeadDaemonPort {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for d in daemons(project) {
            let Some(tls) = d.tls else { continue };
            for (_, span, port) in daemon_ports(&d) {
                if d.listens_on(port) {
                    continue;
                }
                let why = if tls {
                    "TLS is on (`DOCKER_TLS_CERTDIR` is set, the image's default), so the daemon listens only on 2376"
                } else {
                    "TLS is off (`DOCKER_TLS_CERTDIR` is empty), so the daemon listens only on 2375"
                };
                out.add(
                    &Self::META,
                    span,
                    format!(
                        "`{}` maps port {port}, where its daemon does not listen",
                        d.service.name
                    ),
                )
                .help(format!(
                    "{why}; map the port it listens on, or remove this mapping"
                ));
            }
        }
    }
}
