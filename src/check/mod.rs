//! Static checks of a whole stack: the rule trait, the registry, and the run that turns a
//! [`Stack`] and the loader's findings into the final, filtered, sorted list. `check` never
//! prints (that is `report`).

pub mod config;
pub mod rules;
mod suppress;

use crate::diag::{Diagnostic, Severity};
use crate::model::Stack;
use crate::source::{SourceDb, Span};

pub use config::Config;

/// What a rule is: its public id, default severity, one-line summary and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The rule's doc comment: what it does, why it matters, a broken and a fixed example.
    pub doc: &'static str,
}

/// Everything a rule may read.
pub struct Context<'a> {
    pub stack: &'a Stack,
    pub db: &'a SourceDb,
    pub config: &'a Config,
}

/// What `declare_rule!` implements for a rule: its metadata.
pub trait Declared {
    fn meta(&self) -> &'static RuleMeta;
}

pub trait Rule: Declared + Sync {
    /// Adds this rule's findings. Rules whose findings come from loading (parse,
    /// interpolation) keep the default, which finds nothing.
    fn check(&self, _cx: &Context<'_>, _out: &mut Findings) {}

    /// Whether the rule is expensive enough to run on its own thread beside the others.
    fn runs_apart(&self) -> bool {
        false
    }
}

/// Declares a rule: a unit struct whose doc comment becomes its `explain` text.
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])* $name:ident, $id:literal, $severity:ident, $summary:literal) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::check::RuleMeta = $crate::check::RuleMeta {
                id: $id,
                severity: $crate::diag::Severity::$severity,
                summary: $summary,
                doc: concat!($($doc, "\n"),*),
            };
        }

        impl $crate::check::Declared for $name {
            fn meta(&self) -> &'static $crate::check::RuleMeta {
                &Self::META
            }
        }
    };
}
pub(crate) use declare_rule;

/// Where rules put findings; each starts with the rule's id and default severity.
pub struct Findings {
    items: Vec<Diagnostic>,
}

impl Findings {
    fn new() -> Self {
        Self { items: Vec::new() }
    }

    /// Adds findings made elsewhere (e.g. by schema validation).
    pub fn extend(&mut self, findings: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(findings);
    }

    pub fn add(
        &mut self,
        meta: &RuleMeta,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let mut d = Diagnostic::error(meta.id, message, Some(span));
        d.severity = meta.severity;
        self.items.push(d);
        let last = self.items.len() - 1;
        &mut self.items[last]
    }
}

impl Diagnostic {
    /// Sets the help text in place (for findings built through [`Findings::add`]).
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a related location in place.
    pub fn related(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.related.push(crate::diag::Label {
            span,
            message: message.into(),
        });
        self
    }
}

/// Every rule, in id order.
pub fn registry() -> &'static [&'static dyn Rule] {
    rules::ALL
}

pub fn find_rule(id: &str) -> Option<&'static dyn Rule> {
    registry().iter().copied().find(|r| r.meta().id == id)
}

/// Runs every enabled rule over `stack`, adds the loader's findings, applies the
/// configuration (severities, path ignores) and inline suppressions, and sorts the result by
/// file, line, column and rule.
pub fn run(
    stack: &Stack,
    loaded: Vec<Diagnostic>,
    db: &SourceDb,
    config: &Config,
) -> Vec<Diagnostic> {
    let cx = Context { stack, db, config };
    let mut findings = Findings::new();
    findings.items = loaded;
    let enabled = || {
        registry()
            .iter()
            .filter(|r| config.severity(r.meta()).is_some())
    };
    // The two cores of a small machine: expensive rules on a second thread, when the stack is
    // large enough for that to pay for the thread.
    let apart = if stack_size(stack, db) >= PARALLEL_FROM_BYTES {
        std::thread::scope(|scope| {
            let cx = &cx;
            let handle = scope.spawn(move || {
                let mut out = Findings::new();
                enabled()
                    .filter(|r| r.runs_apart())
                    .for_each(|r| r.check(cx, &mut out));
                out.items
            });
            enabled()
                .filter(|r| !r.runs_apart())
                .for_each(|r| r.check(cx, &mut findings));
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    } else {
        enabled().for_each(|r| r.check(&cx, &mut findings));
        Vec::new()
    };
    findings.items.extend(apart);
    let mut out: Vec<Diagnostic> = findings
        .items
        .into_iter()
        .filter_map(|mut d| {
            let meta = find_rule(d.code).map(|r| r.meta());
            if let Some(meta) = meta {
                let configured = config.severity(meta)?;
                // A rule may raise its own severity for a case (`${VAR:?}` is an error);
                // the configuration sets the rule's level otherwise.
                if configured != meta.severity || d.severity == meta.severity {
                    d.severity = configured;
                }
            }
            Some(d)
        })
        .filter(|d| !config.ignores(d, db))
        .collect();
    out = suppress::apply(out, stack, db, config);
    sort(&mut out, db);
    out.dedup();
    out
}

/// Below this much source text, running rules on a second thread costs more than it saves.
const PARALLEL_FROM_BYTES: usize = 64 * 1024;

fn stack_size(stack: &Stack, db: &SourceDb) -> usize {
    stack
        .files
        .iter()
        .map(|f| db.get(f.source).text().len())
        .sum()
}

/// Orders findings by file name, line, column, rule id.
pub fn sort(findings: &mut [Diagnostic], db: &SourceDb) {
    findings.sort_by_cached_key(|d| {
        let pos = d.span.map(|s| {
            let file = db.get(s.source);
            let lc = file.line_col(s.start);
            (file.name().to_string(), lc.line, lc.column)
        });
        (pos, d.code, d.message.clone())
    });
}
