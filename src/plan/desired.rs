//! What the manifests ask for, normalized: one [`ContainerSpec`] per MCPContainer (the fields
//! dindctl manages, in the units the Engine uses), networks with their subnets, the named
//! volumes the containers mount, and secret files read from disk. The same normalized form is
//! projected from live containers (see `live`), so planned and live compare field by field.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::model::units;
use crate::model::{Container, ManifestKind, Spanned, Stack, Text};
use crate::source::{SourceDb, Span};

/// The fields of a container dindctl manages, normalized.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ContainerSpec {
    pub image: String,
    /// The image ID the reference resolved to on the daemon.
    pub image_id: String,
    /// `None`: the image's entrypoint (filled in from the image when comparing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    pub command: Vec<String>,
    pub environment: BTreeMap<String, String>,
    /// `[host_ip:]host_port->container_port/proto`, sorted.
    pub ports: Vec<String>,
    /// `source:target[:ro]`, sorted.
    pub mounts: Vec<String>,
    pub networks: Vec<String>,
    pub healthcheck: Option<HealthSpec>,
    pub resources: Resources,
    pub restart: String,
    pub labels: BTreeMap<String, String>,
    pub user: String,
    pub group_add: Vec<String>,
    /// Secret name to the state of its file in the container ([`SECRET_OK`] when planned;
    /// for a live container, what reading it back found). Nothing derived from a secret's
    /// content is stored on the daemon: no digest an observer could test guesses against.
    pub secrets: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_hosts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub privileged: bool,
    /// Mount path to options.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tmpfs: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stop_signal: String,
    /// Seconds between the stop signal and the kill; `None`: the daemon's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<i64>,
    /// `None`: the daemon's default log driver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<LogSpec>,
    /// `host:container:permissions`, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
    /// Stdin kept open (an MCP server on stdio is spoken to through it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stdin_open: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LogSpec {
    pub driver: String,
    pub options: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HealthSpec {
    pub test: Vec<String>,
    #[serde(rename = "interval", serialize_with = "as_duration")]
    pub interval_ns: i64,
    #[serde(rename = "timeout", serialize_with = "as_duration")]
    pub timeout_ns: i64,
    pub retries: i64,
    #[serde(rename = "start_period", serialize_with = "as_duration")]
    pub start_period_ns: i64,
    #[serde(rename = "start_interval", serialize_with = "as_duration")]
    pub start_interval_ns: i64,
}

/// Durations are shown as compose writes them (`30s`, `1m30s`); exact to the millisecond.
fn as_duration<S: serde::Serializer>(ns: &i64, s: S) -> Result<S::Ok, S::Error> {
    if *ns % 1_000_000 == 0 {
        s.serialize_str(&units::format_duration(*ns))
    } else {
        s.serialize_str(&format!("{ns}ns"))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    pub nano_cpus: i64,
    pub memory: i64,
    pub memory_reservation: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NetworkSpec {
    pub driver: String,
    pub internal: bool,
    pub subnet: String,
    pub gateway: String,
}

#[derive(Clone, Debug)]
pub struct DesiredContainer {
    /// `metadata.name`: the identity label.
    pub name: String,
    /// The container's name on the daemon.
    pub container_name: String,
    pub spec: ContainerSpec,
    pub secrets: Vec<SecretFile>,
    pub span: Span,
    /// Where `spec.image` is written.
    pub image_span: Span,
    pub port_spans: Vec<(String, Span)>,
    /// How to speak MCP to it (`spec.mcp`), verified after it is ready.
    pub mcp: Option<crate::mcp::Spec>,
    /// When its image is pulled (`spec.pull_policy`; not part of the spec hash: a new
    /// policy recreates nothing).
    pub pull_policy: crate::model::pull::PullPolicy,
    /// `spec.platform`, for the pull.
    pub platform: Option<String>,
}

#[derive(Clone)]
pub struct SecretFile {
    pub name: String,
    pub path: PathBuf,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for SecretFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretFile({}, {} bytes)", self.name, self.content.len())
    }
}

#[derive(Clone, Debug)]
pub struct DesiredNetwork {
    pub name: String,
    pub spec: NetworkSpec,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct DesiredVolume {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Desired {
    pub project: String,
    pub containers: Vec<DesiredContainer>,
    pub networks: Vec<DesiredNetwork>,
    pub volumes: Vec<DesiredVolume>,
}

/// The state a secret file must be in inside the container: its content, owner and mode as
/// planned (checked by reading the file back from the container, see
/// [`super::live::verify_secrets`]).
pub const SECRET_OK: &str = "as planned";

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds the desired state from the inner manifests. Errors name the file and line.
pub fn build(stack: &Stack, db: &SourceDb, project: &str) -> Result<Desired, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut desired = Desired {
        project: project.to_string(),
        ..Default::default()
    };
    let mut secret_files: BTreeMap<String, (PathBuf, Span)> = BTreeMap::new();
    for m in &stack.inner {
        match &m.kind {
            ManifestKind::Network(n) => {
                let text_of = |t: &Option<Spanned<Text>>| t.as_ref().map(|t| t.value.text.clone());
                desired.networks.push(DesiredNetwork {
                    name: m.name.value.clone(),
                    spec: NetworkSpec {
                        driver: text_of(&n.driver).unwrap_or_else(|| "bridge".into()),
                        internal: n.internal,
                        subnet: text_of(&n.subnet).unwrap_or_default(),
                        gateway: text_of(&n.gateway).unwrap_or_default(),
                    },
                    span: m.name.span,
                });
            }
            ManifestKind::Secret(s) => {
                let Some(file) = &s.file else {
                    errors.push(Diagnostic::error(
                        "apply",
                        format!("secret `{}` has no `spec.file`", m.name.value),
                        Some(m.name.span),
                    ));
                    continue;
                };
                let Some(path) = s.path(db.name(m.source)) else {
                    continue;
                };
                secret_files.insert(m.name.value.clone(), (path, file.span));
            }
            ManifestKind::Container(_) => {}
        }
    }
    let mut volumes: BTreeMap<String, Span> = BTreeMap::new();
    let mut loaded_secrets: BTreeMap<String, SecretFile> = BTreeMap::new();
    for (m, c) in stack.containers() {
        let mut local: Vec<Diagnostic> = Vec::new();
        let mut err = |span: Span, msg: String| {
            local.push(Diagnostic::error("apply", msg, Some(span)));
        };
        let Some(image) = c.image.as_ref().filter(|i| !i.value.unresolved) else {
            errors.push(Diagnostic::error(
                "apply",
                format!("container `{}` has no image", m.name.value),
                Some(m.name.span),
            ));
            continue;
        };
        let mut spec = container_spec(c, image.value.text.clone(), &mut err);
        let port_spans = ports(c, &mut spec, &mut err);
        for v in &c.volumes {
            if !v.is_bind && !v.source.starts_with('.') {
                volumes.entry(v.source.clone()).or_insert(v.span);
            } else if !v.is_bind {
                err(
                    v.span,
                    format!(
                        "`{}` is a relative path; inner bind mounts need an absolute path inside the DinD container",
                        v.source
                    ),
                );
                continue;
            }
            let mut bind = format!("{}:{}", v.source, v.target);
            if v.read_only {
                bind.push_str(":ro");
            }
            spec.mounts.push(bind);
        }
        spec.mounts.sort();
        for (k, v) in c.metadata_labels.iter().chain(&c.labels) {
            if k.starts_with(super::LABEL_PREFIX) {
                err(
                    v.span,
                    format!(
                        "label `{k}` is reserved: dindctl sets the `{}` labels itself",
                        super::LABEL_PREFIX
                    ),
                );
            }
            spec.labels.insert(k.clone(), v.value.text.clone());
        }
        let mut secrets = Vec::new();
        for s in &c.secrets {
            let Some((path, file_span)) = secret_files.get(&s.value) else {
                err(
                    s.span,
                    format!("secret `{}` is not defined by an MCPSecret", s.value),
                );
                continue;
            };
            let file = match loaded_secrets.get(&s.value) {
                Some(f) => f.clone(),
                None => match crate::load::read::bytes(path, crate::load::read::MAX_SECRET_BYTES) {
                    Ok(content) => {
                        let f = SecretFile {
                            name: s.value.clone(),
                            path: path.clone(),
                            content,
                        };
                        loaded_secrets.insert(s.value.clone(), f.clone());
                        f
                    }
                    Err(e) => {
                        err(*file_span, format!("cannot read secret `{}`: {e}", s.value));
                        continue;
                    }
                },
            };
            spec.secrets
                .insert(file.name.clone(), SECRET_OK.to_string());
            secrets.push(file);
        }
        if c.environment
            .iter()
            .any(|v| v.value.as_ref().is_some_and(|t| t.value.unresolved))
        {
            err(
                m.name.span,
                format!(
                    "container `{}` has environment values that depend on unset variables",
                    m.name.value
                ),
            );
        }
        errors.append(&mut local);
        let mcp = c.mcp.as_ref().map(|m| crate::mcp::Spec {
            transport: m.transport.value,
            port: m.port.as_ref().map(|p| p.value),
            path: m.path.clone(),
            step_timeout: m
                .timeout_ns
                .filter(|ns| *ns > 0)
                .map(|ns| std::time::Duration::from_nanos(ns as u64))
                .unwrap_or(crate::mcp::DEFAULT_STEP_TIMEOUT),
            expect: crate::mcp::Expect {
                tools: m.expect_tools.iter().map(|t| t.value.clone()).collect(),
                min_tools: m.min_tools,
            },
        });
        spec.stdin_open = mcp
            .as_ref()
            .is_some_and(|m| m.transport == crate::mcp::Transport::Stdio);
        desired.containers.push(DesiredContainer {
            name: m.name.value.clone(),
            container_name: c.container_name.value.clone(),
            spec,
            secrets,
            span: m.name.span,
            image_span: image.span,
            port_spans,
            mcp,
            pull_policy: c.pull_policy.as_ref().map(|p| p.value).unwrap_or_default(),
            platform: c.platform.as_ref().map(|p| p.value.clone()),
        });
    }
    desired.volumes = volumes
        .into_iter()
        .map(|(name, span)| DesiredVolume { name, span })
        .collect();
    let known: std::collections::HashSet<&str> =
        desired.networks.iter().map(|n| n.name.as_str()).collect();
    for (m, c) in stack.containers() {
        for n in &c.networks {
            if !known.contains(n.value.as_str()) {
                errors.push(Diagnostic::error(
                    "apply",
                    format!(
                        "container `{}` joins network `{}`, which no MCPNetwork defines",
                        m.name.value, n.value
                    ),
                    Some(n.span),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(desired)
    } else {
        Err(errors)
    }
}

fn sorted(items: &[Spanned<String>]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|i| i.value.clone()).collect();
    v.sort();
    v.dedup();
    v
}

/// Every field of the container but ports, mounts, labels and secrets, from the typed
/// manifest (values that did not parse are the loader's findings).
fn container_spec(
    c: &Container,
    image: String,
    err: &mut impl FnMut(Span, String),
) -> ContainerSpec {
    let mut spec = ContainerSpec {
        image,
        restart: "no".into(),
        ..Default::default()
    };
    spec.command = c
        .command_words
        .as_ref()
        .map(|w| w.value.clone())
        .unwrap_or_default();
    spec.entrypoint = c.entrypoint.as_ref().map(|w| w.value.clone());
    for var in &c.environment {
        if let Some(v) = &var.value {
            spec.environment
                .insert(var.key.clone(), v.value.text.clone());
        }
    }
    spec.networks = sorted(&c.networks);
    spec.healthcheck = c.healthcheck.as_ref().map(|h| {
        if h.disabled {
            HealthSpec {
                test: vec!["NONE".into()],
                ..Default::default()
            }
        } else {
            HealthSpec {
                test: h.test.iter().map(|t| t.value.text.clone()).collect(),
                interval_ns: c.health.interval_ns.unwrap_or(0),
                timeout_ns: c.health.timeout_ns.unwrap_or(0),
                retries: c.health.retries.unwrap_or(0),
                start_period_ns: c.health.start_period_ns.unwrap_or(0),
                start_interval_ns: c.health.start_interval_ns.unwrap_or(0),
            }
        }
    });
    spec.resources.nano_cpus = c.limits.nano_cpus.as_ref().map_or(0, |v| v.value);
    spec.resources.memory = c.limits.memory.as_ref().map_or(0, |v| v.value);
    spec.resources.memory_reservation = c.reservations.memory.as_ref().map_or(0, |v| v.value);
    if let Some(r) = &c.restart {
        let ok = matches!(
            r.value.as_str(),
            "no" | "always" | "unless-stopped" | "on-failure"
        ) || r
            .value
            .strip_prefix("on-failure:")
            .is_some_and(|n| n.parse::<u32>().is_ok());
        if ok {
            spec.restart = r.value.clone();
        } else {
            err(r.span, format!("invalid restart_policy `{}`", r.value));
        }
    }
    spec.user = c
        .user
        .as_ref()
        .map(|u| u.value.text.clone())
        .unwrap_or_default();
    spec.group_add = c.group_add.iter().map(|g| g.value.text.clone()).collect();
    spec.working_dir = c
        .working_dir
        .as_ref()
        .map(|w| w.value.clone())
        .unwrap_or_default();
    spec.extra_hosts = sorted(&c.extra_hosts);
    spec.cap_add = sorted(&c.cap_add);
    spec.cap_drop = sorted(&c.cap_drop);
    spec.read_only = c.read_only.as_ref().is_some_and(|r| r.value);
    spec.privileged = c.privileged.as_ref().is_some_and(|p| p.value);
    spec.tmpfs = c.tmpfs.iter().map(|t| t.value.clone()).collect();
    spec.security_opt = sorted(&c.security_opt);
    spec.stop_signal = c
        .stop_signal
        .as_ref()
        .map(|s| s.value.clone())
        .unwrap_or_default();
    spec.stop_timeout = c
        .stop_grace_period_ns
        .as_ref()
        .map(|ns| (ns.value + 999_999_999) / 1_000_000_000);
    spec.logging = c.logging.as_ref().map(|l| LogSpec {
        driver: l.driver.value.clone(),
        options: l.options.iter().cloned().collect(),
    });
    let mut devices: Vec<String> = c
        .devices
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}",
                d.value.host, d.value.container, d.value.permissions
            )
        })
        .collect();
    devices.sort();
    spec.devices = devices;
    spec
}

/// The container's ports into `spec`, and where each is written.
fn ports(
    c: &Container,
    spec: &mut ContainerSpec,
    err: &mut impl FnMut(Span, String),
) -> Vec<(String, Span)> {
    let mut port_spans = Vec::new();
    for p in &c.ports {
        match &p.spec {
            Ok(ps) => {
                let Some(host) = ps.host else {
                    err(p.span, "an inner port needs a host port".into());
                    continue;
                };
                if ps.container.len() != host.len() {
                    err(
                        p.span,
                        "host and container port ranges differ in length".into(),
                    );
                    continue;
                }
                for i in 0..host.len() {
                    let hp = host.start as u32 + i;
                    let cp = ps.container.start as u32 + i;
                    let ip = ps.host_ip.map(|ip| ip.to_string()).unwrap_or_default();
                    let key = port_key(&ip, &hp.to_string(), &format!("{cp}/{}", ps.protocol));
                    port_spans.push((key.clone(), p.span));
                    spec.ports.push(key);
                }
            }
            Err(e) => err(p.span, format!("invalid port: {e}")),
        }
    }
    spec.ports.sort();
    port_spans
}

pub fn port_key(host_ip: &str, host_port: &str, container: &str) -> String {
    if host_ip.is_empty() {
        format!("{host_port}->{container}")
    } else if host_ip.contains(':') {
        format!("[{host_ip}]:{host_port}->{container}")
    } else {
        format!("{host_ip}:{host_port}->{container}")
    }
}
