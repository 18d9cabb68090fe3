//! `dindctl check`, `dindctl rules`, `dindctl explain`.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use super::{CheckArgs, Outcome, out, out_line, print_diagnostics};
use crate::check::{self, Config};
use crate::diag::Diagnostic;
use crate::load::{self, MemoryFile};
use crate::render::{self, Templates};
use crate::report::{self, Format, Style};
use crate::source::{SourceDb, SourceId, Span};
use crate::yaml::{Node, Value};
use crate::{model, profile};

pub fn run(args: &CheckArgs) -> Outcome {
    crate::schema::prefetch();
    let mut db = SourceDb::new();
    let mut config = match load_config(args.config.as_deref(), &mut db) {
        Ok(c) => c,
        Err(diags) => {
            print_diagnostics(&db, &diags);
            return Outcome::Failed;
        }
    };
    if let Err(e) = config.restrict(&args.select, &args.ignore) {
        eprintln!("error: {e}");
        return Outcome::Failed;
    }
    let inputs = args.source.inputs();
    let mut profile_tree = None;
    let mut memory = Vec::new();
    if args.source.from_profile() {
        match render_profile(
            args.source.profile_name(),
            args.source.templates.as_deref(),
            &mut db,
        ) {
            Ok((files, tree, _)) => {
                memory = files;
                profile_tree = Some(tree);
            }
            Err(diags) => {
                print_diagnostics(&db, &diags);
                return Outcome::Failed;
            }
        }
    }
    let stacks: Vec<load::Inputs> = if args.changed {
        let dirs = stacks_of_changed(&args.source.paths);
        if dirs.is_empty() {
            eprintln!("no stack among the changed files: nothing to check");
            return Outcome::Clean;
        }
        dirs.into_iter()
            .map(|d| load::Inputs {
                paths: vec![d],
                ..inputs.clone()
            })
            .collect()
    } else {
        vec![inputs]
    };
    let mut findings = Vec::new();
    let mut file_names: Vec<String> = Vec::new();
    for inputs in &stacks {
        let (stack, loaded) = match load::load(inputs, &memory, &mut db) {
            Ok(result) => result,
            Err(err) => {
                eprintln!("error: {err}");
                if matches!(err, load::LoadError::NothingFound { .. }) {
                    eprintln!(
                        "  = help: name the files (`dindctl check deploy/`), or render a profile (`dindctl check --profile default`)"
                    );
                }
                return Outcome::Failed;
            }
        };
        let mut found = check::run(&stack, loaded, &db, &config);
        if let Some(tree) = &profile_tree {
            point_back_at_profile(&mut found, tree, &db, &stack);
        }
        file_names.extend(stack.files.iter().map(|f| db.name(f.source).to_string()));
        findings.extend(found);
        // The process ends soon: freeing a large stack node by node only costs time.
        std::mem::forget(stack);
    }
    check::sort(&mut findings, &db);
    let style = if args.format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none()
    {
        Style::Color
    } else {
        Style::Plain
    };
    let fail = args.fail_on.severity();
    let rules: Vec<&'static str> = check::registry()
        .iter()
        .filter(|r| config.severity(r.meta()).is_some())
        .map(|r| r.meta().id)
        .collect();
    let checked = report::Checked {
        files: &file_names,
        rules: &rules,
    };
    out(&report::render(
        args.format,
        &findings,
        &db,
        &checked,
        style,
        fail,
    ));
    let outcome = if findings.iter().any(|d| d.severity >= fail) {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    std::mem::forget(db);
    outcome
}

/// The stack directories of changed files: for each file, the nearest directory at or above
/// it that holds a compose file (one of compose's names, or a YAML file with a top-level
/// `services:`); a manifest in `mcp-manifests/` or `mcp/` belongs to the directory above.
fn stacks_of_changed(files: &[PathBuf]) -> Vec<PathBuf> {
    let holds_compose = |dir: &Path| -> bool {
        load::discover::COMPOSE_NAMES
            .iter()
            .any(|n| dir.join(n).is_file())
            || std::fs::read_dir(dir)
                .map(|rd| {
                    rd.flatten().any(|e| {
                        let p = e.path();
                        p.extension().is_some_and(|x| x == "yml" || x == "yaml")
                            && load::read::text(&p)
                                .is_ok_and(|t| load::discover::looks_like_compose(&t))
                    })
                })
                .unwrap_or(false)
    };
    let mut out: Vec<PathBuf> = Vec::new();
    for file in files {
        let mut dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        loop {
            let shown = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir.clone()
            };
            if holds_compose(&shown) {
                if !out.contains(&shown) {
                    out.push(shown);
                }
                break;
            }
            if !dir.pop() {
                break;
            }
        }
    }
    out
}

/// The configuration: `explicit`, else `dindctl.toml` here or in a parent directory, else the
/// defaults.
pub(super) fn load_config(
    explicit: Option<&std::path::Path>,
    db: &mut SourceDb,
) -> Result<Config, Vec<Diagnostic>> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| Config::discover(&d)),
    };
    match path {
        Some(p) => Config::load(&p, db),
        None => Ok(Config::default()),
    }
}

/// Renders the profile in memory; the files carry the names `render` would write. The
/// templates compile on another thread while the profile loads.
pub(super) fn render_profile(
    profile_name: &str,
    templates: Option<&std::path::Path>,
    db: &mut SourceDb,
) -> Result<(Vec<MemoryFile>, Node, profile::Profile), Vec<Diagnostic>> {
    let templates = match templates {
        Some(dir) => Templates::with_overrides(dir),
        None => Templates::embedded(),
    };
    let (prepared, loaded) = std::thread::scope(|scope| {
        let preparing = scope.spawn(|| render::prepare(&templates));
        let loaded = profile::load(profile_name, db);
        (
            preparing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            loaded,
        )
    });
    let loaded = loaded?;
    let set = render::render_prepared(&loaded.profile, prepared, db)?;
    // Named as `render` writes them by default, so relative secret paths resolve the same way
    // for a rendered directory and for a profile checked or applied directly.
    let files = set
        .files
        .into_iter()
        .map(|f| MemoryFile {
            name: format!("{}/{}", super::DEFAULT_OUT, f.path),
            text: f.contents,
        })
        .collect();
    Ok((files, loaded.tree, loaded.profile))
}

/// For a finding in a rendered file, adds the profile line that set the value, when the
/// finding's text (or a part of it, such as the port in `127.0.0.1:13001:13001`) is a value
/// written in the profile. A value set in the profile the user named wins over one inherited
/// from a parent, and the whole text over a part of it.
fn point_back_at_profile(
    findings: &mut [Diagnostic],
    tree: &Node,
    db: &SourceDb,
    stack: &model::Stack,
) {
    let mut scalars: Vec<(String, Span)> = Vec::new();
    collect_scalars(tree, &mut scalars);
    let own_file = tree.span.source;
    let rendered: Vec<SourceId> = stack.files.iter().map(|f| f.source).collect();
    for d in findings.iter_mut() {
        let Some(span) = d.span.filter(|s| rendered.contains(&s.source)) else {
            continue;
        };
        let Some(written) = db.get(span.source).text().get(span.start..span.end) else {
            continue;
        };
        if written.contains('\n') {
            continue;
        }
        let written = written.trim().trim_matches(['"', '\'']);
        let parts = written
            .split([':', '/', '=', ','])
            .filter(|p| p.len() >= 3 && *p != written);
        let candidates = std::iter::once((written, true)).chain(parts.map(|p| (p, false)));
        let best = candidates
            .flat_map(|(c, whole)| {
                scalars
                    .iter()
                    .filter(move |(t, _)| t == c)
                    .map(move |(_, s)| ((s.source == own_file, whole, c.len()), *s))
            })
            .max_by_key(|(score, _)| *score);
        if let Some((_, profile_span)) = best {
            d.related.push(crate::diag::Label {
                span: profile_span,
                message: "set in the profile here".into(),
            });
        }
    }
}

fn collect_scalars(node: &Node, out: &mut Vec<(String, Span)>) {
    match &node.value {
        Value::Scalar(s) => out.push((s.text.clone(), node.span)),
        Value::Seq(items) => items.iter().for_each(|i| collect_scalars(i, out)),
        Value::Map(entries) => entries.iter().for_each(|e| collect_scalars(&e.value, out)),
    }
}

pub fn rules() -> Outcome {
    for rule in check::registry() {
        let m = rule.meta();
        out_line(&format!(
            "{:<40} {:<8} {}",
            m.id,
            m.severity.as_str(),
            m.summary
        ));
    }
    Outcome::Clean
}

pub fn explain(id: &str) -> Outcome {
    let Some(rule) = check::find_rule(id) else {
        let ids = || check::registry().iter().map(|r| r.meta().id);
        let mut close: Vec<&str> = ids().filter(|r| r.contains(id) || id.contains(r)).collect();
        if close.is_empty() {
            close.extend(crate::suggest::closest(id, ids()));
        }
        eprintln!("error: no rule `{id}`");
        if !close.is_empty() {
            eprintln!(
                "  = help: did you mean {}?",
                close
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        } else {
            eprintln!("  = help: `dindctl rules` lists every rule");
        }
        return Outcome::Failed;
    };
    let m = rule.meta();
    out_line(&format!(
        "# {} ({})\n\n{}\n",
        m.id,
        m.severity.as_str(),
        m.summary
    ));
    for line in m.doc.lines() {
        out_line(line.strip_prefix(' ').unwrap_or(line));
    }
    Outcome::Clean
}
