//! Docker sockets: read-only mounts, missing mounts, the host's own socket.

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::MountKind;
use crate::model::dind::{DockerHost, docker_host, socket_mounts};
use crate::model::roles::{self, Roles};

declare_rule! {
    /// ## What it does
    /// Reports a client that mounts a Docker socket, or the volume or directory holding it,
    /// read-only, to say what that does and does not do.
    ///
    /// ## Why is this bad?
    /// It is not: it is also no protection. `connect()` on a unix socket works through a
    /// read-only mount — Linux refuses writes through a read-only mount (`EROFS`) to regular
    /// files, directories and symlinks, while connecting to a socket checks only the
    /// socket's permission bits (unix(7)). Verified on the project's test machines by
    /// `tests/premises.rs` (Linux 6.18 when written): through a `mount -o remount,ro,bind` of
    /// the socket's directory, root and an unprivileged user in the socket's group connect;
    /// the same user without the group gets "permission denied". So `:ro` neither breaks the client nor limits it: it keeps full,
    /// root-equivalent API access. When a client must be limited, put a socket proxy that
    /// allows only the API calls it needs in between, or use an authorization plugin
    /// (`dockerd --authorization-plugin`). "Permission denied" on the socket is its group
    /// (`socket-group-mismatch`), never the `:ro`.
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   volumes: ["dind-socket:/var/run/dind:ro"]   # reads as "read-only access"; it is not
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   volumes: ["dind-socket:/var/run/dind"]
    ///   group_add: ["2375"]
    /// ```
    SocketMountReadonly, "socket-mount-readonly", Info, "a Docker socket mounted read-only, which restricts nothing"
}

declare_rule! {
    /// ## What it does
    /// Reports `DOCKER_HOST=unix://P` where no mount of the service brings `P` (or a
    /// directory above it) into the container.
    ///
    /// ## Why is this bad?
    /// The client looks for a socket that does not exist in its filesystem: "Cannot connect
    /// to the Docker daemon at unix://…".
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   environment: {DOCKER_HOST: unix:///var/run/dind/docker.sock}
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   environment: {DOCKER_HOST: unix:///var/run/dind/docker.sock}
    ///   volumes: ["dind-socket:/var/run/dind"]
    /// ```
    SocketPathNotMounted, "socket-path-not-mounted", Error, "`DOCKER_HOST=unix://…` with no mount bringing the socket in"
}

declare_rule! {
    /// ## What it does
    /// Reports a service that bind-mounts the *host's* Docker socket (`/var/run/docker.sock`,
    /// `/run/docker.sock`) or the directories holding it (`/var/run`, `/run`). Sharing the
    /// DinD service's socket volume with a client is the intended design and is not reported.
    ///
    /// ## Why is this bad?
    /// The host's daemon is root on the host; a DinD stack exists precisely so that clients
    /// do not need it.
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   volumes: ["dind-socket:/var/run/dind"]
    /// ```
    HostDockerSocket, "host-docker-socket", Warning, "the host's Docker socket mounted into a service"
}

impl Rule for SocketMountReadonly {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let roles = Roles::of(project);
        for service in project.services.iter().filter(|s| !roles::is_dind(s)) {
            for mount in socket_mounts(service, roles.socket_volumes())
                .into_iter()
                .filter(|m| m.read_only)
            {
                out.add(&Self::META, mount.span, format!("`{}` mounts the Docker socket read-only, which does not limit what it can do", service.name))
                    .help("`connect()` works through a read-only mount, so the client keeps full API access; to limit it, put a socket proxy or an authorization plugin in between");
            }
        }
    }
}

impl Rule for SocketPathNotMounted {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            let Some((DockerHost::Unix { path }, span)) = docker_host(service) else {
                continue;
            };
            let mounted = service.mounts.iter().any(|m| {
                m.unknown
                    || m.target.as_deref().is_some_and(|t| {
                        let t = t.trim_end_matches('/');
                        path == t || path.starts_with(&format!("{t}/"))
                    })
            });
            if !mounted {
                let dir = path.rsplit_once('/').map_or("/", |(d, _)| d);
                out.add(
                    &Self::META,
                    span,
                    format!(
                        "`{}` connects to `unix://{path}`, but nothing is mounted at `{dir}`",
                        service.name
                    ),
                )
                .help(format!(
                    "mount the DinD socket volume there: `- dind-socket:{dir}`"
                ));
            }
        }
    }
}

impl Rule for HostDockerSocket {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            for mount in service
                .mounts
                .iter()
                .filter(|m| m.kind == MountKind::Bind && !m.unknown)
            {
                let Some(source) = mount.source.as_deref() else {
                    continue;
                };
                let source = source.trim_end_matches('/');
                if matches!(
                    source,
                    "/var/run/docker.sock" | "/run/docker.sock" | "/var/run" | "/run"
                ) {
                    out.add(&Self::META, mount.span, format!("`{}` mounts the host's `{source}`", service.name))
                        .help("that is root on the host; share the DinD service's socket volume instead (`dind-socket:/var/run/dind`). The host's socket belongs to the host's `docker` group, whose GID differs between hosts (`stat -c %g /var/run/docker.sock`), not to 2375");
                }
            }
        }
    }
}
