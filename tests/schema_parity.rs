//! dindctl validates with its own JSON Schema subset validator (fast on a cold start); the
//! `jsonschema` crate is the reference. On the shipped documents and on systematic variations
//! of them, both must give the same verdict.

mod common;

use dindctl::schema::{self, Validator};
use dindctl::source::SourceDb;
use dindctl::{profile, render, yaml};
use serde_json::{Value as Json, json};

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

/// The document itself, then one variation per node: removed, retyped, and (for mappings)
/// given an unknown key.
pub fn variations(doc: &Json) -> Vec<Json> {
    let mut out = vec![doc.clone()];
    let mut pointers = Vec::new();
    collect_pointers(doc, String::new(), &mut pointers);
    for pointer in pointers {
        let Some(original) = doc.pointer(&pointer).cloned() else {
            continue;
        };
        let replacements = match &original {
            Json::String(_) => vec![json!(42), json!(""), json!("not valid at all: {}")],
            Json::Number(_) => vec![json!("x"), json!(-1), json!(70000), json!(1.5)],
            Json::Bool(_) => vec![json!("yes")],
            Json::Array(_) => vec![json!("x"), json!([]), json!([{"a": 1}])],
            Json::Object(_) => vec![json!([]), json!({})],
            Json::Null => vec![json!(1)],
        };
        for replacement in replacements {
            let mut v = doc.clone();
            if let Some(slot) = v.pointer_mut(&pointer) {
                *slot = replacement;
            }
            out.push(v);
        }
        if let Some((parent, key)) = pointer.rsplit_once('/') {
            let mut v = doc.clone();
            if let Some(Json::Object(map)) = v.pointer_mut(parent) {
                map.remove(&key.replace("~1", "/").replace("~0", "~"));
                out.push(v);
            }
        }
        if original.is_object() {
            let mut v = doc.clone();
            if let Some(Json::Object(map)) = v.pointer_mut(&pointer) {
                map.insert("no_such_key".into(), json!(1));
                out.push(v);
            }
        }
    }
    out
}

fn collect_pointers(v: &Json, at: String, out: &mut Vec<String>) {
    match v {
        Json::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                collect_pointers(child, p, out);
            }
        }
        Json::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                collect_pointers(child, p, out);
            }
        }
        _ => {}
    }
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
    let invalid = docs.iter().filter(|d| !ours.is_valid(d)).count();
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
