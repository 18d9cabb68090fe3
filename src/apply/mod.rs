//! Executing a plan: networks and volumes first, then containers with bounded parallelism,
//! secrets copied in before start, recreate by create-new / stop-old / rename, and a wait for
//! each container to become healthy (or running and stable) that fails fast on exit, OOM or
//! unhealthy with the container's last log lines and health-check output.

pub mod images;
pub mod lock;
mod progress;

use std::time::{Duration, Instant};

use futures_util::{StreamExt as _, stream};

pub use progress::Progress;

use crate::engine::Engine;
use crate::plan::desired::{Desired, DesiredContainer, SecretFile};
use crate::plan::{Action, Change, Kind, Plan, request};

/// Daemon operations at once by default: enough that 20 containers start together, few
/// enough not to queue a small daemon's API (Docker Compose's own default is unbounded).
pub const DEFAULT_PARALLEL: usize = 16;

#[derive(Clone, Debug)]
pub struct Options {
    /// Daemon operations (create, stop and remove, start) in flight at once. Every container
    /// converges at the same time; only these calls queue, so waiting for one container's
    /// health check never holds up another's start.
    pub parallel: usize,
    /// How long one container may take to become ready.
    pub wait_timeout: Duration,
    /// How long a container without a healthcheck must stay running to count as ready.
    pub stable_for: Duration,
    /// Grace period when stopping a container that is replaced or removed.
    pub stop_timeout: Duration,
    /// Where and how to verify MCP servers once they are ready (`spec.mcp`).
    pub verify: Option<VerifyContext>,
}

/// What the MCP handshake of a converged container needs to know about the stack.
#[derive(Clone, Debug)]
pub struct VerifyContext {
    pub project: String,
    /// The daemon's address (`unix://…`, `tcp://host:port`).
    pub endpoint: String,
    /// The outer compose project, for the ports the DinD service forwards.
    pub outer: Option<crate::model::Project>,
    pub via: crate::verify::Via,
}

impl VerifyContext {
    /// The server to verify for a desired container, and where to reach it.
    pub fn server(
        &self,
        d: &DesiredContainer,
    ) -> Option<(crate::verify::Server, Result<crate::verify::Route, String>)> {
        let spec = d.mcp.clone()?;
        let server = crate::verify::Server {
            name: d.name.clone(),
            container: d.container_name.clone(),
            spec,
            ports: d.spec.ports.clone(),
        };
        let route = crate::verify::route(&server, &self.endpoint, self.outer.as_ref(), self.via);
        Some((server, route))
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            parallel: DEFAULT_PARALLEL,
            wait_timeout: Duration::from_secs(120),
            stable_for: Duration::from_millis(1500),
            stop_timeout: Duration::from_secs(10),
            verify: None,
        }
    }
}

/// How one container ended.
#[derive(Clone, Debug)]
pub struct Ready {
    pub name: String,
    pub change: Change,
    pub state: String,
    pub health: String,
    /// From the start request to ready (None when it failed).
    pub ready_in: Option<Duration>,
    pub error: Option<String>,
    /// The MCP handshake, for a container with `spec.mcp` that became ready.
    pub mcp: Option<crate::mcp::Verdict>,
}

/// A failure of one step, with what the user needs to fix it.
#[derive(Clone, Debug)]
pub struct Failure {
    pub name: String,
    pub message: String,
    /// The last log lines and health-check output, when the container ran.
    pub details: String,
}

pub struct Report {
    pub containers: Vec<Ready>,
    pub failures: Vec<Failure>,
}

/// Executes `plan`. Returns per-container results and every failure.
pub async fn execute(
    engine: &Engine,
    desired: &Desired,
    plan: &Plan,
    opts: &Options,
    progress: &Progress,
) -> Report {
    let mut failures = Vec::new();
    let fail = |name: &str, message: String| Failure {
        name: name.to_string(),
        message,
        details: String::new(),
    };

    // Containers dindctl may disconnect from a network it replaces: its own.
    let ours: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| a.kind == Kind::Container)
        .filter_map(|a| a.live_id.clone())
        .collect();
    // 1. Containers to remove (orphans with --prune, leftovers of interrupted runs).
    for a in plan
        .actions
        .iter()
        .filter(|a| a.kind == Kind::Container && a.change == Change::Remove)
    {
        let grace = grace_of(a, opts);
        progress.update(&a.name, &format!("stopping and removing (grace {grace}s)"));
        match remove_with_grace(engine, a.live_id.as_deref().unwrap_or(&a.name), grace).await {
            Ok(()) => progress.update(&a.name, "removed"),
            Err(e) => failures.push(fail(&a.name, format!("cannot remove container: {e}"))),
        }
    }
    // 2. Networks, then volumes.
    for a in plan.actions.iter().filter(|a| a.kind == Kind::Network) {
        let Some(n) = desired.networks.iter().find(|n| n.name == a.name) else {
            continue;
        };
        let result = match a.change {
            Change::Create => create_network(engine, desired, n).await,
            Change::Recreate => {
                let id = a.live_id.clone().unwrap_or_else(|| a.name.clone());
                match detach_and_remove_network(engine, &id, &ours).await {
                    Ok(()) => create_network(engine, desired, n).await,
                    Err(e) => Err(e),
                }
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            failures.push(fail(&a.name, format!("network: {e}")));
        } else if a.change != Change::Noop {
            progress.note(&format!("network {} {}d", a.name, a.change.as_str()));
        }
    }
    for a in plan
        .actions
        .iter()
        .filter(|a| a.kind == Kind::Volume && a.change == Change::Create)
    {
        match engine
            .create_volume(request::volume(&desired.project, &a.name))
            .await
        {
            Ok(()) => progress.note(&format!("volume {} created", a.name)),
            Err(e) => failures.push(fail(&a.name, format!("volume: {e}"))),
        }
    }
    if !failures.is_empty() {
        return Report {
            containers: Vec::new(),
            failures,
        };
    }
    // 3. Containers, a bounded number at a time.
    let work: Vec<&Action> = plan
        .actions
        .iter()
        .filter(|a| {
            a.kind == Kind::Container
                && matches!(
                    a.change,
                    Change::Create | Change::Recreate | Change::Start | Change::Wait
                )
        })
        .collect();
    for a in &work {
        progress.update(&a.name, "waiting");
    }
    let ops = tokio::sync::Semaphore::new(opts.parallel.max(1));
    let all = work.len().max(1);
    let results: Vec<(Ready, Option<Failure>)> = stream::iter(work)
        .map(|a| {
            let ops = &ops;
            async move {
                let d = crate::plan::desired_of(desired, a);
                converge_container(engine, desired, d, a, opts, progress, ops).await
            }
        })
        .buffer_unordered(all)
        .collect()
        .await;
    let mut containers = Vec::new();
    for (ready, failure) in results {
        containers.push(ready);
        failures.extend(failure);
    }
    // 4. Networks to remove (orphans with --prune), once no container of ours uses them.
    for a in plan
        .actions
        .iter()
        .filter(|a| a.kind == Kind::Network && a.change == Change::Remove)
    {
        let id = a.live_id.clone().unwrap_or_else(|| a.name.clone());
        match detach_and_remove_network(engine, &id, &ours).await {
            Ok(()) => progress.note(&format!("network {} removed", a.name)),
            Err(e) => failures.push(fail(&a.name, format!("network: {e}"))),
        }
    }
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    Report {
        containers,
        failures,
    }
}

async fn create_network(
    engine: &Engine,
    desired: &Desired,
    n: &crate::plan::desired::DesiredNetwork,
) -> Result<(), String> {
    engine
        .create_network(request::network(&desired.project, n))
        .await
        .map_err(|e| {
            let text = e.to_string();
            if text.contains("overlap") {
                format!(
                    "subnet {} of network `{}` overlaps a network the daemon already has: {text}",
                    n.spec.subnet, n.name
                )
            } else {
                text
            }
        })
}

/// Disconnects this project's containers still attached, then removes the network. A
/// container that is not dindctl's keeps the network in place: the removal fails and says so.
async fn detach_and_remove_network(
    engine: &Engine,
    id: &str,
    ours: &[String],
) -> Result<(), String> {
    if let Ok(n) = engine.inspect_network(id).await {
        let mut foreign = Vec::new();
        for (cid, c) in n.containers.unwrap_or_default() {
            if !ours.contains(&cid) {
                foreign.push(c.name.unwrap_or(cid));
                continue;
            }
            let _ = engine.disconnect_network(id, &cid).await;
        }
        if !foreign.is_empty() {
            return Err(format!(
                "containers that dindctl does not own are attached ({}); dindctl leaves them alone, so the network stays",
                foreign.join(", ")
            ));
        }
    }
    engine.remove_network(id).await.map_err(|e| e.to_string())
}

pub async fn remove_container(engine: &Engine, id: &str, opts: &Options) -> Result<(), String> {
    remove_with_grace(engine, id, opts.stop_timeout.as_secs()).await
}

async fn remove_with_grace(engine: &Engine, id: &str, grace: u64) -> Result<(), String> {
    engine
        .stop_and_remove_container(id, grace)
        .await
        .map_err(|e| e.to_string())
}

/// How long stopping the live container of `a` may take: its own stop grace period (the
/// manifest's `stop_grace_period`, as `docker stop` without `-t` honours it), else
/// `--stop-timeout`.
fn grace_of(a: &Action, opts: &Options) -> u64 {
    a.live
        .as_ref()
        .and_then(|l| l.get("stop_timeout"))
        .and_then(serde_json::Value::as_i64)
        .and_then(|s| u64::try_from(s).ok())
        .unwrap_or(opts.stop_timeout.as_secs())
}

/// Creates (or replaces, or starts) one container and waits for it.
async fn converge_container(
    engine: &Engine,
    desired: &Desired,
    d: Option<&DesiredContainer>,
    a: &Action,
    opts: &Options,
    progress: &Progress,
    ops: &tokio::sync::Semaphore,
) -> (Ready, Option<Failure>) {
    let mut ready = Ready {
        name: a.name.clone(),
        change: a.change,
        state: "-".into(),
        health: "-".into(),
        ready_in: None,
        error: None,
        mcp: None,
    };
    let mut verdict = None;
    let result: Result<Option<(String, String, Duration)>, String> = async {
        let d = d.ok_or_else(|| "no manifest for this container".to_string())?;
        // Held for the daemon calls only, released before waiting for readiness.
        let permit = ops
            .acquire()
            .await
            .map_err(|_| "apply was stopped".to_string())?;
        match a.change {
            Change::Start | Change::Wait => {}
            Change::Create => {
                progress.update(&a.name, "creating");
                create(engine, desired, d, &d.container_name).await?;
            }
            Change::Recreate => {
                progress.update(&a.name, "creating replacement");
                let (_, hash) = request::container(&desired.project, d);
                let temp = format!("{}_dindctl-new-{}", d.container_name, &hash[..8]);
                create(engine, desired, d, &temp).await?;
                let grace = grace_of(a, opts);
                progress.update(&a.name, &format!("stopping old container (grace {grace}s)"));
                let old = a.live_id.as_deref().unwrap_or(&a.name);
                remove_with_grace(engine, old, grace)
                    .await
                    .map_err(|e| format!("cannot remove the old container: {e}"))?;
                engine
                    .rename_container(&temp, &d.container_name)
                    .await
                    .map_err(|e| format!("cannot rename {temp}: {e}"))?;
            }
            _ => return Ok(None),
        }
        let started = Instant::now();
        if a.change != Change::Wait {
            progress.update(&a.name, "starting");
            engine
                .start_container(&d.container_name)
                .await
                .map_err(|e| start_error(d, &e.to_string()))?;
        }
        drop(permit);
        progress.update(&a.name, "waiting for ready");
        let (state, health) =
            wait_ready(engine, &d.container_name, opts, progress, &a.name).await?;
        if let Some((server, route)) = opts.verify.as_ref().and_then(|v| v.server(d)) {
            progress.update(&a.name, "MCP handshake");
            let route = route.map_err(|e| format!("MCP handshake: {e}"))?;
            let project = opts
                .verify
                .as_ref()
                .map(|v| v.project.as_str())
                .unwrap_or("");
            // A server that is ready but not yet listening gets what is left of the wait.
            let patience = opts.wait_timeout.saturating_sub(started.elapsed());
            let checked = crate::verify::check(engine, project, &server, &route, patience).await;
            verdict = checked.result.clone().ok();
            if let Some(f) = checked.failure(&server.spec.expect) {
                return Err(format!("MCP handshake at {} failed: {f}", checked.address));
            }
        }
        Ok(Some((state, health, started.elapsed())))
    }
    .await;
    ready.mcp = verdict;
    match result {
        Ok(Some((state, health, took))) => {
            progress.update(
                &a.name,
                &format!(
                    "{} ({:.1}s)",
                    if health == "-" {
                        state.clone()
                    } else {
                        health.clone()
                    },
                    took.as_secs_f64()
                ),
            );
            ready.state = state;
            ready.health = health;
            ready.ready_in = Some(took);
            (ready, None)
        }
        Ok(None) => (ready, None),
        Err(message) => {
            progress.update(&a.name, "failed");
            let details = match d {
                Some(d) => failure_details(engine, &d.container_name, &sensitive(d)).await,
                None => String::new(),
            };
            if let Ok(c) = engine.inspect_container(&a.name).await {
                let lc = crate::plan::live::project_container(&c);
                ready.state = lc.state;
                ready.health = lc.health.unwrap_or_else(|| "-".into());
            }
            ready.error = Some(message.clone());
            (
                ready,
                Some(Failure {
                    name: a.name.clone(),
                    message,
                    details,
                }),
            )
        }
    }
}

fn start_error(d: &DesiredContainer, text: &str) -> String {
    if text.contains("port is already allocated") || text.contains("address already in use") {
        format!(
            "cannot start: a host port it publishes ({}) is already in use on the daemon's host: {text}",
            d.spec.ports.join(", ")
        )
    } else {
        format!("cannot start: {text}")
    }
}

/// Creates the container under `name`, joins its other networks and copies its secrets in.
async fn create(
    engine: &Engine,
    desired: &Desired,
    d: &DesiredContainer,
    name: &str,
) -> Result<(), String> {
    let (body, _) = request::container(&desired.project, d);
    engine
        .create_container(name, body)
        .await
        .map_err(|e| format!("cannot create container: {e}"))?;
    let cleanup = |msg: String| async move {
        let _ = engine.stop_and_remove_container(name, 0).await;
        Err(msg)
    };
    for n in d.spec.networks.iter().skip(1) {
        if let Err(e) = engine
            .connect_network(n, name, request::endpoint(&d.name))
            .await
        {
            return cleanup(format!("cannot connect to network `{n}`: {e}")).await;
        }
    }
    if !d.secrets.is_empty() {
        let tar = match secrets_tar(&d.secrets, &d.spec.user) {
            Ok(t) => t,
            Err(e) => return cleanup(format!("cannot pack secrets: {e}")).await,
        };
        if let Err(e) = engine.upload_to_root(name, tar).await {
            return cleanup(format!("cannot copy secrets into the container: {e}")).await;
        }
    }
    Ok(())
}

/// Owner uid, gid and mode of the secret files of a container running as `user`: its own
/// and readable by it only when the user is numeric, else root's and world-readable (a user
/// name cannot be resolved without the image's passwd file).
fn secret_ownership(user: &str) -> (u64, u64, u32) {
    let numeric = |s: &str| s.parse::<u64>().ok();
    match user.split_once(':') {
        Some((u, g)) => match (numeric(u), numeric(g)) {
            (Some(u), Some(g)) => (u, g, 0o400),
            _ => (0, 0, 0o444),
        },
        None if user.is_empty() => (0, 0, 0o400),
        None => match numeric(user) {
            Some(u) => (u, 0, 0o400),
            None => (0, 0, 0o444),
        },
    }
}

/// The owner uid and mode a secret file of a container running as `user` must have.
pub fn secret_owner(user: &str) -> (u64, u32) {
    let (uid, _, mode) = secret_ownership(user);
    (uid, mode)
}

/// A tar holding `/run/secrets/<name>` for each secret, readable by the container's user.
pub fn secrets_tar(secrets: &[SecretFile], user: &str) -> std::io::Result<Vec<u8>> {
    let (uid, gid, mode) = secret_ownership(user);
    let mut builder = tar::Builder::new(Vec::new());
    for dir in ["run/", "run/secrets/"] {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        h.set_mtime(0);
        builder.append_data(&mut h, dir, std::io::empty())?;
    }
    for s in secrets {
        let mut h = tar::Header::new_gnu();
        h.set_size(s.content.len() as u64);
        h.set_mode(mode);
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_mtime(0);
        builder.append_data(
            &mut h,
            format!("run/secrets/{}", s.name),
            s.content.as_slice(),
        )?;
    }
    builder.into_inner()
}

/// Polls until the container is healthy (with a healthcheck) or has run for `stable_for`
/// (without one). Fails at once when it exits, is OOM-killed, restarts, or turns unhealthy.
async fn wait_ready(
    engine: &Engine,
    name: &str,
    opts: &Options,
    progress: &Progress,
    label: &str,
) -> Result<(String, String), String> {
    let deadline = Instant::now() + opts.wait_timeout;
    let mut first_restart_count = None;
    let mut running_since: Option<Instant> = None;
    loop {
        let c = engine
            .inspect_container(name)
            .await
            .map_err(|e| format!("cannot inspect: {e}"))?;
        let lc = crate::plan::live::project_container(&c);
        let has_check = lc
            .spec
            .healthcheck
            .as_ref()
            .is_some_and(|h| h.test.first().is_some_and(|t| t != "NONE"));
        let base = *first_restart_count.get_or_insert(lc.restart_count);
        if lc.oom_killed {
            return Err(exit_reason(engine, name, &lc).await);
        }
        if lc.restart_count > base || lc.state == "restarting" {
            return Err(format!(
                "exited with code {} and is being restarted by its restart policy",
                lc.exit_code
            ));
        }
        if !lc.running {
            return Err(exit_reason(engine, name, &lc).await);
        }
        match lc.health.as_deref() {
            Some("unhealthy") => return Err("turned unhealthy".into()),
            Some("healthy") => return Ok((lc.state, "healthy".into())),
            Some(h) => progress.update(label, &format!("waiting: {h}")),
            None if !has_check => {
                let since = *running_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= opts.stable_for {
                    return Ok((lc.state, "-".into()));
                }
            }
            None => {}
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "not ready after {}s (--wait-timeout): {}",
                opts.wait_timeout.as_secs(),
                lc.health.as_deref().unwrap_or(&lc.state)
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Why a container stopped. The daemon may record an OOM kill just after the exit, so an exit
/// by SIGKILL is looked at again; a SIGKILL under a memory limit is most likely the OOM killer.
async fn exit_reason(engine: &Engine, name: &str, lc: &crate::plan::live::LiveContainer) -> String {
    let mut oom = lc.oom_killed;
    if !oom && lc.exit_code == 137 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if let Ok(c) = engine.inspect_container(name).await {
            oom = crate::plan::live::project_container(&c).oom_killed;
        }
    }
    let limit = lc.spec.resources.memory;
    if oom {
        format!(
            "killed by the OOM killer (memory limit {}; raise resources.limits.memory)",
            if limit > 0 {
                format!("{} MiB", limit / (1024 * 1024))
            } else {
                "none".into()
            }
        )
    } else if lc.exit_code == 137 && limit > 0 {
        format!(
            "was killed (SIGKILL, exit code 137); under its memory limit of {} MiB this is most likely the OOM killer (raise resources.limits.memory)",
            limit / (1024 * 1024)
        )
    } else {
        format!("exited with code {} ({})", lc.exit_code, lc.state)
    }
}

/// The values a container's output must not show: its secret files' contents and the values
/// of its credential variables.
pub fn sensitive(d: &crate::plan::desired::DesiredContainer) -> Vec<String> {
    d.secrets
        .iter()
        .map(|s| String::from_utf8_lossy(&s.content).into_owned())
        .chain(
            d.spec
                .environment
                .iter()
                .filter(|(k, _)| crate::redact::is_credential_key(k))
                .map(|(_, v)| v.clone()),
        )
        .collect()
}

/// The last log lines and the last health-check output of a failed container, with
/// `known` values (see [`sensitive`]) and any other credential in them masked.
pub async fn failure_details(engine: &Engine, name: &str, known: &[String]) -> String {
    let mut out = String::new();
    let text = crate::redact::with_known(&engine.logs_tail(name, 20).await, known);
    if text.trim().is_empty() {
        out.push_str("  (no log output)\n");
    } else {
        out.push_str("  last log lines:\n");
        for line in text.lines() {
            out.push_str(&format!("  | {line}\n"));
        }
    }
    if let Ok(c) = engine.inspect_container(name).await
        && let Some(last) = c
            .state
            .and_then(|s| s.health)
            .and_then(|h| h.log)
            .and_then(|l| l.into_iter().last())
    {
        out.push_str(&format!(
            "  last health check (exit code {}):\n",
            last.exit_code.unwrap_or(-1)
        ));
        let output = crate::redact::with_known(&last.output.unwrap_or_default(), known);
        for line in output.lines().take(20) {
            out.push_str(&format!("  | {line}\n"));
        }
    }
    out
}

/// `name  state  health  ready in  protocol  server  tools` rows.
pub fn table(rows: &[Ready]) -> String {
    let mut data: Vec<[String; 7]> = vec![[
        "NAME".into(),
        "STATE".into(),
        "HEALTH".into(),
        "READY IN".into(),
        "PROTOCOL".into(),
        "SERVER".into(),
        "TOOLS".into(),
    ]];
    for r in rows {
        let (protocol, server, tools) = match &r.mcp {
            Some(v) => (v.protocol.clone(), v.server(), v.tools.len().to_string()),
            None => ("-".into(), "-".into(), "-".into()),
        };
        data.push([
            r.name.clone(),
            r.state.clone(),
            r.health.clone(),
            r.ready_in
                .map(|d| format!("{:.1}s", d.as_secs_f64()))
                .unwrap_or_else(|| {
                    if r.error.is_some() {
                        "failed".into()
                    } else {
                        "-".into()
                    }
                }),
            protocol,
            server,
            tools,
        ]);
    }
    format_table(&data)
}

pub fn format_table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == N {
                line.push_str(c);
            } else {
                line.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
