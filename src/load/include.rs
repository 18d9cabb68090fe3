//! Compose's `include` stage (compose-go `loader/include.go`): each entry names a compose
//! project (`path`, a file or a list of files merged in order), loaded on its own — with its
//! own project directory (`project_directory`, else the first file's directory), its own
//! variables (the including project's, then its `env_file`s or the `.env` of its project
//! directory) and its own nested includes — and whose services, networks, volumes, secrets
//! and configs join the including document. A resource defined on both sides must be the
//! same, or compose refuses the file; an include that leads back to a file on its own chain
//! is a cycle.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::source::Span;
use crate::yaml::{Entry, Node, Value};

use super::compose::{ComposeInput, Ctx};
use super::env::{self, Env};
use super::{lexical, tree};

/// Resource sections an included project contributes.
const SECTIONS: [&str; 6] = [
    "services", "volumes", "networks", "secrets", "configs", "models",
];

struct Include {
    paths: Vec<(PathBuf, String, Span)>,
    project_directory: Option<(String, Span)>,
    env_files: Vec<(String, Span)>,
    span: Span,
}

fn strings(node: Option<&Node>) -> Vec<(String, Span)> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| Some((tree::string(i)?.to_string(), i.span)))
            .collect(),
        Some(Value::Scalar(_)) => node
            .and_then(|n| Some((tree::string(n)?.to_string(), n.span)))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

fn entries(include: &Node, working_dir: &Path) -> Vec<Include> {
    let items: Vec<&Node> = match &include.value {
        Value::Seq(items) => items.iter().collect(),
        _ => return Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|item| {
            let (paths, project_directory, env_files) = match &item.value {
                Value::Scalar(_) => (strings(Some(item)), None, Vec::new()),
                Value::Map(_) => (
                    strings(item.get("path")),
                    item.get("project_directory")
                        .and_then(|n| Some((tree::string(n)?.to_string(), n.span))),
                    strings(item.get("env_file")),
                ),
                Value::Seq(_) => return None,
            };
            Some(Include {
                paths: paths
                    .into_iter()
                    .map(|(p, span)| (lexical(&working_dir.join(&p)), p, span))
                    .collect(),
                project_directory,
                env_files,
                span: item.span,
            })
        })
        .collect()
}

/// Loads the includes of `doc` and imports their resources into it; removes `include`.
pub fn apply(ctx: &mut Ctx<'_>, doc: &mut Node, working_dir: &Path, env: &Env, chain: &[PathBuf]) {
    let Some(include) = tree::remove(doc, "include") else {
        return;
    };
    if !matches!(include.value.value, Value::Seq(_)) && !include.value.is_null() {
        // Compose reads `include` before validating the file, so this is its own error.
        ctx.push(
            Diagnostic::error(
                "schema-violation",
                "`include` must be a list",
                Some(include.value.span),
            )
            .with_help("write `include: [path/to/compose.yaml]`"),
        );
        return;
    }
    for inc in entries(&include.value, working_dir) {
        let Some((main, written, span)) = inc.paths.first().cloned() else {
            continue;
        };
        if chain.contains(&main) {
            let mut names: Vec<String> =
                chain.iter().map(|p| format!("`{}`", p.display())).collect();
            names.push(format!("`{}`", main.display()));
            ctx.push(
                Diagnostic::error(
                    "include-cycle",
                    format!("`include` of `{written}` leads back to a file that includes it: {}", names.join(" includes ")),
                    Some(span),
                )
                .with_help("a compose file cannot include itself, directly or through the files it includes"),
            );
            continue;
        }
        if let Some((missing, written, span)) = inc
            .paths
            .iter()
            .find(|(p, _, _)| !p.is_file() && !ctx.memory.iter().any(|(m, _)| m == p))
        {
            let _ = missing;
            ctx.push(Diagnostic::error(
                "missing-file",
                format!("included file `{written}` does not exist"),
                Some(*span),
            ));
            continue;
        }
        let project_dir = match &inc.project_directory {
            Some((dir, _)) => lexical(&working_dir.join(dir)),
            None => main.parent().unwrap_or(Path::new("")).to_path_buf(),
        };
        let mut inc_env = env.clone();
        let env_files: Vec<(PathBuf, String, Span)> = if inc.env_files.is_empty() {
            let dotenv = project_dir.join(".env");
            if dotenv.is_file() {
                vec![(dotenv, ".env".into(), inc.span)]
            } else {
                Vec::new()
            }
        } else {
            inc.env_files
                .iter()
                .filter(|(f, _)| f != "/dev/null")
                .map(|(f, span)| (lexical(&working_dir.join(f)), f.clone(), *span))
                .collect()
        };
        let mut ok = true;
        for (path, written, span) in &env_files {
            match super::read::text(path) {
                Ok(text) => {
                    if let Err(e) = inc_env.add_dotenv(&text) {
                        ctx.push(Diagnostic::error(
                            "invalid-env-file",
                            format!("`{written}` cannot be read as an env file: {e}"),
                            Some(*span),
                        ));
                        ok = false;
                    }
                }
                Err(_) => {
                    ctx.push(Diagnostic::error(
                        "missing-file",
                        format!("env file `{written}` does not exist"),
                        Some(*span),
                    ));
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        let _ = env::parse_dotenv;
        let inputs: Vec<ComposeInput> = inc
            .paths
            .iter()
            .map(|(p, _, _)| ComposeInput {
                path: p.clone(),
                text: None,
            })
            .collect();
        let mut inputs = inputs;
        let loaded = ctx.load_project(&mut inputs, &inc_env, &project_dir, chain, false);
        if let Some(root) = loaded.root {
            import(ctx, doc, root, &written, span);
        }
    }
}

/// Adds the resources of `imported` to `doc`; one defined on both sides must be equal.
fn import(ctx: &mut Ctx<'_>, doc: &mut Node, imported: Node, written: &str, span: Span) {
    let Value::Map(sections) = imported.value else {
        return;
    };
    for section in sections {
        let Some(name) = section.key_text().map(str::to_string) else {
            continue;
        };
        if !SECTIONS.contains(&name.as_str()) {
            continue;
        }
        let Value::Map(resources) = section.value.value else {
            continue;
        };
        if doc.get(&name).is_none() || doc.get(&name).is_some_and(Node::is_null) {
            tree::remove(doc, &name);
            if let Value::Map(entries) = &mut doc.value {
                entries.push(Entry {
                    key: section.key,
                    value: Node::new(section.value.span, Value::Map(Vec::new())),
                });
            }
        }
        let Some(target) = tree::get_mut(doc, &name) else {
            continue;
        };
        let Value::Map(existing) = &mut target.value else {
            continue;
        };
        for resource in resources {
            let Some(key) = resource.key_text() else {
                continue;
            };
            match existing.iter().find(|e| e.key_text() == Some(key)) {
                Some(e) if same(&e.value, &resource.value) => {}
                Some(e) => {
                    let d = Diagnostic::error(
                        "include-conflict",
                        format!(
                            "`{name}.{key}` is defined here and also by the included `{written}`"
                        ),
                        Some(e.key.span),
                    )
                    .with_related(span, "included here")
                    .with_help("rename one of them, or define it only once");
                    ctx.push(d);
                }
                None => existing.push(resource),
            }
        }
    }
}

/// Deep equality of two trees by value (spans ignored), as compose's `reflect.DeepEqual`.
fn same(a: &Node, b: &Node) -> bool {
    a.to_json() == b.to_json()
}
