//! Which files form the stack: compose files given with `-f` or named, directories searched
//! for compose files (by name) and mcp/v1 manifests (by content, also in `mcp-manifests/` and
//! `mcp/`), and files already in memory. Only regular files are read.

use std::path::{Path, PathBuf};

use super::compose::ComposeInput;
use super::{Inputs, LoadError, MemoryFile, read};

/// Subdirectories of a stack directory that are searched for manifests too.
pub const MANIFEST_DIRS: [&str; 2] = ["mcp-manifests", "mcp"];

/// The file names compose looks for, in its order of preference (compose-go
/// `cli/options.go`), and the override it adds to the one it finds.
pub const COMPOSE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
const OVERRIDE_NAMES: &[&str] = &[
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// A manifest file to load: its name as shown and its text.
#[derive(Clone, Debug)]
pub struct ManifestFile {
    pub name: String,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Found {
    pub compose: Vec<ComposeInput>,
    pub manifests: Vec<ManifestFile>,
    /// The directory of the first compose file: `.env`, `include` and relative paths start
    /// here.
    pub project_dir: Option<PathBuf>,
}

fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yml" || e == "yaml")
}

/// Whether the text declares itself a manifest: a top-level `apiVersion:` or `kind:`.
pub fn looks_like_manifest(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("apiVersion:") || l.starts_with("kind:"))
}

/// Whether the text declares an `mcp/…` API version.
pub fn declares_mcp(text: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix("apiVersion:")
            .map(|v| v.trim().trim_matches(['"', '\'']))
            .is_some_and(|v| v.starts_with("mcp/"))
    })
}

/// Regular YAML files of `dir`, sorted; FIFOs, sockets and devices are skipped.
fn yaml_entries(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let rd = std::fs::read_dir(dir).map_err(|source| read::ReadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut entries: Vec<PathBuf> = rd
        .flatten()
        .map(|e| join(dir, &e.file_name().to_string_lossy()))
        .filter(|p| is_yaml(p) && std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        .collect();
    entries.sort();
    Ok(entries)
}

/// Whether the text holds a top-level `services:` (a compose file with another name).
pub fn looks_like_compose(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("services:")) && !looks_like_manifest(text)
}

/// `dir/name`, without a leading `./` for the current directory (names are shown to users).
fn join(dir: &Path, name: &str) -> PathBuf {
    if dir.as_os_str().is_empty() || dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

/// Regular files of `dir` whose text declares an mcp/v1 manifest: the manifests of a
/// directory the DinD service bind-mounts (the inner layer's files are often kept where the
/// daemon can read them). Files already found are skipped.
pub fn manifests_in(dir: &Path, known: &[String]) -> Vec<ManifestFile> {
    let paths = if std::fs::metadata(dir).is_ok_and(|m| m.is_file()) {
        vec![dir.to_path_buf()]
    } else {
        yaml_entries(dir).unwrap_or_default()
    };
    paths
        .into_iter()
        .filter(|p| is_yaml(p) && !known.contains(&p.display().to_string()))
        .filter_map(|p| {
            let text = read::text(&p).ok()?;
            declares_mcp(&text).then(|| ManifestFile {
                name: p.display().to_string(),
                text,
            })
        })
        .collect()
}

fn compose_input(path: PathBuf) -> Result<ComposeInput, LoadError> {
    let text = read::text(&path)?;
    Ok(ComposeInput {
        path,
        text: Some(text),
    })
}

/// What `dindctl check` searches when no path is given, for the message when it finds
/// nothing.
pub fn searched(dir: &Path) -> String {
    format!(
        "`COMPOSE_FILE`, {} in `{}` and the directories above it, YAML files with a top-level `services:` in `{}`, and mcp/v1 manifests in it and in {}",
        COMPOSE_NAMES.join(", "),
        dir.display(),
        dir.display(),
        MANIFEST_DIRS.map(|d| format!("`{d}/`")).join(" and ")
    )
}

/// The stack of the current directory, found as compose finds its files: `COMPOSE_FILE`
/// (separated by `COMPOSE_PATH_SEPARATOR`, default `:`), else the first of the standard names
/// in this directory or the nearest one above it, with its override; else the YAML files here
/// that hold a top-level `services:`. Manifests come from the stack's directory.
fn current_directory(inputs: &Inputs, found: &mut Found) -> Result<(), LoadError> {
    let cwd = std::env::current_dir().map_err(|source| read::ReadError::Io {
        path: PathBuf::from("."),
        source,
    })?;
    let env = |k: &str| match &inputs.environment {
        Some(vars) => vars.get(k).cloned(),
        None => std::env::var(k).ok(),
    };
    if let Some(files) = env("COMPOSE_FILE").filter(|f| !f.is_empty()) {
        let sep = env("COMPOSE_PATH_SEPARATOR").unwrap_or_else(|| ":".into());
        for f in files.split(sep.as_str()).filter(|f| !f.is_empty()) {
            let path = PathBuf::from(f);
            found
                .project_dir
                .get_or_insert_with(|| path.parent().unwrap_or(Path::new("")).to_path_buf());
            found.compose.push(compose_input(path)?);
        }
        let dir = found
            .project_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("."));
        manifests_of(&dir, found)?;
        return Ok(());
    }
    let mut dir = PathBuf::from(".");
    let mut absolute = cwd.clone();
    loop {
        if let Some(main) = COMPOSE_NAMES
            .iter()
            .map(|n| join(&dir, n))
            .find(|p| p.is_file())
        {
            found.project_dir = Some(dir.clone());
            found.compose.push(compose_input(main)?);
            if let Some(o) = OVERRIDE_NAMES
                .iter()
                .map(|n| join(&dir, n))
                .find(|p| p.is_file())
            {
                found.compose.push(compose_input(o)?);
            }
            manifests_of(&dir, found)?;
            return Ok(());
        }
        match absolute.parent() {
            Some(parent) => {
                absolute = parent.to_path_buf();
                dir = dir.join("..");
            }
            None => break,
        }
    }
    directory(Path::new("."), found)?;
    if found.compose.is_empty() && found.manifests.is_empty() {
        return Err(LoadError::NothingFound {
            searched: searched(Path::new(".")),
        });
    }
    Ok(())
}

pub fn find(inputs: &Inputs, memory: &[MemoryFile]) -> Result<Found, LoadError> {
    let mut found = Found::default();
    if inputs.current_directory
        && inputs.paths.is_empty()
        && inputs.compose_files.is_empty()
        && memory.is_empty()
    {
        current_directory(inputs, &mut found)?;
        return Ok(found);
    }
    for path in &inputs.compose_files {
        found
            .project_dir
            .get_or_insert_with(|| path.parent().unwrap_or(Path::new("")).to_path_buf());
        let text = read::text(path)?;
        found.compose.push(ComposeInput {
            path: path.clone(),
            text: Some(text),
        });
    }
    for path in &inputs.paths {
        if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            let before = found.compose.len() + found.manifests.len();
            directory(path, &mut found)?;
            if found.compose.len() + found.manifests.len() == before {
                return Err(LoadError::Empty { path: path.clone() });
            }
        } else {
            let text = read::text(path)?;
            if looks_like_manifest(&text) {
                found.manifests.push(ManifestFile {
                    name: path.display().to_string(),
                    text,
                });
            } else {
                found
                    .project_dir
                    .get_or_insert_with(|| path.parent().unwrap_or(Path::new("")).to_path_buf());
                found.compose.push(ComposeInput {
                    path: path.clone(),
                    text: Some(text),
                });
            }
        }
    }
    for file in memory {
        if looks_like_manifest(&file.text) {
            found.manifests.push(ManifestFile {
                name: file.name.clone(),
                text: file.text.clone(),
            });
        } else {
            found.compose.push(ComposeInput {
                path: PathBuf::from(&file.name),
                text: Some(file.text.clone()),
            });
        }
    }
    Ok(found)
}

/// A stack directory: its compose file (the first standard name and its override, as
/// compose picks them; else every YAML file with a top-level `services:`) and its manifests.
fn directory(dir: &Path, found: &mut Found) -> Result<(), LoadError> {
    if let Some(main) = COMPOSE_NAMES
        .iter()
        .map(|n| join(dir, n))
        .find(|p| p.is_file())
    {
        found.project_dir.get_or_insert_with(|| dir.to_path_buf());
        found.compose.push(compose_input(main)?);
        if let Some(o) = OVERRIDE_NAMES
            .iter()
            .map(|n| join(dir, n))
            .find(|p| p.is_file())
        {
            found.compose.push(compose_input(o)?);
        }
    } else {
        for path in yaml_entries(dir)? {
            let text = read::text(&path)?;
            if looks_like_compose(&text) {
                found.project_dir.get_or_insert_with(|| dir.to_path_buf());
                found.compose.push(ComposeInput {
                    path,
                    text: Some(text),
                });
            }
        }
    }
    manifests_of(dir, found)
}

/// The manifests of a stack directory: its own files that declare `apiVersion: mcp/…`, and
/// every document that declares itself in `mcp-manifests/` and `mcp/`.
fn manifests_of(dir: &Path, found: &mut Found) -> Result<(), LoadError> {
    for path in yaml_entries(dir)? {
        if found.manifests.iter().any(|m| Path::new(&m.name) == path) {
            continue;
        }
        let text = read::text(&path)?;
        if declares_mcp(&text) {
            found.manifests.push(ManifestFile {
                name: path.display().to_string(),
                text,
            });
        }
    }
    for sub in MANIFEST_DIRS {
        let sub = dir.join(sub);
        if !sub.is_dir() {
            continue;
        }
        for path in yaml_entries(&sub)? {
            let text = read::text(&path)?;
            // Inside a manifests directory every document that declares itself is taken, so
            // an unknown `apiVersion` or `kind` is reported rather than skipped.
            if looks_like_manifest(&text) {
                found.manifests.push(ManifestFile {
                    name: path.display().to_string(),
                    text,
                });
            }
        }
    }
    Ok(())
}
