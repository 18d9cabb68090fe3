//! The outer layer: a compose project typed from the loader's merged tree.
//!
//! Building never fails: a value of the wrong shape is left out (the schema or the decode
//! stage of the loader reports it), so rules see only well-formed values, each with the span
//! of the node it came from. Values are read as compose reads them (go-yaml types, compose's
//! short syntaxes parsed by the same code as the loader's checks); implicit dependencies
//! (`links`, `volumes_from`, `network_mode: service:…`) are added as compose's normalization
//! adds them; services outside the active compose profiles are kept apart.

use std::collections::HashMap;

use crate::load::{self, interpolate::to_bool};
use crate::source::Span;
use crate::yaml::{Node, Resolved, Value};

use super::ports::{self, PortSpec, Range};
use super::{Spanned, Text, text};

#[derive(Clone, Debug, Default)]
pub struct Project {
    /// Service name to its index in `services`.
    index: HashMap<String, usize>,
    /// The project's `name:`, when written.
    pub name: Option<Spanned<Text>>,
    /// The `version:` key of each compose document that has one.
    pub versions: Vec<Span>,
    /// The directory of the first compose file: relative paths (build contexts) start here.
    pub base_dir: Option<std::path::PathBuf>,
    /// The services of the active profiles (all services when no profile is used).
    pub services: Vec<Service>,
    /// Services whose `profiles` are all inactive: not part of the project.
    pub disabled: Vec<Service>,
    pub networks: Vec<Decl>,
    pub volumes: Vec<Decl>,
    pub secrets: Vec<Decl>,
    pub configs: Vec<Decl>,
}

/// A top-level network, volume, secret or config declaration.
#[derive(Clone, Debug)]
pub struct Decl {
    pub name: String,
    pub key: Span,
    pub external: bool,
    /// Keys other than `external`, `name` and `x-…` (with their spans): what an external
    /// resource cannot also set.
    pub config_keys: Vec<Spanned<String>>,
    pub internal: bool,
    pub subnets: Vec<Spanned<Text>>,
    /// `file`, `environment`, `content` of a secret or config, when written.
    pub sources: Vec<Spanned<String>>,
    pub driver: Option<Spanned<Text>>,
    /// `name:`, and the deprecated `external: {name: …}`.
    pub name_field: Option<Spanned<Text>>,
    pub external_name: Option<Spanned<Text>>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub key: Span,
    pub image: Option<Spanned<Text>>,
    pub build: Option<Build>,
    pub container_name: Option<Spanned<Text>>,
    /// `hostname:`; Docker's embedded DNS answers it on user-defined networks (tested on this
    /// machine with Docker 20.10: `nslookup <hostname> 127.0.0.11` from another container).
    pub hostname: Option<Spanned<Text>>,
    pub ports: Vec<Port>,
    /// `expose` entries that parse (`3000`, `3000-3005`, `3000/udp`).
    pub expose: Vec<Range>,
    pub mounts: Vec<Mount>,
    /// `tmpfs` targets.
    pub tmpfs: Vec<Spanned<String>>,
    /// Networks the service joins (list or map form); empty means the default network.
    pub networks: Vec<Spanned<String>>,
    /// Where `networks:` is written, when it is.
    pub networks_key: Option<Span>,
    pub network_mode: Option<Spanned<Text>>,
    pub environment: Vec<EnvVar>,
    pub env_files: Vec<EnvFile>,
    pub depends_on: Vec<Dependency>,
    pub healthcheck: Option<Healthcheck>,
    pub user: Option<Spanned<Text>>,
    pub group_add: Vec<Spanned<Text>>,
    pub privileged: Option<Spanned<bool>>,
    pub command: Vec<Spanned<Text>>,
    pub entrypoint: Vec<Spanned<Text>>,
    pub extra_hosts: Vec<Spanned<Text>>,
    pub labels: Vec<(String, Spanned<Text>)>,
    pub secrets: Vec<Spanned<String>>,
    pub configs: Vec<Spanned<String>>,
    pub links: Vec<Spanned<String>>,
    pub volumes_from: Vec<Spanned<String>>,
    pub profiles: Vec<String>,
    pub restart: Option<Spanned<Text>>,
    pub scale: Option<Spanned<i64>>,
    pub replicas: Option<Spanned<i64>>,
    pub cpus: Option<Spanned<f64>>,
    pub mem_limit: Option<Spanned<i64>>,
    pub mem_reservation: Option<Spanned<i64>>,
    pub pids_limit: Option<Spanned<i64>>,
    pub limits: Resources,
    pub reservations: Resources,
    pub has_limits: bool,
    pub security_opt: Vec<Spanned<Text>>,
    pub cap_drop: Vec<Spanned<Text>>,
    /// `provider:` is set (the service is run by a plugin, not from an image).
    pub has_provider: bool,
    /// `deploy.resources.reservations.devices` and `gpus`.
    pub device_requests: Vec<DeviceRequest>,
    /// `(network, alias)` for each alias under `networks: {net: {aliases: […]}}`.
    pub aliases: Vec<(String, String)>,
    /// The Dockerfile of a local `build:` context, read by the loader.
    pub dockerfile: Option<Box<super::dockerfile::Dockerfile>>,
    /// Why the service is taken for a Docker daemon (set by the loader, see
    /// [`super::dind::mark_daemons`]); `None` for other services.
    pub dind: Option<super::dind::Evidence>,
    /// `restart` is `no` (or `deploy.restart_policy.condition: none`): a one-shot job.
    pub one_shot: bool,
}

/// A device request: where `count` and `device_ids` are written.
#[derive(Clone, Debug)]
pub struct DeviceRequest {
    pub count: Option<Span>,
    pub device_ids: Option<Span>,
}

/// `deploy.resources.limits` or `.reservations`.
#[derive(Clone, Debug, Default)]
pub struct Resources {
    /// The mapping is written (even empty): compose then compares its fields with the
    /// service-level ones, an absent field counting as 0.
    pub present: Option<Span>,
    pub cpus: Option<Spanned<f64>>,
    pub memory: Option<Spanned<i64>>,
    pub pids: Option<Spanned<i64>>,
}

#[derive(Clone, Debug)]
pub struct Build {
    pub context: Option<Spanned<Text>>,
    pub dockerfile: Option<Spanned<Text>>,
    pub span: Span,
}

/// One `ports` entry: parsed, or the reason it does not parse.
#[derive(Clone, Debug)]
pub struct Port {
    pub span: Span,
    pub spec: Result<PortSpec, String>,
    /// Depends on an unresolved variable: no rule judges it.
    pub unknown: bool,
    /// Written in the long syntax (`{target: 80, published: "8080"}`), which compose loads
    /// without checking the numbers; the engine checks them.
    pub long: bool,
    /// A long-syntax `host_ip` that is not an IP address (compose refuses it).
    pub bad_host_ip: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountKind {
    /// A named volume (or an anonymous one when `source` is `None`).
    Volume,
    /// A host path.
    Bind,
    Tmpfs,
    Other,
}

#[derive(Clone, Debug)]
pub struct Mount {
    pub span: Span,
    pub kind: MountKind,
    pub source: Option<String>,
    pub target: Option<String>,
    pub read_only: bool,
    pub unknown: bool,
}

#[derive(Clone, Debug)]
pub struct EnvVar {
    pub key: String,
    pub key_span: Span,
    /// `None` for `KEY` alone (taken from the shell) or `KEY: null`.
    pub value: Option<Spanned<Text>>,
}

/// An `env_file` entry.
#[derive(Clone, Debug)]
pub struct EnvFile {
    pub path: Spanned<Text>,
    pub required: bool,
}

#[derive(Clone, Debug)]
pub struct Dependency {
    pub service: String,
    pub span: Span,
    pub condition: Option<Spanned<String>>,
    /// `required: false` lets the dependency be missing or disabled.
    pub required: bool,
    /// The field that implies the dependency, when it is not `depends_on` (`links`,
    /// `volumes_from`, `network_mode`, `ipc`, `pid`, `uts`, `cgroup`).
    pub implied_by: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Healthcheck {
    pub span: Span,
    pub disabled: bool,
    pub test: Vec<Spanned<Text>>,
    /// The test was written as a string (compose runs it with `CMD-SHELL`).
    pub test_is_string: bool,
    /// `interval`, `timeout`, `start_period`, `start_interval` as written.
    pub durations: Vec<(String, Spanned<Text>)>,
    pub retries: Option<Spanned<i64>>,
}

impl Healthcheck {
    /// Whether the check is effective: not disabled and not `test: [NONE]`.
    pub fn is_active(&self) -> bool {
        !self.disabled && self.test.first().is_none_or(|t| t.value.text != "NONE")
    }
}

/// Items of a sequence, or a single scalar as one item.
/// One `expose` entry's container ports: `3000`, `3000-3005`, with an optional `/proto`.
fn expose_range(text: &str) -> Option<Range> {
    let ports = text.split('/').next().unwrap_or(text);
    let (a, b) = ports.split_once('-').unwrap_or((ports, ports));
    let (start, end) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (start <= end).then_some(Range { start, end })
}

fn items(node: Option<&Node>) -> Vec<Spanned<Text>> {
    match node {
        Some(n) => match &n.value {
            Value::Seq(items) => items.iter().filter_map(text).collect(),
            Value::Scalar(_) => text(n).into_iter().collect(),
            Value::Map(_) => Vec::new(),
        },
        None => Vec::new(),
    }
}

/// A boolean as compose reads it (a YAML boolean, or a string compose casts).
pub fn boolean(node: &Node) -> Option<bool> {
    match &node.value {
        Value::Scalar(s) => match s.resolve() {
            Resolved::Bool(b) => Some(b),
            Resolved::Str(t) => to_bool(&t),
            _ => None,
        },
        _ => None,
    }
}

fn integer(node: Option<&Node>) -> Option<Spanned<i64>> {
    let node = node?;
    let Value::Scalar(s) = &node.value else {
        return None;
    };
    if s.unresolved {
        return None;
    }
    let value = match s.resolve() {
        Resolved::Int(i) => i,
        Resolved::Float(f) => f as i64,
        Resolved::Str(t) => load::interpolate::to_int(&t)?,
        _ => return None,
    };
    Some(Spanned {
        value,
        span: node.span,
    })
}

fn float(node: Option<&Node>) -> Option<Spanned<f64>> {
    let node = node?;
    let Value::Scalar(s) = &node.value else {
        return None;
    };
    if s.unresolved {
        return None;
    }
    let value = match s.resolve() {
        Resolved::Int(i) => i as f64,
        Resolved::Float(f) => f,
        Resolved::Str(t) => load::interpolate::to_float(&t)?,
        _ => return None,
    };
    Some(Spanned {
        value,
        span: node.span,
    })
}

fn byte_size(node: Option<&Node>) -> Option<Spanned<i64>> {
    let node = node?;
    let Value::Scalar(s) = &node.value else {
        return None;
    };
    if s.unresolved {
        return None;
    }
    let value = match s.resolve() {
        Resolved::Int(i) => i,
        Resolved::Str(t) => super::units::compose_bytes(&t).ok()?,
        _ => return None,
    };
    Some(Spanned {
        value,
        span: node.span,
    })
}

fn decls(root: &Node, key: &str) -> Vec<Decl> {
    let Some(entries) = root.get(key).and_then(Node::as_map) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|e| {
            let name = e.key_text()?.to_string();
            let node = &e.value;
            let external = node.get("external").is_some_and(|x| match &x.value {
                Value::Map(_) => true,
                _ => boolean(x) == Some(true),
            });
            let config_keys = node
                .as_map()
                .map(|m| {
                    m.iter()
                        .filter_map(|en| {
                            let k = en.key_text()?;
                            (!matches!(k, "external" | "name") && !k.starts_with("x-")).then(|| {
                                Spanned {
                                    value: k.to_string(),
                                    span: en.key.span,
                                }
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let internal = node.get("internal").and_then(boolean).unwrap_or(false);
            let subnets = node
                .get("ipam")
                .and_then(|i| i.get("config"))
                .and_then(Node::as_seq)
                .map(|cfgs| {
                    cfgs.iter()
                        .filter_map(|c| c.get("subnet").and_then(text))
                        .collect()
                })
                .unwrap_or_default();
            let sources = ["file", "environment", "content"]
                .iter()
                .filter_map(|k| {
                    node.entry(k).map(|en| Spanned {
                        value: (*k).to_string(),
                        span: en.key.span,
                    })
                })
                .collect();
            Some(Decl {
                name,
                key: e.key.span,
                external,
                config_keys,
                internal,
                subnets,
                sources,
                driver: node.get("driver").and_then(text),
                name_field: node.get("name").and_then(text),
                external_name: node
                    .get("external")
                    .and_then(|x| x.get("name"))
                    .and_then(text),
            })
        })
        .collect()
}

impl Project {
    /// Types the merged tree; services outside `profiles` go to `disabled`.
    pub fn from_root(root: &Node, profiles: &[String]) -> Self {
        let mut services = Vec::new();
        let mut disabled = Vec::new();
        if let Some(entries) = root.get("services").and_then(Node::as_map) {
            for e in entries {
                let Some(name) = e.key_text() else { continue };
                if e.value.as_map().is_none() {
                    continue;
                }
                let service = Service::from_node(name, e.key.span, &e.value);
                if load::profiles::enabled(&service.profiles, profiles) {
                    services.push(service);
                } else {
                    disabled.push(service);
                }
            }
        }
        let index = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
        Self {
            index,
            name: root.get("name").and_then(text),
            versions: Vec::new(),
            base_dir: None,
            services,
            disabled,
            networks: decls(root, "networks"),
            volumes: decls(root, "volumes"),
            secrets: decls(root, "secrets"),
            configs: decls(root, "configs"),
        }
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.index.get(name).map(|&i| &self.services[i])
    }

    /// A service of the project, enabled or not.
    pub fn any_service(&self, name: &str) -> Option<&Service> {
        self.service(name)
            .or_else(|| self.disabled.iter().find(|s| s.name == name))
    }
}

fn resources(entry: Option<&crate::yaml::Entry>) -> Resources {
    let Some(entry) = entry else {
        return Resources::default();
    };
    let node = &entry.value;
    Resources {
        present: Some(entry.key.span),
        cpus: float(node.get("cpus")),
        memory: byte_size(node.get("memory")),
        pids: integer(node.get("pids")),
    }
}

impl Service {
    fn from_node(name: &str, key: Span, node: &Node) -> Self {
        let get = |k: &str| node.get(k);
        let privileged = get("privileged").and_then(|n| {
            Some(Spanned {
                value: boolean(n)?,
                span: n.span,
            })
        });
        let deploy = get("deploy");
        let res = deploy.and_then(|d| d.get("resources"));
        let limits = resources(res.and_then(|r| r.entry("limits")));
        let reservations = resources(res.and_then(|r| r.entry("reservations")));
        let deploy_limits = res
            .and_then(|r| r.get("limits"))
            .and_then(Node::as_map)
            .is_some_and(|m| !m.is_empty());
        let mut depends_on = depends_on(get("depends_on"));
        implied_dependencies(node, &mut depends_on);
        Self {
            name: name.to_string(),
            key,
            image: get("image").and_then(text),
            build: get("build").map(build),
            container_name: get("container_name").and_then(text),
            hostname: get("hostname").and_then(text),
            ports: get("ports")
                .and_then(Node::as_seq)
                .map(|s| s.iter().flat_map(port).collect())
                .unwrap_or_default(),
            expose: items(get("expose"))
                .iter()
                .filter_map(|t| expose_range(&t.value.text))
                .collect(),
            mounts: get("volumes")
                .and_then(Node::as_seq)
                .map(|s| s.iter().map(mount).collect())
                .unwrap_or_default(),
            tmpfs: items(get("tmpfs"))
                .into_iter()
                .map(|t| Spanned {
                    value: t.value.text.split(':').next().unwrap_or("").to_string(),
                    span: t.span,
                })
                .collect(),
            networks: names(get("networks")),
            networks_key: node.entry("networks").map(|e| e.key.span),
            network_mode: get("network_mode").and_then(text),
            environment: environment(get("environment")),
            env_files: env_files(get("env_file")),
            depends_on,
            healthcheck: get("healthcheck").map(healthcheck),
            user: get("user").and_then(text),
            group_add: items(get("group_add")),
            privileged,
            command: items(get("command")),
            entrypoint: items(get("entrypoint")),
            extra_hosts: extra_hosts(get("extra_hosts")),
            labels: labels(get("labels")),
            secrets: named_refs(get("secrets")),
            configs: named_refs(get("configs")),
            links: names(get("links")),
            volumes_from: names(get("volumes_from")),
            profiles: items(get("profiles"))
                .into_iter()
                .map(|t| t.value.text)
                .collect(),
            restart: get("restart").and_then(text),
            scale: integer(get("scale")),
            replicas: integer(deploy.and_then(|d| d.get("replicas"))),
            cpus: float(get("cpus")),
            mem_limit: byte_size(get("mem_limit")),
            mem_reservation: byte_size(get("mem_reservation")),
            pids_limit: integer(get("pids_limit")),
            limits,
            reservations,
            has_limits: deploy_limits || get("mem_limit").is_some() || get("cpus").is_some(),
            security_opt: items(get("security_opt")),
            cap_drop: items(get("cap_drop")),
            has_provider: get("provider").is_some(),
            aliases: get("networks")
                .and_then(Node::as_map)
                .map(|nets| {
                    nets.iter()
                        .filter_map(|n| Some((n.key_text()?.to_string(), n.value.get("aliases")?)))
                        .flat_map(|(net, aliases)| {
                            items(Some(aliases))
                                .into_iter()
                                .map(move |a| (net.clone(), a.value.text))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            dockerfile: None,
            dind: None,
            one_shot: get("restart")
                .and_then(text)
                .is_some_and(|t| t.value.text == "no")
                || deploy
                    .and_then(|d| d.get("restart_policy"))
                    .and_then(|r| r.get("condition"))
                    .and_then(text)
                    .is_some_and(|t| t.value.text == "none"),
            device_requests: res
                .and_then(|r| r.get("reservations"))
                .and_then(|r| r.get("devices"))
                .into_iter()
                .chain(get("gpus"))
                .filter_map(Node::as_seq)
                .flatten()
                .map(|d| DeviceRequest {
                    count: d.entry("count").map(|e| e.key.span),
                    device_ids: d.entry("device_ids").map(|e| e.key.span),
                })
                .collect(),
        }
    }

    /// The value of environment variable `key`, when set in the file.
    pub fn env(&self, key: &str) -> Option<&Spanned<Text>> {
        self.environment
            .iter()
            .rev()
            .find(|e| e.key == key)
            .and_then(|e| e.value.as_ref())
    }

    /// How many containers compose runs: `scale`, else `deploy.replicas`, else 1.
    pub fn instances(&self) -> i64 {
        self.scale
            .as_ref()
            .or(self.replicas.as_ref())
            .map_or(1, |s| s.value)
    }
}

/// compose's normalization: `links`, `volumes_from` (not `container:`) and the
/// `service:NAME` namespaces are dependencies too.
fn implied_dependencies(node: &Node, deps: &mut Vec<Dependency>) {
    let add = |service: String, span: Span, field: &'static str, deps: &mut Vec<Dependency>| {
        if !deps.iter().any(|d| d.service == service) {
            deps.push(Dependency {
                service,
                span,
                condition: None,
                required: true,
                implied_by: Some(field),
            });
        }
    };
    for l in names(node.get("links")) {
        let name = match l.value.split(':').collect::<Vec<_>>().as_slice() {
            [name, _] => (*name).to_string(),
            _ => l.value.clone(),
        };
        add(name, l.span, "links", deps);
    }
    for field in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
        if let Some(t) = node.get(field).and_then(text) {
            if let Some(svc) = t.value.text.strip_prefix("service:") {
                add(svc.to_string(), t.span, field, deps);
            }
        }
    }
    for v in names(node.get("volumes_from")) {
        if !v.value.starts_with("container:") {
            let name = v.value.split(':').next().unwrap_or("").to_string();
            add(name, v.span, "volumes_from", deps);
        }
    }
}

fn build(node: &Node) -> Build {
    match &node.value {
        Value::Scalar(_) => Build {
            context: text(node),
            dockerfile: None,
            span: node.span,
        },
        _ => Build {
            context: node.get("context").and_then(text),
            dockerfile: node.get("dockerfile").and_then(text),
            span: node.span,
        },
    }
}

/// The short syntax through compose's own parser, as one range-shaped spec.
fn short_spec(spec: &str) -> Result<PortSpec, String> {
    let mappings = load::ports::parse_short(spec)?;
    let (first, last) = (mappings.first(), mappings.last());
    let host_ip = if first.host_ip.is_empty() {
        None
    } else {
        Some(
            first
                .host_ip
                .parse()
                .map_err(|_| format!("invalid IP address `{}`", first.host_ip))?,
        )
    };
    let host = if first.published.is_empty() {
        None
    } else {
        let start = |p: &str| p.split('-').next().unwrap_or(p).parse::<u16>().ok();
        let end = |p: &str| p.rsplit('-').next().unwrap_or(p).parse::<u16>().ok();
        match (start(&first.published), end(&last.published)) {
            (Some(s), Some(e)) => Some(Range { start: s, end: e }),
            _ => return Err(format!("invalid host port `{}`", first.published)),
        }
    };
    Ok(PortSpec {
        host_ip,
        host,
        container: Range {
            start: first.target,
            end: last.target,
        },
        protocol: first.protocol.clone(),
    })
}

fn port(node: &Node) -> Vec<Port> {
    match &node.value {
        Value::Scalar(s) => vec![Port {
            span: node.span,
            spec: short_spec(&s.text),
            unknown: s.unresolved,
            long: false,
            bad_host_ip: false,
        }],
        Value::Map(_) => {
            let field = |k: &str| node.get(k).and_then(text);
            let fields = [
                field("target"),
                field("published"),
                field("host_ip"),
                field("protocol"),
            ];
            let unknown = fields.iter().flatten().any(|f| f.value.unresolved);
            let [target, published, host_ip, protocol] = fields;
            let bad_host_ip = host_ip
                .as_ref()
                .is_some_and(|ip| ip.value.text.parse::<std::net::IpAddr>().is_err());
            let spec = match target {
                Some(t) => ports::parse_long(
                    &t.value.text,
                    published.as_ref().map(|p| p.value.text.as_str()),
                    host_ip.as_ref().map(|p| p.value.text.as_str()),
                    protocol.as_ref().map(|p| p.value.text.as_str()),
                ),
                None => Err("a port in the long syntax needs `target`".into()),
            };
            vec![Port {
                span: node.span,
                spec,
                unknown,
                long: true,
                bad_host_ip,
            }]
        }
        Value::Seq(_) => Vec::new(),
    }
}

/// Whether a mount source is a host path rather than a volume name (compose's `isFilePath`).
pub fn is_path(source: &str) -> bool {
    load::volume::is_file_path(source) || source.starts_with('$')
}

fn mount(node: &Node) -> Mount {
    match &node.value {
        Value::Scalar(s) => match load::volume::parse(&s.text) {
            Ok(v) => Mount {
                span: node.span,
                kind: if v.bind || (s.unresolved && is_path(&v.source)) {
                    MountKind::Bind
                } else {
                    MountKind::Volume
                },
                source: (!v.source.is_empty()).then_some(v.source),
                target: Some(v.target),
                read_only: v.read_only,
                unknown: s.unresolved,
            },
            Err(_) => Mount {
                span: node.span,
                kind: MountKind::Other,
                source: None,
                target: None,
                read_only: false,
                unknown: true,
            },
        },
        Value::Map(_) => {
            let field = |k: &str| node.get(k).and_then(text);
            let kind = match field("type").map(|t| t.value.text).as_deref() {
                Some("bind") => MountKind::Bind,
                Some("volume") => MountKind::Volume,
                Some("tmpfs") => MountKind::Tmpfs,
                _ => MountKind::Other,
            };
            let source = field("source");
            let target = field("target");
            let unknown = [&source, &target]
                .iter()
                .any(|f| f.as_ref().is_some_and(|f| f.value.unresolved));
            Mount {
                span: node.span,
                kind,
                source: source.map(|s| s.value.text).filter(|s| !s.is_empty()),
                target: target.map(|t| t.value.text),
                read_only: node.get("read_only").and_then(boolean).unwrap_or(false),
                unknown,
            }
        }
        Value::Seq(_) => Mount {
            span: node.span,
            kind: MountKind::Other,
            source: None,
            target: None,
            read_only: false,
            unknown: false,
        },
    }
}

/// Names from a list of strings or the keys of a mapping.
fn names(node: Option<&Node>) -> Vec<Spanned<String>> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| {
                text(i).map(|t| Spanned {
                    value: t.value.text,
                    span: t.span,
                })
            })
            .collect(),
        Some(Value::Map(entries)) => entries
            .iter()
            .filter_map(|e| {
                Some(Spanned {
                    value: e.key_text()?.to_string(),
                    span: e.key.span,
                })
            })
            .collect(),
        Some(Value::Scalar(_)) => node
            .and_then(text)
            .map(|t| Spanned {
                value: t.value.text,
                span: t.span,
            })
            .into_iter()
            .collect(),
        None => Vec::new(),
    }
}

fn named_refs(node: Option<&Node>) -> Vec<Spanned<String>> {
    let Some(Value::Seq(items)) = node.map(|n| &n.value) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| match &i.value {
            Value::Scalar(_) => text(i).map(|t| Spanned {
                value: t.value.text,
                span: t.span,
            }),
            // No `source`: compose looks up a resource named "" (and finds none).
            Value::Map(_) => Some(i.get("source").and_then(text).map_or_else(
                || Spanned {
                    value: String::new(),
                    span: i.span,
                },
                |t| Spanned {
                    value: t.value.text,
                    span: t.span,
                },
            )),
            Value::Seq(_) => None,
        })
        .collect()
}

fn environment(node: Option<&Node>) -> Vec<EnvVar> {
    match node.map(|n| &n.value) {
        Some(Value::Map(entries)) => entries
            .iter()
            .filter_map(|e| {
                Some(EnvVar {
                    key: e.key_text()?.to_string(),
                    key_span: e.key.span,
                    value: if e.value.is_null() {
                        None
                    } else {
                        text(&e.value)
                    },
                })
            })
            .collect(),
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| {
                let t = text(i)?;
                let (key, value) = match t.value.text.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (t.value.text.clone(), None),
                };
                Some(EnvVar {
                    key,
                    key_span: t.span,
                    value: value.map(|v| Spanned {
                        value: Text {
                            text: v,
                            unresolved: t.value.unresolved,
                            interpolated: t.value.interpolated,
                        },
                        span: t.span,
                    }),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn env_files(node: Option<&Node>) -> Vec<EnvFile> {
    let one = |n: &Node| -> Option<EnvFile> {
        match &n.value {
            Value::Scalar(_) => Some(EnvFile {
                path: text(n)?,
                required: true,
            }),
            Value::Map(_) => Some(EnvFile {
                path: n.get("path").and_then(text)?,
                required: n.get("required").and_then(boolean).unwrap_or(true),
            }),
            Value::Seq(_) => None,
        }
    };
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(one).collect(),
        Some(_) => node.and_then(one).into_iter().collect(),
        None => Vec::new(),
    }
}

fn labels(node: Option<&Node>) -> Vec<(String, Spanned<Text>)> {
    environment(node)
        .into_iter()
        .filter_map(|e| Some((e.key, e.value?)))
        .collect()
}

fn extra_hosts(node: Option<&Node>) -> Vec<Spanned<Text>> {
    match node.map(|n| &n.value) {
        Some(Value::Map(entries)) => entries
            .iter()
            .filter_map(|e| {
                let v = text(&e.value)?;
                Some(Spanned {
                    value: Text {
                        text: format!("{}:{}", e.key_text()?, v.value.text),
                        unresolved: v.value.unresolved,
                        interpolated: v.value.interpolated,
                    },
                    span: e.key.span,
                })
            })
            .collect(),
        _ => items(node),
    }
}

fn depends_on(node: Option<&Node>) -> Vec<Dependency> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(_)) => names(node)
            .into_iter()
            .map(|n| Dependency {
                service: n.value,
                span: n.span,
                condition: None,
                required: true,
                implied_by: None,
            })
            .collect(),
        Some(Value::Map(entries)) => entries
            .iter()
            .filter_map(|e| {
                Some(Dependency {
                    service: e.key_text()?.to_string(),
                    span: e.key.span,
                    condition: e.value.get("condition").and_then(text).map(|t| Spanned {
                        value: t.value.text,
                        span: t.span,
                    }),
                    required: e.value.get("required").and_then(boolean).unwrap_or(true),
                    implied_by: None,
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A `healthcheck` mapping (compose services and mcp/v1 containers share the fields).
pub(crate) fn healthcheck(node: &Node) -> Healthcheck {
    let durations = ["interval", "timeout", "start_period", "start_interval"]
        .iter()
        .filter_map(|k| node.get(k).and_then(text).map(|t| ((*k).to_string(), t)))
        .collect();
    let test_node = node.get("test");
    let test_is_string =
        test_node.is_some_and(|t| matches!(t.value, Value::Scalar(_)) && !t.is_null());
    let mut test = items(test_node);
    if test_is_string {
        if let Some(first) = test.first().cloned() {
            test.insert(
                0,
                Spanned {
                    value: Text {
                        text: "CMD-SHELL".into(),
                        unresolved: false,
                        interpolated: false,
                    },
                    span: first.span,
                },
            );
        }
    }
    Healthcheck {
        span: node.span,
        disabled: node.get("disable").and_then(boolean).unwrap_or(false),
        test,
        test_is_string,
        durations,
        retries: integer(node.get("retries")),
    }
}
