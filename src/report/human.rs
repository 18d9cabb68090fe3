//! rustc-style output: the offending line underlined, related locations, help, a summary.

use std::fmt::Write as _;

use super::{Summary, region};
use crate::diag::{Diagnostic, Severity};
use crate::source::{SourceDb, Span};

/// Colour or not (terminal and `NO_COLOR` are decided by the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Color,
}

struct Paint(Style);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        match self.0 {
            Style::Plain => text.to_string(),
            Style::Color => format!("\x1b[{code}m{text}\x1b[0m"),
        }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.wrap(code, s.as_str())
    }

    fn blue(&self, text: &str) -> String {
        self.wrap("1;34", text)
    }
}

fn snippet(
    out: &mut String,
    db: &SourceDb,
    span: Span,
    gutter: usize,
    mark: char,
    label: &str,
    paint: &Paint,
) {
    let r = region(db, span);
    let file = db.get(span.source);
    // Credentials on the line are starred out, keeping every column in place.
    let text = crate::redact::source_line(file.line_text(r.line));
    let width = if r.end_line == r.line && r.end_column > r.column {
        r.end_column - r.column
    } else {
        text.chars().count().saturating_sub(r.column - 1).max(1)
    };
    let bar = paint.blue("|");
    let _ = writeln!(out, "{:gutter$} {bar}", "");
    let _ = writeln!(
        out,
        "{} {bar} {text}",
        paint.blue(&format!("{:>gutter$}", r.line))
    );
    let marks: String = std::iter::repeat_n(mark, width).collect();
    let underline = if label.is_empty() {
        marks
    } else {
        format!("{marks} {label}")
    };
    let colour = if mark == '^' { "1;31" } else { "1;34" };
    let _ = writeln!(
        out,
        "{:gutter$} {bar} {}{}",
        "",
        " ".repeat(r.column - 1),
        paint.wrap(colour, &underline)
    );
}

pub fn render(findings: &[Diagnostic], db: &SourceDb, summary: Summary, style: Style) -> String {
    let paint = Paint(style);
    let mut out = String::new();
    for d in findings {
        let _ = writeln!(
            out,
            "{}{}: {}",
            paint.severity(d.severity),
            paint.wrap("1", &format!("[{}]", d.code)),
            paint.wrap("1", &d.message)
        );
        let lines = std::iter::once(d.span)
            .chain(d.related.iter().map(|l| Some(l.span)))
            .flatten();
        let gutter = lines
            .map(|s| region(db, s).line.to_string().len())
            .max()
            .unwrap_or(1);
        if let Some(span) = d.span {
            let r = region(db, span);
            let _ = writeln!(
                out,
                "{:gutter$}{} {}:{}:{}",
                "",
                paint.blue("-->"),
                r.file,
                r.line,
                r.column
            );
            snippet(&mut out, db, span, gutter, '^', "", &paint);
        }
        for label in &d.related {
            let r = region(db, label.span);
            let _ = writeln!(
                out,
                "{:gutter$}{} {}:{}:{}",
                "",
                paint.blue(":::"),
                r.file,
                r.line,
                r.column
            );
            snippet(
                &mut out,
                db,
                label.span,
                gutter,
                '-',
                &label.message,
                &paint,
            );
        }
        if let Some(help) = &d.help {
            let _ = writeln!(
                out,
                "{:gutter$} {} {}: {help}",
                "",
                paint.blue("="),
                paint.wrap("1", "help")
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary_line(summary));
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub fn summary_line(s: Summary) -> String {
    let files = plural(s.files, "file");
    if s.errors + s.warnings + s.infos == 0 {
        return format!("no findings in {files}");
    }
    format!(
        "{}, {}, {} in {files}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info")
    )
}
