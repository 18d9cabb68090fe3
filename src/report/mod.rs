//! Printing findings: human (rustc-like snippets), JSON, SARIF 2.1.0 and GitHub Actions
//! annotations. A reporter formats; it decides nothing about exit codes or filtering.

mod ci;
mod github;
mod human;
mod json;
mod sarif;

use crate::diag::{Diagnostic, Severity};
use crate::source::{SourceDb, Span};

pub use ci::Checked;
pub use human::Style;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// JUnit XML: a test case per rule and file.
    Junit,
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(findings: &[Diagnostic], files: usize) -> Self {
        let count = |s: Severity| findings.iter().filter(|d| d.severity == s).count();
        Self {
            files,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }
}

/// A span as 1-based start line/column and end line/column (end exclusive).
pub(crate) struct Region {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub(crate) fn region(db: &SourceDb, span: Span) -> Region {
    let file = db.get(span.source);
    let start = file.line_col(span.start);
    let end = file.line_col(span.end.max(span.start));
    Region {
        file: file.name().to_string(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// Renders findings in `format`.
pub fn render(
    format: Format,
    findings: &[Diagnostic],
    db: &SourceDb,
    checked: &Checked<'_>,
    style: Style,
    fail_on: Severity,
) -> String {
    let summary = Summary::of(findings, checked.files.len());
    match format {
        Format::Human => human::render(findings, db, summary, style),
        Format::Json => json::render(findings, db, summary),
        Format::Sarif => sarif::render(findings, db),
        Format::Github => github::render(findings, db),
        Format::Gitlab => ci::gitlab(findings, db),
        Format::Junit => ci::junit(findings, db, checked, fail_on),
    }
}
