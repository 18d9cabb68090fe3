//! What the templates see: the profile resolved into the values each rendered file needs.
//!
//! Derived facts are computed here, once, so templates only lay them out: the DinD service
//! forwards every inner MCP port, the manager joins the docker group when it uses the socket,
//! `extra_hosts` appears wherever `host.docker.internal` is used, defaults are applied.

use indexmap::IndexMap;
use serde::Serialize;

use crate::profile::model::{
    Connection, Dind, Healthcheck, Manager, McpServer, OuterEnv, Profile, Resources,
};

/// Where the DinD service keeps its socket directory, and where clients mount it.
pub const DIND_SOCKET_DIR: &str = "/var/run";
pub const CLIENT_SOCKET_DIR: &str = "/var/run/dind";
const CERTS_DIR: &str = "/certs";
const HOST_GATEWAY: &str = "host.docker.internal:host-gateway";

#[derive(Debug, Serialize)]
pub struct ComposeContext {
    pub profile: String,
    pub project: String,
    pub dind: ServiceContext,
    pub manager: ServiceContext,
    pub networks: Vec<NetworkContext>,
    pub volumes: Vec<String>,
}

/// One outer compose service. Empty lists and maps are left out by the template.
#[derive(Debug, Default, Serialize)]
pub struct ServiceContext {
    pub service: String,
    pub container_name: Option<String>,
    pub image: Option<String>,
    pub build: Option<BuildContext>,
    pub privileged: bool,
    pub user: Option<String>,
    pub group_add: Vec<String>,
    pub command: Vec<String>,
    /// Values as the formatter writes them (a literal, `$` escaped), or pre-written
    /// interpolations (`from_env`), marked safe.
    pub environment: IndexMap<String, minijinja::Value>,
    pub ports: Vec<String>,
    pub volumes: Vec<String>,
    pub networks: Vec<String>,
    pub extra_hosts: Vec<String>,
    pub depends_on_healthy: Vec<String>,
    pub healthcheck: Option<Healthcheck>,
    pub resources: Option<Resources>,
    pub restart: Option<String>,
    pub security_opt: Vec<String>,
    pub cap_drop: Vec<String>,
    pub labels: IndexMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct BuildContext {
    pub context: String,
    pub dockerfile: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NetworkContext {
    pub key: String,
    pub external: bool,
    pub internal: bool,
    pub subnet: Option<String>,
    pub gateway: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ServerContext {
    pub name: String,
    pub container_name: Option<String>,
    pub image: String,
    pub command: Option<Vec<String>>,
    pub environment: IndexMap<String, String>,
    pub ports: IndexMap<String, String>,
    pub volumes: IndexMap<String, String>,
    pub secrets: Vec<String>,
    pub healthcheck: Option<Healthcheck>,
    pub restart: Option<String>,
    pub pull_policy: Option<String>,
    pub platform: Option<String>,
    pub resources: Option<Resources>,
    pub networks: Vec<String>,
    pub metadata_labels: IndexMap<String, String>,
    pub labels: IndexMap<String, String>,
    pub user: Option<String>,
    pub group_add: Vec<String>,
    pub entrypoint: Option<Vec<String>>,
    pub working_dir: Option<String>,
    pub extra_hosts: Vec<String>,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub read_only: Option<bool>,
    pub tmpfs: Vec<String>,
    pub security_opt: Vec<String>,
    pub stop_signal: Option<String>,
    pub stop_grace_period: Option<String>,
    pub logging: Option<crate::profile::model::Logging>,
    pub devices: Vec<String>,
    pub privileged: Option<bool>,
    /// `spec.mcp`, its port defaulting to the container port.
    pub mcp: Option<crate::profile::model::Mcp>,
}

#[derive(Debug, Serialize)]
pub struct InnerNetworkContext {
    pub name: String,
    pub driver: String,
    pub internal: bool,
    pub subnet: String,
    pub gateway: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SecretContext {
    pub name: String,
    pub file: String,
}

/// Whether any of `texts` mentions `host.docker.internal`, which resolves only with a
/// `host-gateway` entry on Linux engines.
fn mentions_host_gateway<'a>(texts: impl IntoIterator<Item = &'a String>) -> bool {
    texts
        .into_iter()
        .any(|t| t.contains("host.docker.internal"))
}

fn healthcheck_or_none(h: Healthcheck) -> Option<Healthcheck> {
    h.test.is_some().then_some(h)
}

pub fn daemon_port(tls: bool) -> u16 {
    if tls { 2376 } else { 2375 }
}

pub fn compose(profile: &Profile) -> ComposeContext {
    let dind = dind_service(profile, &profile.dind);
    let manager = manager_service(profile, &profile.manager);
    let internal = &profile.networks.internal;
    let mut networks = vec![NetworkContext {
        key: internal.name.clone(),
        external: false,
        internal: internal.internal,
        subnet: Some(internal.subnet.clone()),
        gateway: internal.gateway.clone(),
    }];
    if let Some(mesh) = &profile.networks.mesh {
        networks.push(NetworkContext {
            key: mesh.name.clone(),
            external: true,
            internal: false,
            subnet: None,
            gateway: None,
        });
    }
    let v = &profile.dind.volumes;
    let volumes = vec![
        v.storage.clone(),
        v.socket.clone(),
        v.certs_ca.clone(),
        v.certs_client.clone(),
    ];
    ComposeContext {
        profile: profile.name.clone(),
        project: profile.project.clone(),
        dind,
        manager,
        networks,
        volumes,
    }
}

fn outer_networks(profile: &Profile) -> Vec<String> {
    let mut nets = vec![profile.networks.internal.name.clone()];
    if let Some(mesh) = &profile.networks.mesh {
        nets.push(mesh.name.clone());
    }
    nets
}

fn dind_service(profile: &Profile, dind: &Dind) -> ServiceContext {
    let port = daemon_port(dind.tls);
    let mut ports = Vec::new();
    if let Some(publish) = &dind.publish_daemon_port {
        let host_port = publish.host_port.unwrap_or(port);
        ports.push(format!("{}:{host_port}:{port}", host_ip(&publish.host_ip)));
    }
    for p in profile.mcp_servers.values().filter_map(|s| s.host_port) {
        ports.push(format!("{}:{p}:{p}", host_ip(&dind.forward_host_ip)));
    }
    let mut command = Vec::new();
    if let Some(pool) = &dind.default_address_pool {
        command.push("--default-address-pool".to_string());
        command.push(format!("base={},size={}", pool.base, pool.size));
    }
    if !dind.tls {
        // Without this flag the entrypoint waits ~15 s before starting a plain-TCP daemon.
        command.push("--tls=false".to_string());
    }
    command.extend(dind.daemon_args.iter().cloned());
    let mut environment: IndexMap<String, minijinja::Value> = IndexMap::new();
    if dind.tls {
        environment.insert("DOCKER_TLS_CERTDIR".into(), CERTS_DIR.into());
        environment.insert(
            "DOCKER_TLS_SAN".into(),
            format!("DNS:{}", dind.service).into(),
        );
    } else {
        environment.insert("DOCKER_TLS_CERTDIR".into(), "".into());
    }
    let v = &dind.volumes;
    let mut volumes = vec![
        format!("{}:/var/lib/docker", v.storage),
        format!("{}:{DIND_SOCKET_DIR}", v.socket),
    ];
    if dind.tls {
        volumes.push(format!("{}:{CERTS_DIR}/ca", v.certs_ca));
        volumes.push(format!("{}:{CERTS_DIR}/client", v.certs_client));
    }
    for m in &dind.mounts {
        let ro = if m.read_only { ":ro" } else { "" };
        volumes.push(format!("{}:{}{ro}", m.source, m.target));
    }
    let mut labels = IndexMap::new();
    labels.insert("io.dindctl.role".into(), "dind".into());
    ServiceContext {
        service: dind.service.clone(),
        container_name: dind.container_name.clone(),
        image: Some(dind.image.clone()),
        privileged: true,
        command,
        environment,
        ports,
        volumes,
        networks: outer_networks(profile),
        healthcheck: dind.healthcheck.clone().and_then(healthcheck_or_none),
        resources: dind.resources.clone(),
        restart: dind.restart.clone(),
        labels,
        ..ServiceContext::default()
    }
}

/// IPv6 host IPs are bracketed in compose port strings.
fn host_ip(ip: &str) -> String {
    if ip.contains(':') {
        format!("[{ip}]")
    } else {
        ip.to_string()
    }
}

fn manager_service(profile: &Profile, manager: &Manager) -> ServiceContext {
    let dind = &profile.dind;
    let mut environment: IndexMap<String, minijinja::Value> = IndexMap::new();
    let mut texts: Vec<String> = Vec::new();
    let mut volumes = Vec::new();
    let mut group_add = manager.group_add.clone();
    match manager.connection {
        Connection::Socket => {
            environment.insert(
                "DOCKER_HOST".into(),
                format!("unix://{CLIENT_SOCKET_DIR}/docker.sock").into(),
            );
            volumes.push(format!("{}:{CLIENT_SOCKET_DIR}", dind.volumes.socket));
            let gid = dind.docker_gid.to_string();
            if !group_add.contains(&gid) {
                group_add.push(gid);
            }
        }
        Connection::Tls => {
            let port = daemon_port(true);
            environment.insert(
                "DOCKER_HOST".into(),
                format!("tcp://{}:{port}", dind.service).into(),
            );
            environment.insert("DOCKER_TLS_VERIFY".into(), "1".into());
            environment.insert(
                "DOCKER_CERT_PATH".into(),
                format!("{CERTS_DIR}/client").into(),
            );
            volumes.push(format!(
                "{}:{CERTS_DIR}/client:ro",
                dind.volumes.certs_client
            ));
        }
    }
    for (k, v) in &manager.environment {
        texts.push(v.text().to_string());
        let value = match v {
            OuterEnv::Literal(text) => minijinja::Value::from(text.as_str()),
            OuterEnv::FromEnv(_) => minijinja::Value::from_safe_string(super::yaml_safe::scalar(
                &v.compose_text(),
                false,
            )),
        };
        environment.insert(k.clone(), value);
    }
    let healthcheck = manager.healthcheck.clone().and_then(healthcheck_or_none);
    let health_texts = healthcheck.iter().flat_map(|h| h.test.iter().flatten());
    let extra_hosts = if mentions_host_gateway(texts.iter().chain(health_texts)) {
        vec![HOST_GATEWAY.to_string()]
    } else {
        Vec::new()
    };
    let ports = manager
        .ports
        .iter()
        .map(|p| {
            format!(
                "{}:{}:{}",
                host_ip(&p.host_ip),
                p.host_port,
                p.container_port
            )
        })
        .collect();
    ServiceContext {
        service: manager.service.clone(),
        container_name: manager.container_name.clone(),
        image: manager.image.clone(),
        build: manager.build.as_ref().map(|b| BuildContext {
            context: b.context.clone(),
            dockerfile: b.dockerfile.clone(),
        }),
        user: manager.user.clone(),
        group_add,
        environment,
        ports,
        volumes,
        networks: vec![profile.networks.internal.name.clone()],
        extra_hosts,
        depends_on_healthy: vec![dind.service.clone()],
        healthcheck,
        resources: manager.resources.clone(),
        restart: manager.restart.clone(),
        security_opt: vec!["no-new-privileges:true".into()],
        cap_drop: vec!["ALL".into()],
        ..ServiceContext::default()
    }
}

pub fn server(profile: &Profile, name: &str, server: &McpServer) -> ServerContext {
    let defaults = &profile.defaults;
    let healthcheck = server
        .healthcheck
        .clone()
        .map(|h| h.or(defaults.healthcheck.as_ref()))
        .and_then(healthcheck_or_none);
    // Inside DinD, `host.docker.internal` resolves only when the inner container maps it.
    let health_texts = healthcheck.iter().flat_map(|h| h.test.iter().flatten());
    let command_texts = server.command.iter().flatten();
    let mut extra_hosts = server.extra_hosts.clone();
    let mapped = extra_hosts
        .iter()
        .any(|h| h.replace('=', ":").starts_with("host.docker.internal:"));
    if !mapped
        && mentions_host_gateway(
            server
                .environment
                .values()
                .chain(health_texts)
                .chain(command_texts),
        )
    {
        extra_hosts.push(HOST_GATEWAY.to_string());
    }
    let mut ports = IndexMap::new();
    if let (Some(host), Some(container)) = (server.host_port, server.container_port) {
        ports.insert(host.to_string(), container.to_string());
    }
    let mcp = server.mcp.as_ref().map(|m| {
        let mut m = m.clone();
        if m.transport != "stdio" {
            m.port = m.port.or(server.container_port);
        }
        m
    });
    ServerContext {
        name: name.to_string(),
        container_name: server.container_name.clone(),
        image: server.image.clone(),
        command: server.command.clone(),
        environment: server.environment.clone(),
        ports,
        volumes: server.volumes.clone(),
        secrets: server.secrets.clone(),
        healthcheck,
        restart: server.restart.clone().or_else(|| defaults.restart.clone()),
        pull_policy: server.pull_policy.clone(),
        platform: server.platform.clone(),
        resources: server
            .resources
            .clone()
            .or_else(|| defaults.resources.clone()),
        networks: server.networks.clone(),
        metadata_labels: server.labels.clone(),
        labels: defaults.labels.clone(),
        user: server.user.clone(),
        group_add: server.group_add.clone(),
        entrypoint: server.entrypoint.clone(),
        working_dir: server.working_dir.clone(),
        extra_hosts,
        cap_add: server.cap_add.clone(),
        cap_drop: server.cap_drop.clone(),
        read_only: server.read_only,
        tmpfs: server.tmpfs.clone(),
        security_opt: server.security_opt.clone(),
        stop_signal: server.stop_signal.clone(),
        stop_grace_period: server.stop_grace_period.clone(),
        logging: server.logging.clone(),
        devices: server.devices.clone(),
        privileged: server.privileged,
        mcp,
    }
}

pub fn inner_networks(profile: &Profile) -> Vec<InnerNetworkContext> {
    profile
        .inner_networks
        .iter()
        .map(|(name, n)| InnerNetworkContext {
            name: name.clone(),
            driver: n.driver.clone(),
            internal: n.internal,
            subnet: n.subnet.clone(),
            gateway: n.gateway.clone(),
        })
        .collect()
}

pub fn secrets(profile: &Profile) -> Vec<SecretContext> {
    profile
        .secrets
        .iter()
        .map(|(name, s)| SecretContext {
            name: name.clone(),
            file: s.file.clone(),
        })
        .collect()
}
