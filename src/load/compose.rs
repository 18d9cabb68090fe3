//! Loading a compose project in compose-go's order, one document at a time: parse →
//! interpolate (and cast) → `extends` → `include` → `!reset`/`!override` → merge onto the
//! documents before it (`-f` order, then the documents of one file) → unicity → schema. The
//! schema is checked on the merged tree after each document, as compose does; the final tree
//! is checked by the `schema-violation` rule, off the loader's thread.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Severity};
use crate::source::{SourceDb, SourceId, Span};
use crate::yaml::{self, Node, Value};

use super::env::Env;
use super::{extends, include, interpolate, merge, read};

/// A compose file to load: on disk, or already in memory (a rendered profile).
#[derive(Clone, Debug)]
pub struct ComposeInput {
    /// The path the file has (or would have, when rendered in memory).
    pub path: PathBuf,
    /// Its text when it is in memory.
    pub text: Option<String>,
}

/// The result of loading a project.
#[derive(Debug, Default)]
pub struct LoadedProject {
    /// The merged tree, when anything was read.
    pub root: Option<Node>,
    /// The `version:` key of every document that has one.
    pub versions: Vec<Span>,
}

/// Shared state of one load: the source database, findings, and what was already reported.
pub struct Ctx<'a> {
    pub db: &'a mut SourceDb,
    pub findings: Vec<Diagnostic>,
    /// Every compose file read (the main ones, included and extended files).
    pub files: Vec<SourceId>,
    /// Files in memory by path (a rendered profile), consulted before the disk.
    pub memory: Vec<(PathBuf, String)>,
    reported: HashSet<(SourceId, usize, String)>,
}

impl<'a> Ctx<'a> {
    pub fn new(db: &'a mut SourceDb) -> Self {
        Self {
            db,
            findings: Vec::new(),
            files: Vec::new(),
            memory: Vec::new(),
            reported: HashSet::new(),
        }
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.findings.push(d);
    }

    /// Reads and parses a file; reports a missing or unreadable one at `span` (where it is
    /// named) as `missing-file`. Parse problems become findings.
    pub fn parse_file(
        &mut self,
        path: &Path,
        text: Option<String>,
        span: Option<Span>,
        written: &str,
    ) -> Option<(SourceId, Vec<Node>)> {
        let text = match text.or_else(|| {
            self.memory
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, t)| t.clone())
        }) {
            Some(t) => t,
            None => match read::text(path) {
                Ok(t) => t,
                Err(e) => {
                    let message = match &e {
                        read::ReadError::Io { source, .. }
                            if source.kind() == std::io::ErrorKind::NotFound =>
                        {
                            format!("`{written}` does not exist")
                        }
                        other => other.to_string(),
                    };
                    self.push(Diagnostic::error("missing-file", message, span));
                    return None;
                }
            },
        };
        if text.len() >= crate::alloc::BULK_THRESHOLD {
            crate::alloc::use_bulk_allocator();
        }
        let id = self.db.add(path.display().to_string(), text);
        let text = self.db.shared_text(id);
        let parsed = yaml::parse(id, &text, yaml::Limits::default());
        super::report_parse_errors(&parsed.errors, &mut self.findings);
        self.files.push(id);
        let docs = parsed
            .documents
            .into_iter()
            .filter(|d| !(d.is_null() && d.tag().is_none()))
            .collect();
        Some((id, docs))
    }

    /// A file for `extends`: parsed, interpolated, its documents merged; not validated.
    pub fn read_document(
        &mut self,
        path: &Path,
        span: Span,
        written: &str,
        env: &Env,
    ) -> Option<Node> {
        let (_, docs) = self.parse_file(path, None, Some(span), written)?;
        let mut root: Option<Node> = None;
        for mut doc in docs {
            if doc.as_map().is_none() {
                continue;
            }
            interpolate::document(&mut doc, env, &mut self.findings);
            root = Some(match root {
                None => doc,
                Some(base) => merge::merge(base, doc, &mut Vec::new())
                    .unwrap_or_else(|e| Node::new(e.span, Value::Map(Vec::new()))),
            });
        }
        root
    }

    /// Loads the project made of `files` (merged in order) with `env`; `working_dir` is where
    /// `include` paths start; `chain` the files including this project (cycle detection).
    pub fn load_project(
        &mut self,
        files: &mut [ComposeInput],
        env: &Env,
        working_dir: &Path,
        chain: &[PathBuf],
        is_main: bool,
    ) -> LoadedProject {
        let mut out = LoadedProject::default();
        // Every document of every file, in order; the last one's merged tree is the result.
        let mut documents: Vec<(PathBuf, Node)> = Vec::new();
        for file in files.iter_mut() {
            let written = file.path.display().to_string();
            let Some((_, docs)) = self.parse_file(&file.path, file.text.take(), None, &written)
            else {
                continue;
            };
            for doc in docs {
                documents.push((file.path.clone(), doc));
            }
        }
        let count = documents.len();
        for (i, (path, mut doc)) in documents.into_iter().enumerate() {
            if doc.as_map().is_none() {
                self.push(Diagnostic::error(
                    "schema-violation",
                    "the top level of a compose file must be a mapping",
                    Some(doc.span),
                ));
                continue;
            }
            if let Some(e) = doc.entry("version") {
                out.versions.push(e.key.span);
            }
            interpolate::document(&mut doc, env, &mut self.findings);
            extends::apply(self, &mut doc, &path, env);
            let mut chain = chain.to_vec();
            chain.push(super::lexical(&path));
            include::apply(self, &mut doc, working_dir, env, &chain);
            let resets = merge::take_resets(&mut doc);
            let merged = match out.root.take() {
                None => doc,
                Some(mut base) => {
                    for r in &resets {
                        merge::remove_path(&mut base, r);
                    }
                    match merge::merge(base.clone(), doc, &mut Vec::new()) {
                        Ok(m) => m,
                        Err(e) => {
                            self.push(Diagnostic::error(
                                "schema-violation",
                                format!(
                                    "`{}` cannot be overridden with a value of another kind",
                                    e.path
                                ),
                                Some(e.span),
                            ));
                            base
                        }
                    }
                }
            };
            let mut merged = merged;
            merge::enforce_unicity(&mut merged, &mut self.findings);
            // The main project's final tree is validated by the `schema-violation` rule;
            // every other state is validated here, as compose validates after each document.
            if !(is_main && i + 1 == count) {
                self.validate(&merged);
            }
            out.root = Some(merged);
        }
        out
    }

    fn validate(&mut self, root: &Node) {
        for d in validate_compose(root) {
            self.report_once(d);
        }
    }

    /// Reports `d` unless the same message was already given at the same place.
    pub fn report_once(&mut self, d: Diagnostic) {
        let key = d.span.map(|s| (s.source, s.start, d.message.clone()));
        if let Some(key) = key {
            if !self.reported.insert(key) {
                return;
            }
        }
        self.findings.push(d);
    }
}

/// `root` against the compose schema; a violation at an unknown value is left out.
pub fn validate_compose(root: &Node) -> Vec<Diagnostic> {
    let Some(schema) = crate::schema::compose() else {
        return Vec::new();
    };
    schema.validate_except(root, "schema-violation", |v| v.found.unknown)
}

/// A finding with a severity other than error.
pub fn finding(code: &'static str, severity: Severity, message: String, span: Span) -> Diagnostic {
    let mut d = Diagnostic::error(code, message, Some(span));
    d.severity = severity;
    d
}
