//! The DinD daemon's published ports: exposed beyond loopback, reachable without TLS, or
//! mapped where nothing listens. Which ports a daemon listens on, and with or without TLS,
//! is read as the docker:dind entrypoint starts it (see `model::dind`).

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::dind::{Daemon, DockerHost, Resolution, daemons, docker_host, resolve};
use crate::model::ports::PortSpec;
use crate::source::Span;

use super::DAEMON_PORTS;

declare_rule! {
    /// ## What it does
    /// Reports a DinD service that publishes a port its daemon listens on (2375/2376 when
    /// its command cannot be read) on all host interfaces or on a non-loopback address.
    ///
    /// ## Why is this bad?
    /// The DinD daemon runs privileged: whoever reaches its API is root on the host (the
    /// daemon can start a privileged container with the host's `/` mounted; Docker's
    /// "Protect the Docker daemon socket" documentation). Even with TLS, the port belongs on
    /// loopback, or unpublished with clients on the stack's network.
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
    /// Reports a Docker API reachable without TLS: a DinD service that publishes a port its
    /// daemon serves in plain text (2375 with `DOCKER_TLS_CERTDIR: ""`, or any port of
    /// `dockerd -H tcp://…` without `--tlsverify`/`--tls`), and a client that connects to a
    /// plain-text listener (or to `tcp://…:2375` of a daemon dindctl cannot read).
    ///
    /// ## Why is this bad?
    /// The plain Docker API has no authentication: anyone who can connect controls the
    /// daemon, and through a privileged DinD container, the host. The port number proves
    /// nothing: `dockerd -H tcp://0.0.0.0:2376` without TLS is plain text on 2376, and the
    /// dind entrypoint adds `--tlsverify` (which implies TLS in dockerd) only when
    /// `DOCKER_TLS_CERTDIR` is set (docker-library `dockerd-entrypoint.sh`).
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
    /// Reports a DinD service that publishes a daemon port (2375 or 2376) where its daemon
    /// does not listen: 2375 while the entrypoint turns TLS on (`DOCKER_TLS_CERTDIR`
    /// non-empty, the image's default), 2376 while TLS is off, or either one when the
    /// command's own `--host` list does not name it. A command dindctl cannot read (a
    /// script) is not judged.
    ///
    /// ## Why is this bad?
    /// Clients pointed at that port get "connection refused", and the mapping suggests a
    /// plain-text port that someone may later "fix" by turning TLS off. The dind entrypoint
    /// listens on exactly one TCP port, 2376 with TLS or 2375 without (docker-library
    /// `dockerd-entrypoint.sh`); flags in `command:` such as `--tls=false` do not change it,
    /// because it adds `--tlsverify`.
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

/// The DinD service's published ports that reach its daemon, or would by their number:
/// (spec, span, container port).
fn daemon_ports<'a>(d: &'a Daemon<'_>) -> impl Iterator<Item = (&'a PortSpec, Span, u16)> {
    d.service
        .ports
        .iter()
        .filter(|p| !p.unknown)
        .filter_map(move |p| {
            let spec = p.spec.as_ref().ok()?;
            spec.host?;
            let listening = d
                .listens
                .iter()
                .copied()
                .find(|l| spec.container.contains(*l));
            let conventional = DAEMON_PORTS
                .into_iter()
                .find(|dp| spec.container.contains(*dp));
            let port = listening.or(conventional)?;
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
                if !d.listens_on(port) {
                    continue;
                }
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
            for (_, span, port) in daemon_ports(&d) {
                let plain = match (&d.config, d.listener(port)) {
                    (Some(_), Some(l)) => !l.tls,
                    (Some(_), None) => false,
                    (None, _) => port == 2375,
                };
                if plain {
                    out.add(&Self::META, span, format!("DinD service `{}` publishes its daemon's plain-text API on port {port}", d.service.name))
                        .help("turn TLS on (`DOCKER_TLS_CERTDIR: /certs` with the image's entrypoint, or `--tlsverify` with the certificates) and have clients verify it, or share the socket volume instead");
                }
            }
        }
        for service in &project.services {
            let Some((DockerHost::Tcp { host, port }, span)) = docker_host(service) else {
                continue;
            };
            let target = match resolve(project, service, &host) {
                Resolution::Service(t, _) => Some(t),
                _ => None,
            };
            let daemon = target.and_then(|t| Some(Daemon::new(t, t.dind.clone()?)));
            let plain = match (&daemon, port) {
                (Some(d), Some(p)) if d.config.is_some() => d.listener(p).is_some_and(|l| !l.tls),
                (Some(d), None) if d.config.is_some() => d.listener(2375).is_some_and(|l| !l.tls),
                (_, p) => {
                    p.unwrap_or(2375) == 2375 && daemon.as_ref().is_none_or(|d| d.tls != Some(true))
                }
            };
            if plain {
                out.add(&Self::META, span, format!("`{}` talks to the Docker daemon at `{host}:{}` without TLS", service.name, port.unwrap_or(2375)))
                    .help("use `tcp://HOST:2376` with `DOCKER_TLS_VERIFY=1` and `DOCKER_CERT_PATH`, or the shared socket");
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
            let Some(config) = &d.config else { continue };
            for (_, span, port) in daemon_ports(&d) {
                if d.listens_on(port) {
                    continue;
                }
                let listens: Vec<String> = config
                    .listeners
                    .iter()
                    .map(|l| l.port.to_string())
                    .collect();
                let why = if listens.is_empty() {
                    "its daemon listens on no TCP port (only its socket)".to_string()
                } else if config.tls {
                    format!(
                        "TLS is on, so its daemon listens only on {}",
                        listens.join(", ")
                    )
                } else {
                    format!(
                        "TLS is off, so its daemon listens only on {}",
                        listens.join(", ")
                    )
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
