//! The typed profile, deserialized after the merged document passed the profile schema.
//!
//! Defaults live here (serde defaults) and are repeated as `default` in
//! `schemas/profile.schema.json` for editors; a unit test keeps the two in step.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// One environment of a DinD stack.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The compose project name (`name:` in the compose file).
    pub project: String,
    #[serde(default)]
    pub output: Output,
    pub dind: Dind,
    pub manager: Manager,
    pub networks: OuterNetworks,
    #[serde(default)]
    pub inner_networks: IndexMap<String, InnerNetwork>,
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(default)]
    pub mcp_servers: IndexMap<String, McpServer>,
    #[serde(default)]
    pub secrets: IndexMap<String, Secret>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    #[serde(default = "default_compose_file")]
    pub compose_file: String,
    #[serde(default = "default_manifests_dir")]
    pub manifests_dir: String,
}

impl Default for Output {
    fn default() -> Self {
        Self {
            compose_file: default_compose_file(),
            manifests_dir: default_manifests_dir(),
        }
    }
}

fn default_compose_file() -> String {
    "docker-compose.dind.yml".into()
}
fn default_manifests_dir() -> String {
    "mcp-manifests".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dind {
    #[serde(default = "default_dind_service")]
    pub service: String,
    #[serde(default)]
    pub container_name: Option<String>,
    pub image: String,
    #[serde(default = "yes")]
    pub tls: bool,
    /// Where the daemon port is published on the host; absent: not published.
    #[serde(default)]
    pub publish_daemon_port: Option<PublishDaemonPort>,
    /// Where dindctl reaches the inner daemon (apply, diff, status, down).
    #[serde(default)]
    pub endpoint: Option<Endpoint>,
    /// A daemon to carry missing images from (`host`, `unix://…`, `tcp://…`, a context).
    #[serde(default)]
    pub images_from: Option<String>,
    #[serde(default = "default_docker_gid")]
    pub docker_gid: u32,
    #[serde(default)]
    pub default_address_pool: Option<AddressPool>,
    #[serde(default)]
    pub daemon_args: Vec<String>,
    /// Host IP on which the DinD service forwards every inner MCP port.
    #[serde(default = "loopback")]
    pub forward_host_ip: String,
    #[serde(default)]
    pub volumes: DindVolumes,
    /// Host paths bind-mounted into the DinD container, so inner bind mounts can use them.
    #[serde(default)]
    pub mounts: Vec<BindMount>,
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    #[serde(default)]
    pub resources: Option<Resources>,
    #[serde(default)]
    pub restart: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub host: String,
    #[serde(default)]
    pub cert_path: Option<String>,
}

fn default_dind_service() -> String {
    "dind".into()
}
fn default_docker_gid() -> u32 {
    2375
}
fn yes() -> bool {
    true
}
fn loopback() -> String {
    "127.0.0.1".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishDaemonPort {
    #[serde(default = "loopback")]
    pub host_ip: String,
    /// Host port; defaults to the daemon's port (2376 with TLS, 2375 without).
    #[serde(default)]
    pub host_port: Option<u16>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressPool {
    pub base: String,
    pub size: u8,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DindVolumes {
    #[serde(default = "default_storage_volume")]
    pub storage: String,
    #[serde(default = "default_socket_volume")]
    pub socket: String,
    #[serde(default = "default_certs_ca_volume")]
    pub certs_ca: String,
    #[serde(default = "default_certs_client_volume")]
    pub certs_client: String,
}

impl Default for DindVolumes {
    fn default() -> Self {
        Self {
            storage: default_storage_volume(),
            socket: default_socket_volume(),
            certs_ca: default_certs_ca_volume(),
            certs_client: default_certs_client_volume(),
        }
    }
}

fn default_storage_volume() -> String {
    "dind-storage".into()
}
fn default_socket_volume() -> String {
    "dind-socket".into()
}
fn default_certs_ca_volume() -> String {
    "dind-certs-ca".into()
}
fn default_certs_client_volume() -> String {
    "dind-certs-client".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindMount {
    pub source: String,
    pub target: String,
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Connection {
    /// The DinD daemon's unix socket, shared through a volume (needs the docker group).
    #[default]
    Socket,
    /// `tcp://<dind>:2376` with the client certificates the DinD image generates.
    Tls,
}

/// A value in the outer (compose) environment: literal text — a `$` in it reaches the
/// container as written — or, in the form `{from_env: VAR}`, compose's interpolation of a
/// variable of the shell that runs `docker compose` (`${VAR}`; with `default: x`,
/// `${VAR:-x}`; with `required: true`, `${VAR:?…}`, which makes compose refuse to start
/// without it).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OuterEnv {
    Literal(String),
    FromEnv(FromEnv),
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FromEnv {
    pub from_env: String,
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
}

impl OuterEnv {
    /// What compose reads in the rendered file (before YAML quoting): `$` escaped in a
    /// literal, an interpolation for `from_env`.
    pub fn compose_text(&self) -> String {
        match self {
            OuterEnv::Literal(text) => text.replace('$', "$$"),
            OuterEnv::FromEnv(f) => match (&f.default, f.required) {
                (_, true) => format!(
                    "${{{}:?set {} in the environment of docker compose}}",
                    f.from_env, f.from_env
                ),
                (Some(d), false) => format!("${{{}:-{}}}", f.from_env, d.replace('$', "$$")),
                (None, false) => format!("${{{}}}", f.from_env),
            },
        }
    }

    /// The text for checks that look at values (`host.docker.internal` mentioned, …).
    pub fn text(&self) -> &str {
        match self {
            OuterEnv::Literal(t) => t,
            OuterEnv::FromEnv(f) => f.default.as_deref().unwrap_or(""),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manager {
    #[serde(default = "default_manager_service")]
    pub service: String,
    #[serde(default)]
    pub container_name: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub build: Option<Build>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub group_add: Vec<String>,
    #[serde(default)]
    pub connection: Connection,
    #[serde(default)]
    pub environment: IndexMap<String, OuterEnv>,
    #[serde(default)]
    pub ports: Vec<PortPublish>,
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    #[serde(default)]
    pub resources: Option<Resources>,
    #[serde(default)]
    pub restart: Option<String>,
}

fn default_manager_service() -> String {
    "mcp-manager".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    pub context: String,
    #[serde(default)]
    pub dockerfile: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortPublish {
    #[serde(default = "loopback")]
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OuterNetworks {
    pub internal: InternalNetwork,
    #[serde(default)]
    pub mesh: Option<MeshNetwork>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternalNetwork {
    pub name: String,
    pub subnet: String,
    #[serde(default)]
    pub gateway: Option<String>,
    /// `internal: true` cuts the network off from the outside; the DinD service then needs the
    /// mesh network to publish ports.
    #[serde(default)]
    pub internal: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeshNetwork {
    pub name: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InnerNetwork {
    #[serde(default = "default_driver")]
    pub driver: String,
    #[serde(default)]
    pub internal: bool,
    pub subnet: String,
    #[serde(default)]
    pub gateway: Option<String>,
}

fn default_driver() -> String {
    "bridge".into()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    #[serde(default)]
    pub restart: Option<String>,
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    #[serde(default)]
    pub resources: Option<Resources>,
    #[serde(default)]
    pub labels: IndexMap<String, String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Healthcheck {
    #[serde(default)]
    pub test: Option<Vec<String>>,
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub retries: Option<u32>,
    #[serde(default)]
    pub start_period: Option<String>,
}

impl Healthcheck {
    /// Fields set here win; the others come from `fallback`.
    pub fn or(&self, fallback: Option<&Healthcheck>) -> Healthcheck {
        let Some(f) = fallback else {
            return self.clone();
        };
        Healthcheck {
            test: self.test.clone().or_else(|| f.test.clone()),
            interval: self.interval.clone().or_else(|| f.interval.clone()),
            timeout: self.timeout.clone().or_else(|| f.timeout.clone()),
            retries: self.retries.or(f.retries),
            start_period: self.start_period.clone().or_else(|| f.start_period.clone()),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    #[serde(default)]
    pub limits: Option<ResourceSet>,
    #[serde(default)]
    pub reservations: Option<ResourceSet>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSet {
    #[serde(default)]
    pub cpus: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpServer {
    pub image: String,
    #[serde(default)]
    pub container_name: Option<String>,
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// With `host_port`; a stdio server has neither (the schema says so).
    #[serde(default)]
    pub container_port: Option<u16>,
    #[serde(default)]
    pub host_port: Option<u16>,
    #[serde(default)]
    pub environment: IndexMap<String, String>,
    #[serde(default)]
    pub volumes: IndexMap<String, String>,
    #[serde(default)]
    pub secrets: Vec<String>,
    #[serde(default)]
    pub networks: Vec<String>,
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    #[serde(default)]
    pub resources: Option<Resources>,
    #[serde(default)]
    pub restart: Option<String>,
    /// When the inner daemon pulls the image (compose's values; default `missing`).
    #[serde(default)]
    pub pull_policy: Option<String>,
    /// The platform to pull (`linux/amd64`).
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub group_add: Vec<String>,
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub working_dir: Option<String>,
    #[serde(default)]
    pub extra_hosts: Vec<String>,
    #[serde(default)]
    pub cap_add: Vec<String>,
    #[serde(default)]
    pub cap_drop: Vec<String>,
    #[serde(default)]
    pub read_only: Option<bool>,
    #[serde(default)]
    pub tmpfs: Vec<String>,
    #[serde(default)]
    pub security_opt: Vec<String>,
    #[serde(default)]
    pub stop_signal: Option<String>,
    #[serde(default)]
    pub stop_grace_period: Option<String>,
    #[serde(default)]
    pub logging: Option<Logging>,
    #[serde(default)]
    pub devices: Vec<String>,
    #[serde(default)]
    pub privileged: Option<bool>,
    /// How to speak MCP to it (the manifest's `spec.mcp`).
    #[serde(default)]
    pub mcp: Option<Mcp>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mcp {
    pub transport: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub expect: Option<McpExpect>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct McpExpect {
    #[serde(default)]
    pub tools: Vec<String>,
    #[serde(default)]
    pub min_tools: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    pub driver: String,
    #[serde(default)]
    pub options: IndexMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    /// Path of the secret's file, relative to the rendered manifest that names it.
    pub file: String,
}
