//! Clients of a DinD daemon: certificates, groups, root, and where `DOCKER_HOST` points.

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::MountKind;
use crate::model::dind::{
    Daemon, DockerHost, Resolution, daemons, dind_socket_mounts, docker_host, identity, resolve,
};
use crate::model::roles::{self, Roles};

declare_rule! {
    /// ## What it does
    /// Reports a client that mounts the DinD service's client-certificate volume read-write.
    ///
    /// ## Why is this bad?
    /// The client can overwrite the certificates every other client uses; it only needs to
    /// read them. (The dind entrypoint regenerates them at each start from the CA, so the
    /// damage lasts until the daemon restarts; docker-library `dockerd-entrypoint.sh`.)
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   volumes: ["dind-certs-client:/certs/client"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   volumes: ["dind-certs-client:/certs/client:ro"]
    /// ```
    CertsWritableInClient, "certs-writable-in-client", Warning, "a client mounts the DinD certificates read-write"
}

declare_rule! {
    /// ## What it does
    /// Reports a client that mounts the volume holding all of the DinD service's `/certs` —
    /// the CA key (`ca/key.pem`) and the server key (`server/key.pem`), not only the client
    /// certificates.
    ///
    /// ## Why is this bad?
    /// With the CA key the client can sign certificates the daemon trusts and, with the
    /// server key, impersonate the daemon to other clients. A client needs only
    /// `/certs/client` (`ca.pem`, `cert.pem`, `key.pem`), read-only (docker-library
    /// `dockerd-entrypoint.sh` writes `ca/`, `server/` and `client/` under
    /// `DOCKER_TLS_CERTDIR`).
    ///
    /// ## Example
    /// ```yaml
    /// dind:
    ///   volumes: ["dind-certs:/certs"]
    /// manager:
    ///   volumes: ["dind-certs:/certs:ro"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// dind:
    ///   volumes: ["dind-certs-ca:/certs/ca", "dind-certs-client:/certs/client"]
    /// manager:
    ///   volumes: ["dind-certs-client:/certs/client:ro"]
    /// ```
    ServerCertsInClient, "server-certs-in-client", Warning, "a client mounts the DinD CA and server keys"
}

declare_rule! {
    /// ## What it does
    /// Reports a non-root client that mounts a DinD service's socket volume while none of its
    /// groups is the socket's GID (2375 in docker:dind images; `socket-gid` in `dindctl.toml`).
    /// The host's own socket (`/var/run/docker.sock` bound from the host) is not judged: its
    /// group is the host's `docker` group, whose GID varies between hosts. Groups come
    /// from `user: uid:gid`, `group_add`, and — for a `build:` context with a Dockerfile — its
    /// `addgroup -g`/`groupadd -g`, `adduser USER GROUP`/`usermod -aG`, and final `USER`.
    ///
    /// ## Why is this bad?
    /// The docker:dind image creates its `docker` group with GID 2375 (docker-library/docker's
    /// Dockerfile: `addgroup -g 2375 -S docker`, inherited by the dind image from the cli image) and dockerd makes its socket `srw-rw----`
    /// owned by root and that group (`--group docker`, dockerd's default). Any other user gets
    /// "permission denied while trying to connect to the Docker daemon socket" — verified by
    /// `tests/premises.rs`: a user without the socket's group is refused, with it connects.
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   user: "1000:1000"
    ///   volumes: ["dind-socket:/var/run/dind"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   user: "1000:1000"
    ///   group_add: ["2375"]
    ///   volumes: ["dind-socket:/var/run/dind"]
    /// ```
    SocketGroupMismatch, "socket-group-mismatch", Error, "a non-root socket client outside the socket's group"
}

declare_rule! {
    /// ## What it does
    /// Reports a client that uses a DinD service's socket as root (or without a `user`, which
    /// means the image's default, root for most images) instead of joining the socket's group.
    ///
    /// ## Why is this bad?
    /// Root is more than the socket needs; a non-root user in group 2375 can do the same
    /// with less to lose.
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   volumes: ["dind-socket:/var/run/dind"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   user: "1000:1000"
    ///   group_add: ["2375"]
    ///   volumes: ["dind-socket:/var/run/dind"]
    /// ```
    RootSocketClient, "root-socket-client", Info, "a socket client that runs as root"
}

declare_rule! {
    /// ## What it does
    /// Reports `DOCKER_HOST=tcp://H:P` that cannot reach the stack's daemon `H` names: `H`
    /// is a DinD service (by service name, `container_name`, `hostname`, network alias or `links` alias)
    /// that shares no network with the client, or `P` is not a port the daemon listens on
    /// inside its container — for example 2375 while TLS is on, or the *host* side of a
    /// published port (`12376` of `12376:2376`).
    ///
    /// ## Why is this bad?
    /// Compose's DNS resolves service names, `container_name`s and aliases only on networks
    /// the two containers share, and container-to-container traffic goes to the container's
    /// own port, not to the host side of a mapping (Docker's networking documentation). The
    /// client gets "connection refused" or "no such host", and a manager that waits for the
    /// daemon never works.
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   environment: {DOCKER_HOST: tcp://dind:2375}
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   environment: {DOCKER_HOST: tcp://dind:2376, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: /certs/client}
    /// ```
    DockerHostUnreachable, "docker-host-unreachable", Error, "`DOCKER_HOST` that cannot reach its daemon"
}

impl Rule for CertsWritableInClient {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let cert_volumes: Vec<String> = daemons(project)
            .iter()
            .flat_map(|d| d.cert_volumes.clone())
            .collect();
        for service in project.services.iter().filter(|s| !roles::is_dind(s)) {
            for mount in &service.mounts {
                let certs = mount.kind == MountKind::Volume
                    && mount
                        .source
                        .as_ref()
                        .is_some_and(|s| cert_volumes.contains(s));
                if certs && !mount.read_only {
                    out.add(
                        &Self::META,
                        mount.span,
                        format!("`{}` mounts the DinD certificates read-write", service.name),
                    )
                    .help("add `:ro`; a client only reads its certificates");
                }
            }
        }
    }
}

impl Rule for ServerCertsInClient {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        // Volumes a DinD service mounts at `/certs` itself: they hold `ca/` and `server/`.
        let whole: Vec<String> = daemons(project)
            .iter()
            .flat_map(|d| {
                d.service
                    .mounts
                    .iter()
                    .filter(|m| m.kind == MountKind::Volume)
                    .filter(|m| {
                        m.target
                            .as_deref()
                            .is_some_and(|t| t.trim_end_matches('/') == "/certs")
                    })
                    .filter_map(|m| m.source.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        for service in project.services.iter().filter(|s| !roles::is_dind(s)) {
            for mount in &service.mounts {
                if mount.kind == MountKind::Volume
                    && mount.source.as_ref().is_some_and(|s| whole.contains(s))
                {
                    out.add(
                        &Self::META,
                        mount.span,
                        format!("`{}` mounts all of the DinD certificates, with the CA and server keys", service.name),
                    )
                    .help("give the DinD service one volume for `/certs/client` and mount only that one, read-only, in clients");
                }
            }
        }
    }
}

impl Rule for SocketGroupMismatch {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let roles = Roles::of(project);
        let gid = cx.config.socket_gid;
        for service in project.services.iter().filter(|s| !roles::is_dind(s)) {
            // Only the DinD daemon's socket has a known group (2375); the host's socket, bound
            // from `/var/run/docker.sock`, has the host's docker group, which the files do not
            // tell (`host-docker-socket` reports that mount).
            let mounts = dind_socket_mounts(service, roles.socket_volumes());
            if mounts.is_empty() {
                continue;
            }
            let id = identity(service);
            if id.is_root()
                || id.has_gid(gid)
                || id.user.as_deref().is_some_and(|u| u.contains("${"))
            {
                continue;
            }
            let span = mounts
                .first()
                .map(|m| m.span)
                .or(id.user_span)
                .unwrap_or(service.key);
            let user = id.user.clone().unwrap_or_default();
            out.add(
                &Self::META,
                span,
                format!("`{}` runs as `{user}` without group {gid}, which owns the Docker socket", service.name),
            )
            .help(format!(
                "the socket is `srw-rw----` owned by root:{gid} (the docker group of docker:dind images); `{}` runs as `{user}` (from {}) with {}. Add `group_add: [\"{gid}\"]`",
                service.name,
                id.user_source,
                id.describe_groups()
            ));
        }
    }
}

impl Rule for RootSocketClient {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let roles = Roles::of(project);
        for service in project.services.iter().filter(|s| !roles::is_dind(s)) {
            let mounts = dind_socket_mounts(service, roles.socket_volumes());
            let Some(mount) = mounts.first() else {
                continue;
            };
            let id = identity(service);
            if id.is_root() {
                let how = if id.user.is_some() {
                    "as root"
                } else {
                    "as the image's default user (root for most images)"
                };
                out.add(&Self::META, mount.span, format!("`{}` uses the Docker socket {how}", service.name))
                    .help(format!("run as a non-root user in the socket's group: `user: \"1000:1000\"` and `group_add: [\"{}\"]`", cx.config.socket_gid));
            }
        }
    }
}

impl Rule for DockerHostUnreachable {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for service in &project.services {
            let Some((DockerHost::Tcp { host, port }, span)) = docker_host(service) else {
                continue;
            };
            let target = match resolve(project, service, &host) {
                Resolution::Service(t, _) => t,
                Resolution::Unshared(t) if roles::is_dind(t) => {
                    out.add(
                        &Self::META,
                        span,
                        format!(
                            "`{}` connects to `{host}`, a DinD service it shares no network with",
                            service.name
                        ),
                    )
                    .related(t.key, "the DinD service")
                    .help(format!(
                        "put `{}` and `{}` on a common network (compose resolves names only there)",
                        service.name, t.name
                    ));
                    continue;
                }
                _ => continue,
            };
            let Some(evidence) = target.dind.clone() else {
                continue;
            };
            let daemon = Daemon::new(target, evidence);
            let Some(config) = &daemon.config else {
                continue;
            };
            let port = port.unwrap_or(if config.tls { 2376 } else { 2375 });
            if daemon.listens_on(port) {
                continue;
            }
            let listens: Vec<String> = config
                .listeners
                .iter()
                .map(|l| l.port.to_string())
                .collect();
            let published = target
                .ports
                .iter()
                .filter_map(|p| p.spec.as_ref().ok())
                .find(|p| p.host.is_some_and(|h| h.contains(port)));
            let help = match published {
                Some(p) => format!(
                    "`{port}` is the host side of a published port; from another container use the daemon's own port `{}`",
                    p.container.start
                ),
                None if config.tls => "TLS is on: use `tcp://HOST:2376` with `DOCKER_TLS_VERIFY=1` and `DOCKER_CERT_PATH` pointing at the client certificates".to_string(),
                None => "use a port the daemon listens on".to_string(),
            };
            let listening = if listens.is_empty() {
                "on no TCP port".to_string()
            } else {
                format!("on {}", listens.join(", "))
            };
            out.add(
                &Self::META,
                span,
                format!(
                    "`{}` connects to `{host}:{port}`, but that daemon listens {listening}",
                    service.name
                ),
            )
            .related(target.key, "the DinD service")
            .help(help);
        }
    }
}
