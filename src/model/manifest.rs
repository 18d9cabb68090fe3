//! The inner layer: mcp/v1 documents (MCPContainer, MCPNetwork, MCPSecret) typed from their
//! spanned trees. Like the compose model, building never fails; the mcp/v1 schema reports
//! shapes that are wrong.

use crate::source::{SourceId, Span};
use crate::yaml::{Node, Value};

use super::compose::{EnvVar, Healthcheck};
use super::ports::{self, PortSpec};
use super::{Spanned, Text, text};

#[derive(Clone, Debug)]
pub struct Manifest {
    pub source: SourceId,
    pub node: Node,
    pub name: Spanned<String>,
    pub kind: ManifestKind,
}

#[derive(Clone, Debug)]
pub enum ManifestKind {
    Container(Box<Container>),
    Network(InnerNetwork),
    Secret(InnerSecret),
}

#[derive(Clone, Debug)]
pub struct Container {
    /// `spec.container_name`, or `metadata.name` when absent.
    pub container_name: Spanned<String>,
    pub image: Option<Spanned<Text>>,
    pub environment: Vec<EnvVar>,
    pub ports: Vec<InnerPort>,
    pub volumes: Vec<InnerMount>,
    pub secrets: Vec<Spanned<String>>,
    pub healthcheck: Option<Healthcheck>,
    pub networks: Vec<Spanned<String>>,
    pub metadata_labels: Vec<(String, Spanned<Text>)>,
    pub labels: Vec<(String, Spanned<Text>)>,
    pub user: Option<Spanned<Text>>,
    pub group_add: Vec<Spanned<Text>>,
    pub has_limits: bool,
    pub command: Vec<Spanned<Text>>,
}

#[derive(Clone, Debug)]
pub struct InnerPort {
    pub span: Span,
    pub spec: Result<PortSpec, String>,
}

#[derive(Clone, Debug)]
pub struct InnerMount {
    pub span: Span,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    /// An absolute source path: a bind mount of a path inside the DinD container.
    pub is_bind: bool,
}

#[derive(Clone, Debug)]
pub struct InnerNetwork {
    pub subnet: Option<Spanned<Text>>,
    pub gateway: Option<Spanned<Text>>,
    pub driver: Option<Spanned<Text>>,
    pub internal: bool,
}

#[derive(Clone, Debug)]
pub struct InnerSecret {
    pub file: Option<Spanned<Text>>,
}

/// What a document says it is: `(apiVersion, kind)` when both are text.
pub fn identity(node: &Node) -> (Option<Spanned<Text>>, Option<Spanned<Text>>) {
    (
        node.get("apiVersion").and_then(text),
        node.get("kind").and_then(text),
    )
}

pub const API_VERSION: &str = "mcp/v1";
pub const KINDS: &[&str] = &["MCPContainer", "MCPNetwork", "MCPSecret"];

fn map_pairs(node: Option<&Node>) -> Vec<(String, Spanned<Text>)> {
    node.and_then(Node::as_map)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| Some((e.key_text()?.to_string(), text(&e.value)?)))
                .collect()
        })
        .unwrap_or_default()
}

fn list(node: Option<&Node>) -> Vec<Spanned<Text>> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(text).collect(),
        Some(Value::Scalar(_)) => node.and_then(text).into_iter().collect(),
        _ => Vec::new(),
    }
}

fn names(node: Option<&Node>) -> Vec<Spanned<String>> {
    list(node)
        .into_iter()
        .map(|t| Spanned {
            value: t.value.text,
            span: t.span,
        })
        .collect()
}

impl Manifest {
    /// Types a document already known to be `mcp/v1` with a known kind.
    pub fn from_node(source: SourceId, node: Node, kind: &str) -> Option<Self> {
        let metadata = node.get("metadata")?;
        let name = metadata.get("name").and_then(text)?;
        let name = Spanned {
            value: name.value.text,
            span: name.span,
        };
        let spec = node.get("spec");
        let kind = match kind {
            "MCPContainer" => ManifestKind::Container(Box::new(container(&name, metadata, spec?))),
            "MCPNetwork" => ManifestKind::Network(InnerNetwork {
                subnet: spec.and_then(|s| s.get("subnet")).and_then(text),
                gateway: spec.and_then(|s| s.get("gateway")).and_then(text),
                driver: spec.and_then(|s| s.get("driver")).and_then(text),
                internal: spec
                    .and_then(|s| s.get("internal"))
                    .and_then(text)
                    .is_some_and(|t| t.value.text == "true"),
            }),
            "MCPSecret" => ManifestKind::Secret(InnerSecret {
                file: spec.and_then(|s| s.get("file")).and_then(text),
            }),
            _ => return None,
        };
        Some(Self {
            source,
            node,
            name,
            kind,
        })
    }

    pub fn container(&self) -> Option<&Container> {
        match &self.kind {
            ManifestKind::Container(c) => Some(c),
            _ => None,
        }
    }
}

fn container(name: &Spanned<String>, metadata: &Node, spec: &Node) -> Container {
    let container_name = spec
        .get("container_name")
        .and_then(text)
        .map(|t| Spanned {
            value: t.value.text,
            span: t.span,
        })
        .unwrap_or_else(|| name.clone());
    let environment = map_pairs(spec.get("environment"))
        .into_iter()
        .map(|(key, value)| EnvVar {
            key,
            key_span: value.span,
            value: Some(value),
        })
        .collect();
    let ports = spec
        .get("ports")
        .and_then(Node::as_map)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    let key = e.key_text()?;
                    let value = text(&e.value)?;
                    Some(InnerPort {
                        span: e.key.span,
                        spec: ports::parse_manifest(key, &value.value.text),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let volumes = spec
        .get("volumes")
        .and_then(Node::as_map)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    let source = e.key_text()?.to_string();
                    let value = text(&e.value)?.value.text;
                    let (target, mode) = match value.rsplit_once(':') {
                        Some((t, m)) if m == "ro" || m == "rw" => (t.to_string(), m),
                        _ => (value.clone(), "rw"),
                    };
                    Some(InnerMount {
                        span: e.key.span,
                        is_bind: source.starts_with('/'),
                        source,
                        target,
                        read_only: mode == "ro",
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let healthcheck = spec.get("healthcheck").map(super::compose::healthcheck);
    let has_limits = spec
        .get("resources")
        .and_then(|r| r.get("limits"))
        .and_then(Node::as_map)
        .is_some_and(|m| !m.is_empty());
    Container {
        container_name,
        image: spec.get("image").and_then(text),
        environment,
        ports,
        volumes,
        secrets: names(spec.get("secrets")),
        healthcheck,
        networks: names(spec.get("networks")),
        metadata_labels: map_pairs(metadata.get("labels")),
        labels: map_pairs(spec.get("labels")),
        user: spec.get("user").and_then(text),
        group_add: list(spec.get("group_add")),
        has_limits,
        command: list(spec.get("command")),
    }
}
