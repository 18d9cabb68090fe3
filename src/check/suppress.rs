//! Inline suppressions: `# dindctl: ignore[rule-id, …]` on the offending line or alone on the
//! line above it, and `# dindctl: ignore-file[rule-id, …]` anywhere in a file. A suppression
//! that suppresses nothing is itself reported (`unused-suppression`).

use std::collections::HashSet;

use super::Config;
use super::rules::UnusedSuppression;
use crate::diag::Diagnostic;
use crate::model::Stack;
use crate::source::{SourceDb, SourceId, Span};

struct Suppression {
    source: SourceId,
    /// The line it covers; `None` for a whole file.
    line: Option<usize>,
    rule: String,
    span: Span,
    used: bool,
}

fn parse_comment(
    text: &str,
    source: SourceId,
    line_start: usize,
    line_no: usize,
    next_line: usize,
    out: &mut Vec<Suppression>,
) {
    let Some(at) = text.find("# dindctl:") else {
        return;
    };
    let rest = text[at + "# dindctl:".len()..].trim_start();
    let (file_wide, rest) = if let Some(r) = rest.strip_prefix("ignore-file[") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore[") {
        (false, r)
    } else {
        return;
    };
    let Some(end) = rest.find(']') else {
        return;
    };
    let own_line = text[..at].trim().is_empty();
    let line = if file_wide {
        None
    } else if own_line {
        Some(next_line)
    } else {
        Some(line_no)
    };
    let span = Span {
        source,
        start: line_start + at,
        end: line_start + text.len(),
    };
    for rule in rest[..end]
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        out.push(Suppression {
            source,
            line,
            rule: rule.to_string(),
            span,
            used: false,
        });
    }
}

fn collect(stack: &Stack, db: &SourceDb) -> Vec<Suppression> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for file in &stack.files {
        if !seen.insert(file.source) {
            continue;
        }
        let text = db.get(file.source).text();
        let mut offset = 0;
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for (i, line) in lines.iter().enumerate() {
            if line.contains("# dindctl:") {
                // A comment alone on its line covers the next line that is not a comment.
                let next = lines
                    .iter()
                    .enumerate()
                    .skip(i + 1)
                    .find(|(_, l)| !l.trim_start().starts_with('#'))
                    .map_or(i + 2, |(j, _)| j + 1);
                parse_comment(
                    line.trim_end_matches(['\n', '\r']),
                    file.source,
                    offset,
                    i + 1,
                    next,
                    &mut out,
                );
            }
            offset += line.len();
        }
    }
    out
}

/// Drops suppressed findings and reports suppressions that matched nothing.
pub fn apply(
    findings: Vec<Diagnostic>,
    stack: &Stack,
    db: &SourceDb,
    config: &Config,
) -> Vec<Diagnostic> {
    let mut suppressions = collect(stack, db);
    if suppressions.is_empty() {
        return findings;
    }
    let mut kept: Vec<Diagnostic> = findings
        .into_iter()
        .filter(|d| {
            let Some(span) = d.span else {
                return true;
            };
            let line = db.get(span.source).line_col(span.start).line;
            let mut suppressed = false;
            for s in suppressions.iter_mut() {
                if s.source == span.source && s.rule == d.code && s.line.is_none_or(|l| l == line) {
                    s.used = true;
                    suppressed = true;
                }
            }
            !suppressed
        })
        .collect();
    let meta = &UnusedSuppression::META;
    if let Some(severity) = config.severity(meta) {
        for s in suppressions.iter().filter(|s| !s.used) {
            let mut d = Diagnostic::error(
                meta.id,
                format!("`{}` is suppressed here but reports nothing", s.rule),
                Some(s.span),
            )
            .with_help("remove the suppression, or check the rule id with `dindctl rules`");
            d.severity = severity;
            if !config.ignores(&d, db) {
                kept.push(d);
            }
        }
    }
    kept
}
