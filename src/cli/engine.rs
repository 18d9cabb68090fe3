//! `dindctl apply`, `diff`, `status`, `down`: the commands that talk to a daemon.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::time::Duration;

use super::{Outcome, out, out_line, print_diagnostics};
use crate::apply::{self, Progress};
use crate::check;
use crate::clock::{human_duration, now_secs, parse_rfc3339};
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
    #[command(flatten)]
    pub images: ImageArgs,
    /// No progress lines (the plan, the table and errors are still printed).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// How the images a plan needs get onto the daemon.
#[derive(Debug, Clone, clap::Args)]
pub struct ImageArgs {
    /// Pull policy for every image in this run, instead of each manifest's `pull_policy`.
    #[arg(long, value_name = "POLICY", value_parser = parse_pull)]
    pub pull: Option<crate::model::pull::PullPolicy>,
    /// Carry the images the daemon lacks (or holds in another version) from this daemon
    /// instead of pulling: `host` (the docker CLI's own daemon), `unix:///…`, `tcp://…`, or a
    /// docker context (default: the profile's `dind.images_from`).
    #[arg(long, value_name = "DAEMON")]
    pub images_from: Option<String>,
}

fn parse_pull(s: &str) -> Result<crate::model::pull::PullPolicy, String> {
    match s {
        "always" | "missing" | "never" => {
            crate::model::pull::PullPolicy::parse(s).ok_or_else(|| s.to_string())
        }
        _ => Err(format!(
            "`{s}` is not a pull policy (always, missing, never)"
        )),
    }
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
    #[command(flatten)]
    pub images: ImageArgs,
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
    /// What named the project (`from --project-name`, `from the name of the directory …`).
    pub project_origin: String,
    pub endpoint_host: Option<String>,
    pub endpoint_certs: Option<PathBuf>,
    /// The profile's `dind.images_from`.
    pub images_from: Option<String>,
}

pub(super) fn load_stack(args: &StackArgs) -> Result<Loaded, Outcome> {
    let mut db = SourceDb::new();
    let inputs = args.source.inputs();
    let mut memory: Vec<MemoryFile> = Vec::new();
    let mut profile_project = None;
    let (mut endpoint_host, mut endpoint_certs) = (None, None);
    let mut images_from = None;
    if args.source.from_profile() {
        match super::check::render_profile(
            args.source.profile_name(),
            args.source.templates.as_deref(),
            &mut db,
        ) {
            Ok((files, _, profile)) => {
                memory = files;
                profile_project = Some(profile.project.clone());
                images_from = profile.dind.images_from.clone();
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
    let compose_name = compose_name(&stack);
    let project = crate::project::resolve(&crate::project::Sources {
        flag: args.project_name.as_deref(),
        env: stack.env_project_name.as_deref(),
        compose_name: compose_name.as_deref(),
        profile: profile_project.as_deref(),
        dir: stack.project_dir.as_deref(),
    })
    .map_err(|e| {
        eprintln!("error: {e}");
        Outcome::Failed
    })?;
    Ok(Loaded {
        db,
        stack,
        findings,
        project: project.name,
        project_origin: project.origin,
        endpoint_host,
        endpoint_certs,
        images_from,
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

pub(super) fn connect(conn: &ConnArgs, loaded: Option<&Loaded>) -> Result<Engine, Outcome> {
    connect_named(conn, loaded, None)
}

/// [`connect`], for a project named outright (`-p NAME` without a stack).
fn connect_named(
    conn: &ConnArgs,
    loaded: Option<&Loaded>,
    named: Option<&str>,
) -> Result<Engine, Outcome> {
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
    if let Some(l) = loaded {
        eprintln!("project: {} ({})", l.project, l.project_origin);
    } else if let Some(name) = named {
        eprintln!("project: {name} (from --project-name)");
    }
    crate::engine::block_on(Engine::connect(&endpoint)).map_err(|e| {
        eprintln!("error: {e}");
        Outcome::Failed
    })
}

/// Builds the desired state, resolves the images and observes the daemon.
struct Planned {
    desired: Desired,
    plan: plan::Plan,
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
    needs: &[apply::images::Need],
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
            msg.push_str("  = help: the image went missing after it was pulled or found; run apply again. Nothing was created.");
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
                let step = needs
                    .iter()
                    .find(|n| n.image == c.spec.image)
                    .map(|n| n.step.clone());
                let reason = match step {
                    Some(apply::images::Step::Pull { .. }) => format!(
                        "image `{}` is not on the daemon at {}: apply pulls it first (the plan compares without the image's defaults)",
                        c.spec.image, engine.endpoint.host
                    ),
                    Some(apply::images::Step::Carry { .. }) => format!(
                        "image `{}` is not on the daemon at {}: apply carries it in first (the plan compares without the image's defaults)",
                        c.spec.image, engine.endpoint.host
                    ),
                    _ => format!(
                        "image not present: `{}` is not on the daemon at {}, and apply will not pull it (pull_policy `never`); build or load it before apply",
                        c.spec.image, engine.endpoint.host
                    ),
                };
                a.reasons.insert(0, reason);
            }
        }
    }
    Ok(Planned { desired, plan })
}

/// What apply does for each image before the plan: `pull`, `carry` or refuses (`missing`).
fn image_lines(needs: &[apply::images::Need], source: Option<&str>) -> String {
    use apply::images::Step;
    let mut out = String::new();
    for n in needs {
        let line = match &n.step {
            Step::Present => continue,
            Step::Pull { why } => format!("  pull  {} ({why})\n", n.image),
            Step::Carry { why } => format!(
                "  carry {} from {} ({why})\n",
                n.image,
                source.unwrap_or("the source daemon")
            ),
            Step::Missing { why } => format!(
                "  missing {} (not on the daemon, {why}): apply refuses\n",
                n.image
            ),
        };
        out.push_str(&line);
    }
    if out.is_empty() {
        out
    } else {
        format!("Images:\n{out}\n")
    }
}

/// After a plan shown without some of its images: says that `apply` would refuse.
fn note_missing(needs: &[apply::images::Need]) {
    let missing: Vec<String> = needs
        .iter()
        .filter(|n| matches!(n.step, apply::images::Step::Missing { .. }))
        .map(|n| format!("`{}`", n.image))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "note: {} image(s) neither on the daemon nor to be pulled or carried ({}): the plan compares without their defaults, and `apply` refuses until they are built or loaded, pulled (`--pull missing`) or carried in (`--images-from`)",
            missing.len(),
            missing.join(", ")
        );
    }
}

/// The image steps for `--format json`.
fn image_json(needs: &[apply::images::Need]) -> serde_json::Value {
    use apply::images::Step;
    serde_json::Value::Array(
        needs
            .iter()
            .map(|n| {
                let (action, why) = match &n.step {
                    Step::Present => ("present", String::new()),
                    Step::Pull { why } => ("pull", why.clone()),
                    Step::Carry { why } => ("carry", why.clone()),
                    Step::Missing { why } => ("missing", why.clone()),
                };
                serde_json::json!({
                    "image": n.image,
                    "action": action,
                    "reason": why,
                    "pull_policy": n.policy.as_str(),
                    "platform": n.platform,
                })
            })
            .collect(),
    )
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
    let source = images_source(&args.images, &loaded, &args.conn)?;
    crate::engine::block_on(async {
        // One apply or down of a project at a time, on the daemon (a dry run changes nothing).
        let lock = if args.dry_run {
            None
        } else {
            Some(
                apply::lock::acquire(&engine, &loaded.project, "apply", args.lock_timeout)
                    .await
                    .map_err(|e| {
                        eprintln!("{e}");
                        Outcome::Failed
                    })?,
            )
        };
        let result = async {
            let source = match &source {
                Some(endpoint) => Some(Engine::connect(endpoint).await.map_err(|e| {
                    eprintln!("error: the daemon to carry images from: {e}");
                    Outcome::Failed
                })?),
                None => None,
            };
            let progress = if args.quiet {
                Progress::silent()
            } else {
                Progress::new(std::io::stderr().is_terminal())
            };
            let needs = crate::deploy::prepare_images(
                &engine,
                source.as_ref(),
                &desired,
                &image_options(&args.images, args.parallel),
                &progress,
                args.dry_run,
            )
            .await
            .map_err(|failed| {
                report_image_failures(&loaded, &engine, &failed);
                Outcome::Failed
            })?;
            apply_planned(args, &loaded, &engine, desired, &needs).await
        }
        .await;
        if let Some(lock) = lock {
            lock.release(&engine).await;
        }
        result
    })
}

fn image_options(args: &ImageArgs, parallel: usize) -> apply::images::ImageOptions {
    apply::images::ImageOptions {
        pull: args.pull,
        parallel: parallel.max(1),
        plain_every: Duration::from_secs(5),
        retries: 3,
    }
}

/// The daemon to carry images from, when `--images-from` or the profile names one.
fn images_source(
    args: &ImageArgs,
    loaded: &Loaded,
    conn: &ConnArgs,
) -> Result<Option<crate::engine::Endpoint>, Outcome> {
    let (spec, origin) = match (&args.images_from, &loaded.images_from) {
        (Some(s), _) => (s.clone(), "--images-from"),
        (None, Some(s)) => (s.clone(), "the profile's `dind.images_from`"),
        (None, None) => return Ok(None),
    };
    let endpoint =
        crate::deploy::images_source(&spec, origin, conn.timeout, &|k| std::env::var(k).ok())
            .map_err(|e| {
                eprintln!("error: --images-from `{spec}`: {e}");
                Outcome::Failed
            })?;
    eprintln!("images from: {} ({})", endpoint.host, endpoint.origin);
    Ok(Some(endpoint))
}

/// Each missing image or failed pull, at every manifest line that names the image.
fn report_image_failures(loaded: &Loaded, engine: &Engine, failed: &crate::deploy::ImagesFailed) {
    for n in &failed.missing {
        let why = match &n.step {
            apply::images::Step::Missing { why } => why.clone(),
            _ => String::new(),
        };
        for span in &n.spans {
            eprintln!(
                "{}: error[apply]: image `{}` is not on the daemon at {}, {why}",
                loaded.db.location(*span),
                n.image,
                engine.endpoint.host
            );
        }
    }
    if !failed.missing.is_empty() {
        eprintln!(
            "  = help: let apply pull it (`--pull missing`, or drop `pull_policy: never`), carry it in (`--images-from host`), or build or load it on that daemon. Nothing was created."
        );
    }
    for e in &failed.errors {
        for span in &e.spans {
            eprintln!("{}: error[pull]: {}", loaded.db.location(*span), e.message);
        }
        eprintln!("  = help: {}; no container was created or removed", e.help);
    }
}

async fn apply_planned(
    args: &ApplyArgs,
    loaded: &Loaded,
    engine: &Engine,
    desired: Desired,
    needs: &[apply::images::Need],
) -> Result<Outcome, Outcome> {
    {
        let need = if args.dry_run {
            Images::MayBeMissing
        } else {
            Images::Required
        };
        let planned = make_plan(engine, loaded, desired, args.prune, need, needs)
            .await
            .map_err(|e| {
                eprintln!("{e}");
                Outcome::Failed
            })?;
        if args.dry_run {
            out(&image_lines(needs, None));
        }
        if args.dry_run || planned.plan.has_changes() || planned.plan.count(&[Change::Orphan]) > 0 {
            out(&plan::render::human(&planned.plan, colors()));
        }
        if args.dry_run {
            note_missing(needs);
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
            needs,
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
    let Ok(source) = images_source(&args.images, &loaded, &args.conn) else {
        return error;
    };
    let planned = crate::engine::block_on(async {
        let source = match &source {
            Some(endpoint) => Some(
                Engine::connect(endpoint)
                    .await
                    .map_err(|e| format!("error: the daemon to carry images from: {e}"))?,
            ),
            None => None,
        };
        let needs = crate::deploy::prepare_images(
            &engine,
            source.as_ref(),
            &desired,
            &image_options(&args.images, 1),
            &Progress::silent(),
            true,
        )
        .await
        .unwrap_or_default();
        let planned = make_plan(
            &engine,
            &loaded,
            desired,
            args.prune,
            Images::MayBeMissing,
            &needs,
        )
        .await?;
        Ok::<_, String>((planned, needs))
    });
    let (planned, needs) = match planned {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return error;
        }
    };
    let source_host = source.as_ref().map(|s| s.host.as_str());
    show_plan(
        &planned.plan,
        args.format,
        colors(),
        args.detailed_exitcode,
        &engine.endpoint,
        Some((&needs, source_host)),
    )
}

/// Prints a plan in the chosen format; with `--detailed-exitcode`, changes exit 2.
pub(super) fn show_plan(
    plan: &plan::Plan,
    format: PlanFormat,
    colors: Colors,
    detailed_exitcode: bool,
    daemon: &crate::engine::Endpoint,
    images: Option<(&[apply::images::Need], Option<&str>)>,
) -> Outcome {
    // An image to fetch is a change; refreshing one the daemon has (`always`) is not.
    let pulls = images.is_some_and(|(needs, _)| {
        needs.iter().any(|n| match n.step {
            apply::images::Step::Present => false,
            apply::images::Step::Pull { .. } => !n.present,
            _ => true,
        })
    });
    match format {
        PlanFormat::Human => {
            if let Some((needs, source)) = images {
                out(&image_lines(needs, source));
            }
            out(&plan::render::human(plan, colors));
            if let Some((needs, _)) = images {
                note_missing(needs);
            }
        }
        PlanFormat::Json => {
            let mut json = plan::render::json(plan);
            if let Some(o) = json.as_object_mut() {
                o.insert("daemon".into(), daemon_json(daemon));
                if let Some((needs, _)) = images {
                    o.insert("images".into(), image_json(needs));
                }
            }
            out_line(&serde_json::to_string_pretty(&json).unwrap_or_default())
        }
    }
    if detailed_exitcode && (plan.has_changes() || pulls) {
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
pub(super) fn target(stack: &StackArgs, conn: &ConnArgs) -> Result<(String, Engine), Outcome> {
    let loaded = project_only(stack)?;
    let project = project_of(stack, loaded.as_ref())?;
    let engine = connect_named(conn, loaded.as_ref(), Some(&project))?;
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

fn project_of(stack: &StackArgs, loaded: Option<&Loaded>) -> Result<String, Outcome> {
    match loaded {
        Some(l) => Ok(l.project.clone()),
        // Only a project named outright loads no stack.
        None => crate::project::resolve(&crate::project::Sources {
            flag: stack.project_name.as_deref(),
            ..Default::default()
        })
        .map(|p| p.name)
        .map_err(|e| {
            eprintln!("error: {e}");
            Outcome::Failed
        }),
    }
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
        let lock = match apply::lock::acquire(&engine, &project, "down", args.lock_timeout).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{e}");
                return Outcome::Failed;
            }
        };
        let outcome = down_locked(args, &project, &engine).await;
        lock.release(&engine).await;
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

/// Seconds since an RFC 3339 timestamp (`2026-11-27T10:11:12.123Z`).
fn uptime(started: &str, now: i64) -> Option<i64> {
    let t = parse_rfc3339(started)?;
    (t > 0).then(|| (now - t).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(human_duration(3725), "1h2m");
    }
}
