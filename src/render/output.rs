//! The rendered file set: writing it atomically, and comparing it with what is on disk.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::GENERATED_MARKER;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedFile {
    /// Path relative to the output directory, `/`-separated.
    pub path: String,
    pub contents: String,
}

#[derive(Clone, Debug)]
pub struct RenderedSet {
    pub compose_file: String,
    pub manifests_dir: String,
    /// Sorted by path.
    pub files: Vec<RenderedFile>,
}

/// How one file on disk differs from the rendered set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileChange {
    Missing {
        path: String,
        diff: String,
    },
    Differs {
        path: String,
        diff: String,
    },
    /// A file the render set does not contain any more (in the manifests directory).
    Extra {
        path: String,
        diff: String,
    },
}

impl FileChange {
    pub fn diff(&self) -> &str {
        match self {
            FileChange::Missing { diff, .. }
            | FileChange::Differs { diff, .. }
            | FileChange::Extra { diff, .. } => diff,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot create directory `{path}`: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot replace `{path}`: {source}")]
    Rename {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot remove stale file `{path}`: {source}")]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What [`RenderedSet::write`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub written: Vec<String>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
}

fn read_optional(path: &Path) -> Result<Option<String>, OutputError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(OutputError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

impl RenderedSet {
    /// Files in the manifests directory that look like ours but are not in the set: the
    /// YAML files there that start with the generated marker.
    fn stale_files(&self, out: &Path) -> Result<Vec<String>, OutputError> {
        let dir = out.join(&self.manifests_dir);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(OutputError::Read { path: dir, source }),
        };
        let mut stale = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !(name.ends_with(".yml") || name.ends_with(".yaml")) {
                continue;
            }
            let rel = format!("{}/{name}", self.manifests_dir);
            if self.files.iter().any(|f| f.path == rel) {
                continue;
            }
            if let Some(text) = read_optional(&entry.path())? {
                if text.starts_with(GENERATED_MARKER) {
                    stale.push(rel);
                }
            }
        }
        stale.sort();
        Ok(stale)
    }

    /// Compares the set with the files under `out`; an empty result means identical.
    pub fn compare(&self, out: &Path) -> Result<Vec<FileChange>, OutputError> {
        let mut changes = Vec::new();
        for file in &self.files {
            let path = out.join(&file.path);
            let shown = path.display().to_string();
            match read_optional(&path)? {
                None => changes.push(FileChange::Missing {
                    path: shown.clone(),
                    diff: unified("", &file.contents, "/dev/null", &shown),
                }),
                Some(old) if old != file.contents => changes.push(FileChange::Differs {
                    path: shown.clone(),
                    diff: unified(&old, &file.contents, &shown, &format!("{shown} (rendered)")),
                }),
                Some(_) => {}
            }
        }
        for rel in self.stale_files(out)? {
            let path = out.join(&rel);
            let old = read_optional(&path)?.unwrap_or_default();
            let shown = path.display().to_string();
            changes.push(FileChange::Extra {
                diff: unified(&old, "", &shown, "/dev/null"),
                path: shown,
            });
        }
        Ok(changes)
    }

    /// Writes the set under `out`. Every changed file is first written to a temporary file
    /// beside its target; only when all are written are they renamed into place, so a failure
    /// leaves the previous output untouched. Unchanged files are not rewritten; stale
    /// generated files in the manifests directory are removed.
    pub fn write(&self, out: &Path) -> Result<WriteSummary, OutputError> {
        let mut summary = WriteSummary::default();
        let mut staged = Vec::new();
        for file in &self.files {
            let target = out.join(&file.path);
            if read_optional(&target)?.as_deref() == Some(file.contents.as_str()) {
                summary.unchanged.push(file.path.clone());
                continue;
            }
            let dir = target.parent().unwrap_or(out).to_path_buf();
            std::fs::create_dir_all(&dir).map_err(|source| OutputError::CreateDir {
                path: dir.clone(),
                source,
            })?;
            let mut tmp = tempfile::Builder::new()
                .prefix(".dindctl-")
                .suffix(".tmp")
                .tempfile_in(&dir)
                .map_err(|source| OutputError::Write {
                    path: target.clone(),
                    source,
                })?;
            tmp.write_all(file.contents.as_bytes())
                .and_then(|()| tmp.as_file().sync_all())
                .map_err(|source| OutputError::Write {
                    path: target.clone(),
                    source,
                })?;
            staged.push((tmp, target, file.path.clone()));
        }
        let stale = self.stale_files(out)?;
        for (tmp, target, rel) in staged {
            tmp.persist(&target).map_err(|e| OutputError::Rename {
                path: target.clone(),
                source: e.error,
            })?;
            summary.written.push(rel);
        }
        for rel in stale {
            let path = out.join(&rel);
            std::fs::remove_file(&path).map_err(|source| OutputError::Remove { path, source })?;
            summary.removed.push(rel);
        }
        Ok(summary)
    }

    /// All files as one YAML stream, each document introduced by a comment naming its path.
    pub fn to_stream(&self) -> String {
        let mut out = String::new();
        for file in &self.files {
            out.push_str(&format!("---\n# file: {}\n", file.path));
            out.push_str(&file.contents);
        }
        out
    }
}
