//! Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}` and `$$` for a literal `$`,
//! with nested expressions in defaults, as docker compose reads them.
//!
//! A variable with no value and no default leaves the value *unknown*: the caller marks the
//! scalar unresolved so no other rule judges its placeholder text.

use super::env::Env;

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

/// What a `${NAME<op>operand}` does with its operand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `:-` / `-`: the operand when the variable is unset (or empty, with `:`).
    Default,
    /// `:?` / `?`: the operand is the error message when the variable is unset (or empty).
    Required,
    /// `:+` / `+`: the operand when the variable is set (and non-empty, with `:`).
    Alternative,
}

/// An open `${NAME<op>` whose operand is being expanded into the output, from `text_start`
/// and `missing_start` on; closing it keeps, replaces or drops that part.
struct Open {
    name: String,
    op: Op,
    colon: bool,
    text_start: usize,
    missing_start: usize,
}

/// Interpolates `input`. `Err` carries a description of a malformed expression.
///
/// Nested operands are expanded in place into one output buffer with an explicit stack of open
/// expressions, so any depth costs linear time and no recursion (compose accepts defaults nested
/// a thousand levels deep; dindctl must neither refuse them nor overflow its stack on deeper).
pub fn interpolate(input: &str, env: &Env) -> Result<Interpolated, String> {
    let mut out = Interpolated {
        text: String::with_capacity(input.len()),
        missing: Vec::new(),
        references: 0,
    };
    let chars: Vec<char> = input.chars().collect();
    let mut open: Vec<Open> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '}' {
            if let Some(o) = open.pop() {
                close(o, env, &mut out);
                i += 1;
                continue;
            }
        }
        if c != '$' {
            out.text.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => {
                out.text.push('$');
                i += 2;
            }
            Some('{') => {
                i += 2;
                let (name, op) = braced_head(&chars, &mut i)?;
                out.references += 1;
                match op {
                    None => lookup_into(&name, env, &mut out, None),
                    Some((op, colon)) => open.push(Open {
                        name,
                        op,
                        colon,
                        text_start: out.text.len(),
                        missing_start: out.missing.len(),
                    }),
                }
            }
            Some(&n) if is_name_start(n) => {
                i += 1;
                let start = i;
                while i < chars.len() && is_name_char(chars[i]) {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                out.references += 1;
                lookup_into(&name, env, &mut out, None);
            }
            _ => {
                out.text.push('$');
                i += 1;
            }
        }
    }
    if !open.is_empty() {
        return Err("missing `}` to close `${`".into());
    }
    Ok(out)
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn lookup_into(name: &str, env: &Env, out: &mut Interpolated, required: Option<String>) {
    match env.get(name) {
        Some(v) => out.text.push_str(v),
        None => out.missing.push(Missing {
            name: name.to_string(),
            required,
        }),
    }
}

/// Reads `NAME}` or `NAME<op>` after a `${`: the name, and the operator with whether it had a
/// colon (`None` for the plain `${NAME}`, whose `}` is consumed).
fn braced_head(chars: &[char], i: &mut usize) -> Result<(String, Option<(Op, bool)>), String> {
    let start = *i;
    while *i < chars.len() && is_name_char(chars[*i]) {
        *i += 1;
    }
    let name: String = chars[start..*i].iter().collect();
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err("invalid variable name in `${...}`".into());
    }
    let colon = chars.get(*i) == Some(&':');
    let at = if colon { *i + 1 } else { *i };
    let op = match chars.get(at) {
        Some('}') if !colon => {
            *i += 1;
            return Ok((name, None));
        }
        Some('-') => Op::Default,
        Some('?') => Op::Required,
        Some('+') => Op::Alternative,
        _ => return Err(format!("invalid interpolation format for `{name}`")),
    };
    *i = at + 1;
    Ok((name, Some((op, colon))))
}

/// Closes an open expression whose operand was expanded into `out` from its start marks.
fn close(o: Open, env: &Env, out: &mut Interpolated) {
    let value = env.get(&o.name);
    let present = if o.colon {
        value.is_some_and(|v| !v.is_empty())
    } else {
        value.is_some()
    };
    let drop_operand = |out: &mut Interpolated| {
        out.text.truncate(o.text_start);
        out.missing.truncate(o.missing_start);
    };
    match (o.op, present) {
        (Op::Default | Op::Required, true) => {
            drop_operand(out);
            out.text.push_str(value.unwrap_or_default());
        }
        (Op::Default, false) | (Op::Alternative, true) => {}
        (Op::Required, false) => {
            let operand = out.text[o.text_start..].to_string();
            drop_operand(out);
            let message = if operand.is_empty() {
                format!("`{}` is required", o.name)
            } else {
                operand
            };
            out.missing.push(Missing {
                name: o.name,
                required: Some(message),
            });
        }
        (Op::Alternative, false) => drop_operand(out),
    }
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
    fn any_depth_of_nesting_without_recursion() {
        // Compose loads a default nested 1,000 levels deep; 30,000 must not overflow the stack.
        let deep = format!("{}x{}", "${A:-".repeat(30_000), "}".repeat(30_000));
        assert_eq!(interpolate(&deep, &env()).map(|r| r.text), Ok("x".into()));
        let set = format!("{}x{}", "${PORT:-".repeat(1_000), "}".repeat(1_000));
        assert_eq!(interpolate(&set, &env()).map(|r| r.text), Ok("8080".into()));
        let alt = format!("{}x{}", "${PORT:+".repeat(1_000), "}".repeat(1_000));
        assert_eq!(interpolate(&alt, &env()).map(|r| r.text), Ok("x".into()));
        let unclosed = "${A:-".repeat(30_000);
        assert!(interpolate(&unclosed, &env()).is_err());
        let alt_unclosed = "${A:+".repeat(30_000);
        assert!(interpolate(&alt_unclosed, &env()).is_err());
    }

    #[test]
    fn operands_kept_or_dropped_with_their_missing_variables() {
        let r = interpolate(
            "${PORT:-${X}}|${NOPE:+${Y}}|${EMPTY-${Z}}|${NOPE?${W}}",
            &env(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.text, "8080|||");
        let names: Vec<(&str, Option<&str>)> = r
            .missing
            .iter()
            .map(|m| (m.name.as_str(), m.required.as_deref()))
            .collect();
        assert_eq!(names, [("NOPE", Some("`NOPE` is required"))]);
        assert_eq!(r.references, 8);
        assert!(text("${PORT:x}").starts_with("ERR"));
        assert!(text("${PORT:}").starts_with("ERR"));
        assert_eq!(text("${NOPE:-a}}"), "a}");
    }
}
