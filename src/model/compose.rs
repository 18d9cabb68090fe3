//! The outer layer: a compose project typed from its spanned tree.
//!
//! Building never fails: a value of the wrong shape is left out (the schema reports it), so
//! rules see only well-formed values, each with the span of the node it came from.

use std::collections::HashMap;

use crate::source::Span;
use crate::yaml::{Node, Value};

use super::ports::{self, PortSpec};
use super::{Spanned, Text, text};

#[derive(Clone, Debug)]
pub struct Project {
    /// Service name to its index in `services`.
    index: HashMap<String, usize>,
    /// The `version:` key of each compose file that has one.
    pub versions: Vec<Span>,
    /// The directory of the first compose file: relative paths (build contexts) start here.
    pub base_dir: Option<std::path::PathBuf>,
    pub services: Vec<Service>,
    pub networks: Vec<Decl>,
    pub volumes: Vec<Decl>,
    pub secrets: Vec<Decl>,
}

/// A top-level network, volume or secret declaration.
#[derive(Clone, Debug)]
pub struct Decl {
    pub name: String,
    pub key: Span,
    pub external: bool,
    /// `driver`, `driver_opts`, `ipam` keys (with their spans) when present.
    pub config_keys: Vec<Spanned<String>>,
    pub internal: bool,
    pub subnets: Vec<Spanned<Text>>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub key: Span,
    pub image: Option<Spanned<Text>>,
    pub build: Option<Build>,
    pub container_name: Option<Spanned<Text>>,
    pub ports: Vec<Port>,
    pub mounts: Vec<Mount>,
    /// Networks the service joins (list or map form); empty means the default network.
    pub networks: Vec<Spanned<String>>,
    pub network_mode: Option<Spanned<Text>>,
    pub environment: Vec<EnvVar>,
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
    pub has_limits: bool,
    pub security_opt: Vec<Spanned<Text>>,
    pub cap_drop: Vec<Spanned<Text>>,
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

#[derive(Clone, Debug)]
pub struct Dependency {
    pub service: String,
    pub span: Span,
    pub condition: Option<Spanned<String>>,
}

#[derive(Clone, Debug)]
pub struct Healthcheck {
    pub span: Span,
    pub disabled: bool,
    pub test: Vec<Spanned<Text>>,
    /// `interval`, `timeout`, `start_period`, `start_interval` as written.
    pub durations: Vec<(String, Spanned<Text>)>,
}

impl Healthcheck {
    /// Whether the check is effective: not disabled and not `test: [NONE]`.
    pub fn is_active(&self) -> bool {
        !self.disabled && self.test.first().is_none_or(|t| t.value.text != "NONE")
    }
}

/// Items of a sequence, or a single scalar as one item.
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
                Value::Scalar(s) => s.text == "true",
                Value::Map(_) => true,
                Value::Seq(_) => false,
            });
            let config_keys = ["driver", "driver_opts", "ipam"]
                .iter()
                .filter_map(|k| {
                    node.entry(k).map(|en| Spanned {
                        value: (*k).to_string(),
                        span: en.key.span,
                    })
                })
                .collect();
            let internal = node
                .get("internal")
                .and_then(text)
                .is_some_and(|t| t.value.text == "true");
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
            Some(Decl {
                name,
                key: e.key.span,
                external,
                config_keys,
                internal,
                subnets,
            })
        })
        .collect()
}

impl Project {
    pub fn from_root(root: &Node) -> Self {
        let services: Vec<Service> = root
            .get("services")
            .and_then(Node::as_map)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| Some(Service::from_node(e.key_text()?, e.key.span, &e.value)))
                    .collect()
            })
            .unwrap_or_default();
        let index = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
        Self {
            index,
            versions: Vec::new(),
            base_dir: None,
            services,
            networks: decls(root, "networks"),
            volumes: decls(root, "volumes"),
            secrets: decls(root, "secrets"),
        }
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.index.get(name).map(|&i| &self.services[i])
    }
}

impl Service {
    fn from_node(name: &str, key: Span, node: &Node) -> Self {
        let get = |k: &str| node.get(k);
        let privileged = get("privileged").and_then(text).map(|t| Spanned {
            value: t.value.text == "true",
            span: t.span,
        });
        let deploy_limits = node
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("limits"))
            .and_then(Node::as_map)
            .is_some_and(|m| !m.is_empty());
        Self {
            name: name.to_string(),
            key,
            image: get("image").and_then(text),
            build: get("build").map(build),
            container_name: get("container_name").and_then(text),
            ports: get("ports")
                .and_then(Node::as_seq)
                .map(|s| s.iter().map(port).collect())
                .unwrap_or_default(),
            mounts: get("volumes")
                .and_then(Node::as_seq)
                .map(|s| s.iter().map(mount).collect())
                .unwrap_or_default(),
            networks: networks(get("networks")),
            network_mode: get("network_mode").and_then(text),
            environment: environment(get("environment")),
            depends_on: depends_on(get("depends_on")),
            healthcheck: get("healthcheck").map(healthcheck),
            user: get("user").and_then(text),
            group_add: items(get("group_add")),
            privileged,
            command: items(get("command")),
            entrypoint: items(get("entrypoint")),
            extra_hosts: extra_hosts(get("extra_hosts")),
            labels: labels(get("labels")),
            secrets: named_refs(get("secrets")),
            has_limits: deploy_limits || get("mem_limit").is_some() || get("cpus").is_some(),
            security_opt: items(get("security_opt")),
            cap_drop: items(get("cap_drop")),
        }
    }

    /// The value of environment variable `key`, when set in the file.
    pub fn env(&self, key: &str) -> Option<&Spanned<Text>> {
        self.environment
            .iter()
            .find(|e| e.key == key)
            .and_then(|e| e.value.as_ref())
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

fn port(node: &Node) -> Port {
    match &node.value {
        Value::Scalar(s) => Port {
            span: node.span,
            spec: ports::parse_short(&s.text),
            unknown: s.unresolved,
        },
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
            let spec = match target {
                Some(t) => ports::parse_long(
                    &t.value.text,
                    published.as_ref().map(|p| p.value.text.as_str()),
                    host_ip.as_ref().map(|p| p.value.text.as_str()),
                    protocol.as_ref().map(|p| p.value.text.as_str()),
                ),
                None => Err("a port in the long syntax needs `target`".into()),
            };
            Port {
                span: node.span,
                spec,
                unknown,
            }
        }
        Value::Seq(_) => Port {
            span: node.span,
            spec: Err("a port entry must be a string, a number or a mapping".into()),
            unknown: false,
        },
    }
}

/// Whether a mount source is a host path rather than a volume name.
pub fn is_path(source: &str) -> bool {
    source.starts_with(['/', '.', '~', '$']) || source.as_bytes().get(1) == Some(&b':')
}

fn mount(node: &Node) -> Mount {
    match &node.value {
        Value::Scalar(s) => {
            let parts: Vec<&str> = s.text.split(':').collect();
            let (source, target, mode) = match parts.as_slice() {
                [target] => (None, Some(*target), ""),
                [source, target] => (Some(*source), Some(*target), ""),
                [source, target, mode, ..] => (Some(*source), Some(*target), *mode),
                [] => (None, None, ""),
            };
            let kind = match source {
                Some(src) if is_path(src) => MountKind::Bind,
                _ => MountKind::Volume,
            };
            Mount {
                span: node.span,
                kind,
                source: source.map(str::to_string),
                target: target.map(str::to_string),
                read_only: mode.split(',').any(|m| m == "ro"),
                unknown: s.unresolved,
            }
        }
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
                source: source.map(|s| s.value.text),
                target: target.map(|t| t.value.text),
                read_only: field("read_only").is_some_and(|r| r.value.text == "true"),
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
        _ => Vec::new(),
    }
}

fn networks(node: Option<&Node>) -> Vec<Spanned<String>> {
    names(node)
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
            Value::Map(_) => i.get("source").and_then(text).map(|t| Spanned {
                value: t.value.text,
                span: t.span,
            }),
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
    Healthcheck {
        span: node.span,
        disabled: node
            .get("disable")
            .and_then(text)
            .is_some_and(|t| t.value.text == "true"),
        test: items(node.get("test")),
        durations,
    }
}
