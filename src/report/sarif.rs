//! `--format sarif`: SARIF 2.1.0 with every rule described, stable across runs.

use serde_json::{Value, json};

use super::region;
use crate::check::registry;
use crate::diag::{Diagnostic, Severity};
use crate::source::{SourceDb, Span};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn location(db: &SourceDb, span: Span, message: Option<&str>) -> Value {
    let r = region(db, span);
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": {"uri": r.file.replace('\\', "/")},
            "region": {"startLine": r.line, "startColumn": r.column, "endLine": r.end_line, "endColumn": r.end_column}
        }
    });
    if let (Some(m), Some(map)) = (message, loc.as_object_mut()) {
        map.insert("message".into(), json!({"text": m}));
    }
    loc
}

pub fn render(findings: &[Diagnostic], db: &SourceDb) -> String {
    let rules: Vec<Value> = registry()
        .iter()
        .map(|r| {
            let m = r.meta();
            json!({
                "id": m.id,
                "name": m.id,
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": m.summary},
                "help": {"text": m.doc, "markdown": m.doc},
                "defaultConfiguration": {"level": level(m.severity)}
            })
        })
        .collect();
    let prints = super::ci::fingerprints(findings, db);
    let results: Vec<Value> = findings
        .iter()
        .zip(prints)
        .map(|(d, fingerprint)| {
            let index = registry().iter().position(|r| r.meta().id == d.code);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            json!({
                "ruleId": d.code,
                "ruleIndex": index,
                "level": level(d.severity),
                "message": {"text": text},
                // Rule, file, message and rank among identical findings: the same finding
                // keeps its fingerprint when lines above it move (code scanning matches on it).
                "partialFingerprints": {"dindctlFinding/v1": fingerprint},
                "locations": d.span.map(|s| vec![location(db, s, None)]).unwrap_or_default(),
                "relatedLocations": d.related.iter().enumerate().map(|(i, l)| {
                    let mut loc = location(db, l.span, Some(&l.message));
                    if let Some(map) = loc.as_object_mut() {
                        map.insert("id".into(), json!(i));
                    }
                    loc
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dindctl",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules
            }},
            "results": results
        }]
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
