//! Compose's interpolation stage, on one parsed document: every string value (never a key)
//! has its `${VAR}` references substituted, and the values at the paths where compose casts
//! the result (`healthcheck.retries` to an integer, `privileged` to a boolean, …: compose-go's
//! `interpolateTypeCastMapping`) are cast, the literal ones included. A value that compose
//! cannot cast is a finding at its token; a value that depends on an unset variable is
//! *unknown* and neither cast nor judged.
//!
//! Before interpolating, compose turns every mapping key into a string and refuses keys that
//! are not strings (`1: x`, `true: x`); and go-yaml reads an unquoted `2001-12-14` as a
//! timestamp, which compose's schema refuses wherever it expects a string. Both are found
//! here, where the document is walked anyway.

use crate::diag::{Diagnostic, Severity};
use crate::yaml::{Node, Resolved, Style, Value, is_timestamp};

use super::env::Env;
use super::interp;
use super::tree::{Path, Step, Trie};

/// What compose casts an interpolated string to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cast {
    Bool,
    /// `strconv.Atoi` / `ParseInt(s, 10, 64)`.
    Int,
    /// `strconv.ParseFloat(s, 64)`.
    Float,
    /// `strconv.ParseFloat(s, 32)`: also refuses values beyond `float32`.
    Float32,
}

/// compose-go's `interpolateTypeCastMapping` (loader/interpolate.go, v2.9).
pub static CASTS: &[(&[&str], Cast)] = &[
    (&["services", "*", "cpu_count"], Cast::Int),
    (&["services", "*", "cpu_percent"], Cast::Float),
    (&["services", "*", "cpu_period"], Cast::Int),
    (&["services", "*", "cpu_quota"], Cast::Int),
    (&["services", "*", "cpu_rt_period"], Cast::Int),
    (&["services", "*", "cpu_rt_runtime"], Cast::Int),
    (&["services", "*", "cpus"], Cast::Float32),
    (&["services", "*", "cpu_shares"], Cast::Int),
    (&["services", "*", "init"], Cast::Bool),
    (&["services", "*", "deploy", "replicas"], Cast::Int),
    (
        &["services", "*", "deploy", "update_config", "parallelism"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "update_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "rollback_config", "parallelism"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "rollback_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "restart_policy", "max_attempts"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "placement",
            "max_replicas_per_node",
        ],
        Cast::Int,
    ),
    (&["services", "*", "healthcheck", "retries"], Cast::Int),
    (&["services", "*", "healthcheck", "disable"], Cast::Bool),
    (&["services", "*", "oom_kill_disable"], Cast::Bool),
    (&["services", "*", "oom_score_adj"], Cast::Int),
    (&["services", "*", "pids_limit"], Cast::Int),
    (&["services", "*", "ports", "[]", "target"], Cast::Int),
    (&["services", "*", "privileged"], Cast::Bool),
    (&["services", "*", "read_only"], Cast::Bool),
    (&["services", "*", "scale"], Cast::Int),
    (&["services", "*", "stdin_open"], Cast::Bool),
    (&["services", "*", "tty"], Cast::Bool),
    (&["services", "*", "ulimits", "*"], Cast::Int),
    (&["services", "*", "ulimits", "*", "hard"], Cast::Int),
    (&["services", "*", "ulimits", "*", "soft"], Cast::Int),
    (&["services", "*", "volumes", "[]", "read_only"], Cast::Bool),
    (
        &["services", "*", "volumes", "[]", "volume", "nocopy"],
        Cast::Bool,
    ),
    (&["networks", "*", "external"], Cast::Bool),
    (&["networks", "*", "internal"], Cast::Bool),
    (&["networks", "*", "attachable"], Cast::Bool),
    (&["networks", "*", "enable_ipv4"], Cast::Bool),
    (&["networks", "*", "enable_ipv6"], Cast::Bool),
    (&["volumes", "*", "external"], Cast::Bool),
    (&["secrets", "*", "external"], Cast::Bool),
    (&["configs", "*", "external"], Cast::Bool),
];

/// compose's `toBoolean`: `true`/`false` in any case, and the YAML 1.1 words it still accepts.
pub fn to_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "y" | "yes" | "on" => Some(true),
        "false" | "n" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)` (and `Atoi` on 64-bit): an optional sign and decimal
/// digits, nothing else.
pub fn to_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal input: digits with an optional fraction and
/// exponent, `inf`/`infinity`/`nan` in any case; `_` only with a base prefix (not supported
/// here), hexadecimal floats (`0x1p-2`) accepted.
pub fn to_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        let v = if lower == "nan" {
            f64::NAN
        } else {
            f64::INFINITY
        };
        return Some(if s.starts_with('-') { -v } else { v });
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        return hex_float(hex).map(|v| if s.starts_with('-') { -v } else { v });
    }
    let ok = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && body.bytes().any(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn hex_float(hex: &str) -> Option<f64> {
    let (mantissa, exp) = match hex.split_once('p') {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (hex, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

/// Casts `text` as compose does; `Err` says what it is not.
pub fn cast(text: &str, to: Cast) -> Result<String, &'static str> {
    match to {
        Cast::Bool => to_bool(text).map(|b| b.to_string()).ok_or(
            "a boolean (`true`, `false`, or `yes`/`no`/`on`/`off`, which compose still reads)",
        ),
        Cast::Int => to_int(text).map(|i| i.to_string()).ok_or("an integer"),
        Cast::Float => to_float(text).map(format_float).ok_or("a number"),
        Cast::Float32 => to_float(text)
            .filter(|f| f.abs() <= f64::from(f32::MAX))
            .map(format_float)
            .ok_or("a number (within the range of a 32-bit float)"),
    }
}

fn format_float(f: f64) -> String {
    let s = format!("{f}");
    if s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

fn finding(code: &'static str, severity: Severity, message: String, node: &Node) -> Diagnostic {
    let mut d = Diagnostic::error(code, message, Some(node.span));
    d.severity = severity;
    d
}

/// Interpolates `doc` in place with `env`, casting where compose casts. Findings go to `out`.
pub fn document(doc: &mut Node, env: &Env, out: &mut Vec<Diagnostic>) {
    let mut path = Path::new();
    walk(doc, env, &mut path, (false, Some(Trie::<Cast>::ROOT)), out);
}

fn casts() -> &'static Trie<Cast> {
    static TRIE: std::sync::OnceLock<Trie<Cast>> = std::sync::OnceLock::new();
    TRIE.get_or_init(|| Trie::new(CASTS))
}

/// `at`: whether the node is under an extension (`x-…`), and where it is in the trie of
/// [`CASTS`] (`None` once no cast can apply below).
fn walk<'a>(
    node: &'a mut Node,
    env: &Env,
    path: &mut Path<'a>,
    at: (bool, Option<usize>),
    out: &mut Vec<Diagnostic>,
) {
    let (extension, trie_at) = at;
    if matches!(node.value, Value::Scalar(_)) {
        let cast = trie_at.and_then(|t| casts().value(t));
        scalar(node, env, path, extension, cast, out);
        return;
    }
    match &mut node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => {
            for item in items.iter_mut() {
                path.push(Step::Item);
                let next = trie_at.and_then(|t| casts().item(t));
                walk(item, env, path, (extension, next), out);
                path.pop();
            }
        }
        Value::Map(entries) => {
            for entry in entries.iter_mut() {
                let crate::yaml::Entry { key, value } = entry;
                let key: &'a Node = key;
                let Some(text) = string_key(key, path, out) else {
                    continue;
                };
                path.push(Step::Key(text));
                let next = trie_at.and_then(|t| casts().key(t, text));
                walk(
                    value,
                    env,
                    path,
                    (extension || text.starts_with("x-"), next),
                    out,
                );
                path.pop();
            }
        }
    }
}

/// The key's text when it is a string; otherwise a `non-string-key` finding (compose turns
/// every key into a string first and refuses those that are not).
fn string_key<'a>(key: &'a Node, path: &Path<'_>, out: &mut Vec<Diagnostic>) -> Option<&'a str> {
    let Value::Scalar(s) = &key.value else {
        out.push(non_string_key("a collection".into(), key, path));
        return None;
    };
    let timestamp = s.style == Style::Plain && s.tag.is_none() && is_timestamp(&s.text);
    if matches!(s.resolve_kind(), Resolved::Str(_)) && !timestamp {
        return Some(&s.text);
    }
    out.push(non_string_key(format!("`{}`", s.text), key, path));
    None
}

fn non_string_key(shown: String, key: &Node, path: &Path<'_>) -> Diagnostic {
    let at = if path.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in `{}`", path.display())
    };
    finding(
        "non-string-key",
        Severity::Error,
        format!("the key {shown} {at} is not a string"),
        key,
    )
    .with_help("quote it (`\"1\": …`); compose requires every mapping key to be a string")
}

fn scalar(
    node: &mut Node,
    env: &Env,
    path: &Path<'_>,
    extension: bool,
    cast_to: Option<Cast>,
    out: &mut Vec<Diagnostic>,
) {
    let Value::Scalar(s) = &mut node.value else {
        return;
    };
    let is_str = matches!(s.resolve_kind(), Resolved::Str(_));
    if !is_str {
        return;
    }
    if !extension && s.style == Style::Plain && s.tag.is_none() && is_timestamp(&s.text) {
        out.push(
            finding(
                "schema-violation",
                Severity::Error,
                format!(
                    "`{}` is read as a timestamp, not a string, at `{}`",
                    s.text,
                    path.display()
                ),
                node,
            )
            .with_help("quote it; compose's YAML reader turns an unquoted date into a timestamp, which its schema refuses"),
        );
        return;
    }
    if s.text.contains('$') {
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
                    out.push(
                        finding("unresolved-variable", severity, message, node)
                            .with_help("set it in the environment, in `.env` or with `--env-file`, or give a default: `${VAR:-value}`"),
                    );
                }
                let Value::Scalar(s) = &mut node.value else {
                    return;
                };
                s.unresolved = !result.missing.is_empty();
                s.interpolated = result.references > 0;
                s.text = result.text;
                s.style = Style::DoubleQuoted;
                s.tag = None;
            }
            Err(msg) => {
                out.push(
                    finding(
                        "unresolved-variable",
                        Severity::Error,
                        format!("invalid interpolation at `{}`: {msg}", path.display()),
                        node,
                    )
                    .with_help("write a literal `$` as `$$`"),
                );
                let Value::Scalar(s) = &mut node.value else {
                    return;
                };
                s.unresolved = true;
                return;
            }
        }
    }
    let Some(to) = cast_to else {
        return;
    };
    let Value::Scalar(s) = &mut node.value else {
        return;
    };
    if s.unresolved {
        return;
    }
    match cast(&s.text, to) {
        Ok(text) => {
            s.text = text;
            s.style = Style::Plain;
            s.tag = None;
        }
        Err(expected) => {
            let code = if to == Cast::Bool {
                "invalid-boolean"
            } else {
                "invalid-number"
            };
            let what = if s.interpolated {
                format!("`{}` (after interpolation)", s.text)
            } else {
                format!("`{}`", s.text)
            };
            s.unresolved = true;
            let mut d = Diagnostic::error(
                code,
                format!("`{}`: {what} is not {expected}", path.display()),
                Some(node.span),
            );
            d.severity = Severity::Error;
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_as_compose_does() {
        assert_eq!(cast("yes", Cast::Bool), Ok("true".into()));
        assert_eq!(cast("OFF", Cast::Bool), Ok("false".into()));
        assert!(cast("maybe", Cast::Bool).is_err());
        assert!(cast("", Cast::Bool).is_err());
        assert_eq!(cast("+3", Cast::Int), Ok("3".into()));
        assert_eq!(cast("0755", Cast::Int), Ok("755".into()));
        assert!(cast("2.5", Cast::Int).is_err());
        assert!(cast("0x10", Cast::Int).is_err());
        assert!(cast(" 2", Cast::Int).is_err());
        assert!(cast("99999999999999999999", Cast::Int).is_err());
        assert_eq!(cast("1e3", Cast::Float), Ok("1000.0".into()));
        assert!(cast("abc", Cast::Float).is_err());
        assert!(cast("1,5", Cast::Float).is_err());
        assert!(cast("1e39", Cast::Float32).is_err());
        assert!(cast("1e39", Cast::Float).is_ok());
        assert!(cast(".5", Cast::Float).is_ok());
    }
}
