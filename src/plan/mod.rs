//! Planning: what the manifests ask for ([`desired`]), what the daemon runs ([`live`]), and the
//! actions that turn one into the other, each with its reasons and field changes.

pub mod desired;
pub mod live;
pub mod render;
pub mod request;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use desired::{ContainerSpec, Desired, DesiredContainer};
use live::{ImageInfo, Live, LiveContainer};

/// The namespace of every label dindctl sets.
pub const LABEL_PREFIX: &str = "io.dindctl.";
/// Bumped when the spec hash is computed differently; a container hashed by another version
/// is compared field by field only.
pub const HASH_VERSION: &str = "1";

pub fn label(key: &str) -> String {
    format!("{LABEL_PREFIX}{key}")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Create,
    Recreate,
    Start,
    /// Running but not ready yet (its health check still `starting`): apply waits for it.
    Wait,
    Remove,
    /// Ours but no longer in the manifests, and `--prune` was not given.
    Orphan,
    Noop,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Recreate => "recreate",
            Change::Start => "start",
            Change::Wait => "wait",
            Change::Remove => "remove",
            Change::Orphan => "orphan",
            Change::Noop => "no-op",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Network,
    Volume,
    Container,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Network => "network",
            Kind::Volume => "volume",
            Kind::Container => "container",
        }
    }
}

/// One field that differs, with secret values already redacted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Action {
    pub kind: Kind,
    /// The object's name on the daemon.
    pub name: String,
    pub change: Change,
    pub reasons: Vec<String>,
    pub fields: Vec<FieldChange>,
    /// The planned configuration, normalized and redacted (None when removing).
    pub planned: Option<serde_json::Value>,
    /// The live configuration projected onto the managed fields (None when absent).
    pub live: Option<serde_json::Value>,
    /// The live object's id, when there is one.
    pub live_id: Option<String>,
    /// The desired container's index in [`Desired::containers`].
    pub desired: Option<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub actions: Vec<Action>,
}

impl Plan {
    pub fn count(&self, changes: &[Change]) -> usize {
        self.actions
            .iter()
            .filter(|a| changes.contains(&a.change))
            .count()
    }

    pub fn to_add(&self) -> usize {
        self.count(&[Change::Create])
    }

    pub fn to_change(&self) -> usize {
        self.count(&[Change::Recreate, Change::Start, Change::Wait])
    }

    pub fn to_destroy(&self) -> usize {
        self.count(&[Change::Remove])
    }

    pub fn has_changes(&self) -> bool {
        self.to_add() + self.to_change() + self.to_destroy() > 0
    }

    /// terraform's summary line.
    pub fn summary(&self) -> String {
        if !self.has_changes() {
            return "No changes.".to_string();
        }
        format!(
            "Plan: {} to add, {} to change, {} to destroy.",
            self.to_add(),
            self.to_change(),
            self.to_destroy()
        )
    }
}

/// Something that makes the plan impossible: a name held by an object dindctl does not own,
/// an image the daemon does not have, a host port another container holds.
#[derive(Clone, Debug)]
pub struct Blocker {
    pub message: String,
    pub span: Option<crate::source::Span>,
}

/// Effective planned specs: the manifest's fields with the image's defaults filled in.
pub fn effective_specs(
    desired: &Desired,
    images: &HashMap<String, ImageInfo>,
) -> Vec<ContainerSpec> {
    desired
        .containers
        .iter()
        .map(|d| match images.get(&d.spec.image) {
            Some(img) => request::effective(&d.spec, img),
            None => d.spec.clone(),
        })
        .collect()
}

/// Computes the plan. `desired.containers[i].spec.image_id` must be set.
pub fn compute(
    desired: &Desired,
    images: &HashMap<String, ImageInfo>,
    live: &Live,
    prune: bool,
) -> Result<Plan, Vec<Blocker>> {
    let mut actions = Vec::new();
    let mut blockers = Vec::new();
    let foreign_names: HashMap<(&str, &str), &live::Foreign> = live
        .foreign
        .iter()
        .map(|f| ((f.kind, f.name.as_str()), f))
        .collect();
    let clash = |kind: &'static str, name: &str, span| {
        foreign_names.get(&(kind, name)).map(|f| Blocker {
            message: match &f.project {
                Some(p) => format!(
                    "a {kind} named `{name}` already exists and belongs to dindctl project `{p}`; dindctl will not touch it"
                ),
                None => format!(
                    "a {kind} named `{name}` already exists on the daemon{} without dindctl's labels; dindctl never touches it: remove or rename it, or rename this {kind}",
                    if f.id.is_empty() { String::new() } else { format!(" (id {})", short(&f.id)) }
                ),
            },
            span: Some(span),
        })
    };

    // Networks.
    let mut recreated_networks: HashSet<&str> = HashSet::new();
    for n in &desired.networks {
        let planned = serde_json::to_value(&n.spec).unwrap_or_default();
        let want_hash = request::network(&desired.project, n)
            .labels
            .and_then(|l| l.get(&label("spec-hash")).cloned())
            .unwrap_or_default();
        match live.networks.iter().find(|l| l.name == n.name) {
            None => {
                if let Some(b) = clash("network", &n.name, n.span) {
                    blockers.push(b);
                    continue;
                }
                actions.push(action(
                    Kind::Network,
                    &n.name,
                    Change::Create,
                    Some(planned),
                    None,
                ));
            }
            Some(l) => {
                let live_value = serde_json::to_value(&l.spec).unwrap_or_default();
                let fields = field_changes(&live_value, &planned, "");
                let mut a = action(
                    Kind::Network,
                    &n.name,
                    Change::Noop,
                    Some(planned),
                    Some(live_value),
                );
                a.live_id = Some(l.id.clone());
                if !fields.is_empty() || l.spec_hash != want_hash {
                    a.change = Change::Recreate;
                    a.reasons = if fields.is_empty() {
                        vec!["the create request changed".into()]
                    } else {
                        fields
                            .iter()
                            .map(|f| format!("{} changed", f.field))
                            .collect()
                    };
                    a.fields = fields;
                    recreated_networks.insert(n.name.as_str());
                }
                actions.push(a);
            }
        }
    }
    // Volumes: created when missing; never recreated (they hold data).
    for v in &desired.volumes {
        if live.volumes.iter().any(|l| l.name == v.name) {
            continue;
        }
        if let Some(b) = clash("volume", &v.name, v.span) {
            blockers.push(b);
            continue;
        }
        actions.push(action(
            Kind::Volume,
            &v.name,
            Change::Create,
            Some(serde_json::json!({ "name": v.name })),
            None,
        ));
    }

    // Containers.
    let effective = effective_specs(desired, images);
    let mut claimed: HashSet<&str> = HashSet::new();
    for (i, d) in desired.containers.iter().enumerate() {
        let mut planned_spec = effective[i].clone();
        let (_, want_hash) = request::container(&desired.project, d);
        let mine: Vec<&LiveContainer> = live
            .containers
            .iter()
            .filter(|c| c.manifest == d.name)
            .collect();
        let current = mine.iter().find(|c| c.name == d.container_name);
        if let Some(c) = current {
            request::align_defaults(&mut planned_spec, &c.spec);
        }
        let planned_spec = &planned_spec;
        for leftover in mine.iter().filter(|c| c.name != d.container_name) {
            claimed.insert(leftover.id.as_str());
            let mut a = action(
                Kind::Container,
                &leftover.name,
                Change::Remove,
                None,
                Some(redacted(&leftover.spec, None)),
            );
            a.live_id = Some(leftover.id.clone());
            a.reasons = vec![format!(
                "a copy of `{}` left by an interrupted apply or a renamed container_name",
                d.name
            )];
            actions.push(a);
        }
        let planned_value = redacted(planned_spec, current.map(|c| &c.spec));
        let Some(current) = current else {
            if let Some(b) = clash("container", &d.container_name, d.span) {
                blockers.push(b);
                continue;
            }
            if let Some(other) = live
                .containers
                .iter()
                .find(|c| c.name == d.container_name && c.manifest != d.name)
            {
                blockers.push(Blocker {
                    message: format!(
                        "the name `{}` is held by this project's container of manifest `{}`, which no manifest asks for any more; run with --prune to remove it first",
                        d.container_name, other.manifest
                    ),
                    span: Some(d.span),
                });
                continue;
            }
            let mut a = action(
                Kind::Container,
                &d.container_name,
                Change::Create,
                Some(planned_value),
                None,
            );
            a.desired = Some(i);
            actions.push(a);
            continue;
        };
        claimed.insert(current.id.as_str());
        let live_value = redacted(&current.spec, None);
        let fields = field_changes(&live_value, &planned_value, "");
        let mut a = action(
            Kind::Container,
            &d.container_name,
            Change::Noop,
            Some(planned_value),
            Some(live_value),
        );
        a.live_id = Some(current.id.clone());
        a.desired = Some(i);
        let mut reasons: Vec<String> = fields
            .iter()
            .map(|f| format!("{} changed", f.field))
            .collect();
        for n in &d.spec.networks {
            if recreated_networks.contains(n.as_str()) {
                reasons.push(format!("network `{n}` is recreated"));
            }
        }
        if reasons.is_empty()
            && current.spec_hash != want_hash
            && current.hash_version == HASH_VERSION
        {
            reasons.push("the create request changed (spec hash differs)".into());
        }
        let health = current.health.as_deref();
        if !reasons.is_empty() {
            if !current.running {
                reasons.push(format!("the container is {}", current.state));
            }
            a.change = Change::Recreate;
            a.reasons = reasons;
            a.fields = fields;
        } else if current.state == "restarting" {
            // Crash-looping: a fresh container, then the wait, which fails with its logs if it
            // keeps failing (a CI retry must not report it converged).
            a.change = Change::Recreate;
            a.reasons = vec![format!(
                "the container is restarting (exit code {}, restarted {} time(s))",
                current.exit_code, current.restart_count
            )];
            a.fields = vec![state_change(&current.state)];
        } else if let Some(ago) = recent_restart(current, live.observed_at) {
            // Running between two crashes of a loop (or just recovered): not converged until
            // it has stayed up; apply waits, and fails if it restarts again.
            a.change = Change::Wait;
            a.reasons = vec![format!(
                "the container restarted {} time(s), the last {ago}s ago",
                current.restart_count
            )];
            a.fields = vec![FieldChange {
                field: "restarts".into(),
                before: Some(current.restart_count.to_string()),
                after: Some("stable".into()),
            }];
        } else if current.running && health == Some("unhealthy") {
            a.change = Change::Recreate;
            a.reasons = vec!["the container is unhealthy".into()];
            a.fields = vec![FieldChange {
                field: "health".into(),
                before: Some("unhealthy".into()),
                after: Some("healthy".into()),
            }];
        } else if current.running && health == Some("starting") {
            a.change = Change::Wait;
            a.reasons = vec!["the container is not healthy yet (health: starting)".into()];
            a.fields = vec![FieldChange {
                field: "health".into(),
                before: Some("starting".into()),
                after: Some("healthy".into()),
            }];
        } else if !current.running {
            a.change = Change::Start;
            a.reasons = vec![format!(
                "the container is {} (exit code {}){}",
                current.state,
                current.exit_code,
                if current.oom_killed {
                    ", killed by the OOM killer"
                } else {
                    ""
                }
            )];
            a.fields = vec![state_change(&current.state)];
        }
        actions.push(a);
    }
    for c in &live.containers {
        if claimed.contains(c.id.as_str()) {
            continue;
        }
        let mut a = action(
            Kind::Container,
            &c.name,
            if prune {
                Change::Remove
            } else {
                Change::Orphan
            },
            None,
            Some(redacted(&c.spec, None)),
        );
        a.live_id = Some(c.id.clone());
        a.reasons = vec![format!("no manifest asks for `{}`", c.manifest)];
        actions.push(a);
    }
    let wanted_networks: HashSet<&str> = desired.networks.iter().map(|n| n.name.as_str()).collect();
    for n in &live.networks {
        if !wanted_networks.contains(n.name.as_str()) {
            let mut a = action(
                Kind::Network,
                &n.name,
                if prune {
                    Change::Remove
                } else {
                    Change::Orphan
                },
                None,
                serde_json::to_value(&n.spec).ok(),
            );
            a.live_id = Some(n.id.clone());
            a.reasons = vec!["no MCPNetwork defines it".into()];
            actions.push(a);
        }
    }
    let wanted_volumes: HashSet<&str> = desired.volumes.iter().map(|v| v.name.as_str()).collect();
    for v in &live.volumes {
        if !wanted_volumes.contains(v.name.as_str()) {
            let mut a = action(Kind::Volume, &v.name, Change::Orphan, None, None);
            a.reasons = vec![
                "no container mounts it; volumes hold data and are removed only by `dindctl down --volumes`".into(),
            ];
            actions.push(a);
        }
    }
    // Orphans kept (no `--prune`) go on holding their host ports.
    let kept: HashSet<&str> = if prune {
        HashSet::new()
    } else {
        live.containers
            .iter()
            .filter(|c| !claimed.contains(c.id.as_str()))
            .map(|c| c.name.as_str())
            .collect()
    };
    blockers.extend(port_blockers(desired, live, &kept));
    if !blockers.is_empty() {
        return Err(blockers);
    }
    actions.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    Ok(Plan { actions })
}

/// Host ports the desired containers publish that a container of another owner, or an
/// orphan of this project that the apply keeps (`kept`), already holds.
fn port_blockers(desired: &Desired, live: &Live, kept: &HashSet<&str>) -> Vec<Blocker> {
    let mut out = Vec::new();
    for d in &desired.containers {
        for (key, span) in &d.port_spans {
            let (host, proto_part) = key.split_once("->").unwrap_or((key, ""));
            let proto = proto_part.rsplit('/').next().unwrap_or("tcp");
            let (ip, port) = match host.rsplit_once(':') {
                Some((ip, port)) => (ip.trim_matches(['[', ']']), port),
                None => ("", host),
            };
            let Ok(port) = port.parse::<u16>() else {
                continue;
            };
            let unspecified = |s: &str| s.is_empty() || s == "0.0.0.0" || s == "::";
            let holds = |(fip, fport, fproto, _): &&(String, u16, String, String)| {
                *fport == port
                    && fproto == proto
                    && (unspecified(ip) || unspecified(fip) || fip == ip)
            };
            if let Some((fip, _, _, orphan)) = live
                .project_ports
                .iter()
                .filter(|(_, _, _, name)| kept.contains(name.as_str()))
                .find(holds)
            {
                out.push(Blocker {
                    message: format!(
                        "host port {port}/{proto} of `{}` is held by `{orphan}` (on {}), a container of this project that no manifest asks for any more and that this apply keeps: run `dindctl apply --prune` to remove it, or `docker rm -f {orphan}` on the daemon",
                        d.container_name,
                        if fip.is_empty() { "all interfaces" } else { fip }
                    ),
                    span: Some(*span),
                });
                continue;
            }
            if let Some((fip, _, _, holder)) = live.foreign_ports.iter().find(holds) {
                out.push(Blocker {
                    message: format!(
                        "host port {port}/{proto} of `{}` is already published by container `{holder}` (on {})",
                        d.container_name,
                        if fip.is_empty() { "all interfaces" } else { fip }
                    ),
                    span: Some(*span),
                });
            }
        }
    }
    out
}

fn action(
    kind: Kind,
    name: &str,
    change: Change,
    planned: Option<serde_json::Value>,
    live: Option<serde_json::Value>,
) -> Action {
    Action {
        kind,
        name: name.to_string(),
        change,
        reasons: Vec::new(),
        fields: Vec::new(),
        planned,
        live,
        live_id: None,
        desired: None,
    }
}

/// How long a container must have stayed up after a restart to count as converged.
pub const RESTART_SETTLE_SECS: i64 = 60;

/// Seconds since the last start of a running container that has restarted, if that is less
/// than [`RESTART_SETTLE_SECS`].
fn recent_restart(c: &LiveContainer, now: i64) -> Option<i64> {
    if !c.running || c.restart_count == 0 || now == 0 {
        return None;
    }
    let started = crate::clock::parse_rfc3339(&c.started_at)?;
    let ago = (now - started).max(0);
    (ago < RESTART_SETTLE_SECS).then_some(ago)
}

fn state_change(state: &str) -> FieldChange {
    FieldChange {
        field: "state".into(),
        before: Some(state.to_string()),
        after: Some("running".into()),
    }
}

pub fn short(id: &str) -> &str {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    &id[..id.len().min(12)]
}

/// The spec as JSON with secret values replaced: credential-looking environment values and
/// secret digests become `***`, or (on the planned side) `*** (changed)` when they differ
/// from `other`, the live spec.
pub fn redacted(spec: &ContainerSpec, other: Option<&ContainerSpec>) -> serde_json::Value {
    let mut s = spec.clone();
    for (k, v) in s.environment.iter_mut() {
        let live = other.and_then(|o| o.environment.get(k)).map(String::as_str);
        *v = redact_env(k, v, live);
    }
    let secrets: BTreeMap<String, String> = s
        .secrets
        .iter()
        .map(|(k, v)| {
            let shown = match other {
                // The planned side: the content stays hidden; a mismatch shows as a change.
                Some(o) => mask(o.secrets.get(k).is_some_and(|ov| ov != v)),
                // The live side: what reading the file back found (never its content).
                None if v == desired::SECRET_OK => mask(false),
                None => v.clone(),
            };
            (k.clone(), shown)
        })
        .collect();
    s.secrets = secrets;
    serde_json::to_value(&s).unwrap_or_default()
}

/// An environment value as shown: a credential's value becomes `***`, or `*** (changed)` when
/// it differs from `live` (given for the planned side only).
/// Credentials inside other values (a URL's password, a token) are masked in place, and a
/// change hidden by the mask says so.
pub fn redact_env(key: &str, value: &str, live: Option<&str>) -> String {
    let changed = live.is_some_and(|l| l != value);
    if crate::redact::is_credential_key(key) {
        return mask(changed);
    }
    let shown = crate::redact::env_value(key, value);
    if shown != value
        && changed
        && live.map(|l| crate::redact::env_value(key, l)) == Some(shown.clone())
    {
        format!("{shown} (credential changed)")
    } else {
        shown
    }
}

fn mask(changed: bool) -> String {
    if changed {
        "*** (changed)".into()
    } else {
        "***".into()
    }
}

/// Field-level differences between two redacted values: objects recurse, everything else is
/// compared whole.
pub fn field_changes(
    before: &serde_json::Value,
    after: &serde_json::Value,
    path: &str,
) -> Vec<FieldChange> {
    use serde_json::Value;
    let mut out = Vec::new();
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => out.extend(field_changes(x, y, &p)),
                    (x, y) => out.push(FieldChange {
                        field: p,
                        before: x.map(compact),
                        after: y.map(compact),
                    }),
                }
            }
        }
        (a, b) => {
            if a != b {
                out.push(FieldChange {
                    field: path.to_string(),
                    before: Some(compact(a)),
                    after: Some(compact(b)),
                });
            }
        }
    }
    out
}

fn compact(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Names the plan's desired container at `i`.
pub fn desired_of<'a>(desired: &'a Desired, a: &Action) -> Option<&'a DesiredContainer> {
    a.desired.and_then(|i| desired.containers.get(i))
}

#[cfg(test)]
mod tests {
    use super::desired::{DesiredContainer, DesiredNetwork, NetworkSpec};
    use super::live::{Foreign, LiveContainer, LiveNetwork};
    use super::*;
    use crate::source::{SourceDb, Span};

    fn span() -> Span {
        let mut db = SourceDb::new();
        let id = db.add("m.yml", "x");
        Span {
            source: id,
            start: 0,
            end: 1,
        }
    }

    fn spec(env: &[(&str, &str)]) -> ContainerSpec {
        ContainerSpec {
            image: "img:1".into(),
            image_id: "sha256:aaa".into(),
            environment: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            networks: vec!["net".into()],
            restart: "no".into(),
            ..Default::default()
        }
    }

    fn desired(env: &[(&str, &str)]) -> Desired {
        Desired {
            project: "p".into(),
            containers: vec![DesiredContainer {
                name: "web".into(),
                container_name: "web".into(),
                spec: spec(env),
                secrets: Vec::new(),
                span: span(),
                image_span: span(),
                port_spans: Vec::new(),
                mcp: None,
                pull_policy: Default::default(),
                platform: None,
            }],
            networks: vec![DesiredNetwork {
                name: "net".into(),
                spec: NetworkSpec {
                    driver: "bridge".into(),
                    internal: false,
                    subnet: "10.1.0.0/24".into(),
                    gateway: String::new(),
                },
                span: span(),
            }],
            volumes: Vec::new(),
        }
    }

    fn live_of(d: &Desired, env: &[(&str, &str)], running: bool) -> Live {
        let (_, hash) = request::container("p", &d.containers[0]);
        let net = request::network("p", &d.networks[0]);
        Live {
            containers: vec![LiveContainer {
                id: "c1".into(),
                name: "web".into(),
                manifest: "web".into(),
                spec_hash: hash,
                hash_version: HASH_VERSION.into(),
                spec: spec(env),
                state: if running { "running" } else { "exited" }.into(),
                running,
                health: None,
                restart_count: 0,
                started_at: String::new(),
                exit_code: 0,
                oom_killed: false,
            }],
            networks: vec![LiveNetwork {
                id: "n1".into(),
                name: "net".into(),
                spec_hash: net
                    .labels
                    .and_then(|l| l.get(&label("spec-hash")).cloned())
                    .unwrap_or_default(),
                spec: d.networks[0].spec.clone(),
            }],
            ..Default::default()
        }
    }

    fn plan(d: &Desired, live: &Live) -> Plan {
        compute(d, &HashMap::new(), live, false).unwrap_or_else(|b| panic!("{b:?}"))
    }

    fn change_of(p: &Plan, kind: Kind) -> Change {
        p.actions
            .iter()
            .find(|a| a.kind == kind)
            .map(|a| a.change)
            .unwrap_or(Change::Noop)
    }

    #[test]
    fn identical_is_no_change_and_a_changed_field_recreates_with_its_reason() {
        let d = desired(&[("A", "1")]);
        let p = plan(&d, &live_of(&d, &[("A", "1")], true));
        assert!(!p.has_changes(), "{:?}", p.actions);
        assert_eq!(p.summary(), "No changes.");

        let p = plan(&d, &live_of(&d, &[("A", "2")], true));
        assert_eq!(change_of(&p, Kind::Container), Change::Recreate);
        let a = p
            .actions
            .iter()
            .find(|a| a.kind == Kind::Container)
            .unwrap();
        assert_eq!(a.reasons, vec!["environment.A changed"]);
        assert_eq!(p.summary(), "Plan: 0 to add, 1 to change, 0 to destroy.");
    }

    #[test]
    fn a_stopped_container_is_started() {
        let d = desired(&[]);
        let p = plan(&d, &live_of(&d, &[], false));
        assert_eq!(change_of(&p, Kind::Container), Change::Start);
    }

    #[test]
    fn credentials_are_redacted_and_their_change_still_shows() {
        let d = desired(&[("API_TOKEN", "new-value")]);
        let p = plan(&d, &live_of(&d, &[("API_TOKEN", "old-value")], true));
        let a = p
            .actions
            .iter()
            .find(|a| a.kind == Kind::Container)
            .unwrap();
        assert_eq!(a.change, Change::Recreate);
        let text = format!("{:?}", a);
        assert!(
            !text.contains("new-value") && !text.contains("old-value"),
            "{text}"
        );
        assert_eq!(a.fields[0].before.as_deref(), Some("***"));
        assert_eq!(a.fields[0].after.as_deref(), Some("*** (changed)"));
    }

    #[test]
    fn a_password_inside_a_url_is_masked_and_its_change_still_shows() {
        let d = desired(&[("DATABASE_URL", "postgres://u:new-pw@db/app")]);
        let p = plan(
            &d,
            &live_of(&d, &[("DATABASE_URL", "postgres://u:old-pw@db/app")], true),
        );
        let a = p
            .actions
            .iter()
            .find(|a| a.kind == Kind::Container)
            .unwrap();
        let text = format!("{:?}", a);
        assert!(
            !text.contains("new-pw") && !text.contains("old-pw"),
            "{text}"
        );
        assert_eq!(
            a.fields[0].after.as_deref(),
            Some("postgres://u:***@db/app (credential changed)")
        );
        assert_eq!(
            redact_env("DATABASE_URL", "postgres://u:pw@db/app", None),
            "postgres://u:***@db/app"
        );
    }

    #[test]
    fn orphans_are_kept_unless_pruned_and_leftovers_always_go() {
        let d = desired(&[]);
        let mut live = live_of(&d, &[], true);
        let mut orphan = live.containers[0].clone();
        orphan.id = "c2".into();
        orphan.name = "old".into();
        orphan.manifest = "old".into();
        let mut leftover = live.containers[0].clone();
        leftover.id = "c3".into();
        leftover.name = "web_dindctl-new-12345678".into();
        live.containers.extend([orphan, leftover]);
        let p = plan(&d, &live);
        let change = |name: &str| p.actions.iter().find(|a| a.name == name).map(|a| a.change);
        assert_eq!(change("old"), Some(Change::Orphan));
        assert_eq!(change("web_dindctl-new-12345678"), Some(Change::Remove));
        let pruned = compute(&d, &HashMap::new(), &live, true).unwrap();
        assert_eq!(
            pruned
                .actions
                .iter()
                .find(|a| a.name == "old")
                .map(|a| a.change),
            Some(Change::Remove)
        );
    }

    #[test]
    fn a_foreign_object_with_the_name_blocks_the_plan() {
        let d = desired(&[]);
        let live = Live {
            foreign: vec![Foreign {
                kind: "container",
                name: "web".into(),
                id: "abcdef0123456789".into(),
                project: None,
            }],
            foreign_ports: Vec::new(),
            project_ports: Vec::new(),
            ..Default::default()
        };
        let blockers = compute(&d, &HashMap::new(), &live, false).unwrap_err();
        assert_eq!(blockers.len(), 1);
        assert!(
            blockers[0]
                .message
                .contains("a container named `web` already exists")
        );
        assert!(blockers[0].message.contains("abcdef012345"));
    }

    #[test]
    fn a_changed_subnet_recreates_the_network_and_its_containers() {
        let d = desired(&[]);
        let mut live = live_of(&d, &[], true);
        live.networks[0].spec.subnet = "10.9.0.0/24".into();
        let p = plan(&d, &live);
        assert_eq!(change_of(&p, Kind::Network), Change::Recreate);
        let c = p
            .actions
            .iter()
            .find(|a| a.kind == Kind::Container)
            .unwrap();
        assert_eq!(c.change, Change::Recreate);
        assert_eq!(c.reasons, vec!["network `net` is recreated"]);
    }
}
