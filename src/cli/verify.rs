//! `dindctl verify`: the MCP handshake against the live project, changing nothing. One row per
//! server; exit 0 when all pass, 1 when any fails, 2 when it could not run.

use std::time::Duration;

use super::engine::{
    ConnArgs, Loaded, PlanFormat, StackArgs, connect, daemon_json, desired_state, load_stack,
};
use super::{Outcome, out, out_line};
use crate::apply::{self, VerifyContext};
use crate::engine::Engine;
use crate::plan::desired::Desired;
use crate::verify::{self, Checked, Via};

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[arg(long, value_enum, default_value = "human")]
    pub format: PlanFormat,
    /// Handshakes at once.
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub parallel: usize,
    /// Where to probe from: `auto` (published ports from this machine, the others from
    /// inside the daemon), `host`, or `inside`.
    #[arg(long, value_enum, default_value = "auto")]
    pub probe_from: Via,
}

/// The context of the handshakes of a loaded stack.
pub(super) fn context(loaded: &Loaded, engine: &Engine, via: Via) -> VerifyContext {
    VerifyContext {
        project: loaded.project.clone(),
        endpoint: engine.endpoint.host.clone(),
        outer: loaded.stack.outer.clone(),
        via,
    }
}

/// The handshakes of the desired containers with `spec.mcp` that `wanted` selects.
pub(super) async fn check_desired(
    engine: &Engine,
    cx: &VerifyContext,
    desired: &Desired,
    wanted: impl Fn(&str) -> bool,
    parallel: usize,
    patience: Duration,
) -> Vec<(Checked, crate::mcp::Expect)> {
    let servers: Vec<_> = desired
        .containers
        .iter()
        .filter(|d| wanted(&d.container_name))
        .filter_map(|d| cx.server(d))
        .collect();
    let checked = verify::check_all(engine, &cx.project, &servers, parallel, patience).await;
    let results: Vec<(Checked, crate::mcp::Expect)> = checked
        .into_iter()
        .zip(servers.iter().map(|(s, _)| s.spec.expect.clone()))
        .collect();
    remember(engine, &results).await;
    results
}

/// Keeps the successes for `status`, by container ID.
async fn remember(engine: &Engine, results: &[(Checked, crate::mcp::Expect)]) {
    let passed = results
        .iter()
        .filter(|(c, expect)| c.failure(expect).is_none())
        .filter_map(|(c, _)| Some((c.container.as_str(), c.result.as_ref().ok()?)));
    remember_by_name(engine, passed).await;
}

/// Records handshakes that passed, given by container name, for `status`.
pub(super) async fn remember_by_name<'a>(
    engine: &Engine,
    passed: impl IntoIterator<Item = (&'a str, &'a crate::mcp::Verdict)>,
) {
    let mut ok = Vec::new();
    for (name, v) in passed {
        if let Ok(live) = engine.inspect_container(name).await {
            ok.push((live.id.unwrap_or_default(), v.clone()));
        }
    }
    verify::remember(&engine.endpoint.host, &ok);
}

pub fn verify(args: &VerifyArgs) -> Outcome {
    let loaded = match load_stack(&args.stack) {
        Ok(l) => l,
        Err(o) => return o,
    };
    let desired = match desired_state(&loaded) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let engine = match connect(&args.conn, Some(&loaded)) {
        Ok(e) => e,
        Err(o) => return o,
    };
    if !desired.containers.iter().any(|d| d.mcp.is_some()) {
        eprintln!(
            "error: no manifest of this stack has `spec.mcp`, so there is nothing to verify (say how to speak to each server: `spec.mcp: {{transport: streamable-http, port: 3000}}`)"
        );
        return Outcome::Failed;
    }
    let cx = context(&loaded, &engine, args.probe_from);
    crate::engine::block_on(async {
        let live = match crate::plan::live::containers(&engine, &loaded.project).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: {e}");
                return Outcome::Failed;
            }
        };
        // A server that is not running fails without a handshake.
        let running = |name: &str| live.iter().any(|c| c.name == name && c.running);
        let results = check_desired(
            &engine,
            &cx,
            &desired,
            running,
            args.parallel,
            Duration::ZERO,
        )
        .await;
        let mut rows: Vec<Row> = results.iter().map(|(c, e)| Row::from(c, e)).collect();
        for d in desired
            .containers
            .iter()
            .filter(|d| d.mcp.is_some() && !running(&d.container_name))
        {
            let state = live
                .iter()
                .find(|c| c.name == d.container_name)
                .map_or("not created".to_string(), |c| c.state.clone());
            rows.push(Row {
                name: d.container_name.clone(),
                transport: d
                    .mcp
                    .as_ref()
                    .map_or("-", |m| m.transport.as_str())
                    .to_string(),
                address: "-".into(),
                verdict: None,
                latency: None,
                failure: Some(format!("the container is {state}; run `dindctl apply`")),
            });
        }
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        let failed = rows.iter().filter(|r| r.failure.is_some()).count();
        match args.format {
            PlanFormat::Human => {
                out(&table(&rows));
                for r in rows.iter().filter(|r| r.failure.is_some()) {
                    eprintln!("error: {}: {}", r.name, r.failure.as_deref().unwrap_or(""));
                }
                out_line(&format!(
                    "{} of {} MCP server(s) verified{}",
                    rows.len() - failed,
                    rows.len(),
                    if failed > 0 {
                        format!(", {failed} failed")
                    } else {
                        String::new()
                    }
                ));
            }
            PlanFormat::Json => {
                let servers: Vec<serde_json::Value> = rows.iter().map(Row::json).collect();
                out_line(
                    &serde_json::to_string_pretty(&serde_json::json!({
                        "project": loaded.project,
                        "daemon": daemon_json(&engine.endpoint),
                        "servers": servers,
                        "summary": {"servers": rows.len(), "failed": failed},
                    }))
                    .unwrap_or_default(),
                );
            }
        }
        if failed > 0 {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    })
}

pub(super) struct Row {
    pub name: String,
    pub transport: String,
    pub address: String,
    pub verdict: Option<crate::mcp::Verdict>,
    pub latency: Option<Duration>,
    pub failure: Option<String>,
}

impl Row {
    pub fn from(c: &Checked, expect: &crate::mcp::Expect) -> Row {
        Row {
            name: c.container.clone(),
            transport: c.transport.as_str().to_string(),
            address: c.address.clone(),
            verdict: c.result.as_ref().ok().cloned(),
            latency: Some(c.latency),
            failure: c.failure(expect),
        }
    }

    fn json(&self) -> serde_json::Value {
        let v = self.verdict.as_ref();
        serde_json::json!({
            "name": self.name,
            "transport": self.transport,
            "address": self.address,
            "ok": self.failure.is_none(),
            "protocol": v.map(|v| v.protocol.clone()),
            "era": v.map(|v| v.era),
            "server": v.map(|v| serde_json::json!({"name": v.server_name, "version": v.server_version})),
            "tools": v.map(|v| v.tools.clone()),
            "resources": v.and_then(|v| v.resources),
            "prompts": v.and_then(|v| v.prompts),
            "latency_ms": self.latency.map(|d| d.as_millis() as u64),
            "error": self.failure,
        })
    }
}

fn count(n: Option<usize>) -> String {
    n.map_or("-".into(), |n| n.to_string())
}

fn table(rows: &[Row]) -> String {
    let mut data: Vec<[String; 10]> = vec![[
        "NAME".into(),
        "TRANSPORT".into(),
        "ADDRESS".into(),
        "PROTOCOL".into(),
        "SERVER".into(),
        "TOOLS".into(),
        "RESOURCES".into(),
        "PROMPTS".into(),
        "LATENCY".into(),
        "RESULT".into(),
    ]];
    for r in rows {
        let v = r.verdict.as_ref();
        data.push([
            r.name.clone(),
            r.transport.clone(),
            r.address.clone(),
            v.map_or("-".into(), |v| v.protocol.clone()),
            v.map_or("-".into(), |v| v.server()),
            v.map_or("-".into(), |v| v.tools.len().to_string()),
            count(v.and_then(|v| v.resources)),
            count(v.and_then(|v| v.prompts)),
            r.latency
                .map_or("-".into(), |d| format!("{}ms", d.as_millis())),
            if r.failure.is_some() {
                "FAILED".into()
            } else {
                "ok".into()
            },
        ]);
    }
    apply::format_table(&data)
}
