//! `dindctl diff --outer`: the outer compose stack against the host daemon's containers, read
//! only. Containers are found by compose's `com.docker.compose.project`/`service` labels, or by
//! `container_name`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Outcome;
use super::engine::DiffArgs;
use crate::model::compose::MountKind;
use crate::model::{Service, Stack};
use crate::plan::{self, Action, Change, Kind, Plan};

pub fn diff(args: &DiffArgs, stack: &Stack, project: &str, error: Outcome) -> Outcome {
    let Some(outer) = &stack.outer else {
        eprintln!("error: --outer needs a compose file in the stack");
        return error;
    };
    // The outer stack runs on the host daemon: the profile's DinD endpoint does not apply.
    let req = crate::engine::EndpointRequest {
        host: args.conn.host.clone(),
        tlscacert: args.conn.tlscacert.clone(),
        tlscert: args.conn.tlscert.clone(),
        tlskey: args.conn.tlskey.clone(),
        tlsverify: args.conn.tlsverify,
        context: args.conn.context.clone(),
        timeout: args.conn.timeout.max(std::time::Duration::from_secs(1)),
        ..Default::default()
    };
    let endpoint = match req.resolve(&|k| std::env::var(k).ok()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return error;
        }
    };
    eprintln!("daemon: {} (from {})", endpoint.host, endpoint.origin);
    let result = crate::engine::block_on(async {
        let engine = crate::engine::Engine::connect(&endpoint)
            .await
            .map_err(|e| e.to_string())?;
        let list = engine
            .list_containers(None)
            .await
            .map_err(|e| e.to_string())?;
        let mut actions = Vec::new();
        let mut claimed = Vec::new();
        for s in &outer.services {
            let found = list.iter().find(|c| {
                let labels = c.labels.clone().unwrap_or_default();
                let by_label = labels.get("com.docker.compose.project").map(String::as_str)
                    == Some(project)
                    && labels.get("com.docker.compose.service") == Some(&s.name);
                let by_name = s.container_name.as_ref().is_some_and(|n| {
                    c.names
                        .iter()
                        .flatten()
                        .any(|x| x.trim_start_matches('/') == n.value.text)
                });
                by_label || by_name
            });
            let planned = planned_value(s, None);
            let Some(found) = found else {
                actions.push(action(
                    &s.name,
                    Change::Create,
                    Some(planned),
                    None,
                    vec!["no container of this service runs on the host daemon".into()],
                ));
                continue;
            };
            let id = found.id.clone().unwrap_or_default();
            claimed.push(id.clone());
            let c = engine
                .inspect_container(&id)
                .await
                .map_err(|e| e.to_string())?;
            let (live, live_env) = live_value(s, &c, project);
            let planned = planned_value(s, Some(&live_env));
            let fields = plan::field_changes(&live, &planned, "");
            let running = c.state.as_ref().and_then(|st| st.running).unwrap_or(false);
            let mut a = action(&s.name, Change::Noop, Some(planned), Some(live), Vec::new());
            if !fields.is_empty() {
                a.change = Change::Recreate;
                a.reasons = fields
                    .iter()
                    .map(|f| format!("{} differs", f.field))
                    .collect();
                a.fields = fields;
            } else if !running {
                a.change = Change::Start;
                a.reasons = vec!["the container is not running".into()];
            }
            actions.push(a);
        }
        for c in &list {
            let labels = c.labels.clone().unwrap_or_default();
            let id = c.id.clone().unwrap_or_default();
            if labels.get("com.docker.compose.project").map(String::as_str) == Some(project)
                && !claimed.contains(&id)
            {
                let service = labels
                    .get("com.docker.compose.service")
                    .cloned()
                    .unwrap_or_default();
                actions.push(action(
                    &service,
                    Change::Orphan,
                    None,
                    None,
                    vec![
                        "a container of this compose project whose service is not in the file"
                            .into(),
                    ],
                ));
            }
        }
        Ok::<_, String>(Plan { actions })
    });
    let plan = match result {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return error;
        }
    };
    super::engine::show_plan(
        &plan,
        args.format,
        plan::render::Colors { on: false },
        args.detailed_exitcode,
        &endpoint,
        None,
    )
}

fn action(
    name: &str,
    change: Change,
    planned: Option<Value>,
    live: Option<Value>,
    reasons: Vec<String>,
) -> Action {
    Action {
        kind: Kind::Container,
        name: name.to_string(),
        change,
        reasons,
        fields: Vec::new(),
        planned,
        live,
        live_id: None,
        desired: None,
    }
}

/// The service's fields as compose would create them (only what the file sets).
fn planned_value(s: &Service, live_env: Option<&BTreeMap<String, String>>) -> Value {
    let mut v = serde_json::Map::new();
    if let Some(img) = &s.image {
        v.insert("image".into(), json!(img.value.text));
    }
    if !s.command.is_empty() {
        v.insert(
            "command".into(),
            json!(
                s.command
                    .iter()
                    .map(|t| t.value.text.clone())
                    .collect::<Vec<_>>()
            ),
        );
    }
    let env: BTreeMap<String, String> = s
        .environment
        .iter()
        .filter_map(|e| {
            let value = e.value.as_ref()?.value.text.clone();
            let other = live_env.and_then(|l| l.get(&e.key)).map(String::as_str);
            Some((e.key.clone(), plan::redact_env(&e.key, &value, other)))
        })
        .collect();
    v.insert("environment".into(), json!(env));
    let mut ports: Vec<String> = s
        .ports
        .iter()
        .filter_map(|p| p.spec.as_ref().ok())
        .filter_map(|p| {
            let host = p.host?;
            Some(plan::desired::port_key(
                &p.host_ip.map(|i| i.to_string()).unwrap_or_default(),
                &host.to_string(),
                &format!("{}/{}", p.container, p.protocol),
            ))
        })
        .collect();
    ports.sort();
    v.insert("ports".into(), json!(ports));
    let mut mounts: Vec<String> = s
        .mounts
        .iter()
        .filter(|m| m.kind != MountKind::Tmpfs)
        .filter_map(|m| {
            Some(format!(
                "{}{}",
                m.target.clone()?,
                if m.read_only { ":ro" } else { "" }
            ))
        })
        .collect();
    mounts.sort();
    v.insert("mounts".into(), json!(mounts));
    let mut networks: Vec<String> = s.networks.iter().map(|n| n.value.clone()).collect();
    if networks.is_empty() && s.network_mode.is_none() {
        networks.push("default".into());
    }
    networks.sort();
    v.insert("networks".into(), json!(networks));
    v.insert(
        "privileged".into(),
        json!(s.privileged.as_ref().is_some_and(|p| p.value)),
    );
    if let Some(u) = &s.user {
        v.insert("user".into(), json!(u.value.text));
    }
    let mut groups: Vec<String> = s.group_add.iter().map(|g| g.value.text.clone()).collect();
    groups.sort();
    v.insert("group_add".into(), json!(groups));
    Value::Object(v)
}

/// The live container projected onto the fields the service sets.
fn live_value(
    s: &Service,
    c: &bollard::models::ContainerInspectResponse,
    project: &str,
) -> (Value, BTreeMap<String, String>) {
    let config = c.config.clone().unwrap_or_default();
    let host = c.host_config.clone().unwrap_or_default();
    let mut v = serde_json::Map::new();
    if s.image.is_some() {
        v.insert(
            "image".into(),
            json!(config.image.clone().unwrap_or_default()),
        );
    }
    if !s.command.is_empty() {
        v.insert(
            "command".into(),
            json!(config.cmd.clone().unwrap_or_default()),
        );
    }
    let all: BTreeMap<String, String> = config
        .env
        .iter()
        .flatten()
        .map(|e| {
            let (k, val) = e.split_once('=').unwrap_or((e, ""));
            (k.to_string(), val.to_string())
        })
        .collect();
    let env: BTreeMap<String, String> = s
        .environment
        .iter()
        .filter(|e| e.value.is_some())
        .filter_map(|e| {
            let value = all.get(&e.key)?;
            Some((e.key.clone(), plan::redact_env(&e.key, value, None)))
        })
        .collect();
    v.insert("environment".into(), json!(env));
    let mut ports = Vec::new();
    for (port, bindings) in host.port_bindings.iter().flatten() {
        for b in bindings.iter().flatten() {
            ports.push(plan::desired::port_key(
                b.host_ip.as_deref().unwrap_or(""),
                b.host_port.as_deref().unwrap_or(""),
                port,
            ));
        }
    }
    ports.sort();
    v.insert("ports".into(), json!(ports));
    let mut mounts: Vec<String> = c
        .mounts
        .iter()
        .flatten()
        .filter_map(|m| {
            Some(format!(
                "{}{}",
                m.destination.clone()?,
                if m.rw == Some(false) { ":ro" } else { "" }
            ))
        })
        .collect();
    mounts.sort();
    v.insert("mounts".into(), json!(mounts));
    let prefix = format!("{project}_");
    let mut networks: Vec<String> = c
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|n| {
            n.keys()
                .map(|k| k.strip_prefix(&prefix).unwrap_or(k).to_string())
                .collect()
        })
        .unwrap_or_default();
    networks.sort();
    v.insert("networks".into(), json!(networks));
    v.insert("privileged".into(), json!(host.privileged.unwrap_or(false)));
    if s.user.is_some() {
        v.insert(
            "user".into(),
            json!(config.user.clone().unwrap_or_default()),
        );
    }
    let mut groups = host.group_add.clone().unwrap_or_default();
    groups.sort();
    v.insert("group_add".into(), json!(groups));
    (Value::Object(v), all)
}
