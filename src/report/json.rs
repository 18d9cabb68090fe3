//! `--format json`: one object, `{"version":1,"findings":[…],"summary":{…}}`.

use serde_json::{Value, json};

use super::{Summary, region};
use crate::diag::Diagnostic;
use crate::source::SourceDb;

pub fn finding(d: &Diagnostic, db: &SourceDb) -> Value {
    let mut obj = json!({
        "rule": d.code,
        "severity": d.severity.as_str(),
        "message": d.message,
    });
    if let (Some(span), Some(map)) = (d.span, obj.as_object_mut()) {
        let r = region(db, span);
        map.insert("file".into(), r.file.into());
        map.insert("line".into(), r.line.into());
        map.insert("column".into(), r.column.into());
        map.insert("end_line".into(), r.end_line.into());
        map.insert("end_column".into(), r.end_column.into());
    }
    if let Some(map) = obj.as_object_mut() {
        map.insert(
            "help".into(),
            d.help.clone().map_or(Value::Null, Value::String),
        );
        let related: Vec<Value> = d
            .related
            .iter()
            .map(|l| {
                let r = region(db, l.span);
                json!({"file": r.file, "line": r.line, "column": r.column, "message": l.message})
            })
            .collect();
        map.insert("related".into(), Value::Array(related));
    }
    obj
}

pub fn render(findings: &[Diagnostic], db: &SourceDb, s: Summary) -> String {
    let doc = json!({
        "version": 1,
        "findings": findings.iter().map(|d| finding(d, db)).collect::<Vec<_>>(),
        "summary": {"files": s.files, "errors": s.errors, "warnings": s.warnings, "infos": s.infos},
    });
    let mut text = serde_json::to_string(&doc).unwrap_or_default();
    text.push('\n');
    text
}
