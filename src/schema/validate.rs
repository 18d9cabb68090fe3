//! A validator for the subset of JSON Schema (draft 2020-12) that this project's own schemas
//! use, over a schema compiled into an arena ([`compiled`]), ahead of time for the embedded
//! schemas. A whole process thus stays within its time budget (the `jsonschema` crate spends
//! 3.6–5 ms building its meta-schema validator on a cold start). The tests run the same
//! documents through `jsonschema` and require the same verdicts.
//!
//! Supported: `type`, `enum`, `const`, `$ref` (local `#/...` pointers), `allOf`, `anyOf`,
//! `oneOf`, `not`, `if`/`then`/`else`, `properties`, `patternProperties`,
//! `additionalProperties`, `required`, `propertyNames`, `minProperties`, `maxProperties`,
//! `items`, `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength`, `pattern`,
//! `format`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`. Other keywords
//! are annotations and ignored; a schema test fails if one of ours uses an unsupported one.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value as Json};

use super::compiled::{self, Compiled, SchemaNode};
use super::formats;
use crate::source::Span;
use crate::yaml::{self, Node, Resolved};

/// The JSON type of an instance value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceKind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

/// A document the validator can read: JSON values, or spanned YAML nodes directly (which
/// spares converting a large compose file to JSON first).
pub trait Instance: Sized {
    fn kind(&self) -> InstanceKind;
    fn as_str(&self) -> Option<&str>;
    fn as_f64(&self) -> Option<f64>;
    fn is_integer(&self) -> bool;
    /// The items of an array (empty otherwise).
    fn items(&self) -> &[Self];
    /// Calls `f` with each key (and where it is written, for YAML) and value of an object.
    fn each_entry(&self, f: &mut dyn FnMut(&str, Option<Span>, &Self));
    fn has_key(&self, key: &str) -> bool;
    fn entry_count(&self) -> usize;
    fn to_value(&self) -> Json;
    /// Where the value is written (YAML nodes only).
    fn span(&self) -> Option<Span> {
        None
    }
    /// The value depends on an unresolved variable.
    fn is_unknown(&self) -> bool {
        false
    }
}

/// What a violation found at its node, recorded while validating so that reporting never has
/// to look the node up again (which made reports quadratic in the number of violations).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Found {
    /// `a string`, `a mapping`, … (empty when not recorded).
    pub type_name: &'static str,
    /// A short rendering of a scalar (`` `abc` ``, `` `3` ``); collections only by type.
    pub short: String,
    pub unknown: bool,
}

fn found<I: Instance>(inst: &I) -> Found {
    let type_name = match inst.kind() {
        InstanceKind::Null => "null",
        InstanceKind::Bool => "a boolean",
        InstanceKind::Number if inst.is_integer() && inst.as_str().is_none() => "an integer",
        InstanceKind::Number => "a number",
        InstanceKind::String => "a string",
        InstanceKind::Array => "a list",
        InstanceKind::Object => "a mapping",
    };
    let short = match inst.kind() {
        InstanceKind::String => {
            let s = inst.as_str().unwrap_or_default();
            if s.chars().count() <= 60 {
                format!("`{s}`")
            } else {
                "the string".into()
            }
        }
        InstanceKind::Number | InstanceKind::Bool => match inst.to_value() {
            Json::Number(n) => format!("`{n}`"),
            Json::Bool(b) => format!("`{b}`"),
            other => format!("`{other}`"),
        },
        _ => type_name.to_string(),
    };
    Found {
        type_name,
        short,
        unknown: inst.is_unknown(),
    }
}

impl Instance for Json {
    fn kind(&self) -> InstanceKind {
        match self {
            Json::Null => InstanceKind::Null,
            Json::Bool(_) => InstanceKind::Bool,
            Json::Number(_) => InstanceKind::Number,
            Json::String(_) => InstanceKind::String,
            Json::Array(_) => InstanceKind::Array,
            Json::Object(_) => InstanceKind::Object,
        }
    }
    fn as_str(&self) -> Option<&str> {
        Json::as_str(self)
    }
    fn as_f64(&self) -> Option<f64> {
        Json::as_f64(self)
    }
    fn is_integer(&self) -> bool {
        match self {
            Json::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }
    }
    fn items(&self) -> &[Self] {
        match self {
            Json::Array(items) => items,
            _ => &[],
        }
    }
    fn each_entry(&self, f: &mut dyn FnMut(&str, Option<Span>, &Self)) {
        if let Json::Object(map) = self {
            for (k, v) in map {
                f(k, None, v);
            }
        }
    }
    fn has_key(&self, key: &str) -> bool {
        self.as_object().is_some_and(|m| m.contains_key(key))
    }
    fn entry_count(&self) -> usize {
        self.as_object().map_or(0, Map::len)
    }
    fn to_value(&self) -> Json {
        self.clone()
    }
}

impl Instance for Node {
    fn kind(&self) -> InstanceKind {
        match &self.value {
            yaml::Value::Seq(_) => InstanceKind::Array,
            yaml::Value::Map(_) => InstanceKind::Object,
            yaml::Value::Scalar(s) => match s.resolve_kind() {
                Resolved::Null => InstanceKind::Null,
                Resolved::Bool(_) => InstanceKind::Bool,
                Resolved::Int(_) | Resolved::Float(_) => InstanceKind::Number,
                Resolved::Str(_) => InstanceKind::String,
            },
        }
    }
    fn as_str(&self) -> Option<&str> {
        match &self.value {
            yaml::Value::Scalar(s) if matches!(s.resolve_kind(), Resolved::Str(_)) => Some(&s.text),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match &self.value {
            yaml::Value::Scalar(s) => match s.resolve_kind() {
                Resolved::Int(i) => Some(i as f64),
                Resolved::Float(f) => Some(f),
                _ => None,
            },
            _ => None,
        }
    }
    fn is_integer(&self) -> bool {
        match &self.value {
            yaml::Value::Scalar(s) => match s.resolve_kind() {
                Resolved::Int(_) => true,
                Resolved::Float(f) => f.is_finite() && f.fract() == 0.0,
                _ => false,
            },
            _ => false,
        }
    }
    fn items(&self) -> &[Self] {
        self.as_seq().unwrap_or(&[])
    }
    fn each_entry(&self, f: &mut dyn FnMut(&str, Option<Span>, &Self)) {
        for e in self.as_map().unwrap_or(&[]) {
            match &e.key.value {
                yaml::Value::Scalar(k) => f(&k.text, Some(e.key.span), &e.value),
                _ => f(&e.key.to_json().to_string(), Some(e.key.span), &e.value),
            }
        }
    }
    fn has_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }
    fn entry_count(&self) -> usize {
        self.as_map().map_or(0, <[yaml::Entry]>::len)
    }
    fn to_value(&self) -> Json {
        self.to_json()
    }
    fn span(&self) -> Option<Span> {
        Some(self.span)
    }
    fn is_unknown(&self) -> bool {
        matches!(&self.value, yaml::Value::Scalar(s) if s.unresolved)
    }
}

/// What is wrong with an instance, at `path` (a JSON pointer into the instance).
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub path: String,
    pub kind: Kind,
    /// Where to point: the offending value, or the key for an unknown key.
    pub span: Option<Span>,
    pub found: Found,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Type {
        expected: Vec<String>,
    },
    /// `suggestion`: a known key of that mapping that the unknown one is likely a typo of.
    UnknownKey {
        key: String,
        suggestion: Option<String>,
    },
    Required {
        key: String,
    },
    Enum {
        options: Vec<Json>,
    },
    Const {
        expected: Json,
    },
    Format {
        format: String,
    },
    Pattern {
        pattern: String,
    },
    Minimum {
        limit: Json,
        exclusive: bool,
    },
    Maximum {
        limit: Json,
        exclusive: bool,
    },
    MinItems {
        limit: u64,
    },
    MaxItems {
        limit: u64,
    },
    MinLength {
        limit: u64,
    },
    MaxLength {
        limit: u64,
    },
    MinProperties {
        limit: u64,
    },
    MaxProperties {
        limit: u64,
    },
    UniqueItems,
    NoneOf,
    MoreThanOne,
    Not,
    False,
}

/// Keywords the validator understands, plus annotations it may ignore.
pub const KNOWN_KEYWORDS: &[&str] = &[
    "type",
    "enum",
    "const",
    "$ref",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "$defs",
    "definitions",
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// A `pattern`: a literal prefix (`^x-`) is matched directly; anything else is compiled on
/// first use, since building a regular expression costs more than validating a document.
enum Pattern {
    Prefix(String),
    /// `^[class]+$` (or `^.+$`): one or more characters, each in the class.
    Class(Vec<(char, char)>),
    /// `.+` (unanchored): some character that is not a line break.
    AnyLineCharacter,
    Regex(String, OnceLock<Option<Regex>>),
}

/// Parses `^[a-zA-Z0-9._-]+$`-style patterns into character ranges; `^.+$` becomes "any
/// character but a newline".
fn simple_class(pattern: &str) -> Option<Vec<(char, char)>> {
    if pattern == "^.+$" {
        return Some(vec![('\0', '\u{9}'), ('\u{b}', char::MAX)]);
    }
    let body = pattern.strip_prefix("^[")?.strip_suffix("]+$")?;
    let chars: Vec<char> = body.chars().collect();
    if chars.iter().any(|c| matches!(c, '\\' | '[' | ']' | '^')) {
        return None;
    }
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            ranges.push((chars[i], chars[i + 2]));
            i += 3;
        } else {
            ranges.push((chars[i], chars[i]));
            i += 1;
        }
    }
    Some(ranges)
}

impl Pattern {
    fn new(pattern: &str) -> Self {
        if pattern == ".+" {
            return Pattern::AnyLineCharacter;
        }
        if let Some(ranges) = simple_class(pattern) {
            return Pattern::Class(ranges);
        }
        let literal = |lit: &str| {
            lit.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'))
        };
        match pattern.strip_prefix('^') {
            Some(lit) if literal(lit) => Pattern::Prefix(lit.to_string()),
            _ => Pattern::Regex(pattern.to_string(), OnceLock::new()),
        }
    }

    fn regex(&self) -> Option<&Regex> {
        match self {
            Pattern::Prefix(_) | Pattern::Class(_) | Pattern::AnyLineCharacter => None,
            Pattern::Regex(source, cell) => cell.get_or_init(|| Regex::new(source).ok()).as_ref(),
        }
    }

    /// An invalid regular expression matches nothing (and a test rejects such schemas).
    fn is_match(&self, s: &str) -> bool {
        match self {
            Pattern::Prefix(prefix) => s.starts_with(prefix.as_str()),
            Pattern::AnyLineCharacter => s.chars().any(|c| c != '\n'),
            Pattern::Class(ranges) => {
                !s.is_empty()
                    && s.chars()
                        .all(|c| ranges.iter().any(|&(a, b)| a <= c && c <= b))
            }
            Pattern::Regex(..) => self.regex().is_some_and(|re| re.is_match(s)),
        }
    }
}

pub struct Validator {
    compiled: Compiled,
    patterns: HashMap<String, Pattern>,
}

impl Validator {
    /// Compiles a schema document.
    pub fn new(root: Json) -> Result<Self, String> {
        Ok(Self::from_compiled(compiled::compile(&root)?))
    }

    /// A schema compiled ahead of time (see `build.rs`).
    pub fn from_encoded(bytes: &[u8]) -> Result<Self, String> {
        Ok(Self::from_compiled(compiled::decode(bytes)?))
    }

    fn from_compiled(compiled: Compiled) -> Self {
        let mut patterns = HashMap::new();
        for n in &compiled.nodes {
            let sources = n
                .pattern
                .iter()
                .chain(n.pattern_properties.iter().map(|(p, _)| p));
            for source in sources {
                patterns
                    .entry(source.clone())
                    .or_insert_with(|| Pattern::new(source));
            }
        }
        Self { compiled, patterns }
    }

    /// Compiles every pattern now and names those that are not valid regular expressions.
    pub fn invalid_patterns(&self) -> Vec<String> {
        self.patterns
            .iter()
            .filter(|(_, p)| matches!(p, Pattern::Regex(..)) && p.regex().is_none())
            .map(|(source, _)| source.clone())
            .collect()
    }

    pub fn validate<I: Instance>(&self, instance: &I) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut path = String::new();
        self.node(self.compiled.root, instance, &mut path, &mut out);
        out
    }

    pub fn is_valid<I: Instance>(&self, instance: &I) -> bool {
        self.validate(instance).is_empty()
    }

    fn node<I: Instance>(&self, index: u32, inst: &I, path: &mut String, out: &mut Vec<Violation>) {
        let start = out.len();
        self.node_here(index, inst, path, out);
        // Violations made at this node (not at a child, which recorded its own) get its span
        // and what it holds.
        // `found` is unset (empty type name) exactly until the node that made it records it.
        if out.len() > start && out[start..].iter().any(|v| v.found.type_name.is_empty()) {
            let here = found(inst);
            for v in out[start..]
                .iter_mut()
                .filter(|v| v.found.type_name.is_empty())
            {
                if v.span.is_none() {
                    v.span = inst.span();
                }
                v.found = here.clone();
            }
        }
    }

    fn node_here<I: Instance>(
        &self,
        index: u32,
        inst: &I,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) {
        let Some(n) = self.compiled.nodes.get(index as usize) else {
            return;
        };
        match n.boolean {
            Some(true) => return,
            Some(false) => {
                push(out, path, Kind::False);
                return;
            }
            None => {}
        }
        if let Some(target) = n.reference {
            self.node(target, inst, path, out);
        }
        if !n.types.is_empty() && !n.types.iter().any(|t| has_type(inst, t)) {
            push(
                out,
                path,
                Kind::Type {
                    expected: n.types.clone(),
                },
            );
            return;
        }
        if let Some(options) = &n.enum_values {
            let value = inst.to_value();
            if !options.iter().any(|o| json_eq(o, &value)) {
                push(
                    out,
                    path,
                    Kind::Enum {
                        options: options.clone(),
                    },
                );
            }
        }
        if let Some(expected) = &n.const_value {
            if !json_eq(expected, &inst.to_value()) {
                push(
                    out,
                    path,
                    Kind::Const {
                        expected: expected.clone(),
                    },
                );
            }
        }
        self.combinators(n, inst, path, out);
        match inst.kind() {
            InstanceKind::String => self.string(n, inst.as_str().unwrap_or_default(), path, out),
            InstanceKind::Number => number(n, inst, path, out),
            InstanceKind::Array => self.array(n, inst.items(), path, out),
            InstanceKind::Object => self.object(n, inst, path, out),
            _ => {}
        }
    }

    fn combinators<I: Instance>(
        &self,
        n: &SchemaNode,
        inst: &I,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) {
        for &s in &n.all_of {
            self.node(s, inst, path, out);
        }
        for (branches, exactly_one) in [(&n.any_of, false), (&n.one_of, true)] {
            if branches.is_empty() {
                continue;
            }
            let results: Vec<Vec<Violation>> = branches
                .iter()
                .map(|&b| {
                    let mut errs = Vec::new();
                    self.node(b, inst, &mut path.clone(), &mut errs);
                    errs
                })
                .collect();
            let valid = results.iter().filter(|r| r.is_empty()).count();
            if valid == 0 {
                out.extend(best_branch(results, path));
            } else if exactly_one && valid > 1 {
                push(out, path, Kind::MoreThanOne);
            }
        }
        if let Some(not) = n.not {
            let mut errs = Vec::new();
            self.node(not, inst, &mut path.clone(), &mut errs);
            if errs.is_empty() {
                push(out, path, Kind::Not);
            }
        }
        if let Some(cond) = n.if_ {
            let mut errs = Vec::new();
            self.node(cond, inst, &mut path.clone(), &mut errs);
            let next = if errs.is_empty() { n.then_ } else { n.else_ };
            if let Some(next) = next {
                self.node(next, inst, path, out);
            }
        }
    }

    fn string(&self, n: &SchemaNode, s: &str, path: &str, out: &mut Vec<Violation>) {
        if n.min_length.is_some() || n.max_length.is_some() {
            let len = s.chars().count() as u64;
            if let Some(limit) = n.min_length.filter(|&l| len < l) {
                push(out, path, Kind::MinLength { limit });
            }
            if let Some(limit) = n.max_length.filter(|&l| len > l) {
                push(out, path, Kind::MaxLength { limit });
            }
        }
        if let Some(format) = &n.format {
            if !formats::check(format, s) {
                push(
                    out,
                    path,
                    Kind::Format {
                        format: format.clone(),
                    },
                );
            }
        }
        // A format implemented in code states the same rule as the node's `pattern` (which is
        // there for editors); a test checks that the two agree.
        let pattern_is_format = n.format.as_deref().is_some_and(formats::is_known);
        if let Some(pattern) = &n.pattern {
            if !pattern_is_format && self.patterns.get(pattern).is_some_and(|p| !p.is_match(s)) {
                push(
                    out,
                    path,
                    Kind::Pattern {
                        pattern: pattern.clone(),
                    },
                );
            }
        }
    }

    fn array<I: Instance>(
        &self,
        n: &SchemaNode,
        items: &[I],
        path: &mut String,
        out: &mut Vec<Violation>,
    ) {
        let len = items.len() as u64;
        if let Some(limit) = n.min_items.filter(|&l| len < l) {
            push(out, path, Kind::MinItems { limit });
        }
        if let Some(limit) = n.max_items.filter(|&l| len > l) {
            push(out, path, Kind::MaxItems { limit });
        }
        if n.unique_items {
            // Items compared through a canonical text (equal under JSON Schema equality iff
            // the texts are equal), hashed: linear, where comparing pairs was quadratic.
            let mut seen = std::collections::HashSet::with_capacity(items.len());
            let duplicate = items.iter().any(|i| {
                let mut key = String::new();
                canonical(&i.to_value(), &mut key);
                !seen.insert(key)
            });
            if duplicate {
                push(out, path, Kind::UniqueItems);
            }
        }
        if let Some(item_schema) = n.items {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                self.node(item_schema, item, path, out);
                path.truncate(len);
            }
        }
    }

    fn object<I: Instance>(
        &self,
        n: &SchemaNode,
        map: &I,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) {
        let count = map.entry_count() as u64;
        if let Some(limit) = n.min_properties.filter(|&l| count < l) {
            push(out, path, Kind::MinProperties { limit });
        }
        if let Some(limit) = n.max_properties.filter(|&l| count > l) {
            push(out, path, Kind::MaxProperties { limit });
        }
        for key in &n.required {
            if !map.has_key(key) {
                push(out, path, Kind::Required { key: key.clone() });
            }
        }
        let additional_false = n
            .additional
            .and_then(|a| self.compiled.nodes.get(a as usize))
            .is_some_and(|a| a.boolean == Some(false));
        map.each_entry(&mut |key, key_span, value| {
            let len = path.len();
            path.push('/');
            if key.contains(['~', '/']) {
                path.push_str(&key.replace('~', "~0").replace('/', "~1"));
            } else {
                path.push_str(key);
            }
            if let Some(names) = n.property_names {
                self.node(
                    names,
                    &Json::String(key.to_string()),
                    &mut path.clone(),
                    out,
                );
            }
            let mut matched = false;
            if let Some(s) = n.property(key) {
                matched = true;
                self.node(s, value, path, out);
            }
            for (pattern, s) in &n.pattern_properties {
                if self
                    .patterns
                    .get(pattern)
                    .is_some_and(|re| re.is_match(key))
                {
                    matched = true;
                    self.node(*s, value, path, out);
                }
            }
            if !matched {
                if additional_false {
                    path.truncate(len);
                    out.push(Violation {
                        path: path.to_string(),
                        kind: Kind::UnknownKey {
                            key: key.to_string(),
                            suggestion: crate::suggest::closest(
                                key,
                                n.properties.iter().map(|(k, _)| k.as_str()),
                            )
                            .map(str::to_string),
                        },
                        span: key_span.or_else(|| value.span()),
                        found: Found::default(),
                    });
                    return;
                }
                if let Some(a) = n.additional {
                    self.node(a, value, path, out);
                }
            }
            path.truncate(len);
        });
    }
}

fn push(out: &mut Vec<Violation>, path: &str, kind: Kind) {
    out.push(Violation {
        path: path.to_string(),
        kind,
        span: None,
        found: Found::default(),
    });
}

/// When no branch of `anyOf`/`oneOf` matches: if exactly one branch accepts the instance's
/// type (its errors are not a type mismatch at this node), its errors are the useful ones;
/// otherwise a single "matches none" is clearer than every branch's complaints.
fn best_branch(results: Vec<Vec<Violation>>, path: &str) -> Vec<Violation> {
    let typed: Vec<Vec<Violation>> = results
        .into_iter()
        .filter(|errs| {
            !errs
                .iter()
                .any(|e| e.path == path && matches!(e.kind, Kind::Type { .. } | Kind::False))
        })
        .collect();
    match <[Vec<Violation>; 1]>::try_from(typed) {
        Ok([only]) => only,
        Err(_) => vec![Violation {
            path: path.to_string(),
            kind: Kind::NoneOf,
            span: None,
            found: Found::default(),
        }],
    }
}

fn number<I: Instance>(n: &SchemaNode, inst: &I, path: &str, out: &mut Vec<Violation>) {
    let Some(v) = inst.as_f64() else {
        return;
    };
    let bound = |b: &Option<Json>| b.as_ref().and_then(|l| l.as_f64().map(|f| (l.clone(), f)));
    if let Some((limit, l)) = bound(&n.minimum).filter(|(_, l)| v < *l) {
        let _ = l;
        push(
            out,
            path,
            Kind::Minimum {
                limit,
                exclusive: false,
            },
        );
    }
    if let Some((limit, _)) = bound(&n.exclusive_minimum).filter(|(_, l)| v <= *l) {
        push(
            out,
            path,
            Kind::Minimum {
                limit,
                exclusive: true,
            },
        );
    }
    if let Some((limit, _)) = bound(&n.maximum).filter(|(_, l)| v > *l) {
        push(
            out,
            path,
            Kind::Maximum {
                limit,
                exclusive: false,
            },
        );
    }
    if let Some((limit, _)) = bound(&n.exclusive_maximum).filter(|(_, l)| v >= *l) {
        push(
            out,
            path,
            Kind::Maximum {
                limit,
                exclusive: true,
            },
        );
    }
}

fn has_type<I: Instance>(inst: &I, t: &str) -> bool {
    match (t, inst.kind()) {
        ("null", InstanceKind::Null)
        | ("boolean", InstanceKind::Bool)
        | ("object", InstanceKind::Object)
        | ("array", InstanceKind::Array)
        | ("string", InstanceKind::String)
        | ("number", InstanceKind::Number) => true,
        ("integer", InstanceKind::Number) => inst.is_integer(),
        _ => false,
    }
}

/// JSON equality where `1` equals `1.0`, as JSON Schema requires.
/// Appends a text of `v` that two values share exactly when [`json_eq`] holds: numbers by
/// their value (`1` and `1.0` alike), object keys sorted.
fn canonical(v: &Json, out: &mut String) {
    match v {
        Json::Number(n) => match n.as_f64() {
            Some(f) => out.push_str(&format!("n{f}")),
            None => out.push_str(&format!("n{n}")),
        },
        Json::String(s) => {
            out.push('s');
            out.push_str(&Json::String(s.clone()).to_string());
        }
        Json::Array(items) => {
            out.push('[');
            for i in items {
                canonical(i, out);
                out.push(',');
            }
            out.push(']');
        }
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for k in keys {
                out.push_str(&Json::String(k.clone()).to_string());
                out.push(':');
                canonical(&map[k], out);
                out.push(',');
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(schema: Json, inst: Json) -> Vec<Violation> {
        Validator::new(schema)
            .unwrap_or_else(|e| panic!("{e}"))
            .validate(&inst)
    }

    /// `uniqueItems` through canonical texts agrees with pairwise JSON Schema equality.
    #[test]
    fn unique_items_by_canonical_text() {
        let samples = [
            json!(1),
            json!(1.0),
            json!(1.5),
            json!("1"),
            json!(true),
            json!(null),
            json!([1, "a"]),
            json!([1.0, "a"]),
            json!({"a": 1, "b": [2]}),
            json!({"b": [2.0], "a": 1}),
            json!({"a": 1}),
            json!("a,b"),
            json!(["a", "b"]),
        ];
        for a in &samples {
            for b in &samples {
                let (mut x, mut y) = (String::new(), String::new());
                canonical(a, &mut x);
                canonical(b, &mut y);
                assert_eq!(x == y, json_eq(a, b), "{a} vs {b}");
            }
        }
        let schema = json!({"type": "array", "uniqueItems": true});
        assert_eq!(errors(schema.clone(), json!([1, 1.0])).len(), 1);
        assert!(errors(schema, json!([1, "1", [1], {"a": 1}])).is_empty());
    }

    #[test]
    fn core_keywords() {
        let schema = json!({
            "type": "object", "additionalProperties": false, "required": ["a"],
            "properties": {"a": {"type": "integer", "minimum": 1}, "b": {"$ref": "#/$defs/s"}},
            "$defs": {"s": {"type": "string", "pattern": "^x"}}
        });
        assert!(errors(schema.clone(), json!({"a": 1, "b": "xy"})).is_empty());
        let errs = errors(schema, json!({"a": 0, "b": "y", "c": 1}));
        let kinds: Vec<(&str, &Kind)> = errs.iter().map(|e| (e.path.as_str(), &e.kind)).collect();
        assert_eq!(
            kinds,
            [
                (
                    "/a",
                    &Kind::Minimum {
                        limit: json!(1),
                        exclusive: false
                    }
                ),
                (
                    "/b",
                    &Kind::Pattern {
                        pattern: "^x".into()
                    }
                ),
                (
                    "",
                    &Kind::UnknownKey {
                        key: "c".into(),
                        suggestion: None
                    }
                ),
            ]
        );
    }

    #[test]
    fn one_of_reports_the_branch_of_the_right_type() {
        let schema = json!({"oneOf": [{"type": "string"}, {"type": "object", "required": ["k"]}]});
        assert!(errors(schema.clone(), json!("s")).is_empty());
        let errs = errors(schema.clone(), json!({}));
        assert_eq!(errs[0].kind, Kind::Required { key: "k".into() });
        let errs = errors(schema, json!(3));
        assert_eq!(errs[0].kind, Kind::NoneOf);
    }

    #[test]
    fn simple_patterns_match_like_the_regex() {
        let samples = ["", "a", "abc-1.2_x", "a b", "A", "x\ny", "é", "-", "x-1"];
        for pattern in ["^[a-zA-Z0-9._-]+$", "^[a-z]+$", ".+", "^.+$", "^x-"] {
            let ours = Pattern::new(pattern);
            assert!(
                !matches!(ours, Pattern::Regex(..)),
                "{pattern} should not need a regex"
            );
            let re = Regex::new(pattern).unwrap_or_else(|e| panic!("{e}"));
            for s in samples {
                assert_eq!(ours.is_match(s), re.is_match(s), "{pattern} on {s:?}");
            }
        }
    }

    #[test]
    fn integers_and_equality_follow_json_schema() {
        assert!(errors(json!({"type": "integer"}), json!(2.0)).is_empty());
        assert!(!errors(json!({"type": "integer"}), json!(2.5)).is_empty());
        assert!(errors(json!({"enum": [1, "a"]}), json!(1.0)).is_empty());
        assert!(!errors(json!({"uniqueItems": true}), json!([1, 1.0])).is_empty());
    }
}
