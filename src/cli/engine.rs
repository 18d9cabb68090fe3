//! `dindctl apply`, `diff`, `status`, `down`: the commands that talk to a daemon.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Outcome, out, out_line, print_diagnostics};
use crate::apply::{self, Progress};
use crate::check;
use crate::diag::{Diagnostic, Severity};
use crate::engine::{EndpointRequest, Engine};
use crate::load::{self, MemoryFile};
use crate::model::Stack;
use crate::plan::live;
use crate::plan::render::Colors;
use crate::plan::{self, Change, desired::Desired};
use crate::source::SourceDb;

/// Which stack, and the project its objects are labelled with.
#[derive(Debug, Clone, clap::Args)]
pub struct StackArgs {
    #[command(flatten)]
    pub source: super::SourceArgs,
    /// The project every object is labelled with (default: the profile's `project`, the
    /// compose file's `name:`, or the directory's name).
    #[arg(long, short = 'p', value_name = "NAME")]
    pub project_name: Option<String>,
}

/// Where the daemon is.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnArgs {
    /// Daemon address: `unix:///var/run/docker.sock`, `tcp://host:2376` (default: the
    /// profile's `dind.endpoint`, then `DOCKER_HOST`, then the local socket).
    #[arg(long, short = 'H', value_name = "URL", conflicts_with = "context")]
    pub host: Option<String>,
    /// A docker CLI context (default: `DOCKER_CONTEXT`, then the docker CLI's current context).
    #[arg(long, short = 'c', value_name = "NAME")]
    pub context: Option<String>,
    /// CA certificate of the daemon (TLS).
    #[arg(long, value_name = "FILE")]
    pub tlscacert: Option<PathBuf>,
    /// Client certificate (TLS).
    #[arg(long, value_name = "FILE")]
    pub tlscert: Option<PathBuf>,
    /// Client key (TLS).
    #[arg(long, value_name = "FILE")]
    pub tlskey: Option<PathBuf>,
    /// Use TLS with the certificates of `DOCKER_CERT_PATH` (or `~/.docker`).
    #[arg(long)]
    pub tlsverify: bool,
    /// Timeout of one request to the daemon (`60s`, `2m`; a bare number is seconds).
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also remove this project's containers and networks that no manifest asks for.
    #[arg(long)]
    pub prune: bool,
    /// Daemon operations (create, replace, start) at once; every container converges at the
    /// same time and waits for its health check without holding a slot.
    #[arg(long, default_value_t = crate::apply::DEFAULT_PARALLEL, value_name = "N")]
    pub parallel: usize,
    /// How long one container may take to become healthy (e.g. `90s`, `2m`).
    #[arg(long, default_value = "2m", value_name = "DURATION", value_parser = parse_duration)]
    pub wait_timeout: Duration,
    /// Grace period for a container that is replaced or removed, before it is killed.
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = parse_duration)]
    pub stop_timeout: Duration,
    /// Apply even when `check` reports errors in the stack.
    #[arg(long)]
    pub skip_check: bool,
    /// How long to wait for another apply or down of this project to finish.
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = parse_duration)]
    pub lock_timeout: Duration,
    /// Where to run the MCP handshake of servers with `spec.mcp`: `auto` (published ports
    /// from this machine, the others from inside the daemon), `host`, or `inside`.
    #[arg(long, value_enum, default_value = "auto")]
    pub probe_from: crate::verify::Via,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[arg(long, value_enum, default_value = "human")]
    pub format: PlanFormat,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error (as terraform plan).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Count orphans as to be destroyed, as `apply --prune` would.
    #[arg(long)]
    pub prune: bool,
    /// Compare the outer compose stack with the containers of the host daemon instead.
    #[arg(long)]
    pub outer: bool,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[arg(long, value_enum, default_value = "human")]
    pub format: PlanFormat,
}

#[derive(Debug, clap::Args)]
pub struct DownArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Also remove the project's volumes (their data is lost).
    #[arg(long)]
    pub volumes: bool,
    /// Grace period before a container is killed.
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = parse_duration)]
    pub stop_timeout: Duration,
    /// How long to wait for another apply or down of this project to finish.
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = parse_duration)]
    pub lock_timeout: Duration,
}

/// A duration, or a bare number of seconds (as `docker stop -t` and compose's `--timeout`).
fn parse_timeout(s: &str) -> Result<Duration, String> {
    match s.parse::<u64>() {
        Ok(secs) => Ok(Duration::from_secs(secs)),
        Err(_) => parse_duration(s),
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::model::units::duration_ns(s)
        .map(|ns| Duration::from_nanos(ns as u64))
        .ok_or_else(|| format!("invalid duration `{s}` (e.g. 90s, 2m, 1m30s)"))
}

/// A loaded stack and what the profile said about the endpoint.
pub(super) struct Loaded {
    pub db: SourceDb,
    pub stack: Stack,
    pub findings: Vec<Diagnostic>,
    pub project: String,
    pub endpoint_host: Option<String>,
    pub endpoint_certs: Option<PathBuf>,
}

pub(super) fn load_stack(args: &StackArgs) -> Result<Loaded, Outcome> {
    let mut db = SourceDb::new();
    let inputs = args.source.inputs();
    let mut memory: Vec<MemoryFile> = Vec::new();
    let mut profile_project = None;
    let (mut endpoint_host, mut endpoint_certs) = (None, None);
    if args.source.from_profile() {
        match super::check::render_profile(
            args.source.profile_name(),
            args.source.templates.as_deref(),
            &mut db,
        ) {
            Ok((files, _, profile)) => {
                memory = files;
                profile_project = Some(profile.project.clone());
                if let Some(e) = &profile.dind.endpoint {
                    endpoint_host = Some(e.host.clone());
                    endpoint_certs = e.cert_path.as_ref().map(PathBuf::from);
                }
            }
            Err(diags) => {
                print_diagnostics(&db, &diags);
                return Err(Outcome::Failed);
            }
        }
    }
    let (stack, findings) = match load::load(&inputs, &memory, &mut db) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(Outcome::Failed);
        }
    };
    let project = args
        .project_name
        .clone()
        .or(profile_project)
        .or_else(|| compose_name(&stack))
        .or_else(|| {
            let first = args.source.files.first().or(args.source.paths.first())?;
            let dir = if first.is_dir() {
                first.clone()
            } else {
                first.parent().map(Path::to_path_buf).unwrap_or_default()
            };
            let mut dir = std::fs::canonicalize(&dir).unwrap_or(dir);
            // `deploy/mcp-manifests` belongs to the `deploy` stack.
            if dir
                .file_name()
                .is_some_and(|n| load::MANIFEST_DIRS.iter().any(|m| n == *m))
                && let Some(parent) = dir.parent()
            {
                dir = parent.to_path_buf();
            }
            dir.file_name().map(|n| n.to_string_lossy().to_string())
        })
        .map(|p| normalize_project(&p))
        .unwrap_or_else(|| "dindctl".into());
    Ok(Loaded {
        db,
        stack,
        findings,
        project,
        endpoint_host,
        endpoint_certs,
    })
}

fn compose_name(stack: &Stack) -> Option<String> {
    stack
        .outer
        .as_ref()
        .and_then(|p| p.name.clone())
        .filter(|t| !t.value.unresolved)
        .map(|t| t.value.text)
}

/// Lowercase letters, digits, `-` and `_`, as compose project names.
pub(super) fn normalize_project(s: &str) -> String {
    let n: String = s
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if n.is_empty() { "dindctl".into() } else { n }
}

pub(super) fn connect(conn: &ConnArgs, loaded: Option<&Loaded>) -> Result<Engine, Outcome> {
    let req = EndpointRequest {
        host: conn.host.clone(),
        tlscacert: conn.tlscacert.clone(),
        tlscert: conn.tlscert.clone(),
        tlskey: conn.tlskey.clone(),
        tlsverify: conn.tlsverify,
        profile_host: loaded.and_then(|l| l.endpoint_host.clone()),
        profile_cert_path: loaded.and_then(|l| l.endpoint_certs.clone()),
        context: conn.context.clone(),
        timeout: conn.timeout.max(Duration::from_secs(1)),
    };
    let endpoint = req.resolve(&|k| std::env::var(k).ok()).map_err(|e| {
        eprintln!("error: {e}");
        Outcome::Failed
    })?;
    // Which daemon, and why that one, before anything else is said about it.
    eprintln!("daemon: {} (from {})", endpoint.host, endpoint.origin);
    crate::engine::block_on(Engine::connect(&endpoint)).map_err(|e| {
        eprintln!("error: {e}");
        Outcome::Failed
    })
}

/// Builds the desired state, resolves the images and observes the daemon.
struct Planned {
    desired: Desired,
    plan: plan::Plan,
    /// Images the daemon does not have (only when they were tolerated: a diff or dry run).
    missing_images: Vec<String>,
}

/// Whether a plan may be shown although some images are not on the daemon: `diff` and
/// `apply --dry-run` show it with those containers marked; `apply` refuses.
#[derive(Clone, Copy, PartialEq)]
enum Images {
    Required,
    MayBeMissing,
}

async fn make_plan(
    engine: &Engine,
    loaded: &Loaded,
    mut desired: Desired,
    prune: bool,
    need: Images,
) -> Result<Planned, String> {
    let mut refs: Vec<String> = desired
        .containers
        .iter()
        .map(|c| c.spec.image.clone())
        .collect();
    refs.sort();
    refs.dedup();
    let mut missing_images = Vec::new();
    let images = match live::images(engine, &refs).await {
        Ok(i) => i,
        Err((found, missing)) if need == Images::MayBeMissing => {
            missing_images = missing.into_iter().map(|(image, _)| image).collect();
            found
        }
        Err((_, missing)) => {
            let mut msg = String::new();
            // One error per manifest line that names the image, in the one error layout.
            for (image, why) in missing {
                for c in desired.containers.iter().filter(|c| c.spec.image == image) {
                    msg.push_str(&format!(
                        "{}: error[apply]: image `{image}` is not on the daemon at {} ({why})\n",
                        loaded.db.location(c.image_span),
                        engine.endpoint.host,
                    ));
                }
            }
            msg.push_str("  = help: build or load the image on that daemon first (`docker build`, `docker load`); dindctl does not pull. Nothing was created.");
            return Err(msg);
        }
    };
    for c in &mut desired.containers {
        if let Some(img) = images.get(&c.spec.image) {
            c.spec.image_id = img.id.clone();
        }
    }
    let mut live = live::observe(engine, &desired.project).await?;
    live::verify_secrets(engine, &desired, &mut live).await;
    let plan = plan::compute(&desired, &images, &live, prune).map_err(|blockers| {
        let mut msg = String::new();
        for b in blockers {
            match b.span {
                Some(span) => msg.push_str(&format!(
                    "{}: error[apply]: {}\n",
                    loaded.db.location(span),
                    b.message
                )),
                None => msg.push_str(&format!("error: {}\n", b.message)),
            }
        }
        msg.push_str("  = help: nothing was changed");
        msg
    })?;
    let mut plan = plan;
    if !missing_images.is_empty() {
        for a in &mut plan.actions {
            let Some(c) = desired
                .containers
                .iter()
                .find(|c| a.kind == plan::Kind::Container && c.container_name == a.name)
            else {
                continue;
            };
            if missing_images.contains(&c.spec.image) {
                a.reasons.insert(
                    0,
                    format!(
                        "image not present: `{}` is not on the daemon at {}; build or load it before apply",
                        c.spec.image, engine.endpoint.host
                    ),
                );
            }
        }
    }
    Ok(Planned {
        desired,
        plan,
        missing_images,
    })
}

/// After a plan shown without some of its images: says that `apply` would refuse.
fn note_missing_images(planned: &Planned) {
    if !planned.missing_images.is_empty() {
        eprintln!(
            "note: {} image(s) not on the daemon ({}): the plan compares without their defaults, and `apply` refuses until they are built or loaded (`docker build`, `docker load`; dindctl does not pull)",
            planned.missing_images.len(),
            planned
                .missing_images
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

pub(super) fn desired_state(loaded: &Loaded) -> Result<Desired, Outcome> {
    plan::desired::build(&loaded.stack, &loaded.db, &loaded.project).map_err(|diags| {
        print_diagnostics(&loaded.db, &diags);
        Outcome::Failed
    })
}

/// Refuses a stack with error-level findings: what is applied must pass `check`.
fn gate(loaded: &Loaded) -> Result<(), Outcome> {
    let config = super::check::load_config(None, &mut SourceDb::new()).unwrap_or_default();
    let findings = check::run(&loaded.stack, loaded.findings.clone(), &loaded.db, &config);
    let errors: Vec<Diagnostic> = findings
        .into_iter()
        .filter(|d| d.severity >= Severity::Error)
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    print_diagnostics(&loaded.db, &errors);
    eprintln!(
        "error: `dindctl check` reports {} error(s) in this stack; fix them, or pass --skip-check",
        errors.len()
    );
    Err(Outcome::Failed)
}

fn colors() -> Colors {
    Colors {
        on: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

pub fn apply(args: &ApplyArgs) -> Outcome {
    match apply_inner(args) {
        Ok(o) | Err(o) => o,
    }
}

fn apply_inner(args: &ApplyArgs) -> Result<Outcome, Outcome> {
    let loaded = load_stack(&args.stack)?;
    if !args.skip_check {
        gate(&loaded)?;
    }
    let desired = desired_state(&loaded)?;
    let engine = connect(&args.conn, Some(&loaded))?.outlast(args.stop_timeout);
    crate::engine::block_on(async {
        // One apply or down of a project at a time, on the daemon (a dry run changes nothing).
        let lock = if args.dry_run {
            None
        } else {
            let image = match desired.containers.first() {
                Some(c) => Some(c.spec.image.clone()),
                None => engine.any_image().await.ok().flatten(),
            };
            match image {
                Some(image) => Some(
                    apply::lock::acquire(
                        &engine,
                        &loaded.project,
                        &image,
                        "apply",
                        args.lock_timeout,
                    )
                    .await
                    .map_err(|e| {
                        eprintln!("{e}");
                        Outcome::Failed
                    })?,
                ),
                None => None,
            }
        };
        let result = apply_planned(args, &loaded, &engine, desired).await;
        if let Some(lock) = lock {
            lock.release(&engine).await;
        }
        result
    })
}

async fn apply_planned(
    args: &ApplyArgs,
    loaded: &Loaded,
    engine: &Engine,
    desired: Desired,
) -> Result<Outcome, Outcome> {
    {
        let need = if args.dry_run {
            Images::MayBeMissing
        } else {
            Images::Required
        };
        let planned = make_plan(engine, loaded, desired, args.prune, need)
            .await
            .map_err(|e| {
                eprintln!("{e}");
                Outcome::Failed
            })?;
        if args.dry_run || planned.plan.has_changes() || planned.plan.count(&[Change::Orphan]) > 0 {
            out(&plan::render::human(&planned.plan, colors()));
        }
        if args.dry_run {
            note_missing_images(&planned);
            return Ok(Outcome::Clean);
        }
        let cx = super::verify::context(loaded, engine, args.probe_from);
        if !planned.plan.has_changes() {
            // Unchanged is not the same as working: every MCP server is spoken to again, so a
            // retry after a failed handshake cannot turn it into a success.
            let checked = super::verify::check_desired(
                engine,
                &cx,
                &planned.desired,
                |_| true,
                args.parallel,
                Duration::ZERO,
            )
            .await;
            if planned.plan.count(&[Change::Orphan]) == 0 {
                out_line(&planned.plan.summary());
            }
            out(&status_table(
                &live::containers(engine, &loaded.project)
                    .await
                    .unwrap_or_default(),
                &engine.endpoint.host,
            ));
            handshake_summary(&checked);
            return Ok(handshake_failures(&checked));
        }
        let opts = apply::Options {
            parallel: args.parallel,
            wait_timeout: args.wait_timeout,
            stop_timeout: args.stop_timeout,
            verify: Some(cx.clone()),
            ..Default::default()
        };
        let progress = Progress::new(std::io::stderr().is_terminal());
        let mut report =
            apply::execute(engine, &planned.desired, &planned.plan, &opts, &progress).await;
        // The MCP servers apply left alone are spoken to as well.
        let touched: Vec<String> = report.containers.iter().map(|r| r.name.clone()).collect();
        let others = super::verify::check_desired(
            engine,
            &cx,
            &planned.desired,
            |name| !touched.iter().any(|t| t == name),
            args.parallel,
            Duration::ZERO,
        )
        .await;
        for (c, expect) in &others {
            let lc = engine
                .inspect_container(&c.container)
                .await
                .ok()
                .map(|i| live::project_container(&i));
            report.containers.push(apply::Ready {
                name: c.container.clone(),
                change: Change::Noop,
                state: lc.as_ref().map_or("-".into(), |l| l.state.clone()),
                health: lc.and_then(|l| l.health).unwrap_or_else(|| "-".into()),
                ready_in: None,
                error: c.failure(expect),
                mcp: c.result.as_ref().ok().cloned(),
            });
        }
        report.containers.sort_by(|a, b| a.name.cmp(&b.name));
        // The others were recorded by their own handshakes above.
        let converged = report
            .containers
            .iter()
            .filter(|r| touched.contains(&r.name) && r.error.is_none())
            .filter_map(|r| Some((r.name.as_str(), r.mcp.as_ref()?)));
        super::verify::remember_by_name(engine, converged).await;
        if !report.containers.is_empty() {
            out(&format!("\n{}", apply::table(&report.containers)));
        }
        if handshake_failures(&others) != Outcome::Clean {
            return Ok(Outcome::Findings);
        }
        if !report.failures.is_empty() {
            for f in &report.failures {
                eprintln!("error: {}: {}", f.name, f.message);
                if !f.details.is_empty() {
                    eprint!("{}", f.details);
                }
            }
            eprintln!(
                "error: apply failed for {} object(s); what succeeded stays, and running apply again continues from here",
                report.failures.len()
            );
            return Ok(Outcome::Findings);
        }
        // Verify: the plan must now be empty.
        let after = make_plan(
            engine,
            loaded,
            planned.desired.clone(),
            args.prune,
            Images::Required,
        )
        .await
        .map_err(|e| {
            eprintln!("{e}");
            Outcome::Failed
        })?;
        if after.plan.has_changes() {
            eprintln!("error: drift after apply: the daemon does not match the manifests");
            eprint!("{}", plan::render::human(&after.plan, Colors { on: false }));
            return Ok(Outcome::Findings);
        }
        out_line(&format!(
            "Apply complete: {} added, {} changed, {} destroyed.",
            planned.plan.to_add(),
            planned.plan.to_change(),
            planned.plan.to_destroy()
        ));
        Ok(Outcome::Clean)
    }
}

pub fn diff(args: &DiffArgs) -> Outcome {
    let error = if args.detailed_exitcode {
        Outcome::Exit(1)
    } else {
        Outcome::Failed
    };
    let loaded = match load_stack(&args.stack) {
        Ok(l) => l,
        Err(_) => return error,
    };
    if args.outer {
        return super::outer::diff(args, &loaded.stack, &loaded.project, error);
    }
    let Ok(desired) = desired_state(&loaded) else {
        return error;
    };
    let Ok(engine) = connect(&args.conn, Some(&loaded)) else {
        return error;
    };
    let planned = match crate::engine::block_on(make_plan(
        &engine,
        &loaded,
        desired,
        args.prune,
        Images::MayBeMissing,
    )) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return error;
        }
    };
    let outcome = show_plan(
        &planned.plan,
        args.format,
        colors(),
        args.detailed_exitcode,
        &engine.endpoint,
    );
    note_missing_images(&planned);
    outcome
}

/// Prints a plan in the chosen format; with `--detailed-exitcode`, changes exit 2.
pub(super) fn show_plan(
    plan: &plan::Plan,
    format: PlanFormat,
    colors: Colors,
    detailed_exitcode: bool,
    daemon: &crate::engine::Endpoint,
) -> Outcome {
    match format {
        PlanFormat::Human => out(&plan::render::human(plan, colors)),
        PlanFormat::Json => {
            let mut json = plan::render::json(plan);
            if let Some(o) = json.as_object_mut() {
                o.insert("daemon".into(), daemon_json(daemon));
            }
            out_line(&serde_json::to_string_pretty(&json).unwrap_or_default())
        }
    }
    if detailed_exitcode && plan.has_changes() {
        Outcome::Exit(2)
    } else {
        Outcome::Clean
    }
}

/// The daemon a command talked to, for `--format json`.
pub(super) fn daemon_json(e: &crate::engine::Endpoint) -> serde_json::Value {
    serde_json::json!({"host": e.host, "from": e.origin, "tls": e.tls.is_some()})
}

fn project_only(stack: &StackArgs) -> Result<Option<Loaded>, Outcome> {
    // A project named outright needs no stack: `status -p NAME`, `down -p NAME` anywhere.
    let no_paths = stack.source.paths.is_empty() && stack.source.files.is_empty();
    if stack.project_name.is_some() && (stack.source.from_profile() || no_paths) {
        return Ok(None);
    }
    load_stack(stack).map(Some)
}

/// The project and a connected engine, for commands that need no desired state.
fn target(stack: &StackArgs, conn: &ConnArgs) -> Result<(String, Engine), Outcome> {
    let loaded = project_only(stack)?;
    let project = project_of(stack, loaded.as_ref());
    let engine = connect(conn, loaded.as_ref())?;
    Ok((project, engine))
}

pub fn status(args: &StatusArgs) -> Outcome {
    let (project, engine) = match target(&args.stack, &args.conn) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let containers = match crate::engine::block_on(live::containers(&engine, &project)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Failed;
        }
    };
    match args.format {
        PlanFormat::Human => {
            if containers.is_empty() {
                out_line(&format!(
                    "no containers of project `{project}` on {}",
                    engine.endpoint.host
                ));
            } else {
                out(&status_table(&containers, &engine.endpoint.host));
            }
        }
        PlanFormat::Json => {
            let now = now_secs();
            let items: Vec<serde_json::Value> = containers
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "name": c.name,
                        "manifest": c.manifest,
                        "image": c.spec.image,
                        "state": c.state,
                        "health": c.health,
                        "ports": c.spec.ports,
                        "uptime_seconds": if c.running { uptime(&c.started_at, now) } else { None },
                        "restarts": c.restart_count,
                        "mcp": crate::verify::recalled(&engine.endpoint.host, &c.id),
                    })
                })
                .collect();
            out_line(
                &serde_json::to_string_pretty(&serde_json::json!({
                    "project": project,
                    "daemon": daemon_json(&engine.endpoint),
                    "containers": items,
                }))
                .unwrap_or_default(),
            );
        }
    }
    Outcome::Clean
}

fn project_of(stack: &StackArgs, loaded: Option<&Loaded>) -> String {
    loaded
        .map(|l| l.project.clone())
        .or_else(|| stack.project_name.as_deref().map(normalize_project))
        .unwrap_or_else(|| "dindctl".into())
}

fn status_table(containers: &[live::LiveContainer], daemon: &str) -> String {
    let now = now_secs();
    let mut rows = vec![[
        "NAME".to_string(),
        "IMAGE".into(),
        "STATE".into(),
        "HEALTH".into(),
        "PORTS".into(),
        "UPTIME".into(),
        "RESTARTS".into(),
        "PROTOCOL".into(),
        "TOOLS".into(),
    ]];
    for c in containers {
        let verified = crate::verify::recalled(daemon, &c.id);
        rows.push([
            c.name.clone(),
            c.spec.image.clone(),
            c.state.clone(),
            c.health.clone().unwrap_or_else(|| "-".into()),
            if c.spec.ports.is_empty() {
                "-".into()
            } else {
                c.spec.ports.join(",")
            },
            if c.running {
                uptime(&c.started_at, now)
                    .map(human_duration)
                    .unwrap_or_else(|| "-".into())
            } else {
                "-".into()
            },
            c.restart_count.to_string(),
            verified.as_ref().map_or("-".into(), |v| v.protocol.clone()),
            verified.map_or("-".into(), |v| v.tools.to_string()),
        ]);
    }
    apply::format_table(&rows)
}

/// `MCP: N of M server(s) answered the handshake`, when there were any.
fn handshake_summary(checked: &[(crate::verify::Checked, crate::mcp::Expect)]) {
    if !checked.is_empty() {
        let ok = checked
            .iter()
            .filter(|(c, e)| c.failure(e).is_none())
            .count();
        out_line(&format!(
            "MCP: {ok} of {} server(s) answered the handshake",
            checked.len()
        ));
    }
}

/// Says which MCP handshakes failed; `Findings` when any did.
fn handshake_failures(checked: &[(crate::verify::Checked, crate::mcp::Expect)]) -> Outcome {
    let mut failed = 0;
    for (c, expect) in checked {
        if let Some(f) = c.failure(expect) {
            failed += 1;
            eprintln!(
                "error: {}: the container runs, but its MCP handshake at {} failed: {f}",
                c.container, c.address
            );
        }
    }
    if failed == 0 {
        Outcome::Clean
    } else {
        eprintln!(
            "  = help: `dindctl verify` repeats the handshake; `docker logs` shows the server's side"
        );
        Outcome::Findings
    }
}

pub fn down(args: &DownArgs) -> Outcome {
    let (project, engine) = match target(&args.stack, &args.conn) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let engine = engine.outlast(args.stop_timeout);
    crate::engine::block_on(async {
        let lock = match engine.any_image().await.ok().flatten() {
            Some(image) => {
                match apply::lock::acquire(&engine, &project, &image, "down", args.lock_timeout)
                    .await
                {
                    Ok(l) => Some(l),
                    Err(e) => {
                        eprintln!("{e}");
                        return Outcome::Failed;
                    }
                }
            }
            // No image at all: nothing to lock with, and no container of any project.
            None => None,
        };
        let outcome = down_locked(args, &project, &engine).await;
        if let Some(lock) = lock {
            lock.release(&engine).await;
        }
        outcome
    })
}

async fn down_locked(args: &DownArgs, project: &str, engine: &Engine) -> Outcome {
    {
        let live = match live::observe(engine, project).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: {e}");
                return Outcome::Failed;
            }
        };
        let opts = apply::Options {
            stop_timeout: args.stop_timeout,
            ..Default::default()
        };
        let mut failed = 0;
        let removals = futures_util::future::join_all(live.containers.iter().map(|c| {
            let opts = &opts;
            async move { (c, apply::remove_container(engine, &c.id, opts).await) }
        }))
        .await;
        for (c, r) in removals {
            match r {
                Ok(()) => out_line(&format!("container {} removed", c.name)),
                Err(e) => {
                    failed += 1;
                    eprintln!("error: container {}: {e}", c.name);
                }
            }
        }
        for n in &live.networks {
            match engine.remove_network(&n.id).await {
                Ok(()) => out_line(&format!("network {} removed", n.name)),
                Err(e) => {
                    failed += 1;
                    eprintln!("error: network {}: {e}", n.name);
                }
            }
        }
        for v in &live.volumes {
            if !args.volumes {
                out_line(&format!("volume {} kept (--volumes removes it)", v.name));
                continue;
            }
            match engine.remove_volume(&v.name).await {
                Ok(()) => out_line(&format!("volume {} removed", v.name)),
                Err(e) => {
                    failed += 1;
                    eprintln!("error: volume {}: {e}", v.name);
                }
            }
        }
        if live.containers.is_empty() && live.networks.is_empty() && live.volumes.is_empty() {
            out_line(&format!(
                "nothing of project `{project}` on {}",
                engine.endpoint.host
            ));
        }
        if failed > 0 {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Seconds since an RFC 3339 timestamp (`2026-11-27T10:11:12.123Z`).
fn uptime(started: &str, now: i64) -> Option<i64> {
    let t = parse_rfc3339(started)?;
    (t > 0).then(|| (now - t).max(0))
}

pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.trim_end_matches('Z');
    let (time, offset) = match time.rfind(['+', '-']) {
        Some(i) => {
            let (t, o) = time.split_at(i);
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (oh, om) = o[1..].split_once(':')?;
            (
                t,
                sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60),
            )
        }
        None => (time, 0),
    };
    let mut t = time.split(':');
    let (h, mi) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let sec = t.next()?.split('.').next()?.parse::<i64>().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + h * 3600 + mi * 60 + sec - offset)
}

fn human_duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{}s", s / 60, s % 60),
        s if s < 86400 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d{}h", s / 86400, (s % 86400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-27T10:00:00.123456789Z"),
            Some(1795773600)
        );
        assert_eq!(parse_rfc3339("2026-11-27T11:00:00+01:00"), Some(1795773600));
        assert_eq!(
            parse_rfc3339("0001-01-01T00:00:00Z").map(|t| t < 0),
            Some(true)
        );
        assert_eq!(parse_rfc3339("garbage"), None);
        assert_eq!(human_duration(3725), "1h2m");
    }

    #[test]
    fn project_names() {
        assert_eq!(normalize_project("My Stack.v2"), "mystackv2");
        assert_eq!(normalize_project("..."), "dindctl");
    }
}
