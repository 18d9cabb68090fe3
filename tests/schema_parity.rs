//! dindctl validates with its own JSON Schema subset validator (fast on a cold start); the
//! `jsonschema` crate is the reference. On the shipped documents and on systematic variations
//! of them, both must give the same verdict.

mod common;

use common::variations;

use dindctl::schema::{self, Validator};
use dindctl::source::SourceDb;
use dindctl::{profile, render, yaml};
use serde_json::Value as Json;

fn reference(text: &str) -> jsonschema::Validator {
    let schema: Json = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    jsonschema::options()
        .should_validate_formats(true)
        .with_format("cidr", schema::is_cidr)
        .with_format("duration", schema::is_duration)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn ours(text: &str) -> Validator {
    let schema: Json = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    Validator::new(schema).unwrap_or_else(|e| panic!("{e}"))
}

fn assert_same_verdicts(
    name: &str,
    ours: &Validator,
    reference: &jsonschema::Validator,
    docs: &[Json],
) {
    let mut disagreements = Vec::new();
    for doc in docs {
        let mine = ours.is_valid(doc);
        let theirs = reference.is_valid(doc);
        if mine != theirs {
            disagreements.push(format!("ours={mine} jsonschema={theirs}: {doc}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{name}: {} of {} documents disagree:\n{}",
        disagreements.len(),
        docs.len(),
        disagreements
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let invalid = docs.iter().filter(|d| !ours.is_valid(*d)).count();
    assert!(
        invalid > docs.len() / 4,
        "{name}: the variations should mostly be invalid"
    );
}

#[test]
fn profile_schema_verdicts_match_jsonschema() {
    let ours = ours(schema::PROFILE_SCHEMA);
    let reference = reference(schema::PROFILE_SCHEMA);
    for (name, _) in profile::EMBEDDED {
        let mut db = SourceDb::new();
        let loaded = profile::load(name, &mut db).unwrap_or_else(|_| panic!("{name} loads"));
        let docs = variations(&loaded.tree.to_json());
        assert_same_verdicts(name, &ours, &reference, &docs);
    }
}

#[test]
fn mcp_v1_schema_verdicts_match_jsonschema() {
    let ours = ours(schema::MCP_V1_SCHEMA);
    let reference = reference(schema::MCP_V1_SCHEMA);
    let mut db = SourceDb::new();
    let loaded = profile::load("dev", &mut db).unwrap_or_else(|_| panic!("dev loads"));
    let set = render::render(&loaded.profile, &render::Templates::embedded(), &mut db)
        .unwrap_or_else(|_| panic!("dev renders"));
    for file in set.files.iter().filter(|f| f.path != set.compose_file) {
        let id = db.add(file.path.clone(), file.contents.clone());
        for doc in yaml::parse(id, &file.contents, yaml::Limits::default()).documents {
            let docs = variations(&doc.to_json());
            assert_same_verdicts(&file.path, &ours, &reference, &docs);
        }
    }
}
