//! The inner layer: mcp/v1 documents (MCPContainer, MCPNetwork, MCPSecret) typed from their
//! spanned trees. Like the compose model, building never fails; the mcp/v1 schema reports
//! shapes that are wrong.

use crate::diag::Diagnostic;
use crate::source::{SourceId, Span};
use crate::yaml::{Node, Value};

use super::units;

use super::compose::{EnvVar, Healthcheck};
use super::ports::{self, PortSpec};
use super::{Spanned, Text, text};

#[derive(Clone, Debug)]
pub struct Manifest {
    pub source: SourceId,
    /// The document's span.
    pub span: Span,
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
    /// `command` as the words the container runs (a string is split like a shell does);
    /// `None` when absent or unreadable.
    pub command_words: Option<Spanned<Vec<String>>>,
    /// `entrypoint`, likewise.
    pub entrypoint: Option<Spanned<Vec<String>>>,
    pub working_dir: Option<Spanned<String>>,
    /// Health-check timings and retries, typed (nanoseconds; `None` when absent).
    pub health: HealthTimes,
    pub restart: Option<Spanned<String>>,
    pub limits: InnerResources,
    pub reservations: InnerResources,
    pub extra_hosts: Vec<Spanned<String>>,
    pub cap_add: Vec<Spanned<String>>,
    pub cap_drop: Vec<Spanned<String>>,
    pub read_only: Option<Spanned<bool>>,
    pub privileged: Option<Spanned<bool>>,
    /// `tmpfs` entries: mount path and options.
    pub tmpfs: Vec<Spanned<(String, String)>>,
    pub security_opt: Vec<Spanned<String>>,
    pub stop_signal: Option<Spanned<String>>,
    pub stop_grace_period_ns: Option<Spanned<i64>>,
    pub logging: Option<Logging>,
    pub devices: Vec<Spanned<Device>>,
    /// `spec.mcp`: how to speak MCP to the server; `None` when absent or unreadable.
    pub mcp: Option<McpSpec>,
    /// `spec.pull_policy`; `None` when absent (compose's default, `missing`) or unreadable
    /// (the schema reports it).
    pub pull_policy: Option<Spanned<super::pull::PullPolicy>>,
    /// `spec.platform` (`linux/amd64`), passed to the pull.
    pub platform: Option<Spanned<String>>,
}

/// The MCP transport a server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// One endpoint answering POST (2025-03-26 and later revisions).
    StreamableHttp,
    /// The 2024-11-05 HTTP+SSE transport: a GET event stream, then POSTs to its `endpoint`.
    Sse,
    /// Newline-delimited JSON-RPC on the container's stdin and stdout.
    Stdio,
}

impl Transport {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "streamable-http" => Some(Self::StreamableHttp),
            "sse" => Some(Self::Sse),
            "stdio" => Some(Self::Stdio),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StreamableHttp => "streamable-http",
            Self::Sse => "sse",
            Self::Stdio => "stdio",
        }
    }

    /// The endpoint path when the manifest names none.
    pub fn default_path(self) -> &'static str {
        match self {
            Self::Sse => "/sse",
            _ => "/mcp",
        }
    }

    pub fn is_http(self) -> bool {
        self != Self::Stdio
    }
}

/// `spec.mcp` of a container, typed.
#[derive(Clone, Debug)]
pub struct McpSpec {
    /// The `mcp` key's value.
    pub span: Span,
    pub transport: Spanned<Transport>,
    /// The container port of an HTTP transport.
    pub port: Option<Spanned<u16>>,
    /// The endpoint path (the transport's default when not written).
    pub path: String,
    pub path_span: Option<Span>,
    /// How long one step of the handshake may take.
    pub timeout_ns: Option<i64>,
    pub expect_tools: Vec<Spanned<String>>,
    pub min_tools: Option<u64>,
}

/// Typed health-check timings of an inner container.
#[derive(Clone, Debug, Default)]
pub struct HealthTimes {
    pub interval_ns: Option<i64>,
    pub timeout_ns: Option<i64>,
    pub start_period_ns: Option<i64>,
    pub start_interval_ns: Option<i64>,
    pub retries: Option<i64>,
}

/// `resources.limits` or `.reservations`: CPUs in billionths, memory in bytes.
#[derive(Clone, Debug, Default)]
pub struct InnerResources {
    pub nano_cpus: Option<Spanned<i64>>,
    pub memory: Option<Spanned<i64>>,
}

#[derive(Clone, Debug)]
pub struct Logging {
    pub driver: Spanned<String>,
    pub options: Vec<(String, String)>,
}

/// `host_path[:container_path[:permissions]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub host: String,
    pub container: String,
    pub permissions: String,
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

impl InnerSecret {
    /// The host file the secret names, relative to the manifest that declares it, resolved
    /// lexically: `build/dindctl/mcp-manifests/../secrets/x` is `build/dindctl/secrets/x` even
    /// when `mcp-manifests/` does not exist (a profile checked or applied without being
    /// written). `check` and `apply` resolve it the same way.
    pub fn path(&self, manifest_file: &str) -> Option<std::path::PathBuf> {
        let file = self.file.as_ref()?;
        let base = std::path::Path::new(manifest_file)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        Some(crate::load::lexical(&base.join(&file.value.text)))
    }
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
    /// Types a document already known to be `mcp/v1` with a known kind. Values that do not
    /// parse (durations, sizes, commands, devices) are findings in `out` and left out.
    pub fn from_node(
        source: SourceId,
        node: Node,
        kind: &str,
        out: &mut Vec<Diagnostic>,
    ) -> Option<Self> {
        let metadata = node.get("metadata")?;
        let name = metadata.get("name").and_then(text)?;
        let name = Spanned {
            value: name.value.text,
            span: name.span,
        };
        let spec = node.get("spec");
        let kind = match kind {
            "MCPContainer" => {
                ManifestKind::Container(Box::new(container(&name, metadata, spec?, out)))
            }
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
            span: node.span,
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

fn strings(node: Option<&Node>) -> Vec<Spanned<String>> {
    names(node)
}

fn boolean(node: Option<&Node>) -> Option<Spanned<bool>> {
    let node = node?;
    Some(Spanned {
        value: super::compose::boolean(node)?,
        span: node.span,
    })
}

/// A list of words, or a string split into words as a shell would.
fn words(
    node: Option<&Node>,
    field: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<Spanned<Vec<String>>> {
    let node = node?;
    match &node.value {
        Value::Seq(items) => Some(Spanned {
            value: items
                .iter()
                .filter_map(text)
                .map(|t| t.value.text)
                .collect(),
            span: node.span,
        }),
        Value::Scalar(_) => {
            let t = text(node)?;
            match units::split_words(&t.value.text) {
                Some(w) => Some(Spanned {
                    value: w,
                    span: node.span,
                }),
                None => {
                    out.push(Diagnostic::error(
                        "invalid-command",
                        format!(
                            "`{field}` `{}` has an unterminated quote or a trailing `\\`",
                            t.value.text
                        ),
                        Some(node.span),
                    ));
                    None
                }
            }
        }
        Value::Map(_) => None,
    }
}

fn duration(node: Option<&Node>, field: &str, out: &mut Vec<Diagnostic>) -> Option<Spanned<i64>> {
    let t = node.and_then(text)?;
    if t.value.unresolved {
        return None;
    }
    match units::compose_duration_ns(&t.value.text) {
        Ok(ns) if ns >= 0 => Some(Spanned {
            value: ns,
            span: t.span,
        }),
        Ok(_) => {
            out.push(Diagnostic::error(
                "invalid-duration",
                format!("`{field}` is negative: `{}`", t.value.text),
                Some(t.span),
            ));
            None
        }
        Err(e) => {
            out.push(
                Diagnostic::error("invalid-duration", format!("`{field}`: {e}"), Some(t.span))
                    .with_help("write a number with a unit: `30s`, `1m30s`, `500ms`"),
            );
            None
        }
    }
}

fn resources(node: Option<&Node>, out: &mut Vec<Diagnostic>) -> InnerResources {
    let Some(node) = node else {
        return InnerResources::default();
    };
    let mut r = InnerResources::default();
    if let Some(t) = node
        .get("cpus")
        .and_then(text)
        .filter(|t| !t.value.unresolved)
    {
        match units::nano_cpus(&t.value.text) {
            Some(n) => {
                r.nano_cpus = Some(Spanned {
                    value: n,
                    span: t.span,
                })
            }
            None => out.push(Diagnostic::error(
                "invalid-number",
                format!("`cpus` is not a number of CPUs: `{}`", t.value.text),
                Some(t.span),
            )),
        }
    }
    if let Some(t) = node
        .get("memory")
        .and_then(text)
        .filter(|t| !t.value.unresolved)
    {
        match units::bytes(&t.value.text) {
            Some(n) => {
                r.memory = Some(Spanned {
                    value: n,
                    span: t.span,
                })
            }
            None => out.push(
                Diagnostic::error(
                    "invalid-byte-size",
                    format!("`memory` is not a size: `{}`", t.value.text),
                    Some(t.span),
                )
                .with_help("write a number with a unit: `512m`, `1g`"),
            ),
        }
    }
    r
}

fn device(t: &Spanned<String>, out: &mut Vec<Diagnostic>) -> Option<Spanned<Device>> {
    let parts: Vec<&str> = t.value.split(':').collect();
    let (host, container, permissions) = match parts.as_slice() {
        [h] => (*h, *h, "rwm"),
        [h, c] => (*h, *c, "rwm"),
        [h, c, p] => (*h, *c, *p),
        _ => {
            out.push(Diagnostic::error(
                "invalid-mount",
                format!(
                    "device `{}` is not `host_path[:container_path[:permissions]]`",
                    t.value
                ),
                Some(t.span),
            ));
            return None;
        }
    };
    Some(Spanned {
        value: Device {
            host: host.to_string(),
            container: container.to_string(),
            permissions: permissions.to_string(),
        },
        span: t.span,
    })
}

fn container(
    name: &Spanned<String>,
    metadata: &Node,
    spec: &Node,
    out: &mut Vec<Diagnostic>,
) -> Container {
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
    let h = spec.get("healthcheck");
    let hfield = |k: &str, out: &mut Vec<Diagnostic>| {
        duration(h.and_then(|h| h.get(k)), k, out).map(|d| d.value)
    };
    let health = HealthTimes {
        interval_ns: hfield("interval", out),
        timeout_ns: hfield("timeout", out),
        start_period_ns: hfield("start_period", out),
        start_interval_ns: hfield("start_interval", out),
        retries: h
            .and_then(|h| h.get("retries"))
            .and_then(text)
            .and_then(|t| t.value.text.parse().ok()),
    };
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
        command_words: words(spec.get("command"), "command", out),
        entrypoint: words(spec.get("entrypoint"), "entrypoint", out),
        working_dir: spec.get("working_dir").and_then(text).map(|t| Spanned {
            value: t.value.text,
            span: t.span,
        }),
        health,
        pull_policy: spec.get("pull_policy").and_then(text).and_then(|t| {
            Some(Spanned {
                value: super::pull::PullPolicy::parse(&t.value.text)?,
                span: t.span,
            })
        }),
        platform: spec.get("platform").and_then(text).map(|t| Spanned {
            value: t.value.text,
            span: t.span,
        }),
        restart: spec.get("restart_policy").and_then(text).map(|t| Spanned {
            value: t.value.text,
            span: t.span,
        }),
        limits: resources(spec.get("resources").and_then(|r| r.get("limits")), out),
        reservations: resources(
            spec.get("resources").and_then(|r| r.get("reservations")),
            out,
        ),
        extra_hosts: strings(spec.get("extra_hosts")),
        cap_add: strings(spec.get("cap_add")),
        cap_drop: strings(spec.get("cap_drop")),
        read_only: boolean(spec.get("read_only")),
        privileged: boolean(spec.get("privileged")),
        tmpfs: strings(spec.get("tmpfs"))
            .into_iter()
            .map(|t| {
                let (path, opts) = t.value.split_once(':').unwrap_or((&t.value, ""));
                Spanned {
                    value: (path.to_string(), opts.to_string()),
                    span: t.span,
                }
            })
            .collect(),
        security_opt: strings(spec.get("security_opt")),
        stop_signal: spec.get("stop_signal").and_then(text).map(|t| Spanned {
            value: t.value.text,
            span: t.span,
        }),
        stop_grace_period_ns: duration(spec.get("stop_grace_period"), "stop_grace_period", out),
        logging: spec.get("logging").and_then(|l| {
            let driver = l.get("driver").and_then(text)?;
            Some(Logging {
                driver: Spanned {
                    value: driver.value.text,
                    span: driver.span,
                },
                options: map_pairs(l.get("options"))
                    .into_iter()
                    .map(|(k, v)| (k, v.value.text))
                    .collect(),
            })
        }),
        devices: strings(spec.get("devices"))
            .iter()
            .filter_map(|d| device(d, out))
            .collect(),
        mcp: spec.get("mcp").and_then(|n| mcp_spec(n, out)),
    }
}

/// `spec.mcp`; the schema reports its shape, so a missing or unknown transport leaves it out.
fn mcp_spec(node: &Node, out: &mut Vec<Diagnostic>) -> Option<McpSpec> {
    let t = node.get("transport").and_then(text)?;
    let transport = Spanned {
        value: Transport::parse(&t.value.text)?,
        span: t.span,
    };
    let port = node
        .get("port")
        .and_then(text)
        .filter(|p| !p.value.unresolved)
        .and_then(|p| match p.value.text.parse::<u16>() {
            Ok(n) if n > 0 => Some(Spanned {
                value: n,
                span: p.span,
            }),
            _ => {
                out.push(Diagnostic::error(
                    "invalid-port",
                    format!(
                        "`mcp.port` `{}` is not a port number (1-65535)",
                        p.value.text
                    ),
                    Some(p.span),
                ));
                None
            }
        });
    let path = node.get("path").and_then(text);
    let expect = node.get("expect");
    let kind = transport.value;
    Some(McpSpec {
        span: node.span,
        transport,
        port,
        path: path
            .as_ref()
            .map(|p| p.value.text.clone())
            .unwrap_or_else(|| kind.default_path().to_string()),
        path_span: path.map(|p| p.span),
        timeout_ns: duration(node.get("timeout"), "mcp.timeout", out).map(|d| d.value),
        expect_tools: strings(expect.and_then(|e| e.get("tools"))),
        min_tools: expect
            .and_then(|e| e.get("min_tools"))
            .and_then(text)
            .and_then(|t| t.value.text.parse().ok()),
    })
}
