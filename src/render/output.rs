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

/// The text of a file that may not exist (bounded and regular-file-only, like every input).
fn read_optional(path: &Path) -> Result<Option<String>, OutputError> {
    match crate::load::read::text(path) {
        Ok(text) => Ok(Some(text)),
        Err(crate::load::read::ReadError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            Ok(None)
        }
        Err(crate::load::read::ReadError::Io { path, source }) => {
            Err(OutputError::Read { path, source })
        }
        Err(e) => Err(OutputError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        }),
    }
}

/// The permission bits of the file at `path`, if there is one.
fn existing_mode(path: &Path) -> Result<Option<u32>, OutputError> {
    use std::os::unix::fs::PermissionsExt as _;
    match std::fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m.permissions().mode() & 0o7777)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(OutputError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// A unique name beside `target` for a temporary or moved-aside file.
fn beside(target: &Path, what: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.dindctl-{what}-{}-{n}", std::process::id()))
}

/// Writes `contents` to a new temporary file beside `target`, synced, with `mode` (or 0666 less the
/// umask, which the kernel applies when the file is created with 0666).
fn write_temp(target: &Path, contents: &[u8], mode: Option<u32>) -> Result<PathBuf, OutputError> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let err = |source| OutputError::Write {
        path: target.to_path_buf(),
        source,
    };
    let tmp = beside(target, "new");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o666)
        .open(&tmp)
        .map_err(err)?;
    let written = f
        .write_all(contents)
        .and_then(|()| match mode {
            Some(m) => f.set_permissions(std::fs::Permissions::from_mode(m)),
            None => Ok(()),
        })
        .and_then(|()| f.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(tmp)
}

/// Writes every file (absolute or relative paths) as one transaction, with the same
/// guarantees as [`RenderedSet::write`]: all of them are in place, or none changed (modes of
/// replaced files kept, new files 0666 less the umask, created directories removed again on
/// failure). Nothing else is touched.
pub fn write_files(files: &[(PathBuf, String)]) -> Result<(), OutputError> {
    Transaction::run(|tx| {
        let mut staged = Vec::new();
        for (target, contents) in files {
            let dir = target
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            staged.push((tx.stage(dir, target, contents)?, target.clone()));
        }
        for (tmp, target) in staged {
            tx.place(&tmp, target)?;
        }
        Ok(())
    })
}

/// What a write did so far, to undo it on failure or finish it on success.
#[derive(Default)]
struct Transaction {
    /// Directories created, outermost first.
    dirs: Vec<PathBuf>,
    /// Temporary files not yet renamed into place.
    temps: Vec<PathBuf>,
    /// (original path, where it was moved aside), in order.
    aside: Vec<(PathBuf, PathBuf)>,
    /// New files renamed into place.
    placed: Vec<PathBuf>,
}

impl Transaction {
    /// Runs `f` in a new transaction: commits when it succeeds, rolls everything back when
    /// it fails.
    fn run<T>(f: impl FnOnce(&mut Self) -> Result<T, OutputError>) -> Result<T, OutputError> {
        let mut tx = Self::default();
        match f(&mut tx) {
            Ok(v) => {
                tx.commit();
                Ok(v)
            }
            Err(e) => {
                tx.roll_back();
                Err(e)
            }
        }
    }

    /// Writes `contents` to a temporary file beside `target` (creating `dir` as needed), with
    /// the mode of the file it will replace; returns the temporary file.
    fn stage(&mut self, dir: &Path, target: &Path, contents: &str) -> Result<PathBuf, OutputError> {
        self.create_dirs(dir)?;
        let mode = existing_mode(target)?;
        let tmp = write_temp(target, contents.as_bytes(), mode)?;
        self.temps.push(tmp.clone());
        Ok(tmp)
    }

    /// Moves the file at `target` aside (if any) and renames the staged `tmp` into its place.
    fn place(&mut self, tmp: &Path, target: PathBuf) -> Result<(), OutputError> {
        if existing_mode(&target)?.is_some() {
            self.move_aside(&target)?;
        }
        std::fs::rename(tmp, &target).map_err(|source| OutputError::Rename {
            path: target.clone(),
            source,
        })?;
        self.temps.retain(|t| t != tmp);
        self.placed.push(target);
        Ok(())
    }

    fn create_dirs(&mut self, dir: &Path) -> Result<(), OutputError> {
        let missing: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
            .map(Path::to_path_buf)
            .collect();
        for d in missing.into_iter().rev() {
            std::fs::create_dir(&d).map_err(|source| OutputError::CreateDir {
                path: d.clone(),
                source,
            })?;
            self.dirs.push(d);
        }
        Ok(())
    }

    fn move_aside(&mut self, path: &Path) -> Result<(), OutputError> {
        let aside = beside(path, "old");
        std::fs::rename(path, &aside).map_err(|source| OutputError::Remove {
            path: path.to_path_buf(),
            source,
        })?;
        self.aside.push((path.to_path_buf(), aside));
        Ok(())
    }

    fn roll_back(self) {
        for t in &self.temps {
            let _ = std::fs::remove_file(t);
        }
        for p in self.placed.iter().rev() {
            let _ = std::fs::remove_file(p);
        }
        for (original, aside) in self.aside.iter().rev() {
            let _ = std::fs::rename(aside, original);
        }
        for d in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }

    fn commit(self) {
        for (_, aside) in &self.aside {
            let _ = std::fs::remove_file(aside);
        }
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

    /// Writes the set under `out` as one transaction. Every changed file is first written to
    /// a temporary file beside its target (with the mode of the file it replaces, or 0666
    /// less the umask for a new one); then stale generated files and the files being
    /// replaced are moved aside, the new files renamed into place, and only when every step
    /// has succeeded are the moved-aside files deleted. If a step fails, everything done is
    /// undone: the directory is as it was (byte for byte, modes included), and directories
    /// this call created — `out` itself among them — are removed again.
    pub fn write(&self, out: &Path) -> Result<WriteSummary, OutputError> {
        Transaction::run(|tx| self.write_in(out, tx))
    }

    fn write_in(&self, out: &Path, tx: &mut Transaction) -> Result<WriteSummary, OutputError> {
        let mut summary = WriteSummary::default();
        let mut staged = Vec::new();
        for file in &self.files {
            let target = out.join(&file.path);
            if read_optional(&target)?.as_deref() == Some(file.contents.as_str()) {
                summary.unchanged.push(file.path.clone());
                continue;
            }
            let dir = target.parent().unwrap_or(out).to_path_buf();
            let tmp = tx.stage(&dir, &target, &file.contents)?;
            staged.push((tmp, target, file.path.clone()));
        }
        for rel in self.stale_files(out)? {
            tx.move_aside(&out.join(&rel))?;
            summary.removed.push(rel);
        }
        for (tmp, target, rel) in staged {
            tx.place(&tmp, target)?;
            summary.written.push(rel);
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
