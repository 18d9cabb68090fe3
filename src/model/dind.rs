//! What the outer layer says about Docker daemons and their clients: each DinD service's TLS
//! mode, listening ports, address pools, socket and certificate volumes; each client's way to
//! the daemon and its effective user and groups (from `user`, `group_add`, and the Dockerfile
//! of a local `build:` context).

use std::collections::HashMap;
use std::path::Path;

use super::compose::{Mount, MountKind, Project, Service};
use super::roles::{is_dind, is_socket_path};
use super::{Spanned, Text};
use crate::net::Cidr;
use crate::source::Span;

/// A DinD service and its daemon's settings.
pub struct Daemon<'a> {
    pub service: &'a Service,
    /// `Some(true)` TLS on 2376; `Some(false)` plain 2375; `None` unknown (unresolved).
    pub tls: Option<bool>,
    /// Container ports on which the daemon listens.
    pub listens: Vec<u16>,
    /// `--default-address-pool` or `--bip` given: the inner daemon's pools are chosen.
    pub pools: Vec<Cidr>,
    pub pools_set: bool,
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

/// Flag values from a command line: `--flag value`, `--flag=value`, and `-H value` for hosts.
fn flag_values<'c>(command: &'c [Spanned<Text>], names: &[&str]) -> Vec<&'c str> {
    let mut out = Vec::new();
    let args: Vec<&str> = command.iter().map(|c| c.value.text.as_str()).collect();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        for name in names {
            if arg == *name {
                if let Some(v) = args.get(i + 1) {
                    out.push(*v);
                }
            } else if let Some(v) = arg.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                out.push(v);
            }
        }
        i += 1;
    }
    out
}

fn port_of(url: &str) -> Option<u16> {
    let rest = url.strip_prefix("tcp://")?;
    rest.rsplit_once(':')
        .and_then(|(_, p)| p.trim_end_matches('/').parse().ok())
}

impl<'a> Daemon<'a> {
    pub fn of(service: &'a Service) -> Self {
        let certdir = service.env("DOCKER_TLS_CERTDIR");
        // docker:dind sets DOCKER_TLS_CERTDIR=/certs by default.
        let mut tls = match certdir {
            None => Some(true),
            Some(v) if v.value.unresolved => None,
            Some(v) => Some(!v.value.text.is_empty()),
        };
        let args: Vec<Spanned<Text>> = service
            .command
            .iter()
            .chain(service.entrypoint.iter())
            .cloned()
            .collect();
        if flag_values(&args, &["--tls"]).contains(&"false") {
            tls = Some(false);
        }
        let hosts = flag_values(&args, &["-H", "--host"]);
        let mut listens: Vec<u16> = hosts.iter().filter_map(|h| port_of(h)).collect();
        if hosts.is_empty() {
            match tls {
                Some(true) => listens.push(2376),
                Some(false) => listens.push(2375),
                None => listens.extend([2375, 2376]),
            }
        }
        let pool_args = flag_values(&args, &["--default-address-pool"]);
        let bip = flag_values(&args, &["--bip"]);
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
        Daemon {
            service,
            tls,
            listens,
            pools_set: !pool_args.is_empty() || !bip.is_empty(),
            pools,
            socket_volumes: volume_at(&|t| matches!(t, "/var/run" | "/run") || is_socket_path(t)),
            cert_volumes: volume_at(&|t| t == "/certs" || t.starts_with("/certs/")),
            mount_targets: service
                .mounts
                .iter()
                .filter_map(|m| m.target.clone())
                .collect(),
        }
    }

    /// The container port of the daemon a client reaches on `port`: whether it listens.
    pub fn listens_on(&self, port: u16) -> bool {
        self.listens.contains(&port)
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

pub fn daemons(project: &Project) -> Vec<Daemon<'_>> {
    project
        .services
        .iter()
        .filter(|s| is_dind(s))
        .map(Daemon::of)
        .collect()
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
    let text = &value.value.text;
    let host = if let Some(path) = text.strip_prefix("unix://") {
        DockerHost::Unix {
            path: path.to_string(),
        }
    } else if let Some(rest) = text.strip_prefix("tcp://") {
        let rest = rest.trim_end_matches('/');
        match rest.rsplit_once(':') {
            Some((h, p)) => DockerHost::Tcp {
                host: h.to_string(),
                port: p.parse().ok(),
            },
            None => DockerHost::Tcp {
                host: rest.to_string(),
                port: None,
            },
        }
    } else {
        DockerHost::Other
    };
    Some((host, value.span))
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

/// What a Dockerfile says about users and groups.
#[derive(Debug, Default)]
struct DockerfileUsers {
    group_gids: HashMap<String, u32>,
    memberships: Vec<(String, String)>,
    primary: HashMap<String, String>,
    last_user: Option<String>,
}

fn parse_dockerfile(text: &str) -> DockerfileUsers {
    let mut out = DockerfileUsers::default();
    // Join continuation lines, then split RUN commands on `&&` and `;`.
    let joined = text.replace("\\\n", " ");
    for line in joined.lines() {
        let line = line.trim();
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("USER ") {
            out.last_user = Some(line[5..].trim().to_string());
            continue;
        }
        if !upper.starts_with("RUN ") {
            continue;
        }
        for cmd in line[4..]
            .split(['&', ';', '|'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let words: Vec<&str> = cmd.split_whitespace().collect();
            let Some(&program) = words.first() else {
                continue;
            };
            let opt = |names: &[&str]| -> Option<&str> {
                words
                    .iter()
                    .position(|w| names.contains(w))
                    .and_then(|i| words.get(i + 1).copied())
            };
            let positional: Vec<&str> = {
                let mut v = Vec::new();
                let mut skip = false;
                for w in &words[1..] {
                    if skip {
                        skip = false;
                        continue;
                    }
                    if w.starts_with('-') {
                        // Options that take a value; flags such as `-D` do not.
                        skip = matches!(
                            *w,
                            "-g" | "-G"
                                | "-u"
                                | "-s"
                                | "-h"
                                | "--gid"
                                | "--uid"
                                | "--shell"
                                | "--home"
                                | "--ingroup"
                        );
                        continue;
                    }
                    v.push(*w);
                }
                v
            };
            match program {
                "addgroup" | "groupadd" => {
                    if let (Some(gid), Some(name)) = (
                        opt(&["-g", "--gid"]).and_then(|g| g.parse().ok()),
                        positional.last(),
                    ) {
                        out.group_gids.insert((*name).to_string(), gid);
                    } else if program == "addgroup" && positional.len() == 2 {
                        // busybox `addgroup USER GROUP` adds a user to a group.
                        out.memberships
                            .push((positional[0].to_string(), positional[1].to_string()));
                    }
                }
                "adduser" | "useradd" => {
                    let group = opt(&["-G", "--ingroup", "-g"]);
                    if program == "adduser" && positional.len() == 2 && group.is_none() {
                        out.memberships
                            .push((positional[0].to_string(), positional[1].to_string()));
                    } else if let (Some(user), Some(group)) = (positional.last(), group) {
                        for g in group.split(',') {
                            out.memberships.push(((*user).to_string(), g.to_string()));
                        }
                        out.primary.insert(
                            (*user).to_string(),
                            group.split(',').next().unwrap_or(group).to_string(),
                        );
                    }
                }
                "usermod" | "gpasswd" => {
                    if let (Some(groups), Some(user)) =
                        (opt(&["-aG", "-G", "-a"]), positional.last())
                    {
                        for g in groups.split(',') {
                            out.memberships.push(((*user).to_string(), g.to_string()));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
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

/// The effective user and groups of a service. `base_dir` is the directory of the compose
/// file, against which a `build:` context is resolved.
pub fn identity(service: &Service, base_dir: Option<&Path>) -> Identity {
    let dockerfile = service.build.as_ref().and_then(|b| {
        let context = b.context.as_ref()?.value.text.clone();
        let file = b
            .dockerfile
            .as_ref()
            .map_or_else(|| "Dockerfile".to_string(), |d| d.value.text.clone());
        let path = base_dir.unwrap_or(Path::new("")).join(context).join(file);
        std::fs::read_to_string(path).ok()
    });
    let users = dockerfile
        .as_deref()
        .map(parse_dockerfile)
        .unwrap_or_default();
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
        let (name, group) = match user.split_once(':') {
            Some((n, g)) => (n.to_string(), Some(g.to_string())),
            None => (user.clone(), users.primary.get(user).cloned()),
        };
        if let Some(g) = group {
            id.groups
                .push(group_of(&g, &id.user_source, &users.group_gids));
        }
        for (member, group) in &users.memberships {
            if *member == name {
                id.groups
                    .push(group_of(group, "the Dockerfile", &users.group_gids));
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

/// How a client uses a Docker socket: the mount that brings it in, if any.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_users_and_groups() {
        let d = parse_dockerfile(
            "FROM alpine:3.20\nRUN addgroup -g 2375 docker && \\\n    adduser -D -u 1000 app && addgroup app docker\nRUN groupadd --gid 999 ops; usermod -aG ops app\nUSER app\n",
        );
        assert_eq!(d.group_gids.get("docker"), Some(&2375));
        assert_eq!(d.group_gids.get("ops"), Some(&999));
        assert!(d.memberships.contains(&("app".into(), "docker".into())));
        assert!(d.memberships.contains(&("app".into(), "ops".into())));
        assert_eq!(d.last_user.as_deref(), Some("app"));
    }

    #[test]
    fn pools() {
        let p = default_pools();
        assert!(p.iter().any(|c| {
            c.contains(
                "172.17.0.1"
                    .parse()
                    .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])),
            )
        }));
        assert_eq!(p.len(), 16);
    }
}
