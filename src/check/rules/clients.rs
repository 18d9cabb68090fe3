//! Clients of a DinD daemon: certificates, groups, root, and where `DOCKER_HOST` points.

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::MountKind;
use crate::model::dind::{Daemon, DockerHost, daemons, docker_host, identity, socket_mounts};
use crate::model::roles::{self, Roles};

declare_rule! {
    /// ## What it does
    /// Reports a client that mounts the DinD service's client-certificate volume read-write.
    ///
    /// ## Why is this bad?
    /// The client can overwrite the certificates every other client trusts; it only needs to
    /// read them.
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
    /// Reports a non-root client that uses a Docker socket while none of its groups is the
    /// socket's GID (2375 in docker:dind images; `socket-gid` in `dindctl.toml`). Groups come
    /// from `user: uid:gid`, `group_add`, and — for a `build:` context with a Dockerfile — its
    /// `addgroup -g`/`groupadd -g`, `adduser USER GROUP`/`usermod -aG`, and final `USER`.
    ///
    /// ## Why is this bad?
    /// The socket is `srw-rw---- root:2375`: any other user gets "permission denied while
    /// trying to connect to the Docker daemon socket".
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
    /// Reports a client that uses a Docker socket as root (or without a `user`, which means
    /// the image's default, root for most images) instead of joining the socket's group.
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
    /// Reports `DOCKER_HOST=tcp://H:P` where `H` is a DinD service of the stack whose daemon
    /// does not listen on `P` (for example 2375 while TLS is on).
    ///
    /// ## Why is this bad?
    /// The client gets "connection refused" at runtime.
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
    DockerHostUnreachable, "docker-host-unreachable", Warning, "`DOCKER_HOST` points at a port where the daemon does not listen"
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

impl Rule for SocketGroupMismatch {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let roles = Roles::of(project);
        let gid = cx.config.socket_gid;
        for service in project.services.iter().filter(|s| !roles::is_dind(s)) {
            let mounts = socket_mounts(service, roles.socket_volumes());
            let unix = matches!(docker_host(service), Some((DockerHost::Unix { .. }, _)));
            if mounts.is_empty() && !unix {
                continue;
            }
            let id = identity(service, project.base_dir.as_deref());
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
            let mounts = socket_mounts(service, roles.socket_volumes());
            let Some(mount) = mounts.first() else {
                continue;
            };
            let id = identity(service, project.base_dir.as_deref());
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
            let Some(target) = project.service(&host).filter(|s| roles::is_dind(s)) else {
                continue;
            };
            let daemon = Daemon::of(target);
            let Some(tls) = daemon.tls else { continue };
            let port = port.unwrap_or(if tls { 2376 } else { 2375 });
            if !daemon.listens_on(port) {
                let listens: Vec<String> = daemon.listens.iter().map(u16::to_string).collect();
                out.add(&Self::META, span, format!("`{}` connects to `{host}:{port}`, but that daemon listens on {}", service.name, listens.join(", ")))
                    .related(target.key, "the DinD service")
                    .help(if tls {
                        "TLS is on: use `tcp://HOST:2376` with `DOCKER_TLS_VERIFY=1` and `DOCKER_CERT_PATH` pointing at the client certificates"
                    } else {
                        "TLS is off: the daemon listens on 2375"
                    });
            }
        }
    }
}
