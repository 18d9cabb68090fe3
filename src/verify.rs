//! Proving that each MCP server of a project speaks MCP: where to reach it, the handshake
//! ([`crate::mcp::probe`]) run for every server at once, and a record of the last result.
//!
//! Where the probe connects: a server whose MCP port is published is reached where this
//! machine reaches it — for a local daemon the published host port itself; for a daemon
//! reached over TCP (a DinD service), the port the outer `dind` service forwards to the host
//! for it (from the stack's compose file, else the same port on the daemon's host). A server
//! that only inner networks reach is probed from inside the daemon, through a relay container
//! on its network ([`crate::engine::relay`]). A stdio server is spoken to through its
//! container's attached stdin and stdout.

use std::time::{Duration, Instant};

use futures_util::{StreamExt as _, stream};
use serde::Serialize;

use crate::engine::Engine;
use crate::engine::relay::Relay;
use crate::mcp::http::Tcp;
use crate::mcp::{self, Failure, Spec, Transport, Verdict};
use crate::model::Project;

/// Where to probe from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Via {
    /// Published ports from this machine, the others from inside the daemon.
    Auto,
    /// This machine only (a server that is not published fails).
    Host,
    /// Inside the daemon, on the server's network, for every HTTP server.
    Inside,
}

/// One server to verify.
#[derive(Clone, Debug)]
pub struct Server {
    /// The manifest's name.
    pub name: String,
    /// The container's name on the daemon.
    pub container: String,
    pub spec: Spec,
    /// `[host_ip:]host_port->container_port/proto`, as the plan writes ports.
    pub ports: Vec<String>,
}

#[derive(Clone, Debug)]
pub enum Route {
    Tcp(Tcp),
    Inside { port: u16 },
    Stdio,
}

impl Route {
    pub fn describe(&self) -> String {
        match self {
            Route::Tcp(t) => mcp::http::Connect::authority(t),
            Route::Inside { port } => format!("inner network, port {port}"),
            Route::Stdio => "stdio (attached)".into(),
        }
    }
}

/// The result of one server's handshake.
#[derive(Clone, Debug)]
pub struct Checked {
    pub name: String,
    pub container: String,
    pub transport: Transport,
    pub address: String,
    pub result: Result<Verdict, Failure>,
    pub latency: Duration,
}

impl Checked {
    /// The verdict, with `expect` held against it.
    pub fn failure(&self, expect: &mcp::Expect) -> Option<String> {
        match &self.result {
            Err(f) => Some(f.to_string()),
            Ok(v) => v.unmet(expect),
        }
    }
}

/// `host_port` and host IP of the published port that maps to container port `port`/tcp.
fn published(ports: &[String], port: u16) -> Option<(String, u16)> {
    ports.iter().find_map(|p| {
        let (host, container) = p.split_once("->")?;
        let (cport, proto) = container.split_once('/').unwrap_or((container, "tcp"));
        if proto != "tcp" || cport.parse::<u16>().ok()? != port {
            return None;
        }
        let (ip, hport) = match host.rsplit_once(':') {
            Some((ip, hp)) => (ip.trim_matches(['[', ']']).to_string(), hp),
            None => (String::new(), host),
        };
        Some((ip, hport.parse().ok()?))
    })
}

/// A host IP to connect to for a port bound on `ip` (all interfaces: loopback).
fn connect_ip(ip: &str, fallback: &str) -> String {
    match ip {
        "" | "0.0.0.0" | "::" => fallback.to_string(),
        other => other.to_string(),
    }
}

/// The host part of a `tcp://host:port` daemon address; `None` for a unix socket.
fn daemon_host(endpoint: &str) -> Option<String> {
    let rest = endpoint
        .strip_prefix("tcp://")
        .or_else(|| endpoint.strip_prefix("https://"))
        .or_else(|| endpoint.strip_prefix("http://"))?;
    let hostport = rest.split('/').next().unwrap_or(rest);
    let host = match hostport.rsplit_once(':') {
        Some((h, _)) => h,
        None => hostport,
    };
    Some(host.trim_matches(['[', ']']).to_string())
}

/// Where this machine reaches inner host port `port` of a DinD daemon at `host`: the outer
/// DinD service's forward of it, when the stack's compose file has one.
fn forwarded(outer: Option<&Project>, port: u16, host: &str) -> (String, u16) {
    match outer.and_then(|p| crate::model::dind::forward_of(p, port)) {
        Some((ip, hport)) => {
            let ip = ip.map(|ip| ip.to_string()).unwrap_or_default();
            (connect_ip(&ip, host), hport)
        }
        None => (host.to_string(), port),
    }
}

/// Where to probe `server` from.
pub fn route(
    server: &Server,
    endpoint: &str,
    outer: Option<&Project>,
    via: Via,
) -> Result<Route, String> {
    if server.spec.transport == Transport::Stdio {
        return Ok(Route::Stdio);
    }
    let port = server
        .spec
        .port
        .ok_or_else(|| "`spec.mcp.port` is missing (the HTTP transports need it)".to_string())?;
    let inside = Route::Inside { port };
    if via == Via::Inside {
        return Ok(inside);
    }
    let Some((ip, host_port)) = published(&server.ports, port) else {
        return if via == Via::Host {
            Err(format!(
                "port {port} is not published, so this machine cannot reach it (probe from inside the daemon with `--probe-from auto`)"
            ))
        } else {
            Ok(inside)
        };
    };
    let (host, port) = match daemon_host(endpoint) {
        // A local daemon: the published port is on this machine.
        None => (connect_ip(&ip, "127.0.0.1"), host_port),
        // A DinD daemon over TCP: its published ports live in the DinD container, and reach
        // this machine through the outer service's forwards.
        Some(h) => forwarded(outer, host_port, &h),
    };
    Ok(Route::Tcp(Tcp { host, port }))
}

/// Runs one server's handshake; retries while nothing answers at all until `patience` ends
/// (a server that is running but not listening yet).
pub async fn check(
    engine: &Engine,
    project: &str,
    server: &Server,
    route: &Route,
    patience: Duration,
) -> Checked {
    let started = Instant::now();
    let until = started + patience;
    let mut address = route.describe();
    let result = loop {
        let attempt = once(engine, project, server, route, &mut address).await;
        match attempt {
            Err(f) if f.unreachable && Instant::now() < until => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            other => break other,
        }
    };
    Checked {
        name: server.name.clone(),
        container: server.container.clone(),
        transport: server.spec.transport,
        address,
        result,
        latency: started.elapsed(),
    }
}

async fn once(
    engine: &Engine,
    project: &str,
    server: &Server,
    route: &Route,
    address: &mut String,
) -> Result<Verdict, Failure> {
    match route {
        Route::Tcp(tcp) => mcp::probe::http(tcp, &server.spec).await,
        Route::Inside { port } => {
            let relay = Relay::to(engine, project, &server.container, *port)
                .await
                .map_err(|e| Failure::new("connect", e))?;
            *address = relay.address();
            let result = mcp::probe::http(&relay, &server.spec).await;
            relay.cleanup().await;
            result
        }
        Route::Stdio => {
            let io = engine.attach(&server.container, true).await.map_err(|e| {
                Failure::new("attach", format!("cannot attach to the container: {e}"))
            })?;
            mcp::probe::stdio(Box::new(io), &server.spec).await
        }
    }
}

/// Every server's handshake, `parallel` at a time, in the order given.
pub async fn check_all(
    engine: &Engine,
    project: &str,
    servers: &[(Server, Result<Route, String>)],
    parallel: usize,
    patience: Duration,
) -> Vec<Checked> {
    for id in engine.stale_probes(project).await {
        engine.remove_probe(&id).await;
    }
    let mut out: Vec<(usize, Checked)> = stream::iter(servers.iter().enumerate())
        .map(|(i, (server, route))| async move {
            let checked = match route {
                Ok(r) => check(engine, project, server, r, patience).await,
                Err(e) => Checked {
                    name: server.name.clone(),
                    container: server.container.clone(),
                    transport: server.spec.transport,
                    address: "-".into(),
                    result: Err(Failure::new("connect", e.clone())),
                    latency: Duration::ZERO,
                },
            };
            (i, checked)
        })
        .buffer_unordered(parallel.max(1))
        .collect()
        .await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, c)| c).collect()
}

/// The last verification of a container, kept on this machine for `status`.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct Record {
    pub protocol: String,
    pub tools: usize,
    pub server: String,
    /// Unix seconds.
    pub at: i64,
}

/// `$XDG_STATE_HOME/dindctl/verified.json` (else `~/.local/state/…`).
fn record_path() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".local/state"))
        })?;
    Some(base.join("dindctl").join("verified.json"))
}

type Records = std::collections::BTreeMap<String, Record>;

fn key(daemon: &str, container_id: &str) -> String {
    format!("{daemon} {container_id}")
}

fn load_records() -> Records {
    record_path()
        .and_then(|p| crate::load::read::bytes(&p, 8 << 20).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Keeps the successful results (by daemon and container ID; a recreated container has a new
/// ID, so an old result never shows for it). Best effort: a failure to write is ignored.
pub fn remember(daemon: &str, results: &[(String, Verdict)]) {
    let Some(path) = record_path() else { return };
    let mut records = load_records();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    for (id, v) in results {
        records.insert(
            key(daemon, id),
            Record {
                protocol: v.protocol.clone(),
                tools: v.tools.len(),
                server: v.server(),
                at: now,
            },
        );
    }
    // Bounded: the newest 2,000 records.
    if records.len() > 2000 {
        let mut by_age: Vec<(i64, String)> =
            records.iter().map(|(k, r)| (r.at, k.clone())).collect();
        by_age.sort();
        for (_, k) in by_age.iter().take(records.len() - 2000) {
            records.remove(k);
        }
    }
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    let text = serde_json::to_vec_pretty(&records).unwrap_or_default();
    if std::io::Write::write_all(&mut tmp, &text).is_ok() {
        let _ = tmp.persist(&path);
    }
}

/// The last successful verification of a container, if this machine made one.
pub fn recalled(daemon: &str, container_id: &str) -> Option<Record> {
    load_records().remove(&key(daemon, container_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(transport: Transport, port: Option<u16>, ports: &[&str]) -> Server {
        Server {
            name: "s".into(),
            container: "s".into(),
            spec: Spec {
                transport,
                port,
                path: "/mcp".into(),
                step_timeout: Duration::from_secs(1),
                expect: mcp::Expect::default(),
            },
            ports: ports.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn tcp(r: Result<Route, String>) -> (String, u16) {
        match r {
            Ok(Route::Tcp(t)) => (t.host, t.port),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn routes() {
        let local = "unix:///var/run/docker.sock";
        let s = server(
            Transport::StreamableHttp,
            Some(3000),
            &["127.0.0.1:13001->3000/tcp"],
        );
        assert_eq!(
            tcp(route(&s, local, None, Via::Auto)),
            ("127.0.0.1".into(), 13001)
        );
        let all = server(Transport::StreamableHttp, Some(3000), &["13001->3000/tcp"]);
        assert_eq!(
            tcp(route(&all, local, None, Via::Auto)),
            ("127.0.0.1".into(), 13001)
        );
        // A DinD daemon over TCP without the compose file: the same port on its host.
        assert_eq!(
            tcp(route(&all, "tcp://10.0.0.5:2376", None, Via::Auto)),
            ("10.0.0.5".into(), 13001)
        );
        let inner = server(Transport::StreamableHttp, Some(3000), &[]);
        assert!(matches!(
            route(&inner, local, None, Via::Auto),
            Ok(Route::Inside { port: 3000 })
        ));
        assert!(route(&inner, local, None, Via::Host).is_err());
        assert!(matches!(
            route(&s, local, None, Via::Inside),
            Ok(Route::Inside { .. })
        ));
        assert!(matches!(
            route(&server(Transport::Stdio, None, &[]), local, None, Via::Auto),
            Ok(Route::Stdio)
        ));
    }

    #[test]
    fn a_dind_daemon_over_tcp_is_reached_through_the_outer_forward() {
        let compose = "services:\n  dind:\n    image: docker:27-dind\n    privileged: true\n    ports: [\"127.0.0.1:2376:2376\", \"127.0.0.1:23001:13001\", \"14000-14009:14000-14009\"]\n";
        let mut db = crate::source::SourceDb::new();
        let inputs = crate::load::Inputs::default();
        let memory = [crate::load::MemoryFile {
            name: "mem/compose.yaml".into(),
            text: compose.into(),
        }];
        let (stack, _) =
            crate::load::load(&inputs, &memory, &mut db).unwrap_or_else(|e| panic!("{e}"));
        let outer = stack.outer.as_ref();
        assert!(outer.is_some());
        let endpoint = "tcp://127.0.0.1:2376";
        let s = server(Transport::StreamableHttp, Some(3000), &["13001->3000/tcp"]);
        assert_eq!(
            tcp(route(&s, endpoint, outer, Via::Auto)),
            ("127.0.0.1".into(), 23001)
        );
        // A range forwarded on all interfaces: the daemon's host, at the same offset.
        let r = server(Transport::StreamableHttp, Some(3000), &["14004->3000/tcp"]);
        assert_eq!(
            tcp(route(&r, endpoint, outer, Via::Auto)),
            ("127.0.0.1".into(), 14004)
        );
        let remote = "tcp://10.0.0.5:2376";
        assert_eq!(
            tcp(route(&r, remote, outer, Via::Auto)),
            ("10.0.0.5".into(), 14004)
        );
    }

    #[test]
    fn daemon_hosts() {
        assert_eq!(
            daemon_host("tcp://127.0.0.1:2376"),
            Some("127.0.0.1".into())
        );
        assert_eq!(daemon_host("tcp://[::1]:2376"), Some("::1".into()));
        assert_eq!(daemon_host("unix:///var/run/docker.sock"), None);
    }
}
