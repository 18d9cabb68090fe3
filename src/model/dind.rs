//! What the outer layer says about Docker daemons and their clients.
//!
//! A *DinD service* is recognised by evidence ([`Evidence`]): a Docker daemon image, a local
//! build `FROM` one, a command that runs `dockerd`, the label `io.dindctl.role=dind`, or being
//! the privileged service another service uses as `DOCKER_HOST`. Its daemon is read the way
//! the docker:dind image starts it (docker-library's `dockerd-entrypoint.sh`): with no command,
//! or a command whose first word starts with `-`, the entrypoint runs
//! `dockerd --host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2376 --tlsverify …` when
//! `DOCKER_TLS_CERTDIR` is non-empty (the image sets `/certs`) and `…:2375` without TLS
//! otherwise, the command's flags appended; a command that starts with `dockerd` runs as
//! written (no TLS unless asked for, and its `--host` list replaces the socket); anything
//! else is not read. `--tlsverify` implies TLS whatever `--tls` says.
//!
//! Clients reach a daemon as compose's DNS lets them: `tcp://NAME:PORT` where NAME is a
//! service name, `container_name`, network alias or `links` alias of a service on a network
//! both share, and PORT a port the daemon listens on inside its container.

use std::collections::{HashMap, HashSet};

use super::compose::{Mount, MountKind, Project, Service};
use super::roles::is_socket_path;
use super::{Spanned, Text};
use crate::net::Cidr;
use crate::source::Span;

/// Why a service is taken for a Docker daemon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// A Docker daemon image (`docker:*dind*`, `*/docker-dind`, `*/dind*`).
    Image,
    /// Built from a Dockerfile whose final stage is `FROM` a daemon image.
    BuiltFrom(String),
    /// Its command or entrypoint runs `dockerd`.
    Command,
    /// `io.dindctl.role=dind`.
    Label,
    /// A privileged service that `DOCKER_HOST` of another service names.
    DockerHostOf(String),
}

/// Whether `image` is a Docker daemon image: the official `docker:*dind*` images, and images
/// whose name or tag has a `dind` word (`vendor/docker-dind`, `actions-runner-dind`,
/// `gitea-act-runner:dind-latest`, `act_runner:latest-dind-rootless`).
pub fn is_dind_image(image: &str) -> bool {
    let (repo, tag, _) = super::roles::split_image(image);
    let name = repo.rsplit('/').next().unwrap_or(repo);
    let has_word = |s: &str| s.split(['-', '_', '.']).any(|w| w == "dind");
    has_word(name) || tag.is_some_and(has_word) || name.contains("docker-dind")
}

/// Whether `image` is one of docker-library's `docker:*dind*` images (or a mirror of them:
/// any registry path ending in `/docker`), whose entrypoint (`dockerd-entrypoint.sh`)
/// dindctl simulates; other daemon images start dockerd their own way.
pub fn is_library_dind_image(image: &str) -> bool {
    let (repo, tag, _) = super::roles::split_image(image);
    let name = repo.rsplit('/').next().unwrap_or(repo);
    name == "docker"
        && tag.is_none_or(|t| t.split(['-', '.']).any(|w| w == "dind" || w == "latest"))
}

/// Whether the image is a rootless daemon image (`docker:*-dind-rootless`).
pub fn is_rootless_image(image: &str) -> bool {
    let (_, tag, _) = super::roles::split_image(image);
    tag.is_some_and(|t| t.contains("rootless")) || image.contains("rootless")
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The service's own evidence of running a daemon (not counting clients' `DOCKER_HOST`).
pub fn own_evidence(service: &Service) -> Option<Evidence> {
    if service
        .labels
        .iter()
        .any(|(k, v)| k == "io.dindctl.role" && v.value.text == "dind")
    {
        return Some(Evidence::Label);
    }
    if let Some(image) = service.image.as_ref().filter(|i| !i.value.unresolved) {
        // A third-party image named for DinD that gets the host's socket at the daemon's
        // socket path is a client of the host's daemon: a daemon of its own would serve
        // that path itself (images such as `*/code-server-dind` replace the entrypoint).
        let library = is_library_dind_image(&image.value.text);
        if is_dind_image(&image.value.text) && (library || !mounts_host_socket(service)) {
            return Some(Evidence::Image);
        }
    }
    if let Some(base) = service.dockerfile.as_ref().and_then(|d| d.base()) {
        if is_dind_image(base) {
            return Some(Evidence::BuiltFrom(base.to_string()));
        }
    }
    let argv = argv(service);
    let runs_dockerd = argv
        .iter()
        .take(3)
        .any(|a| matches!(basename(a), "dockerd" | "dockerd-entrypoint.sh"));
    runs_dockerd.then_some(Evidence::Command)
}

/// Whether the service bind-mounts the host's Docker socket (or its directory) at the
/// daemon's socket path.
fn mounts_host_socket(service: &Service) -> bool {
    service.mounts.iter().any(|m| {
        m.kind == MountKind::Bind
            && m.source.as_deref().is_some_and(|s| {
                matches!(
                    s.trim_end_matches('/'),
                    "/var/run/docker.sock" | "/run/docker.sock" | "/var/run" | "/run"
                )
            })
            && m.target.as_deref().is_some_and(|t| {
                matches!(
                    t.trim_end_matches('/'),
                    "/var/run/docker.sock" | "/run/docker.sock" | "/var/run" | "/run"
                )
            })
    })
}

/// What the container runs: `entrypoint` then `command` as written; the image's defaults
/// are not known here except for daemon images (see [`Daemon::of`]).
fn argv(service: &Service) -> Vec<String> {
    service
        .entrypoint
        .iter()
        .chain(&service.command)
        .map(|t| t.value.text.clone())
        .collect()
}

/// A listener of a daemon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    /// The port inside the daemon's container.
    pub port: u16,
    /// Whether the API is served with TLS.
    pub tls: bool,
}

/// How the daemon of a DinD service is configured, when its command can be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaemonConfig {
    pub tls: bool,
    pub listeners: Vec<Listener>,
    /// The unix socket it serves, if any.
    pub socket: Option<String>,
    /// `--data-root`, when given.
    pub data_root: Option<String>,
}

/// A DinD service and its daemon's settings.
pub struct Daemon<'a> {
    pub service: &'a Service,
    pub evidence: Evidence,
    /// The daemon's configuration; `None` when the command cannot be read (a script, an
    /// unresolved variable).
    pub config: Option<DaemonConfig>,
    /// `Some(true)` TLS; `Some(false)` plain; `None` unknown.
    pub tls: Option<bool>,
    /// Container ports on which the daemon listens (both conventional ports when unknown).
    pub listens: Vec<u16>,
    /// `--default-address-pool` or `--bip` given: the inner daemon's pools are chosen.
    pub pools: Vec<Cidr>,
    pub pools_set: bool,
    /// A rootless daemon image (`docker:*-dind-rootless`).
    pub rootless: bool,
    /// The container starts through docker-library's `dockerd-entrypoint.sh` (a `docker:*dind*`
    /// image, or one built from it, with its entrypoint kept).
    pub library_entrypoint: bool,
    /// Named volumes holding the socket directory.
    pub socket_volumes: Vec<String>,
    /// Named volumes holding certificates (`/certs`, `/certs/client`).
    pub cert_volumes: Vec<String>,
    /// Container paths into which something is mounted.
    pub mount_targets: Vec<String>,
}

/// Docker's default address pools when the daemon is not told otherwise:
/// 172.17.0.0/16 … 172.31.0.0/16 and 192.168.0.0/16 (in /20 networks).
pub fn default_pools() -> Vec<Cidr> {
    let mut pools: Vec<Cidr> = (17..=31)
        .filter_map(|b| Cidr::parse(&format!("172.{b}.0.0/16")).ok())
        .collect();
    pools.extend(Cidr::parse("192.168.0.0/16").ok());
    pools
}

/// Flag values: `--flag value`, `--flag=value` (and `-H value`).
fn flag_values<'c>(args: &'c [String], names: &[&str]) -> Vec<&'c str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        for name in names {
            if arg == *name {
                if let Some(v) = args.get(i + 1) {
                    out.push(v.as_str());
                }
            } else if let Some(v) = arg.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                out.push(v);
            }
        }
        i += 1;
    }
    out
}

/// A boolean flag: `--flag`, `--flag=true|false`; the last one wins.
fn bool_flag(args: &[String], name: &str) -> Option<bool> {
    let mut value = None;
    for a in args {
        if a == name {
            value = Some(true);
        } else if let Some(v) = a.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            value = Some(matches!(v, "true" | "1" | "True" | "TRUE"));
        }
    }
    value
}

/// The dockerd command line the container runs, following `dockerd-entrypoint.sh` for daemon
/// images; `None` when it does not run dockerd in a way that can be read.
fn dockerd_args(
    service: &Service,
    image_entrypoint: bool,
    tls_certdir: Option<&str>,
    socket: &str,
) -> Option<Vec<String>> {
    let mut argv = argv(service);
    let entrypoint_set = !service.entrypoint.is_empty();
    if !entrypoint_set && image_entrypoint {
        argv.insert(0, "dockerd-entrypoint.sh".into());
    }
    let first = argv.first().map(|a| basename(a).to_string())?;
    match first.as_str() {
        "dockerd-entrypoint.sh" => {
            let rest = argv[1..].to_vec();
            if rest.first().is_none_or(|a| a.starts_with('-')) {
                let mut args = vec!["dockerd".to_string(), format!("--host=unix://{socket}")];
                match tls_certdir {
                    Some(dir) if !dir.is_empty() => {
                        args.push("--host=tcp://0.0.0.0:2376".into());
                        args.push("--tlsverify".into());
                        args.push(format!("--tlscacert={dir}/server/ca.pem"));
                    }
                    _ => args.push("--host=tcp://0.0.0.0:2375".into()),
                }
                args.extend(rest);
                Some(args)
            } else if basename(&rest[0]) == "dockerd" {
                Some(rest)
            } else {
                None
            }
        }
        "dockerd" => Some(argv),
        _ => None,
    }
}

/// Reads a dockerd command line.
fn parse_dockerd(args: &[String]) -> DaemonConfig {
    // dockerd turns TLS on when `--tlsverify` is given at all, whatever its value
    // (`--tlsverify=false` still demands the server key pair: tested on this machine with
    // dockerd 20.10: "Could not load X509 key pair"), or with `--tls`.
    let tls = bool_flag(args, "--tlsverify").is_some() || bool_flag(args, "--tls") == Some(true);
    let hosts = flag_values(args, &["-H", "--host"]);
    let mut listeners = Vec::new();
    let mut socket = None;
    if hosts.is_empty() {
        socket = Some("/var/run/docker.sock".to_string());
    }
    for h in hosts {
        if let Some(path) = h.strip_prefix("unix://") {
            socket = Some(if path.is_empty() {
                "/var/run/docker.sock".into()
            } else {
                path.to_string()
            });
        } else if let Some(rest) = h.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let port = match rest.rsplit_once(':') {
                Some((_, p)) if !p.is_empty() => p.parse().ok(),
                _ => Some(if tls { 2376 } else { 2375 }),
            };
            if let Some(port) = port {
                listeners.push(Listener { port, tls });
            }
        }
    }
    DaemonConfig {
        tls,
        listeners,
        socket,
        data_root: flag_values(args, &["--data-root", "-g", "--graph"])
            .last()
            .map(|s| s.to_string()),
    }
}

impl<'a> Daemon<'a> {
    /// The daemon of a service taken for one (`evidence`).
    pub fn new(service: &'a Service, evidence: Evidence) -> Self {
        let image = service
            .image
            .as_ref()
            .map(|i| i.value.text.as_str())
            .unwrap_or("");
        let built_from = service
            .dockerfile
            .as_ref()
            .and_then(|d| d.base())
            .unwrap_or("");
        let dind_image = is_library_dind_image(image) || is_library_dind_image(built_from);
        let rootless = is_rootless_image(image) || is_rootless_image(built_from);
        let unknown_var = service
            .entrypoint
            .iter()
            .chain(&service.command)
            .any(|t| t.value.unresolved)
            || service
                .env("DOCKER_TLS_CERTDIR")
                .is_some_and(|v| v.value.unresolved);
        // docker:dind sets `DOCKER_TLS_CERTDIR=/certs`; the environment may change it.
        let certdir = service
            .env("DOCKER_TLS_CERTDIR")
            .map(|v| v.value.text.as_str())
            .or(dind_image.then_some("/certs"));
        let socket = match service.env("DOCKER_HOST").map(|v| v.value.text.as_str()) {
            Some(h) if h.starts_with("unix://") => h["unix://".len()..].to_string(),
            _ if rootless => "/run/user/1000/docker.sock".to_string(),
            _ => "/var/run/docker.sock".to_string(),
        };
        let args = (!unknown_var)
            .then(|| dockerd_args(service, dind_image, certdir, &socket))
            .flatten();
        let config = args.as_deref().map(parse_dockerd);
        let (tls, listens) = match &config {
            Some(c) => (Some(c.tls), c.listeners.iter().map(|l| l.port).collect()),
            None => (None, vec![2375, 2376]),
        };
        let all_args = args.unwrap_or_else(|| argv(service));
        let pool_args = flag_values(&all_args, &["--default-address-pool"]);
        let bip = flag_values(&all_args, &["--bip"]);
        let mut pools: Vec<Cidr> = pool_args
            .iter()
            .filter_map(|p| p.split(',').find_map(|kv| kv.strip_prefix("base=")))
            .filter_map(|b| Cidr::parse(b).ok())
            .collect();
        pools.extend(bip.iter().filter_map(|b| Cidr::parse(b).ok()));
        let volume_at = |pred: &dyn Fn(&str) -> bool| -> Vec<String> {
            service
                .mounts
                .iter()
                .filter(|m| m.kind == MountKind::Volume)
                .filter(|m| {
                    m.target
                        .as_deref()
                        .is_some_and(|t| pred(t.trim_end_matches('/')))
                })
                .filter_map(|m| m.source.clone())
                .collect()
        };
        let socket_dir = config
            .as_ref()
            .and_then(|c| c.socket.clone())
            .and_then(|s| s.rsplit_once('/').map(|(d, _)| d.to_string()));
        Daemon {
            service,
            evidence,
            pools_set: !pool_args.is_empty() || !bip.is_empty(),
            pools,
            rootless,
            library_entrypoint: dind_image && service.entrypoint.is_empty(),
            tls,
            listens,
            socket_volumes: volume_at(&|t| {
                matches!(t, "/var/run" | "/run")
                    || is_socket_path(t)
                    || socket_dir.as_deref() == Some(t)
            }),
            cert_volumes: volume_at(&|t| t == "/certs" || t.starts_with("/certs/")),
            mount_targets: service
                .mounts
                .iter()
                .filter_map(|m| m.target.clone())
                .collect(),
            config,
        }
    }

    /// Whether the daemon listens on the container port `port` (unknown daemons listen on
    /// both conventional ports).
    pub fn listens_on(&self, port: u16) -> bool {
        self.listens.contains(&port)
    }

    /// The listener on `port`, when the configuration is known.
    pub fn listener(&self, port: u16) -> Option<&Listener> {
        self.config
            .as_ref()?
            .listeners
            .iter()
            .find(|l| l.port == port)
    }

    /// Where the daemon keeps its data inside the container.
    pub fn data_dir(&self) -> String {
        if let Some(root) = self.config.as_ref().and_then(|c| c.data_root.clone()) {
            return root;
        }
        if self.rootless {
            "/home/rootless/.local/share/docker".into()
        } else {
            "/var/lib/docker".into()
        }
    }

    /// Whether a path inside the DinD container exists because something is mounted at or
    /// above it.
    pub fn has_path(&self, path: &str) -> bool {
        self.mount_targets.iter().any(|t| {
            let t = t.trim_end_matches('/');
            path == t || path.starts_with(&format!("{t}/")) || t.is_empty()
        })
    }
}

/// The DinD services of a project, each with its evidence.
pub fn daemons(project: &Project) -> Vec<Daemon<'_>> {
    project
        .services
        .iter()
        .filter_map(|s| Some(Daemon::new(s, s.dind.clone()?)))
        .collect()
}

/// Where a DinD service of `project` publishes container port `port`/tcp on the host: the
/// host IP as written (`None`: all interfaces) and the host port — the forward by which the
/// host reaches an inner container's port `port` published inside DinD.
pub fn forward_of(project: &Project, port: u16) -> Option<(Option<std::net::IpAddr>, u16)> {
    daemons(project).iter().find_map(|d| {
        d.service.ports.iter().find_map(|p| {
            let spec = p.spec.as_ref().ok()?;
            if spec.protocol != "tcp"
                || !(spec.container.start..=spec.container.end).contains(&port)
            {
                return None;
            }
            let host = spec.host?;
            Some((spec.host_ip, host.start + (port - spec.container.start)))
        })
    })
}

/// `DOCKER_HOST` of a client, parsed.
#[derive(Clone, Debug)]
pub enum DockerHost {
    Unix { path: String },
    Tcp { host: String, port: Option<u16> },
    Other,
}

pub fn docker_host(service: &Service) -> Option<(DockerHost, Span)> {
    let value = service.env("DOCKER_HOST")?;
    if value.value.unresolved {
        return None;
    }
    Some((parse_docker_host(&value.value.text), value.span))
}

pub fn parse_docker_host(text: &str) -> DockerHost {
    if let Some(path) = text.strip_prefix("unix://") {
        DockerHost::Unix {
            path: path.to_string(),
        }
    } else if let Some(rest) = text.strip_prefix("tcp://") {
        let rest = rest.trim_end_matches('/');
        match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') => DockerHost::Tcp {
                host: h.trim_matches(['[', ']']).to_string(),
                port: p.parse().ok(),
            },
            _ => DockerHost::Tcp {
                host: rest.to_string(),
                port: None,
            },
        }
    } else {
        DockerHost::Other
    }
}

/// The networks a service's container is attached to, for name resolution: its own (the
/// `default` one when none is named), or those of the service whose namespace it shares.
/// `None`: it resolves through the host or nothing (`host`, `none`, `container:…`).
fn attached<'p>(project: &'p Project, service: &'p Service, depth: usize) -> Option<Vec<&'p str>> {
    match service.network_mode.as_ref().map(|m| m.value.text.as_str()) {
        Some(mode) if mode.starts_with("service:") => {
            let other = project.service(&mode["service:".len()..])?;
            if depth > 4 {
                return None;
            }
            attached(project, other, depth + 1)
        }
        Some("") | None => Some(if service.networks.is_empty() {
            vec!["default"]
        } else {
            service.networks.iter().map(|n| n.value.as_str()).collect()
        }),
        Some(_) => None,
    }
}

/// How a name a client uses resolves.
#[derive(Debug)]
pub enum Resolution<'p> {
    /// A service on a network the client shares, and how the name names it.
    Service(&'p Service, &'static str),
    /// The name of a service that shares no network with the client.
    Unshared(&'p Service),
    /// Not a name of the project (an IP, an outside host, `host.docker.internal`).
    Outside,
}

/// Resolves `name` as compose's DNS would for `client`.
pub fn resolve<'p>(project: &'p Project, client: &'p Service, name: &str) -> Resolution<'p> {
    let mine: HashSet<&str> = attached(project, client, 0)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let links: HashMap<&str, &str> = client
        .links
        .iter()
        .map(|l| match l.value.split_once(':') {
            Some((s, a)) => (a, s),
            None => (l.value.as_str(), l.value.as_str()),
        })
        .collect();
    let mut unshared = None;
    for s in &project.services {
        let how = if s.name == name {
            Some("service name")
        } else if s
            .container_name
            .as_ref()
            .is_some_and(|c| c.value.text == name)
        {
            Some("container_name")
        } else if s.aliases.iter().any(|(_, a)| a == name) {
            Some("network alias")
        } else if s.hostname.as_ref().is_some_and(|h| h.value.text == name) {
            Some("hostname")
        } else if links.get(name) == Some(&s.name.as_str()) {
            Some("links alias")
        } else {
            None
        };
        let Some(how) = how else { continue };
        let theirs = attached(project, s, 0).unwrap_or_default();
        let shared = theirs.iter().any(|n| mine.contains(n));
        let alias_ok = how != "network alias"
            || s.aliases
                .iter()
                .any(|(net, a)| a == name && mine.contains(net.as_str()));
        if shared && alias_ok {
            return Resolution::Service(s, how);
        }
        unshared.get_or_insert(s);
    }
    match unshared {
        Some(s) => Resolution::Unshared(s),
        None => Resolution::Outside,
    }
}

/// A group membership and where it comes from (shown in messages).
#[derive(Clone, Debug)]
pub struct Group {
    pub gid: Option<u32>,
    pub name: Option<String>,
    pub source: String,
}

/// Who a client runs as.
#[derive(Clone, Debug, Default)]
pub struct Identity {
    /// `None`: not stated anywhere (the image's default user, usually root).
    pub user: Option<String>,
    pub user_source: String,
    pub groups: Vec<Group>,
    pub user_span: Option<Span>,
}

impl Identity {
    pub fn is_root(&self) -> bool {
        match self.user.as_deref() {
            None => true,
            Some(u) => {
                let name = u.split(':').next().unwrap_or(u);
                name == "0" || name == "root"
            }
        }
    }

    pub fn has_gid(&self, gid: u32) -> bool {
        self.groups.iter().any(|g| g.gid == Some(gid))
    }

    /// The groups as text, e.g. `groups 1000 (from user), 999 (docker, from Dockerfile)`.
    pub fn describe_groups(&self) -> String {
        if self.groups.is_empty() {
            return "no groups stated anywhere".into();
        }
        let list = self
            .groups
            .iter()
            .map(|g| match (g.gid, &g.name) {
                (Some(gid), Some(name)) => format!("{gid} ({name}, from {})", g.source),
                (Some(gid), None) => format!("{gid} (from {})", g.source),
                (None, Some(name)) => format!("`{name}` (GID unknown, from {})", g.source),
                (None, None) => format!("? (from {})", g.source),
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!("groups {list}")
    }
}

fn group_of(text: &str, source: &str, gids: &HashMap<String, u32>) -> Group {
    match text.parse::<u32>() {
        Ok(gid) => Group {
            gid: Some(gid),
            name: None,
            source: source.into(),
        },
        Err(_) => Group {
            gid: gids.get(text).copied(),
            name: Some(text.to_string()),
            source: source.into(),
        },
    }
}

/// The effective user and groups of a service: `user`, `group_add`, and what the Dockerfile
/// of its local `build:` context says (read by the loader).
pub fn identity(service: &Service) -> Identity {
    let empty = super::dockerfile::DockerfileUsers::default();
    let users = service.dockerfile.as_ref().map_or(&empty, |d| &d.users);
    let mut id = Identity::default();
    match (&service.user, &users.last_user) {
        (Some(u), _) if !u.value.unresolved => {
            id.user = Some(u.value.text.clone());
            id.user_source = "`user`".into();
            id.user_span = Some(u.span);
        }
        (None, Some(u)) => {
            id.user = Some(u.clone());
            id.user_source = "the Dockerfile's `USER`".into();
        }
        _ => {}
    }
    if let Some(user) = &id.user {
        // The Engine keeps the user's memberships from the image's `/etc/group` for `NAME`
        // or `UID`, and drops them for `NAME:GROUP` / `UID:GID` (tests/premises.rs).
        match user.split_once(':') {
            Some((_, g)) => id
                .groups
                .push(group_of(g, &id.user_source, &users.group_gids)),
            None => {
                let name = match user.parse::<u32>() {
                    Ok(uid) => users
                        .uids
                        .iter()
                        .find(|(_, u)| **u == uid)
                        .map_or(user.clone(), |(n, _)| n.clone()),
                    Err(_) => user.clone(),
                };
                if let Some(g) = users.primary.get(&name) {
                    id.groups
                        .push(group_of(g, &id.user_source, &users.group_gids));
                }
                for (member, group) in &users.memberships {
                    if *member == name {
                        id.groups
                            .push(group_of(group, "the Dockerfile", &users.group_gids));
                    }
                }
            }
        }
    }
    for g in &service.group_add {
        if !g.value.unresolved {
            id.groups
                .push(group_of(&g.value.text, "`group_add`", &users.group_gids));
        }
    }
    id
}

/// The mounts of `service` that bring a DinD daemon's socket in: the named volumes a DinD
/// service mounts where its daemon creates the socket. A bind of the host's own socket
/// (`/var/run/docker.sock`) is not one: that socket belongs to the host's daemon, whose group
/// differs from host to host, so nothing about its GID can be known from the files.
pub fn dind_socket_mounts<'a>(service: &'a Service, socket_volumes: &[String]) -> Vec<&'a Mount> {
    service
        .mounts
        .iter()
        .filter(|m| {
            m.kind == MountKind::Volume
                && m.source
                    .as_ref()
                    .is_some_and(|s| socket_volumes.contains(s))
        })
        .collect()
}

/// How a client uses a Docker socket: the mounts that bring one in, the DinD socket volume or
/// a bind of the host's socket or its directory.
pub fn socket_mounts<'a>(service: &'a Service, socket_volumes: &[String]) -> Vec<&'a Mount> {
    service
        .mounts
        .iter()
        .filter(|m| match m.kind {
            MountKind::Bind => m.source.as_deref().is_some_and(|s| {
                is_socket_path(s) || matches!(s.trim_end_matches('/'), "/var/run" | "/run")
            }),
            MountKind::Volume => m
                .source
                .as_ref()
                .is_some_and(|s| socket_volumes.contains(s)),
            _ => false,
        })
        .collect()
}

/// Marks each service of `project` that is a Docker daemon, with its evidence: its own, or
/// being the privileged service a client names in `DOCKER_HOST=tcp://…`.
pub fn mark_daemons(project: &mut Project) {
    let own: Vec<Option<Evidence>> = project.services.iter().map(own_evidence).collect();
    for (s, e) in project.services.iter_mut().zip(own) {
        s.dind = e;
    }
    let mut named: Vec<(usize, String)> = Vec::new();
    for client in &project.services {
        let Some((DockerHost::Tcp { host, .. }, _)) = docker_host(client) else {
            continue;
        };
        if let Resolution::Service(target, _) = resolve(project, client, &host) {
            let privileged = target.privileged.as_ref().is_some_and(|p| p.value);
            if target.dind.is_none() && privileged {
                if let Some(i) = project.services.iter().position(|s| s.name == target.name) {
                    named.push((i, client.name.clone()));
                }
            }
        }
    }
    for (i, client) in named {
        project.services[i].dind = Some(Evidence::DockerHostOf(client));
    }
}

/// Text of a spanned value (for messages).
pub fn text_of(t: &Spanned<Text>) -> &str {
    &t.value.text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn dockerd_flags() {
        let c = parse_dockerd(&args("dockerd --host=tcp://0.0.0.0:2376 --tls=false"));
        assert_eq!(
            c.listeners,
            [Listener {
                port: 2376,
                tls: false
            }]
        );
        assert_eq!(c.socket, None, "an explicit host list replaces the socket");
        let c = parse_dockerd(&args(
            "dockerd --tlsverify --tls=false -H tcp://0.0.0.0:2376",
        ));
        assert!(c.tls, "--tlsverify implies TLS");
        let c = parse_dockerd(&args("dockerd --tlsverify=false -H tcp://0.0.0.0:2376"));
        assert!(c.tls, "--tlsverify=false still turns TLS on");
        let c = parse_dockerd(&args("dockerd --tls=false -H tcp://0.0.0.0:2376"));
        assert!(!c.tls);
        let c = parse_dockerd(&args("dockerd"));
        assert_eq!(c.socket.as_deref(), Some("/var/run/docker.sock"));
        assert!(c.listeners.is_empty());
        let c = parse_dockerd(&args("dockerd -H tcp://0.0.0.0"));
        assert_eq!(c.listeners[0].port, 2375);
    }

    #[test]
    fn images() {
        for image in [
            "docker:25.0.5-dind-alpine3.19",
            "docker:dind",
            "docker:27-dind-rootless",
            "registry.example/dind:1",
            "vendor/docker-dind:2",
            "mirror.example/library/docker:26-dind",
            "vegardit/gitea-act-runner:dind-latest",
            "gitea/act_runner:latest-dind-rootless",
            "summerwind/actions-runner-dind:ubuntu-22.04",
        ] {
            assert!(is_dind_image(image), "{image}");
        }
        assert!(is_library_dind_image("docker:25.0.5-dind-alpine3.19"));
        assert!(is_library_dind_image(
            "mirror.example/library/docker:26-dind"
        ));
        assert!(!is_library_dind_image(
            "vegardit/gitea-act-runner:dind-latest"
        ));
        assert!(!is_library_dind_image("docker:25.0.5-cli"));
        assert!(is_library_dind_image("code.forgejo.org/oci/docker:dind"));
        for image in [
            "docker:25.0.5-cli",
            "portainer/portainer-ce",
            "gitlab/gitlab-runner:v17",
            "grafana/windows-exporter:1",
        ] {
            assert!(!is_dind_image(image), "{image}");
        }
        assert!(is_rootless_image("docker:27-dind-rootless"));
    }

    #[test]
    fn pools() {
        let p = default_pools();
        assert_eq!(p.len(), 16);
    }
}
