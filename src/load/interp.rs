//! Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}` and `$$` for a literal `$`,
//! with nested expressions in defaults, as docker compose reads them.
//!
//! A variable with no value and no default leaves the value *unknown*: the caller marks the
//! scalar unresolved so no other rule judges its placeholder text.

use super::env::Env;

/// How deeply `${VAR:-${OTHER:-…}}` may nest; deeper input is refused with a message rather
/// than recursing without bound.
pub const MAX_NESTING: usize = 32;

/// A variable that had no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub name: String,
    /// The message of `${VAR:?message}`: the variable is required.
    pub required: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpolated {
    pub text: String,
    pub missing: Vec<Missing>,
    /// How many variable references the input held.
    pub references: usize,
}

/// Interpolates `input`. `Err` carries a description of a malformed expression.
pub fn interpolate(input: &str, env: &Env) -> Result<Interpolated, String> {
    let mut out = Interpolated {
        text: String::with_capacity(input.len()),
        missing: Vec::new(),
        references: 0,
    };
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    expand(&chars, &mut i, env, &mut out, 0)?;
    Ok(out)
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Expands from `chars[*i]` until the end, or (when `depth > 0`) until the `}` that closes
/// the enclosing expression, which is left unconsumed.
fn expand(
    chars: &[char],
    i: &mut usize,
    env: &Env,
    out: &mut Interpolated,
    depth: usize,
) -> Result<(), String> {
    let nested = depth > 0;
    while *i < chars.len() {
        let c = chars[*i];
        if nested && c == '}' {
            return Ok(());
        }
        if c != '$' {
            out.text.push(c);
            *i += 1;
            continue;
        }
        match chars.get(*i + 1) {
            Some('$') => {
                out.text.push('$');
                *i += 2;
            }
            Some('{') => {
                *i += 2;
                braced(chars, i, env, out, depth)?;
            }
            Some(&n) if is_name_start(n) => {
                *i += 1;
                let start = *i;
                while *i < chars.len() && is_name_char(chars[*i]) {
                    *i += 1;
                }
                let name: String = chars[start..*i].iter().collect();
                lookup(&name, env, out, None);
            }
            _ => {
                out.text.push('$');
                *i += 1;
            }
        }
    }
    if nested {
        return Err("missing `}` to close `${`".into());
    }
    Ok(())
}

fn lookup(name: &str, env: &Env, out: &mut Interpolated, required: Option<String>) {
    out.references += 1;
    match env.get(name) {
        Some(v) => out.text.push_str(v),
        None => out.missing.push(Missing {
            name: name.to_string(),
            required,
        }),
    }
}

/// Handles `${...}` after the `${`.
fn braced(
    chars: &[char],
    i: &mut usize,
    env: &Env,
    out: &mut Interpolated,
    depth: usize,
) -> Result<(), String> {
    if depth >= MAX_NESTING {
        return Err(format!(
            "`${{...}}` nested more than {MAX_NESTING} levels deep"
        ));
    }
    let start = *i;
    while *i < chars.len() && is_name_char(chars[*i]) {
        *i += 1;
    }
    let name: String = chars[start..*i].iter().collect();
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err("invalid variable name in `${...}`".into());
    }
    let rest: String = chars[*i..chars.len().min(*i + 2)].iter().collect();
    let (op, len) = if rest.starts_with('}') {
        ("}", 1)
    } else if [":-", ":?", ":+"].iter().any(|op| rest.starts_with(op)) {
        (&rest[..2], 2)
    } else if let Some(first) = rest.chars().next().filter(|c| matches!(c, '-' | '?' | '+')) {
        (
            if first == '-' {
                "-"
            } else if first == '?' {
                "?"
            } else {
                "+"
            },
            1,
        )
    } else {
        return Err(format!("invalid interpolation format for `{name}`"));
    };
    *i += len;
    if op == "}" {
        lookup(&name, env, out, None);
        return Ok(());
    }
    // The operand is itself interpolated (defaults may hold `${OTHER}`).
    let mut operand = Interpolated {
        text: String::new(),
        missing: Vec::new(),
        references: 0,
    };
    expand(chars, i, env, &mut operand, depth + 1)?;
    *i += 1; // the closing `}`
    out.references += 1 + operand.references;
    let value = env.get(&name);
    let set = value.is_some();
    let non_empty = value.is_some_and(|v| !v.is_empty());
    let present = if op.starts_with(':') { non_empty } else { set };
    match op.trim_start_matches(':') {
        "-" => {
            if present {
                out.text.push_str(value.unwrap_or_default());
            } else {
                out.text.push_str(&operand.text);
                out.missing.extend(operand.missing);
            }
        }
        "?" => {
            if present {
                out.text.push_str(value.unwrap_or_default());
            } else {
                let message = if operand.text.is_empty() {
                    format!("`{name}` is required")
                } else {
                    operand.text
                };
                out.missing.push(Missing {
                    name,
                    required: Some(message),
                });
            }
        }
        _ => {
            if present {
                out.text.push_str(&operand.text);
                out.missing.extend(operand.missing);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env() -> Env {
        let mut vars = HashMap::new();
        vars.insert("PORT".to_string(), "8080".to_string());
        vars.insert("EMPTY".to_string(), String::new());
        Env::new(vars)
    }

    fn text(s: &str) -> String {
        interpolate(s, &env())
            .map(|i| i.text)
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn forms() {
        assert_eq!(text("$PORT:${PORT}"), "8080:8080");
        assert_eq!(text("${NOPE:-3000}"), "3000");
        assert_eq!(text("${EMPTY:-x}|${EMPTY-x}"), "x|");
        assert_eq!(text("${PORT:+on}|${NOPE:+on}"), "on|");
        assert_eq!(text("$$PORT"), "$PORT");
        assert_eq!(text("${NOPE:-${PORT}}"), "8080");
        assert_eq!(text("a$"), "a$");
        assert!(text("${PORT").starts_with("ERR"));
        assert!(text("${}").starts_with("ERR"));
    }

    #[test]
    fn missing_and_required() {
        let r =
            interpolate("${A}-${B:?set B}-${C:-${D}}", &env()).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<(&str, Option<&str>)> = r
            .missing
            .iter()
            .map(|m| (m.name.as_str(), m.required.as_deref()))
            .collect();
        assert_eq!(names, [("A", None), ("B", Some("set B")), ("D", None)]);
    }

    #[test]
    fn deep_nesting_is_refused_not_recursed() {
        let deep = format!("{}x{}", "${A:-".repeat(30_000), "}".repeat(30_000));
        let err = interpolate(&deep, &env()).err().unwrap_or_default();
        assert!(err.contains("nested more than"), "{err}");
        let unclosed = "${A:-".repeat(30_000);
        assert!(interpolate(&unclosed, &env()).is_err());
        let alt = "${A:+".repeat(30_000);
        assert!(interpolate(&alt, &env()).is_err());
        let ok = format!("{}x{}", "${NOPE:-".repeat(10), "}".repeat(10));
        assert_eq!(
            interpolate(&ok, &env()).map(|r| r.text),
            Ok("x".to_string())
        );
    }
}
