//! Loading a stack: finding its files, parsing them, interpolating compose variables, merging
//! several compose files as docker compose does, validating every document against its schema,
//! and typing the result. Problems in the files are findings; only what stops the job (a path
//! that cannot be read) is an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Severity};
use crate::schema::Schema;
use crate::source::{SourceDb, SourceId};
use crate::yaml::{self, Entry, Node, Style, Value};

use super::interp::{self, Env};
use super::manifest::{self, Manifest};
use super::{FileKind, Stack, StackFile, compose::Project};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` holds no compose file and no mcp/v1 manifest")]
    Empty { path: PathBuf },
}

/// Where the stack's files come from.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Compose files to merge, in order (`-f a -f b`).
    pub compose_files: Vec<PathBuf>,
    /// Files or directories (searched for compose files and manifests).
    pub paths: Vec<PathBuf>,
    /// Replaces the `.env` beside the first compose file.
    pub env_file: Option<PathBuf>,
}

/// Text already in memory (a rendered stack): name as shown, and contents.
#[derive(Clone, Debug)]
pub struct MemoryFile {
    pub name: String,
    pub text: String,
}

const COMPOSE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

fn is_compose_name(name: &str) -> bool {
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    yaml && (name.starts_with("compose.") || name.starts_with("docker-compose"))
}

fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yml" || e == "yaml")
}

fn read(path: &Path) -> Result<String, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if text.len() >= crate::alloc::BULK_THRESHOLD {
        crate::alloc::use_bulk_allocator();
    }
    Ok(text)
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| LoadError::Read {
            path: dir.to_path_buf(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && is_yaml(p))
        .collect();
    entries.sort();
    Ok(entries)
}

/// A file parsed once, kept with what its content says it is.
struct Parsed {
    source: SourceId,
    documents: Vec<Node>,
    looks_like_manifest: bool,
    mcp_api: bool,
}

struct Loader<'a> {
    db: &'a mut SourceDb,
    findings: Vec<Diagnostic>,
}

fn finding(
    code: &'static str,
    severity: Severity,
    message: String,
    span: crate::source::Span,
) -> Diagnostic {
    let mut d = Diagnostic::error(code, message, Some(span));
    d.severity = severity;
    d
}

impl Loader<'_> {
    fn parse(&mut self, name: String, text: String) -> Parsed {
        let source = self.db.add(name, text.clone());
        let parsed = yaml::parse(source, &text, yaml::Limits::default());
        for e in &parsed.errors {
            let (code, related) = match &e.kind {
                yaml::ParseErrorKind::DuplicateKey { first, .. } => ("duplicate-key", Some(*first)),
                _ => ("yaml-syntax", None),
            };
            let mut d = finding(code, Severity::Error, e.message(), e.span);
            if let Some(first) = related {
                d = d.with_related(first, "first written here");
            }
            self.findings.push(d);
        }
        let api = |d: &Node| {
            d.get("apiVersion")
                .and_then(super::text)
                .map(|t| t.value.text)
        };
        let looks_like_manifest = parsed
            .documents
            .iter()
            .any(|d| d.get("apiVersion").is_some() || d.get("kind").is_some());
        let mcp_api = parsed
            .documents
            .iter()
            .any(|d| api(d).is_some_and(|a| a.starts_with("mcp/")));
        Parsed {
            source,
            documents: parsed.documents,
            looks_like_manifest,
            mcp_api,
        }
    }
}

/// Subdirectories of a stack directory that are searched for manifests too.
pub const MANIFEST_DIRS: [&str; 2] = ["mcp-manifests", "mcp"];

/// Loads the stack named by `inputs` (and `memory`, files already in memory) into `db`.
pub fn load(
    inputs: &Inputs,
    memory: &[MemoryFile],
    db: &mut SourceDb,
) -> Result<(Stack, Vec<Diagnostic>), LoadError> {
    let mut loader = Loader {
        db,
        findings: Vec::new(),
    };
    let mut compose: Vec<Parsed> = Vec::new();
    let mut manifests: Vec<Parsed> = Vec::new();
    let mut project_dir: Option<PathBuf> = None;

    for path in &inputs.compose_files {
        project_dir.get_or_insert_with(|| path.parent().unwrap_or(Path::new("")).to_path_buf());
        let parsed = loader.parse(path.display().to_string(), read(path)?);
        compose.push(parsed);
    }
    for path in &inputs.paths {
        if path.is_dir() {
            let before = compose.len() + manifests.len();
            discover(
                path,
                &mut loader,
                &mut compose,
                &mut manifests,
                &mut project_dir,
            )?;
            if compose.len() + manifests.len() == before {
                return Err(LoadError::Empty { path: path.clone() });
            }
        } else {
            let parsed = loader.parse(path.display().to_string(), read(path)?);
            if parsed.looks_like_manifest {
                manifests.push(parsed);
            } else {
                project_dir
                    .get_or_insert_with(|| path.parent().unwrap_or(Path::new("")).to_path_buf());
                compose.push(parsed);
            }
        }
    }
    for file in memory {
        let parsed = loader.parse(file.name.clone(), file.text.clone());
        if parsed.looks_like_manifest {
            manifests.push(parsed);
        } else {
            compose.push(parsed);
        }
    }

    let env = environment(inputs, project_dir.as_deref())?;
    let mut stack = Stack::default();
    let mut documents = Vec::new();
    for file in compose {
        for mut doc in file.documents {
            interpolate_tree(&mut doc, &env, &mut loader.findings);
            documents.push(doc);
        }
        stack.files.push(StackFile {
            source: file.source,
            kind: FileKind::Compose,
        });
    }
    stack.outer = project_of(&documents, project_dir.clone());
    stack.compose_documents = documents;

    let mcp_schema = crate::schema::mcp_v1();
    for file in manifests {
        for doc in file.documents {
            if let Some(m) = manifest_document(file.source, doc, mcp_schema, &mut loader.findings) {
                stack.inner.push(m);
            }
        }
        stack.files.push(StackFile {
            source: file.source,
            kind: FileKind::Manifest,
        });
    }
    Ok((stack, loader.findings))
}

fn discover(
    dir: &Path,
    loader: &mut Loader<'_>,
    compose: &mut Vec<Parsed>,
    manifests: &mut Vec<Parsed>,
    project_dir: &mut Option<PathBuf>,
) -> Result<(), LoadError> {
    let mut files = sorted_entries(dir)?;
    // The main compose file first, then overrides, as docker compose orders them.
    files.sort_by_key(|p| {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (!COMPOSE_NAMES.contains(&name.as_str()), name)
    });
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parsed = loader.parse(path.display().to_string(), read(&path)?);
        if is_compose_name(&name) && !parsed.looks_like_manifest {
            project_dir.get_or_insert_with(|| dir.to_path_buf());
            compose.push(parsed);
        } else if parsed.mcp_api {
            manifests.push(parsed);
        }
    }
    for sub in MANIFEST_DIRS {
        let sub = dir.join(sub);
        if !sub.is_dir() {
            continue;
        }
        for path in sorted_entries(&sub)? {
            let parsed = loader.parse(path.display().to_string(), read(&path)?);
            // Inside a manifests directory every document that declares itself is taken, so
            // an unknown `apiVersion` or `kind` is reported rather than skipped.
            if parsed.looks_like_manifest {
                manifests.push(parsed);
            }
        }
    }
    Ok(())
}

/// The process environment over `--env-file`, or else the `.env` beside the compose file.
fn environment(inputs: &Inputs, project_dir: Option<&Path>) -> Result<Env, LoadError> {
    let mut env = Env::new(std::env::vars().collect::<HashMap<_, _>>());
    match (&inputs.env_file, project_dir) {
        (Some(file), _) => env.add_dotenv(&read(file)?),
        (None, Some(dir)) => {
            let dotenv = dir.join(".env");
            if dotenv.is_file() {
                env.add_dotenv(&read(&dotenv)?);
            }
        }
        (None, None) => {}
    }
    Ok(env)
}

/// Interpolates every scalar value (not keys) in place; an unresolved value is marked and
/// reported once (`unresolved-variable`).
fn interpolate_tree(node: &mut Node, env: &Env, findings: &mut Vec<Diagnostic>) {
    match &mut node.value {
        Value::Scalar(s) => {
            if !s.text.contains('$') {
                return;
            }
            match interp::interpolate(&s.text, env) {
                Ok(result) => {
                    for m in &result.missing {
                        let (severity, message) = match &m.required {
                            Some(msg) => (
                                Severity::Error,
                                format!("required variable `{}` is not set: {msg}", m.name),
                            ),
                            None => (
                                Severity::Warning,
                                format!("variable `{}` is not set and has no default", m.name),
                            ),
                        };
                        findings.push(
                            finding("unresolved-variable", severity, message, node.span)
                                .with_help("set it in the environment, in `.env` or with `--env-file`, or give a default: `${VAR:-value}`"),
                        );
                    }
                    s.unresolved = !result.missing.is_empty();
                    s.interpolated = result.references > 0;
                    s.text = result.text;
                    s.style = Style::DoubleQuoted;
                }
                Err(msg) => findings.push(finding(
                    "unresolved-variable",
                    Severity::Error,
                    format!("invalid interpolation: {msg}"),
                    node.span,
                )),
            }
        }
        Value::Seq(items) => items
            .iter_mut()
            .for_each(|i| interpolate_tree(i, env, findings)),
        Value::Map(entries) => entries
            .iter_mut()
            .for_each(|e| interpolate_tree(&mut e.value, env, findings)),
    }
}

/// Whether the node at `pointer` (or one of its ancestors' values) is unknown.
fn unresolved_at(root: &Node, pointer: &str) -> bool {
    root.at_pointer(pointer, false)
        .is_some_and(|n| matches!(&n.value, Value::Scalar(s) if s.unresolved))
}

/// Validates the stack's compose documents against the compose schema; a violation at a value
/// that depends on an unresolved variable is left out (the value is unknown).
pub fn validate_compose(stack: &Stack) -> Vec<Diagnostic> {
    let Some(schema) = crate::schema::compose() else {
        return Vec::new();
    };
    stack
        .compose_documents
        .iter()
        .flat_map(|doc| {
            schema.validate_except(doc, "schema-violation", |v| unresolved_at(doc, &v.path))
        })
        .collect()
}

/// The merged project of the compose documents, in order.
fn project_of(documents: &[Node], base_dir: Option<PathBuf>) -> Option<Project> {
    let (first, rest) = documents.split_first()?;
    let mut project = if rest.is_empty() {
        Project::from_root(first)
    } else {
        let merged = rest
            .iter()
            .fold(first.clone(), |base, doc| merge(base, doc.clone(), ""));
        Project::from_root(&merged)
    };
    project.versions = documents
        .iter()
        .filter_map(|d| d.entry("version").map(|e| e.key.span))
        .collect();
    project.base_dir = base_dir;
    Some(project)
}

/// Sequences that docker compose appends when merging files; other sequences are replaced.
const APPENDED: &[&str] = &[
    "ports",
    "volumes",
    "expose",
    "extra_hosts",
    "dns",
    "dns_search",
    "cap_add",
    "cap_drop",
    "security_opt",
    "secrets",
    "configs",
    "devices",
    "group_add",
    "env_file",
    "external_links",
    "links",
    "volumes_from",
    "tmpfs",
];

/// `over` written over `base`: mappings merge key by key (later wins), sequences listed in
/// [`APPENDED`] are appended, anything else is replaced.
pub fn merge(base: Node, over: Node, key: &str) -> Node {
    match (base.value, over.value) {
        (Value::Map(mut entries), Value::Map(over_entries)) => {
            for oe in over_entries {
                let k = oe.key_text().map(str::to_string);
                match k
                    .as_deref()
                    .and_then(|k| entries.iter().position(|e| e.key_text() == Some(k)))
                {
                    Some(i) => {
                        let be = entries.remove(i);
                        let value = merge(be.value, oe.value, k.as_deref().unwrap_or(""));
                        entries.insert(i, Entry { key: oe.key, value });
                    }
                    None => entries.push(oe),
                }
            }
            Node {
                span: over.span,
                value: Value::Map(entries),
            }
        }
        (Value::Seq(mut items), Value::Seq(over_items)) if APPENDED.contains(&key) => {
            items.extend(over_items);
            Node {
                span: over.span,
                value: Value::Seq(items),
            }
        }
        (_, value) => Node {
            span: over.span,
            value,
        },
    }
}

fn manifest_document(
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
        findings.push(
            finding("unknown-manifest-kind", Severity::Error, message, span)
                .with_help("mcp/v1 knows `MCPContainer`, `MCPNetwork` and `MCPSecret` with `apiVersion: mcp/v1`"),
        );
        return None;
    }
    if let Some(schema) = schema {
        findings.extend(schema.validate(&doc, "schema-violation"));
    }
    let kind = kind.map(|k| k.value.text).unwrap_or_default();
    Manifest::from_node(source, doc, &kind)
}
