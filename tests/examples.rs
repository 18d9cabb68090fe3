//! `examples/broken-stack` reports each planted defect (`# defect: <rule-id>, …`) at its line
//! and nothing else; `examples/fixed-stack` reports nothing above info. The human and JSON
//! outputs of both are pinned.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;

fn planted(dir: &std::path::Path) -> BTreeSet<(String, u64, String)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)
            .map(|r| r.flatten().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                files.push(p);
            }
        }
    }
    let mut out = BTreeSet::new();
    for file in files {
        let rel = file
            .strip_prefix(repo())
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if let Some((_, ids)) = line.split_once("# defect: ") {
                for id in ids.split(',') {
                    out.insert((rel.clone(), i as u64 + 1, id.trim().to_string()));
                }
            }
        }
    }
    out
}

#[test]
fn the_broken_stack_reports_every_planted_defect_and_nothing_else() {
    let o = run_in(
        &repo(),
        &["check", "examples/broken-stack", "--format", "json"],
    );
    assert_eq!(code(&o), 1);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}"));
    let reported: BTreeSet<(String, u64, String)> = v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["file"].as_str().unwrap_or("").to_string(),
                        f["line"].as_u64().unwrap_or(0),
                        f["rule"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let expected = planted(&repo().join("examples/broken-stack"));
    assert!(expected.len() >= 10, "at least ten planted defects");
    assert_eq!(reported, expected);
    let distinct: BTreeSet<&String> = expected.iter().map(|(_, _, r)| r).collect();
    assert!(distinct.len() >= 10, "{distinct:?}");
    insta::assert_snapshot!("broken-stack.json", stdout(&o));
    let human = run_in(&repo(), &["check", "examples/broken-stack"]);
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap_or_default();
    assert!(
        readme.contains(&stdout(&human)),
        "the README shows an outdated output of the broken stack"
    );
    insta::assert_snapshot!("broken-stack.human", stdout(&human));
}

#[test]
fn the_fixed_stack_reports_nothing_above_info() {
    let o = run_in(
        &repo(),
        &[
            "check",
            "examples/fixed-stack",
            "--format",
            "json",
            "--fail-on",
            "warning",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    insta::assert_snapshot!("fixed-stack.json", stdout(&o));
    let human = run_in(&repo(), &["check", "examples/fixed-stack"]);
    insta::assert_snapshot!("fixed-stack.human", stdout(&human));
}
