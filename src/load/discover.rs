//! Which files form the stack: compose files given with `-f` or named, directories searched
//! for compose files (by name) and mcp/v1 manifests (by content, also in `mcp-manifests/` and
//! `mcp/`), and files already in memory. Only regular files are read.

use std::path::{Path, PathBuf};

use super::compose::ComposeInput;
use super::{Inputs, LoadError, MemoryFile, read};

/// Subdirectories of a stack directory that are searched for manifests too.
pub const MANIFEST_DIRS: [&str; 2] = ["mcp-manifests", "mcp"];

const COMPOSE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
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

fn is_compose_name(name: &str) -> bool {
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    yaml && (name.starts_with("compose.") || name.starts_with("docker-compose"))
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
        .map(|e| e.path())
        .filter(|p| is_yaml(p) && std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        .collect();
    entries.sort();
    Ok(entries)
}

pub fn find(inputs: &Inputs, memory: &[MemoryFile]) -> Result<Found, LoadError> {
    let mut found = Found::default();
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

fn directory(dir: &Path, found: &mut Found) -> Result<(), LoadError> {
    let mut files = yaml_entries(dir)?;
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
        let text = read::text(&path)?;
        if is_compose_name(&name) && !looks_like_manifest(&text) {
            found.project_dir.get_or_insert_with(|| dir.to_path_buf());
            found.compose.push(ComposeInput {
                path: path.clone(),
                text: Some(text),
            });
        } else if declares_mcp(&text) {
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
