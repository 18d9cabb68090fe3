//! Reports for CI systems: GitLab Code Quality JSON (`--format gitlab`) and JUnit XML
//! (`--format junit`).

use std::collections::HashMap;
use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};

use super::region;
use crate::diag::{Diagnostic, Severity};
use crate::source::SourceDb;

/// What was checked, for reports that list passing checks too.
pub struct Checked<'a> {
    pub files: &'a [String],
    pub rules: &'a [&'static str],
}

/// A finding's identity that survives runs and line shifts: its rule, file and message, and
/// how many identical findings come before it in the file (findings are sorted by position).
pub(super) fn fingerprints(findings: &[Diagnostic], db: &SourceDb) -> Vec<String> {
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    findings
        .iter()
        .map(|d| {
            let file = d.span.map(|s| region(db, s).file).unwrap_or_default();
            let key = (d.code.to_string(), file, d.message.clone());
            let n = seen.entry(key.clone()).or_insert(0);
            let text = format!("{}\0{}\0{}\0{}", key.0, key.1, key.2, n);
            *n += 1;
            crate::plan::desired::hex(&Sha256::digest(text.as_bytes()))
        })
        .collect()
}

/// GitLab Code Quality: a JSON array of issues (`description`, `check_name`, `fingerprint`,
/// `severity`, `location.path`, `location.lines.begin`), as GitLab's code quality report
/// artifact reads it.
pub fn gitlab(findings: &[Diagnostic], db: &SourceDb) -> String {
    let prints = fingerprints(findings, db);
    let items: Vec<serde_json::Value> = findings
        .iter()
        .zip(prints)
        .map(|(d, fingerprint)| {
            let (path, line) = d
                .span
                .map(|s| {
                    let r = region(db, s);
                    (r.file, r.line)
                })
                .unwrap_or_default();
            serde_json::json!({
                "type": "issue",
                "description": d.message,
                "check_name": d.code,
                "fingerprint": fingerprint,
                "severity": match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                "location": {"path": path, "lines": {"begin": line.max(1)}},
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&items).unwrap_or_default();
    text.push('\n');
    text
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one test suite per checked file, one test case per enabled rule in it; a rule
/// with findings at or above `fail_on` in that file fails (every finding in the failure's
/// text), lower ones are the case's `system-out`.
pub fn junit(
    findings: &[Diagnostic],
    db: &SourceDb,
    checked: &Checked<'_>,
    fail_on: Severity,
) -> String {
    let mut by_file_rule: HashMap<(String, &str), Vec<&Diagnostic>> = HashMap::new();
    let mut files: Vec<String> = checked.files.to_vec();
    for d in findings {
        let file = d.span.map(|s| region(db, s).file).unwrap_or_default();
        if !files.contains(&file) {
            files.push(file.clone());
        }
        by_file_rule.entry((file, d.code)).or_default().push(d);
    }
    let total_failures = findings.iter().filter(|d| d.severity >= fail_on).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let cases = files.len() * checked.rules.len();
    let _ = writeln!(
        out,
        "<testsuites name=\"dindctl check\" tests=\"{cases}\" failures=\"{total_failures}\">"
    );
    for file in &files {
        let shown = if file.is_empty() { "(no file)" } else { file };
        let mut body = String::new();
        let mut failures = 0;
        for rule in checked.rules {
            let found = by_file_rule.get(&(file.clone(), *rule));
            let _ = write!(
                body,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml(shown),
                xml(rule)
            );
            let Some(found) = found else {
                body.push_str("/>\n");
                continue;
            };
            body.push_str(">\n");
            let line = |d: &Diagnostic| {
                let at = d
                    .span
                    .map(|s| {
                        let r = region(db, s);
                        format!("{}:{}:{}: ", r.file, r.line, r.column)
                    })
                    .unwrap_or_default();
                format!("{at}{}: {}", d.severity.as_str(), d.message)
            };
            let failing: Vec<&&Diagnostic> =
                found.iter().filter(|d| d.severity >= fail_on).collect();
            if let Some(first) = failing.first() {
                failures += 1;
                let text: Vec<String> = failing.iter().map(|d| line(d)).collect();
                let _ = writeln!(
                    body,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    first.severity.as_str(),
                    xml(&first.message),
                    xml(&text.join("\n"))
                );
            }
            let lower: Vec<String> = found
                .iter()
                .filter(|d| d.severity < fail_on)
                .map(|d| line(d))
                .collect();
            if !lower.is_empty() {
                let _ = writeln!(
                    body,
                    "      <system-out>{}</system-out>",
                    xml(&lower.join("\n"))
                );
            }
            body.push_str("    </testcase>\n");
        }
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
            xml(shown),
            checked.rules.len()
        );
        out.push_str(&body);
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
