//! A validator for the subset of JSON Schema (draft 2020-12) that this project's own schemas
//! use. It interprets the schema document directly, so there is no compile step beyond the
//! few regular expressions, and a whole process stays within its time budget (the `jsonschema`
//! crate spends 3.6–5 ms building its meta-schema validator on a cold start). The tests run the
//! same documents through `jsonschema` and require the same verdicts.
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

use super::formats;

/// What is wrong with an instance, at `path` (a JSON pointer into the instance).
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub path: String,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Type { expected: Vec<String> },
    UnknownKey { key: String },
    Required { key: String },
    Enum { options: Vec<Json> },
    Const { expected: Json },
    Format { format: String },
    Pattern { pattern: String },
    Minimum { limit: Json, exclusive: bool },
    Maximum { limit: Json, exclusive: bool },
    MinItems { limit: u64 },
    MaxItems { limit: u64 },
    MinLength { limit: u64 },
    MaxLength { limit: u64 },
    MinProperties { limit: u64 },
    MaxProperties { limit: u64 },
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
    root: Json,
    patterns: HashMap<String, Pattern>,
}

impl Validator {
    /// Prepares `root`: indexes every `pattern` and `patternProperties` key.
    pub fn new(root: Json) -> Result<Self, String> {
        let mut patterns = HashMap::new();
        collect_patterns(&root, &mut patterns);
        Ok(Self { root, patterns })
    }

    /// Compiles every pattern now and names those that are not valid regular expressions.
    pub fn invalid_patterns(&self) -> Vec<String> {
        self.patterns
            .iter()
            .filter(|(_, p)| matches!(p, Pattern::Regex(..)) && p.regex().is_none())
            .map(|(source, _)| source.clone())
            .collect()
    }

    pub fn root(&self) -> &Json {
        &self.root
    }

    pub fn validate(&self, instance: &Json) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut path = String::new();
        self.node(&self.root, instance, &mut path, &mut out);
        out
    }

    pub fn is_valid(&self, instance: &Json) -> bool {
        self.validate(instance).is_empty()
    }

    fn resolve<'a>(&'a self, reference: &str) -> Option<&'a Json> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    fn node(&self, schema: &Json, inst: &Json, path: &mut String, out: &mut Vec<Violation>) {
        let obj = match schema {
            Json::Bool(true) => return,
            Json::Bool(false) => {
                push(out, path, Kind::False);
                return;
            }
            Json::Object(obj) => obj,
            _ => return,
        };
        if let Some(target) = obj
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| self.resolve(r))
        {
            self.node(target, inst, path, out);
        }
        if let Some(types) = obj.get("type") {
            let expected: Vec<&str> = match types {
                Json::String(t) => vec![t.as_str()],
                Json::Array(ts) => ts.iter().filter_map(Json::as_str).collect(),
                _ => Vec::new(),
            };
            if !expected.is_empty() && !expected.iter().any(|t| has_type(inst, t)) {
                let expected = expected.iter().map(|t| (*t).to_string()).collect();
                push(out, path, Kind::Type { expected });
                return;
            }
        }
        if let Some(options) = obj.get("enum").and_then(Json::as_array) {
            if !options.iter().any(|o| json_eq(o, inst)) {
                push(
                    out,
                    path,
                    Kind::Enum {
                        options: options.clone(),
                    },
                );
            }
        }
        if let Some(expected) = obj.get("const") {
            if !json_eq(expected, inst) {
                push(
                    out,
                    path,
                    Kind::Const {
                        expected: expected.clone(),
                    },
                );
            }
        }
        self.combinators(obj, inst, path, out);
        match inst {
            Json::String(s) => self.string(obj, s, path, out),
            Json::Number(_) => number(obj, inst, path, out),
            Json::Array(items) => self.array(obj, items, path, out),
            Json::Object(map) => self.object(obj, map, path, out),
            _ => {}
        }
    }

    fn combinators(
        &self,
        obj: &Map<String, Json>,
        inst: &Json,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) {
        if let Some(all) = obj.get("allOf").and_then(Json::as_array) {
            for s in all {
                self.node(s, inst, path, out);
            }
        }
        for (keyword, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            let Some(branches) = obj.get(keyword).and_then(Json::as_array) else {
                continue;
            };
            let results: Vec<Vec<Violation>> = branches
                .iter()
                .map(|b| {
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
        if let Some(not) = obj.get("not") {
            let mut errs = Vec::new();
            self.node(not, inst, &mut path.clone(), &mut errs);
            if errs.is_empty() {
                push(out, path, Kind::Not);
            }
        }
        if let Some(cond) = obj.get("if") {
            let mut errs = Vec::new();
            self.node(cond, inst, &mut path.clone(), &mut errs);
            let next = if errs.is_empty() {
                obj.get("then")
            } else {
                obj.get("else")
            };
            if let Some(next) = next {
                self.node(next, inst, path, out);
            }
        }
    }

    fn string(&self, obj: &Map<String, Json>, s: &str, path: &str, out: &mut Vec<Violation>) {
        let len = s.chars().count() as u64;
        if let Some(limit) = obj.get("minLength").and_then(Json::as_u64) {
            if len < limit {
                push(out, path, Kind::MinLength { limit });
            }
        }
        if let Some(limit) = obj.get("maxLength").and_then(Json::as_u64) {
            if len > limit {
                push(out, path, Kind::MaxLength { limit });
            }
        }
        let format = obj.get("format").and_then(Json::as_str);
        if let Some(format) = format {
            if !formats::check(format, s) {
                let format = format.to_string();
                push(out, path, Kind::Format { format });
            }
        }
        // A format implemented in code states the same rule as the node's `pattern` (which is
        // there for editors); a test checks that the two agree.
        let pattern_is_format = format.is_some_and(formats::is_known);
        if let Some(pattern) = obj.get("pattern").and_then(Json::as_str) {
            if !pattern_is_format && self.patterns.get(pattern).is_some_and(|p| !p.is_match(s)) {
                let pattern = pattern.to_string();
                push(out, path, Kind::Pattern { pattern });
            }
        }
    }

    fn array(
        &self,
        obj: &Map<String, Json>,
        items: &[Json],
        path: &mut String,
        out: &mut Vec<Violation>,
    ) {
        let len = items.len() as u64;
        if let Some(limit) = obj.get("minItems").and_then(Json::as_u64) {
            if len < limit {
                push(out, path, Kind::MinItems { limit });
            }
        }
        if let Some(limit) = obj.get("maxItems").and_then(Json::as_u64) {
            if len > limit {
                push(out, path, Kind::MaxItems { limit });
            }
        }
        if obj.get("uniqueItems") == Some(&Json::Bool(true)) {
            let duplicate = items
                .iter()
                .enumerate()
                .any(|(i, a)| items[..i].iter().any(|b| json_eq(a, b)));
            if duplicate {
                push(out, path, Kind::UniqueItems);
            }
        }
        if let Some(item_schema) = obj.get("items") {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                self.node(item_schema, item, path, out);
                path.truncate(len);
            }
        }
    }

    fn object(
        &self,
        obj: &Map<String, Json>,
        map: &Map<String, Json>,
        path: &mut String,
        out: &mut Vec<Violation>,
    ) {
        let count = map.len() as u64;
        if let Some(limit) = obj.get("minProperties").and_then(Json::as_u64) {
            if count < limit {
                push(out, path, Kind::MinProperties { limit });
            }
        }
        if let Some(limit) = obj.get("maxProperties").and_then(Json::as_u64) {
            if count > limit {
                push(out, path, Kind::MaxProperties { limit });
            }
        }
        if let Some(required) = obj.get("required").and_then(Json::as_array) {
            for key in required.iter().filter_map(Json::as_str) {
                if !map.contains_key(key) {
                    push(
                        out,
                        path,
                        Kind::Required {
                            key: key.to_string(),
                        },
                    );
                }
            }
        }
        let properties = obj.get("properties").and_then(Json::as_object);
        let pattern_properties = obj.get("patternProperties").and_then(Json::as_object);
        let additional = obj.get("additionalProperties");
        let names = obj.get("propertyNames");
        for (key, value) in map {
            let len = path.len();
            path.push('/');
            path.push_str(&key.replace('~', "~0").replace('/', "~1"));
            if let Some(names) = names {
                let mut errs = Vec::new();
                self.node(
                    names,
                    &Json::String(key.clone()),
                    &mut path.clone(),
                    &mut errs,
                );
                out.extend(errs);
            }
            let mut matched = false;
            if let Some(s) = properties.and_then(|p| p.get(key)) {
                matched = true;
                self.node(s, value, path, out);
            }
            if let Some(pp) = pattern_properties {
                for (pattern, s) in pp {
                    if self
                        .patterns
                        .get(pattern)
                        .is_some_and(|re| re.is_match(key))
                    {
                        matched = true;
                        self.node(s, value, path, out);
                    }
                }
            }
            if !matched {
                match additional {
                    Some(Json::Bool(false)) => {
                        path.truncate(len);
                        push(out, path, Kind::UnknownKey { key: key.clone() });
                        continue;
                    }
                    Some(s @ Json::Object(_)) => self.node(s, value, path, out),
                    _ => {}
                }
            }
            path.truncate(len);
        }
    }
}

fn push(out: &mut Vec<Violation>, path: &str, kind: Kind) {
    out.push(Violation {
        path: path.to_string(),
        kind,
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
        }],
    }
}

fn number(obj: &Map<String, Json>, inst: &Json, path: &str, out: &mut Vec<Violation>) {
    let Some(v) = inst.as_f64() else {
        return;
    };
    let bound = |key: &str| {
        obj.get(key)
            .and_then(|l| l.as_f64().map(|f| (l.clone(), f)))
    };
    if let Some((limit, l)) = bound("minimum") {
        if v < l {
            push(
                out,
                path,
                Kind::Minimum {
                    limit,
                    exclusive: false,
                },
            );
        }
    }
    if let Some((limit, l)) = bound("exclusiveMinimum") {
        if v <= l {
            push(
                out,
                path,
                Kind::Minimum {
                    limit,
                    exclusive: true,
                },
            );
        }
    }
    if let Some((limit, l)) = bound("maximum") {
        if v > l {
            push(
                out,
                path,
                Kind::Maximum {
                    limit,
                    exclusive: false,
                },
            );
        }
    }
    if let Some((limit, l)) = bound("exclusiveMaximum") {
        if v >= l {
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
}

fn has_type(inst: &Json, t: &str) -> bool {
    match t {
        "null" => inst.is_null(),
        "boolean" => inst.is_boolean(),
        "object" => inst.is_object(),
        "array" => inst.is_array(),
        "string" => inst.is_string(),
        "number" => inst.is_number(),
        "integer" => match inst {
            Json::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => false,
    }
}

/// JSON equality where `1` equals `1.0`, as JSON Schema requires.
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

fn collect_patterns(schema: &Json, out: &mut HashMap<String, Pattern>) {
    match schema {
        Json::Object(obj) => {
            let sources = obj.get("pattern").and_then(Json::as_str).into_iter().chain(
                obj.get("patternProperties")
                    .and_then(Json::as_object)
                    .into_iter()
                    .flat_map(|pp| pp.keys().map(String::as_str)),
            );
            for source in sources {
                out.entry(source.to_string())
                    .or_insert_with(|| Pattern::new(source));
            }
            for (key, value) in obj {
                // `enum`/`const`/`default` values are data, not schemas.
                if !matches!(key.as_str(), "enum" | "const" | "default" | "examples") {
                    collect_patterns(value, out);
                }
            }
        }
        Json::Array(items) => {
            for item in items {
                collect_patterns(item, out);
            }
        }
        _ => {}
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
                ("", &Kind::UnknownKey { key: "c".into() }),
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
