//! Variables for interpolation and env files, read the way Docker Compose reads them
//! (compose-go's `dotenv` package): `KEY=VALUE`, `KEY: VALUE`, `export KEY=VALUE`, a bare `KEY`
//! inherited from the environment, `#` comments (an unquoted value ends at ` #`), single
//! quotes literal, double quotes with escapes and `${VAR}` expansion, unquoted values
//! expanded too, values spanning lines inside quotes.

use std::collections::HashMap;

use super::interp;

/// Variables visible to interpolation: the process environment over the `.env` file.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    pub fn new(vars: HashMap<String, String>) -> Self {
        Self { vars }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// Adds variables that the process environment does not already set.
    pub fn add_missing(&mut self, vars: impl IntoIterator<Item = (String, String)>) {
        for (k, v) in vars {
            self.vars.entry(k).or_insert(v);
        }
    }

    /// Parses `text` as a dotenv file and adds its variables where the environment does not
    /// already set them (the environment wins, as in compose).
    pub fn add_dotenv(&mut self, text: &str) -> Result<(), DotenvError> {
        let parsed = parse_dotenv(text, self)?;
        self.add_missing(parsed);
        Ok(())
    }

    pub fn vars(&self) -> &HashMap<String, String> {
        &self.vars
    }
}

/// A dotenv file that compose refuses, with its 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DotenvError {
    pub line: usize,
    pub message: String,
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// The variables of a dotenv file, in order. `env` supplies inherited keys and the values of
/// `${VAR}` references that the file itself does not set.
pub fn parse_dotenv(text: &str, env: &Env) -> Result<Vec<(String, String)>, DotenvError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut line = 1usize;
    let mut rest = text;
    loop {
        // The next statement: skip whitespace and comment lines.
        loop {
            let Some(pos) = rest.find(|c: char| !c.is_whitespace()) else {
                return Ok(out);
            };
            line += rest[..pos].matches('\n').count();
            rest = &rest[pos..];
            if !rest.starts_with('#') {
                break;
            }
            match rest.find('\n') {
                Some(nl) => rest = &rest[nl..],
                None => return Ok(out),
            }
        }
        if let Some(after) = rest.strip_prefix("export") {
            if after.starts_with(is_space) {
                rest = after.trim_start_matches(is_space);
            }
        }
        let mut end = None;
        for (i, c) in rest.char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    end = Some((i, c));
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphanumeric() => {}
                c => {
                    return Err(DotenvError {
                        line,
                        message: format!(
                            "unexpected character `{c}` in variable name `{}`",
                            rest.lines().next().unwrap_or("")
                        ),
                    });
                }
            }
        }
        let (key, sep_at, sep) = match end {
            Some((i, c)) => (&rest[..i], i, c),
            // The last line: a bare key.
            None => (rest, rest.len(), '\n'),
        };
        let key = key.trim_end_matches(char::is_whitespace);
        if key.contains(' ') {
            return Err(DotenvError {
                line,
                message: "a key cannot contain a space".into(),
            });
        }
        let after = rest.get(sep_at + sep.len_utf8()..).unwrap_or("");
        if sep == '\n' {
            if let Some(v) = env.get(key) {
                set(&mut out, key, v.to_string());
            }
            line += 1;
            rest = after;
            continue;
        }
        let after = after.trim_start_matches(is_space);
        let (value, left) = value(after, &mut line, &out, env)?;
        set(&mut out, key, value);
        rest = left;
    }
}

fn set(out: &mut Vec<(String, String)>, key: &str, value: String) {
    match out.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => out.push((key.to_string(), value)),
    }
}

fn value<'a>(
    src: &'a str,
    line: &mut usize,
    seen: &[(String, String)],
    env: &Env,
) -> Result<(String, &'a str), DotenvError> {
    let quote = match src.as_bytes().first() {
        Some(&q @ (b'"' | b'\'')) => q as char,
        _ => {
            let (value, rest) = src.split_once('\n').unwrap_or((src, ""));
            *line += 1;
            let value = value.split(" #").next().unwrap_or("");
            let value = value.trim_end_matches(char::is_whitespace);
            return Ok((expand(value, seen, env, *line - 1)?, rest));
        }
    };
    let mut chars = String::new();
    let mut escaped = false;
    for (i, c) in src.char_indices().skip(1) {
        if c == '\n' {
            *line += 1;
        }
        if c != quote {
            if !escaped && c == '\\' {
                escaped = true;
                continue;
            }
            if escaped {
                escaped = false;
                chars.push('\\');
            }
            chars.push(c);
            continue;
        }
        if escaped {
            escaped = false;
            chars.push(c);
            continue;
        }
        let value = if quote == '"' {
            expand(&unescape(&chars), seen, env, *line)?
        } else {
            chars
        };
        return Ok((value, &src[i + 1..]));
    }
    Err(DotenvError {
        line: *line,
        message: format!(
            "unterminated quoted value {}",
            src.lines().next().unwrap_or("")
        ),
    })
}

/// `\n`, `\t`, `\"`, `\\`, `\$` (kept as `$$`, a literal dollar), … in double quotes.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('$') => out.push_str("$$"),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

fn expand(
    value: &str,
    seen: &[(String, String)],
    env: &Env,
    line: usize,
) -> Result<String, DotenvError> {
    if !value.contains('$') {
        return Ok(value.to_string());
    }
    // Earlier keys of the file first, then the environment.
    let mut vars: HashMap<String, String> = env.vars().clone();
    for (k, v) in seen {
        vars.insert(k.clone(), v.clone());
    }
    let scope = Env::new(vars);
    interp::interpolate(value, &scope)
        .map(|r| r.text)
        .map_err(|message| DotenvError { line, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<(String, String)> {
        let mut vars = HashMap::new();
        vars.insert("INHERIT".to_string(), "from-env".to_string());
        parse_dotenv(text, &Env::new(vars)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn forms() {
        let got = parse(
            "# c\nexport A=1\nB=\"two words\"\nC=x # note\nD='lit $A'\nE=\"${A}-\\n\"\nF: y\nINHERIT\nG=\nH=\"multi\nline\"\n",
        );
        let want = [
            ("A", "1"),
            ("B", "two words"),
            ("C", "x"),
            ("D", "lit $A"),
            ("E", "1-\n"),
            ("F", "y"),
            ("INHERIT", "from-env"),
            ("G", ""),
            ("H", "multi\nline"),
        ];
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn errors_carry_the_line() {
        let env = Env::default();
        let e = parse_dotenv("A=1\nB C=2\n", &env).err();
        assert_eq!(e.map(|e| e.line), Some(2));
        let e = parse_dotenv("A=1\nB=\"open\n", &env).err();
        assert!(e.is_some_and(|e| e.message.contains("unterminated")));
        let e = parse_dotenv("A!=1\n", &env).err();
        assert!(e.is_some_and(|e| e.message.contains("unexpected character")));
    }

    #[test]
    fn environment_wins() {
        let mut vars = HashMap::new();
        vars.insert("PORT".to_string(), "8080".to_string());
        let mut env = Env::new(vars);
        env.add_dotenv("PORT=1\nX=2\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(env.get("PORT"), Some("8080"));
        assert_eq!(env.get("X"), Some("2"));
    }
}
