//! The mcp/v1 loader: each document is identified (`apiVersion`, `kind`), validated against
//! the mcp/v1 schema, and typed into a [`Manifest`].

use crate::diag::{Diagnostic, Severity};
use crate::model::manifest::{self, Manifest};
use crate::model::{FileKind, Stack, StackFile};
use crate::schema::Schema;
use crate::source::{SourceDb, SourceId};
use crate::yaml::{self, Node};

use super::LoadError;
use super::discover::ManifestFile;

/// Parses, validates and types every manifest file into `stack.inner`.
pub fn load_all(
    files: Vec<ManifestFile>,
    db: &mut SourceDb,
    stack: &mut Stack,
    findings: &mut Vec<Diagnostic>,
) -> Result<(), LoadError> {
    let schema = crate::schema::mcp_v1();
    for file in files {
        if file.text.len() >= crate::alloc::BULK_THRESHOLD {
            crate::alloc::use_bulk_allocator();
        }
        let id = db.add(file.name, file.text);
        let text = db.shared_text(id);
        let parsed = yaml::parse(id, &text, yaml::Limits::default());
        super::report_parse_errors(&parsed.errors, findings);
        for doc in parsed.documents {
            if doc.is_null() {
                continue;
            }
            if let Some(m) = document(id, doc, schema, findings) {
                stack.inner.push(m);
            }
        }
        stack.files.push(StackFile {
            source: id,
            kind: FileKind::Manifest,
        });
    }
    Ok(())
}

fn document(
    source: SourceId,
    doc: Node,
    schema: Option<&Schema>,
    findings: &mut Vec<Diagnostic>,
) -> Option<Manifest> {
    let (api, kind) = manifest::identity(&doc);
    let api_ok = api
        .as_ref()
        .is_some_and(|a| a.value.text == manifest::API_VERSION);
    let kind_ok = kind
        .as_ref()
        .is_some_and(|k| manifest::KINDS.contains(&k.value.text.as_str()));
    if !api_ok || !kind_ok {
        let (span, message) = match (&api, &kind) {
            (Some(a), _) if !api_ok => (a.span, format!("unknown apiVersion `{}`", a.value.text)),
            (None, _) => (doc.span, "document has no `apiVersion`".to_string()),
            (_, Some(k)) => (k.span, format!("unknown kind `{}`", k.value.text)),
            (_, None) => (doc.span, "document has no `kind`".to_string()),
        };
        let mut d = Diagnostic::error("unknown-manifest-kind", message, Some(span)).with_help(
            "mcp/v1 knows `MCPContainer`, `MCPNetwork` and `MCPSecret` with `apiVersion: mcp/v1`",
        );
        d.severity = Severity::Error;
        findings.push(d);
        return None;
    }
    if let Some(schema) = schema {
        findings.extend(schema.validate(&doc, "schema-violation"));
    }
    let kind = kind.map(|k| k.value.text).unwrap_or_default();
    Manifest::from_node(source, doc, &kind, findings)
}
