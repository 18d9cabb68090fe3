//! A YAML tree in which every key and value keeps its span.
//!
//! This module owns parsing (through `saphyr-parser` events), duplicate keys, anchors and
//! aliases (with an expansion budget against alias bombs), `<<` merge keys, size and depth
//! limits, and the conversion to JSON for schema validation. It knows nothing about compose,
//! profiles or manifests.

mod parse;

pub use parse::{Limits, ParseError, ParseErrorKind, Parsed, parse};

use crate::source::Span;

/// How a scalar was written; quoting decides its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A scalar as written: its text after unescaping, its style and its tag.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub style: Style,
    /// A tag such as `!!str` (kept as `tag:yaml.org,2002:str`) or `!reset`.
    pub tag: Option<String>,
    /// Set by variable interpolation when the value depends on a variable that has no value:
    /// the text is then a placeholder and the value is unknown.
    pub unresolved: bool,
    /// Set by variable interpolation when the text was computed from variables (`${VAR}`).
    pub interpolated: bool,
}

/// The resolved value of a scalar under the YAML 1.2 core schema.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

const CORE_TAG_PREFIX: &str = "tag:yaml.org,2002:";

impl Scalar {
    /// Resolves the scalar: quoted and block scalars are strings; plain ones follow the core
    /// schema (`null`, `true`, `0x1F`, `1.5e3`, `.inf`, …); a core tag (`!!str`) forces the type.
    pub fn resolve(&self) -> Resolved {
        if let Some(tag) = &self.tag {
            if let Some(core) = tag.strip_prefix(CORE_TAG_PREFIX) {
                return match core {
                    "str" => Resolved::Str(self.text.clone()),
                    "null" => Resolved::Null,
                    _ => resolve_plain(&self.text),
                };
            }
        }
        match self.style {
            Style::Plain => resolve_plain(&self.text),
            _ => Resolved::Str(self.text.clone()),
        }
    }

    /// Like [`Scalar::resolve`] without copying the text: a string resolves to
    /// `Resolved::Str` holding an empty string (use `text`).
    pub fn resolve_kind(&self) -> Resolved {
        let is_str = match (&self.tag, self.style) {
            (Some(tag), _) if tag == "tag:yaml.org,2002:str" => true,
            (Some(tag), _) if tag.starts_with(CORE_TAG_PREFIX) => false,
            (_, Style::Plain) => false,
            _ => true,
        };
        if is_str {
            return Resolved::Str(String::new());
        }
        match &self.tag {
            Some(tag) if tag == "tag:yaml.org,2002:null" => Resolved::Null,
            _ => resolve_plain_kind(&self.text),
        }
    }

    /// The scalar's text when it resolves to a string, a number or a boolean (as written).
    pub fn as_text(&self) -> Option<&str> {
        match self.resolve() {
            Resolved::Null => None,
            _ => Some(&self.text),
        }
    }
}

fn resolve_plain(text: &str) -> Resolved {
    match resolve_plain_kind(text) {
        Resolved::Str(_) => Resolved::Str(text.to_string()),
        other => other,
    }
}

/// The type of a plain scalar as go-yaml v3 resolves it (the YAML reader of Docker Compose,
/// so that a compose file means here what it means to compose): the YAML 1.2 core names
/// (`null`, `true`/`True`/`TRUE`, `.inf`, …; `yes`/`on` are strings), integers as Go's
/// `strconv.ParseInt(s, 0, 64)` reads them after removing `_` (`0x1F`, `0o17`, `0b101`, and
/// `0755` as octal), then floats. A string comes back as an empty `Str`.
fn resolve_plain_kind(text: &str) -> Resolved {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    match text.as_bytes().first() {
        Some(b'.') => match go_parse_float(text) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str(String::new()),
        },
        Some(b'0'..=b'9' | b'-' | b'+') => {
            if is_timestamp(text) {
                return Resolved::Str(String::new());
            }
            let plain: String = text.chars().filter(|&c| c != '_').collect();
            if let Some(int) = go_parse_int(&plain) {
                return Resolved::Int(int);
            }
            if plain.parse::<u64>().is_ok() {
                // Above i64::MAX: go-yaml keeps it as an unsigned integer.
                return plain
                    .parse::<f64>()
                    .map_or(Resolved::Str(String::new()), Resolved::Float);
            }
            if is_yaml_float(&plain) {
                if let Ok(f) = plain.parse::<f64>() {
                    return Resolved::Float(f);
                }
            }
            Resolved::Str(String::new())
        }
        _ => Resolved::Str(String::new()),
    }
}

/// `strconv.ParseInt(s, 0, 64)`: an optional sign, then `0x`/`0o`/`0b` or a leading `0`
/// (octal), or decimal digits.
fn go_parse_int(s: &str) -> Option<i64> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        if magnitude <= i64::MAX as u64 + 1 {
            Some((magnitude as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// go-yaml's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms a plain scalar starting with `.` can take.
fn go_parse_float(s: &str) -> Option<f64> {
    if is_yaml_float(s) {
        return s.parse().ok();
    }
    None
}

/// Whether go-yaml reads a plain scalar as a timestamp (`2001-12-14`, `2001-12-14 21:59:43.10`,
/// `2001-12-14T21:59:43Z`): four digits and `-` first, then one of its layouts, with a real
/// date. Compose then refuses it where it expects a string.
pub fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let number = |i: &mut usize, max: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        text[start..*i].parse().ok()
    };
    let year: u32 = text[..4].parse().unwrap_or(0);
    let Some(month) = number(&mut i, 2) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = number(&mut i, 2) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let zoned = matches!(b[i], b'T' | b't');
    if !zoned && b[i] != b' ' {
        return false;
    }
    i += 1;
    let Some(h) = number(&mut i, 2) else {
        return false;
    };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(m) = number(&mut i, 2) else {
        return false;
    };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(s) = number(&mut i, 2) else {
        return false;
    };
    if h > 23 || m > 59 || s > 59 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if number(&mut i, 9).is_none() {
            return false;
        }
    }
    if !zoned {
        return i == b.len();
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let rest = &text[i + 1..];
            rest.len() == 5
                && rest.as_bytes()[2] == b':'
                && rest.bytes().filter(u8::is_ascii_digit).count() == 4
        }
        _ => false,
    }
}

/// One node of the tree.
#[derive(Clone, Debug)]
pub struct Node {
    pub span: Span,
    pub value: Value,
    /// The tag of a collection (`!reset []`, `!override {…}`); a scalar's tag is in its
    /// [`Scalar`].
    pub tag: Option<Box<str>>,
}

#[derive(Clone, Debug)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A mapping entry: the key node (usually a scalar) and the value node.
#[derive(Clone, Debug)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Entry {
    /// The key's text, when the key is a scalar.
    pub fn key_text(&self) -> Option<&str> {
        match &self.key.value {
            Value::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }
}

impl Node {
    pub fn new(span: Span, value: Value) -> Self {
        Self {
            span,
            value,
            tag: None,
        }
    }

    /// The node's tag, for scalars and collections alike.
    pub fn tag(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => s.tag.as_deref(),
            _ => self.tag.as_deref(),
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.resolve() == Resolved::Null)
    }

    /// The entry of a mapping node under `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key_text() == Some(key))
    }

    /// The value of a mapping node under `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The node a JSON pointer (`/services/web/ports/0`) designates. When `key` is true and the
    /// last step is a mapping key, the key node is returned instead of its value, which is where
    /// an "unexpected property" belongs.
    pub fn at_pointer(&self, pointer: &str, key: bool) -> Option<&Node> {
        let mut node = self;
        let steps: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        for (i, step) in steps.iter().enumerate() {
            let last = i + 1 == steps.len();
            node = match &node.value {
                Value::Map(_) => {
                    let entry = node.entry(step)?;
                    if last && key {
                        &entry.key
                    } else {
                        &entry.value
                    }
                }
                Value::Seq(items) => items.get(step.parse::<usize>().ok()?)?,
                Value::Scalar(_) => return None,
            };
        }
        Some(node)
    }

    /// The JSON value of the node, for schema validation and typed deserialization.
    /// Mapping keys become strings (their text as written).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Scalar(s) => match s.resolve() {
                Resolved::Null => J::Null,
                Resolved::Bool(b) => J::Bool(b),
                Resolved::Int(i) => J::from(i),
                Resolved::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
                Resolved::Str(s) => J::String(s),
            },
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| {
                        let key = match &e.key.value {
                            Value::Scalar(s) => s.text.clone(),
                            _ => e.key.to_json().to_string(),
                        };
                        (key, e.value.to_json())
                    })
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Resolved {
        Scalar {
            text: text.into(),
            style: Style::Plain,
            tag: None,
            unresolved: false,
            interpolated: false,
        }
        .resolve()
    }

    #[test]
    fn core_schema_resolution() {
        assert_eq!(plain("~"), Resolved::Null);
        assert_eq!(plain("true"), Resolved::Bool(true));
        assert_eq!(plain("yes"), Resolved::Str("yes".into()));
        assert_eq!(plain("0755"), Resolved::Int(0o755));
        assert_eq!(plain("1_000"), Resolved::Int(1000));
        assert_eq!(plain("08"), Resolved::Float(8.0));
        assert_eq!(plain("1e3"), Resolved::Float(1000.0));
        assert_eq!(plain("-0x10"), Resolved::Int(-16));
        assert_eq!(plain("0b101"), Resolved::Int(5));
        assert_eq!(plain(".5"), Resolved::Float(0.5));
        assert_eq!(plain("2001-12-14"), Resolved::Str("2001-12-14".into()));
        assert!(is_timestamp("2001-12-14"));
        assert!(is_timestamp("2001-12-14 21:59:43.10"));
        assert!(is_timestamp("2001-12-14T21:59:43Z"));
        assert!(!is_timestamp("2001-02-30"));
        assert!(!is_timestamp("2001-12-14T21:59:43"));
        assert_eq!(plain("on"), Resolved::Str("on".into()));
        assert_eq!(plain("0x1F"), Resolved::Int(31));
        assert_eq!(plain("1.5e3"), Resolved::Float(1500.0));
        assert_eq!(plain("13001"), Resolved::Int(13001));
        assert_eq!(
            plain("127.0.0.1:2376:2376"),
            Resolved::Str("127.0.0.1:2376:2376".into())
        );
        assert_eq!(plain("1.2.3"), Resolved::Str("1.2.3".into()));
        let quoted = Scalar {
            text: "3000".into(),
            style: Style::DoubleQuoted,
            tag: None,
            unresolved: false,
            interpolated: false,
        };
        assert_eq!(quoted.resolve(), Resolved::Str("3000".into()));
    }
}
