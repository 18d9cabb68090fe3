//! Diagnostics: a problem found in the user's input, with its span.
//!
//! A diagnostic is data; printing it is the caller's business (see [`Diagnostic::render`]
//! for the plain `file:line:column` form used on stderr).

use std::fmt::Write as _;

use crate::source::{SourceDb, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A secondary location with its own message.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable identifier of the kind of problem (a rule id, or e.g. `profile-schema`).
    pub code: &'static str,
    pub message: String,
    /// Where the problem is; `None` when it concerns no file (e.g. a missing profile name).
    pub span: Option<Span>,
    pub related: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, span: Option<Span>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            related: Vec::new(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// `file:line:column: severity[code]: message`, then the source line with the span
    /// underlined, related locations and help.
    pub fn render(&self, db: &SourceDb) -> String {
        let mut out = String::new();
        let sev = self.severity.as_str();
        match self.span {
            Some(span) => {
                let _ = writeln!(
                    out,
                    "{}: {sev}[{}]: {}",
                    db.location(span),
                    self.code,
                    self.message
                );
                snippet(&mut out, db, span);
            }
            // Without a location, the one layout of every other error: `error: message`.
            None => {
                let _ = writeln!(out, "{sev}: {}", self.message);
            }
        }
        for label in &self.related {
            let _ = writeln!(
                out,
                "  = note: {}: {}",
                db.location(label.span),
                label.message
            );
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }
}

fn snippet(out: &mut String, db: &SourceDb, span: Span) {
    let file = db.get(span.source);
    let start = file.line_col(span.start);
    let text = crate::redact::source_line(file.line_text(start.line));
    if text.is_empty() {
        return;
    }
    let end = file.line_col(span.end.max(span.start));
    let width = if end.line == start.line && end.column > start.column {
        end.column - start.column
    } else {
        text.chars().count().saturating_sub(start.column - 1).max(1)
    };
    let gutter = start.line.to_string().len();
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(out, "{} | {text}", start.line);
    let _ = writeln!(
        out,
        "{:gutter$} | {}{}",
        "",
        " ".repeat(start.column - 1),
        "^".repeat(width)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_names_file_line_column_and_underlines() {
        let mut db = SourceDb::new();
        let id = db.add("p.yaml", "name: x\nfoo: 1\n");
        let d = Diagnostic::error(
            "profile-schema",
            "unknown key `foo`",
            Some(Span {
                source: id,
                start: 8,
                end: 11,
            }),
        )
        .with_help("remove it");
        let text = d.render(&db);
        assert_eq!(
            text,
            "p.yaml:2:1: error[profile-schema]: unknown key `foo`\n  |\n2 | foo: 1\n  | ^^^\n  = help: remove it\n"
        );
    }
}
