//! `dindctl.toml`: rule severities, the socket GID, and per-path ignores.
//!
//! ```toml
//! socket-gid = 2375
//!
//! [rules]
//! unpinned-image = "off"            # off | info | warning | error
//! missing-resource-limits = "warning"
//!
//! [[ignore]]
//! paths = ["examples/broken-stack/**"]
//! rules = ["unpinned-image"]        # every rule when absent
//! ```
//!
//! The file is found by walking up from the current directory, or named with `--config`.
//! Mistakes (an unknown rule id, a bad severity, an unknown key) are diagnostics at their
//! line in the file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{RuleMeta, find_rule};
use crate::diag::{Diagnostic, Severity};
use crate::source::{SourceDb, SourceId, Span};

pub const FILE_NAME: &str = "dindctl.toml";
const CODE: &str = "config";

/// The GID of the `docker` group in docker:dind images, which owns the daemon socket.
pub const DEFAULT_SOCKET_GID: u32 = 2375;

#[derive(Debug, Clone)]
pub struct Config {
    pub socket_gid: u32,
    /// Rule id to its level; `None` turns the rule off.
    levels: HashMap<String, Option<Severity>>,
    ignores: Vec<PathIgnore>,
    /// The file this configuration came from.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone)]
struct PathIgnore {
    patterns: Vec<String>,
    rules: Option<Vec<String>>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            socket_gid: DEFAULT_SOCKET_GID,
            levels: HashMap::new(),
            ignores: Vec::new(),
            path: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    socket_gid: Option<Spanned<u32>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    ignore: Vec<RawIgnore>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    paths: Vec<String>,
    rules: Option<Vec<Spanned<String>>>,
}

impl Config {
    /// A configuration in which only `rule` runs (at its default level): for tests and for
    /// looking at one rule at a time.
    pub fn only(rule: &str) -> Self {
        let levels = super::registry()
            .iter()
            .filter(|r| r.meta().id != rule)
            .map(|r| (r.meta().id.to_string(), None))
            .collect();
        Self {
            levels,
            ..Self::default()
        }
    }

    /// `--select` and `--ignore`: with `select` non-empty only those rules stay on; every rule
    /// in `ignore` is turned off. An unknown id is an error naming the closest known one.
    pub fn restrict(&mut self, select: &[String], ignore: &[String]) -> Result<(), String> {
        let ids: Vec<&'static str> = super::registry().iter().map(|r| r.meta().id).collect();
        for id in select.iter().chain(ignore) {
            if !ids.contains(&id.as_str()) {
                let hint = crate::suggest::closest(id, ids.iter().copied())
                    .map(|c| format!("did you mean `{c}`? "))
                    .unwrap_or_default();
                return Err(format!(
                    "no rule `{id}`\n  = help: {hint}`dindctl rules` lists every rule"
                ));
            }
        }
        if !select.is_empty() {
            for id in &ids {
                if !select.iter().any(|s| s == id) {
                    self.levels.insert((*id).to_string(), None);
                }
            }
        }
        for id in ignore {
            self.levels.insert(id.clone(), None);
        }
        Ok(())
    }

    /// The level of `rule`: configured, else its default; `None` when turned off.
    pub fn severity(&self, rule: &RuleMeta) -> Option<Severity> {
        match self.levels.get(rule.id) {
            Some(level) => *level,
            None => Some(rule.severity),
        }
    }

    /// Whether a `[[ignore]]` entry covers the finding's file and rule.
    pub fn ignores(&self, d: &Diagnostic, db: &SourceDb) -> bool {
        let Some(span) = d.span else {
            return false;
        };
        let file = normalize(db.name(span.source));
        self.ignores.iter().any(|ig| {
            ig.rules
                .as_ref()
                .is_none_or(|r| r.iter().any(|id| id == d.code))
                && ig.patterns.iter().any(|p| glob_match(&normalize(p), &file))
        })
    }

    /// Finds `dindctl.toml` in `start` or one of its ancestors.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .map(|d| d.join(FILE_NAME))
            .find(|p| p.is_file())
    }

    /// Reads a configuration file; every mistake in it is a diagnostic.
    pub fn load(path: &Path, db: &mut SourceDb) -> Result<Self, Vec<Diagnostic>> {
        let text = crate::load::read::text(path)
            .map_err(|e| vec![Diagnostic::error(CODE, e.to_string(), None)])?;
        let id = db.add(path.display().to_string(), text.clone());
        let mut config = Self::parse(&text, id)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    fn parse(text: &str, id: SourceId) -> Result<Self, Vec<Diagnostic>> {
        let span = |r: std::ops::Range<usize>| Span {
            source: id,
            start: r.start,
            end: r.end,
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let message = e.message().trim_end().to_string();
            vec![Diagnostic::error(CODE, message, e.span().map(span))]
        })?;
        let mut errors = Vec::new();
        let mut config = Config::default();
        if let Some(gid) = raw.socket_gid {
            config.socket_gid = *gid.get_ref();
        }
        for (rule, level) in &raw.rules {
            if find_rule(rule.get_ref()).is_none() {
                errors.push(
                    Diagnostic::error(
                        CODE,
                        format!("unknown rule `{}`", rule.get_ref()),
                        Some(span(rule.span())),
                    )
                    .with_help("`dindctl rules` lists every rule id"),
                );
                continue;
            }
            let parsed = match level.get_ref().as_str() {
                "off" => None,
                "info" => Some(Severity::Info),
                "warning" => Some(Severity::Warning),
                "error" => Some(Severity::Error),
                other => {
                    errors.push(Diagnostic::error(
                        CODE,
                        format!("`{other}` is not a level: use off, info, warning or error"),
                        Some(span(level.span())),
                    ));
                    continue;
                }
            };
            config.levels.insert(rule.get_ref().clone(), parsed);
        }
        for ig in raw.ignore {
            if let Some(rules) = &ig.rules {
                for rule in rules {
                    if find_rule(rule.get_ref()).is_none() {
                        errors.push(Diagnostic::error(
                            CODE,
                            format!("unknown rule `{}`", rule.get_ref()),
                            Some(span(rule.span())),
                        ));
                    }
                }
            }
            config.ignores.push(PathIgnore {
                patterns: ig.paths,
                rules: ig
                    .rules
                    .map(|r| r.into_iter().map(Spanned::into_inner).collect()),
            });
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }
}

fn normalize(path: &str) -> String {
    path.trim_start_matches("./").replace('\\', "/")
}

/// Matches `path` against a glob: `**` spans directories, `*` and `?` stay within one.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
                (0..=s.len())
                    .any(|i| (i == 0 || s[i - 1] == b'/' || rest.is_empty()) && go(rest, &s[i..]))
            }
            Some(b'*') => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| go(&p[1..], &s[i..])),
            Some(b'?') => s.first().is_some_and(|&c| c != b'/') && go(&p[1..], &s[1..]),
            Some(&c) => s.first() == Some(&c) && go(&p[1..], &s[1..]),
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("examples/**", "examples/broken/compose.yml"));
        assert!(glob_match("**/compose.yml", "a/b/compose.yml"));
        assert!(glob_match("**/compose.yml", "compose.yml"));
        assert!(glob_match("*.yml", "a.yml"));
        assert!(!glob_match("*.yml", "dir/a.yml"));
        assert!(glob_match(
            "mcp-manifests/?-mcp.yml",
            "mcp-manifests/a-mcp.yml"
        ));
        assert!(!glob_match("examples/**", "other/examples/a.yml"));
    }

    fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let mut db = SourceDb::new();
        let id = db.add("dindctl.toml", text);
        Config::parse(text, id)
    }

    #[test]
    fn levels_and_unknown_ids() {
        let c = parse("socket-gid = 999\n[rules]\nunpinned-image = \"off\"\nmissing-resource-limits = \"error\"\n")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(c.socket_gid, 999);
        let meta = |id: &str| {
            find_rule(id)
                .map(|r| r.meta())
                .unwrap_or_else(|| panic!("{id}"))
        };
        assert_eq!(c.severity(meta("unpinned-image")), None);
        assert_eq!(
            c.severity(meta("missing-resource-limits")),
            Some(Severity::Error)
        );
        assert_eq!(c.severity(meta("duplicate-key")), Some(Severity::Error));

        let mut db = SourceDb::new();
        let text = "[rules]\nno-such-rule = \"off\"\nunpinned-image = \"loud\"\n";
        let id = db.add("dindctl.toml", text);
        let errs = Config::parse(text, id).err().unwrap_or_default();
        let located: Vec<String> = errs
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d.span.map(|s| db.location(s)).unwrap_or_default(),
                    d.message
                )
            })
            .collect();
        assert_eq!(
            located,
            [
                "dindctl.toml:2:1 unknown rule `no-such-rule`",
                "dindctl.toml:3:18 `loud` is not a level: use off, info, warning or error"
            ]
        );
        assert!(parse("colour = true\n").is_err());
    }
}
