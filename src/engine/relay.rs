//! Reaching an MCP server that only inner networks reach. dindctl cannot open a TCP
//! connection into a network that lives inside the daemon, so it starts, on the server's own
//! network, a container that opens the connection for it: the probe relay (`src/mcp/relay.c`,
//! a few KiB, no libc) copied into a container of the *server's own image* — an image the
//! daemon already has, so no registry and no extra image are needed — as its entrypoint,
//! connecting to the server's address on that network. dindctl then speaks HTTP through the
//! container's attached stdin and stdout. One relay container per TCP connection; each runs as
//! `nobody` with no capabilities, 64 MiB and half a CPU, is labelled `io.dindctl.probe` (not
//! `io.dindctl.project`, so plans never count it), removes itself when the connection ends
//! (`AutoRemove`), and is removed with its anonymous volumes when the probe is done.

use std::sync::Mutex;

use bollard::models::{ContainerCreateBody, HealthConfig, HostConfig};
use bollard::query_parameters::RemoveContainerOptionsBuilder;

use super::Engine;
use crate::mcp::http::{BoxStream, Connect, Opening};

/// The label of probe containers; its value is the project.
pub const PROBE_LABEL: &str = "io.dindctl.probe";
const RELAY_PATH: &str = "/.dindctl-relay";

pub struct Relay<'e> {
    engine: &'e Engine,
    project: String,
    /// The server's image (by ID).
    image: String,
    network: String,
    ip: String,
    port: u16,
    /// The server's container name.
    target: String,
    created: Mutex<Vec<String>>,
}

/// The daemon's architecture name for this machine's.
fn this_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

impl<'e> Relay<'e> {
    /// A relay to `port` of the running container `id`, on its first network.
    pub async fn to(
        engine: &'e Engine,
        project: &str,
        id: &str,
        port: u16,
    ) -> Result<Self, String> {
        if crate::mcp::RELAY.is_empty() {
            return Err("this dindctl was built without its probe relay (no C compiler at build time), so it cannot reach a server on an inner network; publish the MCP port, or rebuild dindctl with a C compiler".into());
        }
        let arch = engine.arch().await;
        if !arch.is_empty() && arch != this_arch() {
            return Err(format!(
                "the server is reachable on inner networks only, and the probe relay is built for {} while the daemon runs {arch}; publish the MCP port to verify it from outside",
                this_arch()
            ));
        }
        let c = engine
            .inspect_container(id)
            .await
            .map_err(|e| format!("cannot inspect the server: {e}"))?;
        let image = c.image.clone().unwrap_or_default();
        let target = c
            .name
            .clone()
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string();
        let mut networks: Vec<(String, String)> = c
            .network_settings
            .and_then(|n| n.networks)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(name, ep)| Some((name, ep.ip_address.filter(|ip| !ip.is_empty())?)))
            .collect();
        networks.sort();
        let Some((network, ip)) = networks.into_iter().next() else {
            return Err(format!(
                "`{target}` has no IPv4 address on any network (network mode none or host?)"
            ));
        };
        Ok(Relay {
            engine,
            project: project.to_string(),
            image,
            network,
            ip,
            port,
            target,
            created: Mutex::new(Vec::new()),
        })
    }

    /// Where the relay connects, for messages: `network/ip:port`.
    pub fn address(&self) -> String {
        format!(
            "{}:{} on {} (from inside the daemon)",
            self.ip, self.port, self.network
        )
    }

    /// Removes every relay container this made (with its anonymous volumes).
    pub async fn cleanup(&self) {
        let ids: Vec<String> = self
            .created
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default();
        for id in ids {
            self.engine.remove_probe(&id).await;
        }
    }

    async fn open_relay(&self) -> Result<BoxStream, String> {
        let n = self.created.lock().map(|c| c.len()).unwrap_or(0);
        let name = format!("{}-dindctl-probe-{}-{n}", self.target, std::process::id());
        let body = ContainerCreateBody {
            image: Some(self.image.clone()),
            entrypoint: Some(vec![
                RELAY_PATH.into(),
                self.ip.clone(),
                self.port.to_string(),
            ]),
            cmd: Some(Vec::new()),
            user: Some("65534:65534".into()),
            working_dir: Some("/".into()),
            env: Some(Vec::new()),
            open_stdin: Some(true),
            stdin_once: Some(true),
            attach_stdin: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(false),
            healthcheck: Some(HealthConfig {
                test: Some(vec!["NONE".into()]),
                ..Default::default()
            }),
            labels: Some(
                [
                    (PROBE_LABEL.to_string(), self.project.clone()),
                    ("io.dindctl.kind".to_string(), "probe".to_string()),
                ]
                .into_iter()
                .collect(),
            ),
            host_config: Some(HostConfig {
                network_mode: Some(self.network.clone()),
                auto_remove: Some(true),
                memory: Some(64 << 20),
                nano_cpus: Some(500_000_000),
                cap_drop: Some(vec!["ALL".into()]),
                security_opt: Some(vec!["no-new-privileges".into()]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let id = self
            .engine
            .create_container(&name, body)
            .await
            .map_err(|e| format!("cannot create the probe relay container: {e}"))?;
        if let Ok(mut c) = self.created.lock() {
            c.push(id.clone());
        }
        let tar = relay_tar().map_err(|e| format!("cannot pack the probe relay: {e}"))?;
        self.engine
            .upload_to_root(&id, tar)
            .await
            .map_err(|e| format!("cannot copy the probe relay into its container: {e}"))?;
        let io = self
            .engine
            .attach(&id, true)
            .await
            .map_err(|e| format!("cannot attach to the probe relay: {e}"))?;
        self.engine
            .start_container(&id)
            .await
            .map_err(|e| format!("cannot start the probe relay: {e}"))?;
        Ok(Box::new(io))
    }
}

impl Connect for Relay<'_> {
    fn open(&self) -> Opening<'_> {
        Box::pin(self.open_relay())
    }

    fn authority(&self) -> String {
        format!("{}:{}", self.target, self.port)
    }
}

fn relay_tar() -> std::io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(crate::mcp::RELAY.len() as u64);
    h.set_mode(0o755);
    h.set_mtime(0);
    b.append_data(
        &mut h,
        RELAY_PATH.trim_start_matches('/'),
        crate::mcp::RELAY,
    )?;
    b.into_inner()
}

impl Engine {
    /// The daemon's CPU architecture (`amd64`, `arm64`), empty when it does not say.
    pub async fn arch(&self) -> String {
        self.docker
            .version()
            .await
            .ok()
            .and_then(|v| v.arch)
            .unwrap_or_default()
    }

    /// Removes a probe container and its anonymous volumes; one already gone is fine.
    pub async fn remove_probe(&self, id: &str) {
        let _ = self
            .docker
            .remove_container(
                id,
                Some(
                    RemoveContainerOptionsBuilder::new()
                        .force(true)
                        .v(true)
                        .build(),
                ),
            )
            .await;
    }

    /// Probe containers of `project` left by a dindctl that was killed mid-probe.
    pub async fn stale_probes(&self, project: &str) -> Vec<String> {
        self.list_containers(Some(&format!("{PROBE_LABEL}={project}")))
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| c.id)
            .collect()
    }
}
