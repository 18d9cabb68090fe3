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

/// The core-schema type of a plain scalar; a string comes back as an empty `Str`.
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
    if let Some(int) = parse_int(text) {
        return Resolved::Int(int);
    }
    if looks_like_float(text) {
        if let Ok(f) = text.parse::<f64>() {
            return Resolved::Float(f);
        }
    }
    Resolved::Str(String::new())
}

fn parse_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn looks_like_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let mut digits = 0;
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' | b'e' | b'E' | b'-' | b'+' => {}
            _ => return false,
        }
    }
    digits > 0
}

/// One node of the tree.
#[derive(Clone, Debug)]
pub struct Node {
    pub span: Span,
    pub value: Value,
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
        assert_eq!(plain("0755"), Resolved::Int(755));
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
