//! One fixture per rule under `tests/fixtures/rules/<rule-id>/`: the offending lines carry a
//! trailing `# expect[<rule-id>]`, every other line must stay silent. With only that rule
//! enabled, the reported lines must equal the marked lines exactly; the human output is then
//! snapshotted.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use dindctl::check::{self, Config};
use dindctl::load::{self, Inputs};
use dindctl::report::{self, Format, Style};
use dindctl::source::SourceDb;

fn fixture_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            fixture_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// (file, line) of every `# expect[rule]` marker in the fixture.
fn marked(dir: &Path, rule: &str) -> BTreeSet<(String, usize)> {
    let marker = format!("# expect[{rule}]");
    let mut files = Vec::new();
    fixture_files(dir, &mut files);
    let mut out = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if line.contains(&marker) {
                out.insert((file.display().to_string(), i + 1));
            }
        }
    }
    out
}

fn check_fixture(rule: &str) -> (BTreeSet<(String, usize)>, String) {
    let dir = format!("tests/fixtures/rules/{rule}");
    let mut db = SourceDb::new();
    let inputs = Inputs {
        paths: vec![dir.clone().into()],
        ..Inputs::default()
    };
    let (stack, loaded) =
        load::load(&inputs, &[], &mut db).unwrap_or_else(|e| panic!("{rule}: {e}"));
    let findings = check::run(&stack, loaded, &db, &Config::only(rule));
    let lines = findings
        .iter()
        .filter_map(|d| d.span)
        .map(|s| {
            (
                db.name(s.source).to_string(),
                db.get(s.source).line_col(s.start).line,
            )
        })
        .collect();
    let files: Vec<String> = stack
        .files
        .iter()
        .map(|f| db.name(f.source).to_string())
        .collect();
    let human = report::render(
        Format::Human,
        &findings,
        &db,
        &report::Checked {
            files: &files,
            rules: &[],
        },
        Style::Plain,
        dindctl::diag::Severity::Error,
    );
    for d in &findings {
        assert_eq!(d.code, rule, "only {rule} runs");
    }
    (lines, human)
}

#[test]
fn every_rule_reports_exactly_its_marked_lines() {
    std::env::set_current_dir(repo()).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut outputs = Vec::new();
    for rule in check::registry() {
        let id = rule.meta().id;
        let dir = Path::new("tests/fixtures/rules").join(id);
        if !dir.is_dir() {
            failures.push(format!("{id}: no fixture at {}", dir.display()));
            continue;
        }
        let expected = marked(&dir, id);
        if expected.is_empty() {
            failures.push(format!("{id}: the fixture marks no line"));
            continue;
        }
        let (reported, human) = check_fixture(id);
        if reported != expected {
            let missing: Vec<_> = expected.difference(&reported).collect();
            let extra: Vec<_> = reported.difference(&expected).collect();
            failures.push(format!(
                "{id}: not reported {missing:?}, reported but not marked {extra:?}\n{human}"
            ));
            continue;
        }
        outputs.push((id, human));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (id, human) in outputs {
        insta::assert_snapshot!(id, human);
    }
}
