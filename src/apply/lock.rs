//! One change at a time per project, on the daemon itself (so two machines applying to one
//! DinD daemon exclude each other too): the lock is a container named
//! `dindctl-lock.<project>`, created but never started. Container names are unique on a
//! daemon and the daemon reserves a name atomically, so of two concurrent creates exactly one
//! succeeds; the other gets 409 Conflict. Its labels say who holds it (`io.dindctl.lock*`).
//! It carries no `io.dindctl.project` label, so plans never see it as one of the project's
//! containers. It is made from [`LOCK_IMAGE`], an empty file system that dindctl imports
//! (`POST /images/create?fromSrc=-`, 0 bytes), so the lock works on a daemon that holds no
//! image at all — the first deploy onto an empty DinD daemon — and needs no registry; the
//! image is removed again with the last lock that used it.
//!
//! A lock whose holder ran on this machine and is gone (its process no longer exists, or is
//! another process that reused the pid) is stale and taken over. A holder on another machine
//! cannot be checked: the lock is waited for up to `--lock-timeout`, and the message names the
//! holder and how to remove a lock that is known to be abandoned.

use std::time::{Duration, Instant};

use bollard::models::{ContainerCreateBody, HostConfig};

use crate::engine::Engine;
use crate::engine::images::LOCK_IMAGE;

const LABEL: &str = "io.dindctl.lock";
const HOLDER: &str = "io.dindctl.lock.holder";
const HOST: &str = "io.dindctl.lock.host";
const PID: &str = "io.dindctl.lock.pid";
const PROCESS_START: &str = "io.dindctl.lock.process-start";
const SINCE: &str = "io.dindctl.lock.since";

/// A held lock; [`Lock::release`] removes it.
pub struct Lock {
    name: String,
}

pub fn name_of(project: &str) -> String {
    format!("dindctl-lock.{project}")
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// The start time of process `pid` (field 22 of `/proc/<pid>/stat`, clock ticks since
/// boot): with the pid, it identifies a process even after its pid is reused.
fn process_start(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is parenthesised and may hold spaces: count after it.
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(19).map(str::to_string)
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Who holds a lock, from its labels.
struct Holder {
    text: String,
    host: String,
    pid: Option<u32>,
    process_start: String,
    since: u64,
}

impl Holder {
    fn of(labels: &std::collections::HashMap<String, String>) -> Self {
        let get = |k: &str| labels.get(k).cloned().unwrap_or_default();
        Holder {
            text: get(HOLDER),
            host: get(HOST),
            pid: get(PID).parse().ok(),
            process_start: get(PROCESS_START),
            since: get(SINCE).parse().unwrap_or(0),
        }
    }

    /// The holder ran here and its process is gone.
    fn is_stale(&self) -> bool {
        if self.host.is_empty() || self.host != hostname() {
            return false;
        }
        match self.pid {
            Some(pid) => process_start(pid).is_none_or(|start| start != self.process_start),
            None => false,
        }
    }
}

/// Takes the lock of `project` for `command` (`apply`, `down`), waiting up to `timeout` for
/// a holder to finish.
pub async fn acquire(
    engine: &Engine,
    project: &str,
    command: &str,
    timeout: Duration,
) -> Result<Lock, String> {
    let name = name_of(project);
    let pid = std::process::id();
    let host = hostname();
    let labels = std::collections::HashMap::from([
        (LABEL.to_string(), project.to_string()),
        (
            HOLDER.to_string(),
            format!("dindctl {command} (pid {pid} on {host})"),
        ),
        (HOST.to_string(), host.clone()),
        (PID.to_string(), pid.to_string()),
        (
            PROCESS_START.to_string(),
            process_start(pid).unwrap_or_default(),
        ),
        (SINCE.to_string(), now_secs().to_string()),
    ]);
    let body = ContainerCreateBody {
        image: Some(LOCK_IMAGE.to_string()),
        cmd: Some(vec!["dindctl-lock".into()]),
        labels: Some(labels),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let deadline = Instant::now() + timeout;
    let mut said_waiting = false;
    let mut imported = false;
    loop {
        match engine.create_container(&name, body.clone()).await {
            Ok(_) => return Ok(Lock { name }),
            Err(e) if e.is_conflict() => {}
            // No lock image yet, or another process's release removed it just now.
            Err(e) if e.missing => {
                if imported && Instant::now() >= deadline {
                    return Err(format!("cannot take the lock `{name}`: {e}"));
                }
                engine.ensure_lock_image().await.map_err(|e| {
                    format!("cannot take the lock `{name}`: importing its image `{LOCK_IMAGE}` failed: {e}")
                })?;
                imported = true;
                continue;
            }
            Err(e) => return Err(format!("cannot take the lock `{name}`: {e}")),
        }
        let holder = match engine.inspect_container(&name).await {
            Ok(c) => Holder::of(&c.config.and_then(|c| c.labels).unwrap_or_default()),
            // Released between our create and this inspect: try again.
            Err(_) => continue,
        };
        if holder.is_stale() {
            eprintln!(
                "note: taking over the lock of project `{project}` left by {} (that process is gone)",
                holder.text
            );
            let _ = engine.stop_and_remove_container(&name, 0).await;
            continue;
        }
        if Instant::now() >= deadline {
            let age = now_secs().saturating_sub(holder.since);
            return Err(format!(
                "error: project `{project}` is being changed by {} for {age}s (lock `{name}` on {})\n  = help: wait for it to finish (`--lock-timeout` waits longer); if that process is known to be gone, remove the lock: `docker rm {name}`",
                if holder.text.is_empty() {
                    "another dindctl"
                } else {
                    &holder.text
                },
                engine.endpoint.host
            ));
        }
        if !said_waiting {
            eprintln!(
                "waiting for the lock of project `{project}`, held by {}",
                holder.text
            );
            said_waiting = true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

impl Lock {
    pub async fn release(self, engine: &Engine) {
        if let Err(e) = engine.stop_and_remove_container(&self.name, 0).await {
            eprintln!(
                "warning: cannot remove the lock `{}`: {e} (`docker rm {}` releases it)",
                self.name, self.name
            );
            return;
        }
        // Another project's lock may still use the image: then it stays.
        engine.remove_image_if_unused(LOCK_IMAGE).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_dead_one_is_stale() {
        let me = std::process::id();
        let start = process_start(me).expect("own start time");
        let live = Holder {
            text: String::new(),
            host: hostname(),
            pid: Some(me),
            process_start: start.clone(),
            since: 0,
        };
        assert!(!live.is_stale());
        let reused = Holder {
            process_start: format!("{start}0"),
            ..live
        };
        assert!(reused.is_stale(), "a reused pid is another process");
        let elsewhere = Holder {
            host: format!("{}-elsewhere", hostname()),
            pid: Some(u32::MAX),
            process_start: String::new(),
            text: String::new(),
            since: 0,
        };
        assert!(
            !elsewhere.is_stale(),
            "another machine's holder cannot be judged"
        );
    }
}
