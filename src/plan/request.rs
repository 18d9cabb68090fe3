//! The create requests sent to the daemon, and the spec hash taken over them.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    ContainerCreateBody, DeviceMapping, EndpointSettings, HealthConfig, HostConfig,
    HostConfigLogConfig, Ipam, IpamConfig, NetworkCreateRequest, NetworkingConfig, PortBinding,
    RestartPolicy, RestartPolicyNameEnum, VolumeCreateRequest,
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
        // The names only, so that a secret dropped from the manifest shows in the plan.
        let names: Vec<&String> = s.secrets.keys().collect();
        labels.insert(
            label("secrets"),
            serde_json::to_string(&names).unwrap_or_default(),
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
        entrypoint: s.entrypoint.clone(),
        cmd: (!s.command.is_empty()).then(|| s.command.clone()),
        working_dir: (!s.working_dir.is_empty()).then(|| s.working_dir.clone()),
        stop_signal: (!s.stop_signal.is_empty()).then(|| s.stop_signal.clone()),
        stop_timeout: s.stop_timeout,
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
            start_interval: (h.start_interval_ns > 0).then_some(h.start_interval_ns),
        }),
        labels: Some(labels),
        user: (!s.user.is_empty()).then(|| s.user.clone()),
        // Stdin open and not closed when an attach ends: dindctl attaches to speak MCP over
        // stdio, and the server must not see end-of-file when dindctl detaches.
        open_stdin: s.stdin_open.then_some(true),
        stdin_once: s.stdin_open.then_some(false),
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
            extra_hosts: (!s.extra_hosts.is_empty()).then(|| s.extra_hosts.clone()),
            cap_add: (!s.cap_add.is_empty()).then(|| s.cap_add.clone()),
            cap_drop: (!s.cap_drop.is_empty()).then(|| s.cap_drop.clone()),
            readonly_rootfs: s.read_only.then_some(true),
            privileged: s.privileged.then_some(true),
            tmpfs: (!s.tmpfs.is_empty()).then(|| s.tmpfs.clone().into_iter().collect()),
            security_opt: (!s.security_opt.is_empty()).then(|| s.security_opt.clone()),
            log_config: s.logging.as_ref().map(|l| HostConfigLogConfig {
                typ: Some(l.driver.clone()),
                config: Some(l.options.clone().into_iter().collect()),
            }),
            devices: (!s.devices.is_empty()).then(|| {
                s.devices
                    .iter()
                    .map(|d| {
                        let mut p = d.splitn(3, ':');
                        DeviceMapping {
                            path_on_host: p.next().map(str::to_string),
                            path_in_container: p.next().map(str::to_string),
                            cgroup_permissions: p.next().map(str::to_string),
                        }
                    })
                    .collect()
            }),
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

/// Fills what the Engine takes from the image when the create request leaves it out, so that
/// planned and live compare as the container actually runs. The Engine's rules (moby
/// `daemon/commit.go` `merge`; each one seen on Docker 20.10 by creating containers from an
/// image with every default set and inspecting them): an entrypoint given replaces the image's
/// and drops its `CMD` (an empty one is kept empty); without one, the image's entrypoint is
/// used and its `CMD` when no command is given; environment and labels are the image's with
/// the request's over them; user, working directory and stop signal fall back to the
/// image's; a health check is merged field by field — each zero field (no test, a zero
/// interval, timeout, start period, start interval, retries) takes the image's value.
pub fn effective(spec: &ContainerSpec, image: &super::live::ImageInfo) -> ContainerSpec {
    let mut s = spec.clone();
    s.image_id = image.id.clone();
    match &s.entrypoint {
        Some(_) => {}
        None => {
            s.entrypoint = Some(image.entrypoint.clone());
            if s.command.is_empty() {
                s.command = image.cmd.clone();
            }
        }
    }
    let mut env = image.env.clone();
    env.extend(s.environment);
    s.environment = env;
    // The live side shows no `io.dindctl.` label (they are dindctl's own, set per object), so
    // an image's labels under that prefix are not expected either: they would be drift that
    // no apply can remove.
    let mut labels: BTreeMap<String, String> = image
        .labels
        .iter()
        .filter(|(k, _)| !k.starts_with(super::LABEL_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.extend(s.labels);
    s.labels = labels;
    if s.user.is_empty() {
        s.user = image.user.clone();
    }
    if s.working_dir.is_empty() {
        s.working_dir = image.working_dir.clone();
    }
    if s.stop_signal.is_empty() {
        s.stop_signal = image.stop_signal.clone();
    }
    s.healthcheck = match (s.healthcheck.take(), &image.healthcheck) {
        (None, img) => img.clone(),
        (Some(h), None) => Some(h),
        (Some(mut h), Some(img)) => {
            if h.test.is_empty() {
                h.test = img.test.clone();
            }
            for (mine, theirs) in [
                (&mut h.interval_ns, img.interval_ns),
                (&mut h.timeout_ns, img.timeout_ns),
                (&mut h.start_period_ns, img.start_period_ns),
                (&mut h.start_interval_ns, img.start_interval_ns),
                (&mut h.retries, img.retries),
            ] {
                if *mine == 0 {
                    *mine = theirs;
                }
            }
            Some(h)
        }
    };
    if s.networks.is_empty() {
        s.networks = vec!["bridge".into()];
    }
    s
}

/// The fields the manifest leaves to the daemon take the live value, so that a daemon
/// default (the log driver, the stop timeout) is not a difference.
pub fn align_defaults(planned: &mut ContainerSpec, live: &ContainerSpec) {
    if planned.logging.is_none() {
        planned.logging = live.logging.clone();
    }
    if planned.stop_timeout.is_none() {
        planned.stop_timeout = live.stop_timeout;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::live::ImageInfo;

    /// An image labelled `io.dindctl.*` (dindctl's own prefix, which the live view leaves out)
    /// must not make every plan show a label change.
    #[test]
    fn image_labels_under_the_reserved_prefix_are_not_expected() {
        let image = ImageInfo {
            labels: BTreeMap::from([
                ("io.dindctl.example".to_string(), "x".to_string()),
                ("com.example.a".to_string(), "1".to_string()),
            ]),
            ..ImageInfo::default()
        };
        let spec = ContainerSpec {
            labels: BTreeMap::from([("mine".to_string(), "2".to_string())]),
            ..ContainerSpec::default()
        };
        let e = effective(&spec, &image);
        let keys: Vec<&str> = e.labels.keys().map(String::as_str).collect();
        assert_eq!(keys, ["com.example.a", "mine"]);
    }
}
