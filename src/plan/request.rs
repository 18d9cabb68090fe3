//! The create requests sent to the daemon, and the spec hash taken over them.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    ContainerCreateBody, EndpointSettings, HealthConfig, HostConfig, Ipam, IpamConfig,
    NetworkCreateRequest, NetworkingConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum,
    VolumeCreateRequest,
};
use sha2::{Digest as _, Sha256};

use super::desired::{ContainerSpec, DesiredContainer, DesiredNetwork, hex};
use super::{HASH_VERSION, LABEL_PREFIX, label};

/// The labels every object dindctl creates carries.
pub fn identity_labels(project: &str, kind: &str, name: &str) -> HashMap<String, String> {
    HashMap::from([
        (label("project"), project.to_string()),
        (label("kind"), kind.to_string()),
        (label("name"), name.to_string()),
        (label("hash-version"), HASH_VERSION.to_string()),
    ])
}

/// A network's create request, with its spec hash label.
pub fn network(project: &str, n: &DesiredNetwork) -> NetworkCreateRequest {
    let mut labels = identity_labels(project, "network", &n.name);
    let mut req = NetworkCreateRequest {
        name: n.name.clone(),
        driver: Some(n.spec.driver.clone()),
        internal: Some(n.spec.internal),
        ipam: (!n.spec.subnet.is_empty()).then(|| Ipam {
            driver: Some("default".into()),
            config: Some(vec![IpamConfig {
                subnet: Some(n.spec.subnet.clone()),
                gateway: (!n.spec.gateway.is_empty()).then(|| n.spec.gateway.clone()),
                ..Default::default()
            }]),
            options: None,
        }),
        labels: Some(labels.clone()),
        ..Default::default()
    };
    let hash = spec_hash(&req, "");
    labels.insert(label("spec-hash"), hash);
    req.labels = Some(labels);
    req
}

pub fn volume(project: &str, name: &str) -> VolumeCreateRequest {
    VolumeCreateRequest {
        name: Some(name.to_string()),
        labels: Some(identity_labels(project, "volume", name)),
        ..Default::default()
    }
}

/// The container's create request and its spec hash (also set as a label). The first network
/// is joined at create time; the others are connected before the container starts.
pub fn container(project: &str, d: &DesiredContainer) -> (ContainerCreateBody, String) {
    let s = &d.spec;
    let mut labels: HashMap<String, String> = s
        .labels
        .iter()
        .filter(|(k, _)| !k.starts_with(LABEL_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.extend(identity_labels(project, "container", &d.name));
    if !s.secrets.is_empty() {
        labels.insert(
            label("secrets"),
            serde_json::to_string(&s.secrets).unwrap_or_default(),
        );
    }
    let mut port_bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for p in &s.ports {
        let (host, container) = p.split_once("->").unwrap_or(("", p));
        let (ip, port) = match host.rsplit_once(':') {
            Some((ip, port)) => (ip.trim_matches(['[', ']']).to_string(), port.to_string()),
            None => (String::new(), host.to_string()),
        };
        port_bindings
            .entry(container.to_string())
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: Some(ip),
                host_port: Some(port),
            });
    }
    let mut exposed: Vec<String> = port_bindings.keys().cloned().collect();
    exposed.sort();
    let first_network = s.networks.first().cloned();
    let restart = restart_policy(&s.restart);
    let body = ContainerCreateBody {
        image: Some(s.image.clone()),
        cmd: (!s.command.is_empty()).then(|| s.command.clone()),
        env: Some(
            s.environment
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
        ),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        healthcheck: s.healthcheck.as_ref().map(|h| HealthConfig {
            test: Some(h.test.clone()),
            interval: (h.interval_ns > 0).then_some(h.interval_ns),
            timeout: (h.timeout_ns > 0).then_some(h.timeout_ns),
            retries: (h.retries > 0).then_some(h.retries),
            start_period: (h.start_period_ns > 0).then_some(h.start_period_ns),
            start_interval: None,
        }),
        labels: Some(labels),
        user: (!s.user.is_empty()).then(|| s.user.clone()),
        host_config: Some(HostConfig {
            binds: Some(s.mounts.clone()),
            port_bindings: Some(port_bindings),
            restart_policy: Some(restart),
            nano_cpus: (s.resources.nano_cpus > 0).then_some(s.resources.nano_cpus),
            memory: (s.resources.memory > 0).then_some(s.resources.memory),
            memory_reservation: (s.resources.memory_reservation > 0)
                .then_some(s.resources.memory_reservation),
            group_add: (!s.group_add.is_empty()).then(|| s.group_add.clone()),
            network_mode: Some(first_network.clone().unwrap_or_else(|| "bridge".into())),
            ..Default::default()
        }),
        networking_config: first_network.map(|n| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(n, endpoint(&d.name))])),
        }),
        ..Default::default()
    };
    let hash = spec_hash(&body, &s.image_id);
    let mut body = body;
    if let Some(l) = body.labels.as_mut() {
        l.insert(label("spec-hash"), hash.clone());
    }
    (body, hash)
}

/// The endpoint settings of a container on one of its networks: reachable by its manifest name.
pub fn endpoint(name: &str) -> EndpointSettings {
    EndpointSettings {
        aliases: Some(vec![name.to_string()]),
        ..Default::default()
    }
}

pub fn restart_policy(s: &str) -> RestartPolicy {
    let (name, count) = match s.split_once(':') {
        Some((n, c)) => (n, c.parse().ok()),
        None => (s, None),
    };
    RestartPolicy {
        name: Some(match name {
            "always" => RestartPolicyNameEnum::ALWAYS,
            "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
            "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
            _ => RestartPolicyNameEnum::NO,
        }),
        maximum_retry_count: count,
    }
}

/// SHA-256 over the request serialized with sorted keys, and the image ID it resolves to.
pub fn spec_hash(request: &impl serde::Serialize, image_id: &str) -> String {
    let value = serde_json::to_value(request).unwrap_or(serde_json::Value::Null);
    let mut text = String::new();
    canonical(&value, &mut text);
    let mut h = Sha256::new();
    h.update(HASH_VERSION.as_bytes());
    h.update(b"\0");
    h.update(text.as_bytes());
    h.update(b"\0");
    h.update(image_id.as_bytes());
    hex(&h.finalize())
}

/// JSON with object keys sorted at every level.
pub fn canonical(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            let sorted: BTreeMap<&String, &serde_json::Value> = map.iter().collect();
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                canonical(v, out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Fills what the image provides when the manifest leaves it out, so planned and live compare
/// as the container actually runs.
pub fn effective(spec: &ContainerSpec, image: &super::live::ImageInfo) -> ContainerSpec {
    let mut s = spec.clone();
    s.image_id = image.id.clone();
    if s.command.is_empty() {
        s.command = image.cmd.clone();
    }
    let mut env = image.env.clone();
    env.extend(s.environment);
    s.environment = env;
    let mut labels = image.labels.clone();
    labels.extend(s.labels);
    s.labels = labels;
    if s.user.is_empty() {
        s.user = image.user.clone();
    }
    if s.healthcheck.is_none() {
        s.healthcheck = image.healthcheck.clone();
    }
    if s.networks.is_empty() {
        s.networks = vec!["bridge".into()];
    }
    s
}
