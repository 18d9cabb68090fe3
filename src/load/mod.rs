//! Loading a stack: finding its files, reading them safely, and running compose's loading
//! stages on the outer layer — parse, interpolate (with compose's casts), `extends`,
//! `include`, `-f` merge, unicity, schema, then the typed model with profiles applied — and
//! the mcp/v1 loader on the inner one. Problems in the files are findings (data with spans);
//! only what stops the job (a path that cannot be read at all) is an error.
//!
//! One module per stage, in compose-go's order: [`interpolate`] (with [`interp`] and
//! [`env`]), [`extends`], [`include`], [`merge`] (also unicity and `!reset`), schema
//! validation in [`compose`], then [`decode`] (every typed field, as compose decodes it) and
//! [`profiles`]. Docker Compose v2 is the oracle: `tests/parity` holds dindctl's verdict to
//! compose's on thousands of files.

pub mod compose;
pub mod decode;
pub mod discover;
pub mod env;
pub mod extends;
pub mod include;
pub mod interp;
pub mod interpolate;
pub mod manifest;
pub mod merge;
pub mod ports;
pub mod profiles;
pub mod read;
pub mod tree;
pub mod volume;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::diag::Diagnostic;
use crate::model::{FileKind, Stack, StackFile, compose::Project};
use crate::source::SourceDb;
use crate::yaml;

pub use compose::ComposeInput;
pub use discover::MANIFEST_DIRS;
pub use env::Env;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Read(#[from] read::ReadError),
    #[error("`{path}` holds no compose file and no mcp/v1 manifest")]
    Empty { path: PathBuf },
    #[error("no compose file and no mcp/v1 manifest found; searched {searched}")]
    NothingFound { searched: String },
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
    /// Replaces the process environment (tests; `None` reads the process's).
    pub environment: Option<HashMap<String, String>>,
    /// Compose profiles to activate (`--compose-profile`); empty: `COMPOSE_PROFILES`.
    pub compose_profiles: Vec<String>,
    /// No path was given: the stack of the current directory, found as compose finds its
    /// files (see [`discover`]).
    pub current_directory: bool,
}

/// Text already in memory (a rendered stack): name as shown, and contents.
#[derive(Clone, Debug)]
pub struct MemoryFile {
    pub name: String,
    pub text: String,
}

/// A path with `.` and `..` resolved without touching the filesystem (a directory on the way
/// need not exist).
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Turns the parser's problems into findings.
pub fn report_parse_errors(errors: &[yaml::ParseError], out: &mut Vec<Diagnostic>) {
    for e in errors {
        let (code, related) = match &e.kind {
            yaml::ParseErrorKind::DuplicateKey { first, .. } => ("duplicate-key", Some(*first)),
            _ => ("yaml-syntax", None),
        };
        let mut d = Diagnostic::error(code, e.message(), Some(e.span));
        if let Some(first) = related {
            d = d.with_related(first, "first written here");
        }
        out.push(d);
    }
}

/// The variables interpolation sees: the process environment (or `inputs.environment`), then
/// `--env-file` or the `.env` of the project directory for what the environment lacks.
fn environment(
    inputs: &Inputs,
    project_dir: Option<&Path>,
    db: &mut SourceDb,
    findings: &mut Vec<Diagnostic>,
) -> Result<Env, LoadError> {
    let vars = match &inputs.environment {
        Some(v) => v.clone(),
        None => std::env::vars().collect(),
    };
    let mut env = Env::new(vars);
    let file = match (&inputs.env_file, project_dir) {
        (Some(file), _) => Some(file.clone()),
        (None, Some(dir)) => Some(dir.join(".env")).filter(|p| p.is_file()),
        (None, None) => None,
    };
    if let Some(file) = file {
        let text = read::text(&file)?;
        let id = db.add(file.display().to_string(), text.clone());
        if let Err(e) = env.add_dotenv(&text) {
            let f = db.get(id);
            let line_start = f.line_start(e.line);
            findings.push(Diagnostic::error(
                "invalid-env-file",
                format!(
                    "`{}` cannot be read as an env file: {}",
                    file.display(),
                    e.message
                ),
                Some(crate::source::Span {
                    source: id,
                    start: line_start,
                    end: line_start,
                }),
            ));
        }
    }
    Ok(env)
}

/// The Dockerfile of each service's local `build:` context (relative to the compose file
/// that names it), for what it says about the image: its base, user, groups, health check.
fn read_dockerfiles(project: &mut Project, db: &SourceDb) {
    for service in project
        .services
        .iter_mut()
        .chain(project.disabled.iter_mut())
    {
        let Some(build) = &service.build else {
            continue;
        };
        let Some(context) = build.context.as_ref().filter(|c| !c.value.unresolved) else {
            continue;
        };
        let context = &context.value.text;
        if context.contains("://") || context.starts_with("git@") {
            continue;
        }
        let base = Path::new(db.name(build.span.source))
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let file = build
            .dockerfile
            .as_ref()
            .map_or("Dockerfile", |d| d.value.text.as_str());
        let path = lexical(&base.join(context).join(file));
        if let Ok(text) = read::text(&path) {
            service.dockerfile = Some(Box::new(crate::model::dockerfile::parse(&text)));
        }
    }
}

/// The host paths the DinD services bind-mount (relative to the compose file naming them).
fn bound_dirs(stack: &Stack, db: &SourceDb) -> Vec<PathBuf> {
    let Some(project) = &stack.outer else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in crate::model::dind::daemons(project) {
        for m in &d.service.mounts {
            if m.kind != crate::model::compose::MountKind::Bind || m.unknown {
                continue;
            }
            let Some(source) = m.source.as_deref() else {
                continue;
            };
            if source.starts_with('~') || is_socket_like(source) {
                continue;
            }
            let base = Path::new(db.name(m.span.source))
                .parent()
                .unwrap_or(Path::new(""))
                .to_path_buf();
            let path = lexical(&base.join(source));
            if !out.contains(&path) {
                out.push(path);
            }
        }
    }
    out
}

/// System paths a DinD service mounts that never hold manifests.
fn is_socket_like(source: &str) -> bool {
    matches!(
        source.trim_end_matches('/'),
        "/" | "/var/run"
            | "/run"
            | "/var/run/docker.sock"
            | "/run/docker.sock"
            | "/var/lib/docker"
            | "/lib/modules"
            | "/sys"
            | "/proc"
            | "/dev"
    )
}

/// compose's `env_file`: each file, relative to the compose file that names it, must exist
/// unless `required: false`; its variables join the service's environment where
/// `environment` does not set them (compose-go `WithServicesEnvironmentResolved`).
fn service_env_files(
    project: &mut Project,
    env: &Env,
    db: &SourceDb,
    findings: &mut Vec<Diagnostic>,
) {
    use crate::model::{Spanned, Text, compose::EnvVar};
    for service in &mut project.services {
        let files = service.env_files.clone();
        for f in files {
            if f.path.value.unresolved {
                continue;
            }
            let base = Path::new(db.name(f.path.span.source))
                .parent()
                .unwrap_or(Path::new(""))
                .to_path_buf();
            let path = lexical(&base.join(&f.path.value.text));
            let text = match read::text(&path) {
                Ok(t) => t,
                Err(_) if !f.required => continue,
                Err(e) => {
                    let message = match &e {
                        read::ReadError::Io { source, .. }
                            if source.kind() == std::io::ErrorKind::NotFound =>
                        {
                            format!(
                                "env file `{}` of `{}` does not exist",
                                f.path.value.text, service.name
                            )
                        }
                        other => other.to_string(),
                    };
                    findings.push(
                        Diagnostic::error("missing-file", message, Some(f.path.span)).with_help(
                            "create it, or write `{path: …, required: false}` when it is optional",
                        ),
                    );
                    continue;
                }
            };
            match env::parse_dotenv(&text, env) {
                Ok(vars) => {
                    for (key, value) in vars {
                        if service.environment.iter().any(|e| e.key == key) {
                            continue;
                        }
                        service.environment.push(EnvVar {
                            key,
                            key_span: f.path.span,
                            value: Some(Spanned {
                                value: Text {
                                    text: value,
                                    unresolved: false,
                                    interpolated: false,
                                },
                                span: f.path.span,
                            }),
                        });
                    }
                }
                Err(e) => findings.push(Diagnostic::error(
                    "invalid-env-file",
                    format!(
                        "env file `{}` of `{}` cannot be parsed: {e}",
                        f.path.value.text, service.name
                    ),
                    Some(f.path.span),
                )),
            }
        }
    }
}

/// The directory of a stack without compose files: the first path given (a file's
/// directory; `deploy/mcp-manifests` belongs to `deploy`), else the current directory.
fn stack_dir(inputs: &Inputs) -> Option<PathBuf> {
    let dir = match inputs.paths.first() {
        Some(first) if first.is_dir() => first.clone(),
        Some(first) => first.parent().map(Path::to_path_buf).unwrap_or_default(),
        None if inputs.current_directory => PathBuf::from("."),
        None => return None,
    };
    let dir = crate::project::absolute_dir(&dir);
    if dir
        .file_name()
        .is_some_and(|n| MANIFEST_DIRS.iter().any(|m| n == *m))
    {
        return dir.parent().map(Path::to_path_buf);
    }
    Some(dir)
}

/// Loads the stack named by `inputs` (and `memory`, files already in memory) into `db`.
pub fn load(
    inputs: &Inputs,
    memory: &[MemoryFile],
    db: &mut SourceDb,
) -> Result<(Stack, Vec<Diagnostic>), LoadError> {
    let mut found = discover::find(inputs, memory)?;
    let mut findings = Vec::new();
    let env = environment(inputs, found.project_dir.as_deref(), db, &mut findings)?;
    let mut stack = Stack {
        project_dir: found.project_dir.clone().or_else(|| stack_dir(inputs)),
        env_project_name: env.get("COMPOSE_PROJECT_NAME").map(str::to_string),
        ..Stack::default()
    };
    let mut ctx = compose::Ctx::new(db);
    ctx.findings = findings;
    ctx.memory = memory
        .iter()
        .map(|m| (PathBuf::from(&m.name), m.text.clone()))
        .collect();
    if !found.compose.is_empty() {
        let working_dir = found
            .project_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("."));
        let loaded = ctx.load_project(&mut found.compose, &env, &working_dir, &[], true);
        let profiles = profiles::active(&inputs.compose_profiles, &env);
        if let Some(root) = &loaded.root {
            decode::check(root, &mut ctx.findings);
            let mut project = Project::from_root(root, &profiles);
            service_env_files(&mut project, &env, ctx.db, &mut ctx.findings);
            read_dockerfiles(&mut project, ctx.db);
            crate::model::dind::mark_daemons(&mut project);
            project.versions = loaded.versions;
            project.base_dir = found.project_dir.clone();
            stack.outer = Some(project);
        } else if !ctx
            .findings
            .iter()
            .any(|d| d.code == "yaml-syntax" || d.code == "missing-file")
        {
            if let Some(first) = ctx.files.first() {
                ctx.findings.push(
                    Diagnostic::error(
                        "empty-compose-file",
                        "the compose file is empty",
                        Some(crate::source::Span {
                            source: *first,
                            start: 0,
                            end: 0,
                        }),
                    )
                    .with_help("docker compose refuses a file without content; add `services:`"),
                );
            }
        }
        stack.compose_tree = loaded.root;
    }
    let files = std::mem::take(&mut ctx.files);
    let mut findings = std::mem::take(&mut ctx.findings);
    drop(ctx);
    for id in files {
        stack.files.push(StackFile {
            source: id,
            kind: FileKind::Compose,
        });
    }
    // Manifests the DinD service bind-mounts from the host belong to the stack too.
    let mut manifests = std::mem::take(&mut found.manifests);
    for dir in bound_dirs(&stack, db) {
        let known: Vec<String> = manifests.iter().map(|m| m.name.clone()).collect();
        manifests.extend(discover::manifests_in(&dir, &known));
    }
    manifest::load_all(manifests, db, &mut stack, &mut findings)?;
    Ok((stack, findings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_paths() {
        assert_eq!(
            lexical(Path::new("build/dindctl/mcp-manifests/../secrets/x")),
            PathBuf::from("build/dindctl/secrets/x")
        );
        assert_eq!(lexical(Path::new("./a/./b")), PathBuf::from("a/b"));
        assert_eq!(lexical(Path::new("../x")), PathBuf::from("../x"));
    }
}
