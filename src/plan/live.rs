//! Observing the daemon: dindctl's objects (found by label), the images the manifests name,
//! and the live configuration of each container projected onto the fields dindctl manages.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{ContainerInspectResponse, HealthConfig, RestartPolicyNameEnum};
use futures_util::{StreamExt as _, stream};

use super::desired::{ContainerSpec, HealthSpec, NetworkSpec, port_key};
use super::{HASH_VERSION, LABEL_PREFIX, label};
use crate::engine::{Engine, Missing as _};

/// What the image of a container provides by default.
#[derive(Clone, Debug, Default)]
pub struct ImageInfo {
    pub id: String,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: String,
    pub stop_signal: String,
    pub env: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub user: String,
    pub healthcheck: Option<HealthSpec>,
}

#[derive(Clone, Debug)]
pub struct LiveContainer {
    pub id: String,
    /// The container's name, without the leading `/`.
    pub name: String,
    /// The `name` label: the manifest this container was created from.
    pub manifest: String,
    pub spec_hash: String,
    pub hash_version: String,
    pub spec: ContainerSpec,
    pub state: String,
    pub running: bool,
    pub health: Option<String>,
    pub restart_count: i64,
    pub started_at: String,
    pub exit_code: i64,
    pub oom_killed: bool,
}

#[derive(Clone, Debug)]
pub struct LiveNetwork {
    pub id: String,
    pub name: String,
    pub spec_hash: String,
    pub spec: NetworkSpec,
}

#[derive(Clone, Debug)]
pub struct LiveVolume {
    pub name: String,
}

/// An object on the daemon that dindctl does not own.
#[derive(Clone, Debug)]
pub struct Foreign {
    pub kind: &'static str,
    pub name: String,
    pub id: String,
    /// The dindctl project it belongs to, when it is another project's.
    pub project: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Live {
    pub containers: Vec<LiveContainer>,
    pub networks: Vec<LiveNetwork>,
    pub volumes: Vec<LiveVolume>,
    /// Every other container, network and volume name on the daemon (for name clashes).
    pub foreign: Vec<Foreign>,
    /// Host ports published by containers that are not this project's: `ip:port/proto` → name.
    pub foreign_ports: Vec<(String, u16, String, String)>,
    /// The same, for this project's own running containers (an orphan kept without
    /// `--prune` still holds its ports).
    pub project_ports: Vec<(String, u16, String, String)>,
    /// When this was observed (Unix seconds; 0 when unknown).
    pub observed_at: i64,
}

fn project_label(project: &str) -> String {
    format!("{}={project}", label("project"))
}

/// Lists and inspects everything of `project` on the daemon.
/// The state of a live secret file before [`verify_secrets`] has read it.
pub const SECRET_UNVERIFIED: &str = "not read back";

/// Reads each planned secret back from the live container of the same name and records
/// what it found in the live spec: [`super::desired::SECRET_OK`] when content, owner and mode
/// are as planned, else why not (missing — e.g. an apply killed between create and copy —,
/// different, unreadable). The contents are compared in memory and never kept or shown.
pub async fn verify_secrets(engine: &Engine, desired: &super::desired::Desired, live: &mut Live) {
    use super::desired::SECRET_OK;
    for d in desired.containers.iter().filter(|d| !d.secrets.is_empty()) {
        let Some(c) = live
            .containers
            .iter_mut()
            .find(|c| c.name == d.container_name)
        else {
            continue;
        };
        let (uid, mode) = crate::apply::secret_owner(&d.spec.user);
        for file in &d.secrets {
            let path = format!("/run/secrets/{}", file.name);
            let limit = crate::load::read::MAX_SECRET_BYTES;
            let state = match engine.read_file(&c.id, &path, limit).await {
                Ok(Some((content, u, m))) if content == file.content && u == uid && m == mode => {
                    SECRET_OK
                }
                Ok(Some((content, ..))) if content != file.content => "different content",
                Ok(Some(_)) => "different owner or mode",
                Ok(None) => "missing",
                Err(_) => "unreadable",
            };
            c.spec.secrets.insert(file.name.clone(), state.to_string());
        }
    }
}

pub async fn observe(engine: &Engine, project: &str) -> Result<Live, String> {
    let all = engine
        .list_containers(None)
        .await
        .map_err(|e| format!("listing containers: {e}"))?;
    let mut live = Live {
        observed_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
        ..Live::default()
    };
    let mut ours = Vec::new();
    for c in &all {
        let labels = c.labels.clone().unwrap_or_default();
        let name = c
            .names
            .as_ref()
            .and_then(|n| n.first())
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_default();
        let id = c.id.clone().unwrap_or_default();
        let own = labels.get(&label("project")).map(String::as_str) == Some(project);
        for p in c.ports.iter().flatten() {
            if let Some(public) = p.public_port {
                let held = (
                    p.ip.clone().unwrap_or_default(),
                    public,
                    p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into()),
                    name.clone(),
                );
                if own {
                    live.project_ports.push(held);
                } else {
                    live.foreign_ports.push(held);
                }
            }
        }
        if own {
            ours.push(id);
        } else {
            live.foreign.push(Foreign {
                kind: "container",
                name,
                id,
                project: labels.get(&label("project")).cloned(),
            });
        }
    }
    live.containers = inspect_all(engine, ours).await?;

    let networks = engine
        .list_networks()
        .await
        .map_err(|e| format!("listing networks: {e}"))?;
    for n in networks {
        let labels = n.labels.clone().unwrap_or_default();
        let name = n.name.clone().unwrap_or_default();
        let id = n.id.clone().unwrap_or_default();
        if labels.get(&label("project")).map(String::as_str) != Some(project) {
            live.foreign.push(Foreign {
                kind: "network",
                name,
                id,
                project: labels.get(&label("project")).cloned(),
            });
            continue;
        }
        let ipam = n
            .ipam
            .as_ref()
            .and_then(|i| i.config.as_ref())
            .and_then(|c| c.first());
        live.networks.push(LiveNetwork {
            id,
            name,
            spec_hash: labels.get(&label("spec-hash")).cloned().unwrap_or_default(),
            spec: NetworkSpec {
                driver: n.driver.clone().unwrap_or_default(),
                internal: n.internal.unwrap_or(false),
                subnet: ipam.and_then(|c| c.subnet.clone()).unwrap_or_default(),
                gateway: ipam.and_then(|c| c.gateway.clone()).unwrap_or_default(),
            },
        });
    }
    live.networks.sort_by(|a, b| a.name.cmp(&b.name));

    let volumes = engine
        .list_volumes()
        .await
        .map_err(|e| format!("listing volumes: {e}"))?;
    for v in volumes {
        let labels = v.labels.clone();
        if labels.get(&label("project")).map(String::as_str) == Some(project) {
            live.volumes.push(LiveVolume { name: v.name });
        } else {
            live.foreign.push(Foreign {
                kind: "volume",
                name: v.name,
                id: String::new(),
                project: labels.get(&label("project")).cloned(),
            });
        }
    }
    live.volumes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(live)
}

/// Only this project's containers (for `status`), without networks and volumes.
pub async fn containers(engine: &Engine, project: &str) -> Result<Vec<LiveContainer>, String> {
    let list = engine
        .list_containers(Some(&project_label(project)))
        .await
        .map_err(|e| format!("listing containers: {e}"))?;
    inspect_all(engine, list.into_iter().filter_map(|c| c.id).collect()).await
}

/// Inspects containers (16 at a time) and projects them, sorted by name. One removed between
/// the listing and the inspection is gone, not an error.
async fn inspect_all(engine: &Engine, ids: Vec<String>) -> Result<Vec<LiveContainer>, String> {
    let inspected: Vec<_> = stream::iter(ids)
        .map(|id| async move { (engine.inspect_container(&id).await, id) })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut out = Vec::new();
    for (c, id) in inspected {
        if c.is_missing() {
            continue;
        }
        let c = c.map_err(|e| format!("inspecting container {id}: {e}"))?;
        out.push(project_container(&c));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

pub fn health_spec(h: &HealthConfig) -> HealthSpec {
    HealthSpec {
        test: h.test.clone().unwrap_or_default(),
        interval_ns: h.interval.unwrap_or(0),
        timeout_ns: h.timeout.unwrap_or(0),
        retries: h.retries.unwrap_or(0),
        start_period_ns: h.start_period.unwrap_or(0),
        start_interval_ns: h.start_interval.unwrap_or(0),
    }
}

fn sorted(v: Option<Vec<String>>) -> Vec<String> {
    let mut v = v.unwrap_or_default();
    v.sort();
    v.dedup();
    v
}

/// The live configuration projected onto the managed fields.
pub fn project_container(c: &ContainerInspectResponse) -> LiveContainer {
    let config = c.config.clone().unwrap_or_default();
    let host = c.host_config.clone().unwrap_or_default();
    let labels = config.labels.clone().unwrap_or_default();
    let mut spec = ContainerSpec {
        image: config.image.clone().unwrap_or_default(),
        image_id: c.image.clone().unwrap_or_default(),
        entrypoint: Some(config.entrypoint.clone().unwrap_or_default()),
        command: config.cmd.clone().unwrap_or_default(),
        working_dir: config.working_dir.clone().unwrap_or_default(),
        stop_signal: config.stop_signal.clone().unwrap_or_default(),
        stop_timeout: config.stop_timeout,
        extra_hosts: sorted(host.extra_hosts.clone()),
        cap_add: sorted(host.cap_add.clone()),
        cap_drop: sorted(host.cap_drop.clone()),
        read_only: host.readonly_rootfs.unwrap_or(false),
        privileged: host.privileged.unwrap_or(false),
        stdin_open: config.open_stdin.unwrap_or(false),
        tmpfs: host.tmpfs.clone().unwrap_or_default().into_iter().collect(),
        security_opt: sorted(host.security_opt.clone()),
        logging: host.log_config.as_ref().map(|l| super::desired::LogSpec {
            driver: l.typ.clone().unwrap_or_default(),
            options: l.config.clone().unwrap_or_default().into_iter().collect(),
        }),
        devices: {
            let mut d: Vec<String> = host
                .devices
                .iter()
                .flatten()
                .map(|d| {
                    format!(
                        "{}:{}:{}",
                        d.path_on_host.clone().unwrap_or_default(),
                        d.path_in_container.clone().unwrap_or_default(),
                        d.cgroup_permissions.clone().unwrap_or_default()
                    )
                })
                .collect();
            d.sort();
            d
        },
        ..Default::default()
    };
    for e in config.env.iter().flatten() {
        let (k, v) = e.split_once('=').unwrap_or((e, ""));
        spec.environment.insert(k.to_string(), v.to_string());
    }
    for (port, bindings) in host.port_bindings.iter().flatten() {
        for b in bindings.iter().flatten() {
            spec.ports.push(port_key(
                b.host_ip.as_deref().unwrap_or(""),
                b.host_port.as_deref().unwrap_or(""),
                port,
            ));
        }
    }
    spec.ports.sort();
    spec.mounts = host.binds.clone().unwrap_or_default();
    spec.mounts.sort();
    spec.networks = c
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|n| n.keys().cloned().collect())
        .unwrap_or_default();
    spec.networks.sort();
    spec.healthcheck = config.healthcheck.as_ref().map(health_spec);
    spec.resources.nano_cpus = host.nano_cpus.unwrap_or(0);
    spec.resources.memory = host.memory.unwrap_or(0);
    spec.resources.memory_reservation = host.memory_reservation.unwrap_or(0);
    spec.restart = match &host.restart_policy {
        Some(p) => {
            let name = match p.name {
                Some(RestartPolicyNameEnum::ALWAYS) => "always",
                Some(RestartPolicyNameEnum::UNLESS_STOPPED) => "unless-stopped",
                Some(RestartPolicyNameEnum::ON_FAILURE) => "on-failure",
                _ => "no",
            };
            match p.maximum_retry_count {
                Some(n) if n > 0 && name == "on-failure" => format!("{name}:{n}"),
                _ => name.to_string(),
            }
        }
        None => "no".into(),
    };
    spec.labels = labels
        .iter()
        .filter(|(k, _)| !k.starts_with(LABEL_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    spec.user = config.user.clone().unwrap_or_default();
    spec.group_add = host.group_add.clone().unwrap_or_default();
    // Names from the label; their state is found by reading the files back
    // ([`verify_secrets`]).
    spec.secrets = labels
        .get(&label("secrets"))
        .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|n| (n, SECRET_UNVERIFIED.to_string()))
        .collect();
    let state = c.state.clone().unwrap_or_default();
    LiveContainer {
        id: c.id.clone().unwrap_or_default(),
        name: c
            .name
            .clone()
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        manifest: labels.get(&label("name")).cloned().unwrap_or_default(),
        spec_hash: labels.get(&label("spec-hash")).cloned().unwrap_or_default(),
        hash_version: labels
            .get(&label("hash-version"))
            .cloned()
            .unwrap_or_else(|| HASH_VERSION.to_string()),
        spec,
        state: state
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unknown".into()),
        running: state.running.unwrap_or(false),
        health: state
            .health
            .as_ref()
            .and_then(|h| h.status)
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty() && s != "none"),
        restart_count: c.restart_count.unwrap_or(0),
        started_at: state.started_at.clone().unwrap_or_default(),
        exit_code: state.exit_code.unwrap_or(0),
        oom_killed: state.oom_killed.unwrap_or(false),
    }
}

/// The images found, and each missing one with the daemon's answer.
pub type ImagesMissing = (HashMap<String, ImageInfo>, Vec<(String, String)>);

/// Resolves each image reference on the daemon. A missing image is an error naming it (with
/// the images that were found, for a plan that may be shown without the others).
pub async fn images(
    engine: &Engine,
    refs: &[String],
) -> Result<HashMap<String, ImageInfo>, ImagesMissing> {
    let mut found = HashMap::new();
    let mut missing = Vec::new();
    for r in refs {
        if found.contains_key(r) {
            continue;
        }
        match engine.inspect_image(r).await {
            Ok(img) => {
                let config = img.config.unwrap_or_default();
                let env = config
                    .env
                    .unwrap_or_default()
                    .into_iter()
                    .map(|e| {
                        let (k, v) = e.split_once('=').unwrap_or((&e, ""));
                        (k.to_string(), v.to_string())
                    })
                    .collect();
                found.insert(
                    r.clone(),
                    ImageInfo {
                        id: img.id.unwrap_or_default(),
                        entrypoint: config.entrypoint.unwrap_or_default(),
                        cmd: config.cmd.unwrap_or_default(),
                        working_dir: config.working_dir.unwrap_or_default(),
                        stop_signal: config.stop_signal.unwrap_or_default(),
                        env,
                        labels: config.labels.unwrap_or_default().into_iter().collect(),
                        user: config.user.unwrap_or_default(),
                        healthcheck: config.healthcheck.as_ref().map(health_spec),
                    },
                );
            }
            Err(e) => missing.push((r.clone(), e.to_string())),
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err((found, missing))
    }
}
