//! JSON Schema validation of spanned YAML documents.
//!
//! The schemas are this project's own files under `schemas/`, embedded in the binary. Every
//! violation becomes a diagnostic at the node the instance path designates; an unexpected key
//! is reported at the key itself.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value as Json;

use crate::diag::Diagnostic;
use crate::yaml::Node;

/// The profile schema, `schemas/profile.schema.json`.
pub const PROFILE_SCHEMA: &str = include_str!("../schemas/profile.schema.json");
/// The inner manifest schema, `schemas/mcp-v1.schema.json`.
pub const MCP_V1_SCHEMA: &str = include_str!("../schemas/mcp-v1.schema.json");

/// A compiled schema.
pub struct Schema {
    validator: Validator,
}

/// Whether `s` is an IPv4 or IPv6 network in CIDR notation (`10.0.0.0/24`, `fd00::/64`).
pub fn is_cidr(s: &str) -> bool {
    crate::net::Cidr::parse(s).is_ok()
}

impl Schema {
    /// Compiles an embedded schema. The schemas ship with the binary and are tested, so a
    /// failure here is a build defect, reported as a message rather than a panic.
    pub fn compile(text: &str) -> Result<Self, String> {
        let json: Json =
            serde_json::from_str(text).map_err(|e| format!("embedded schema is not JSON: {e}"))?;
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .with_format("cidr", is_cidr)
            .build(&json)
            .map_err(|e| format!("embedded schema does not compile: {e}"))?;
        Ok(Self { validator })
    }

    /// Validates `instance` (the JSON form of `node`) and returns every violation.
    pub fn validate(&self, node: &Node, instance: &Json, code: &'static str) -> Vec<Diagnostic> {
        self.validator
            .iter_errors(instance)
            .map(|err| to_diagnostic(node, &err, code))
            .collect()
    }
}

fn to_diagnostic(root: &Node, err: &ValidationError<'_>, code: &'static str) -> Diagnostic {
    let pointer = err.instance_path().as_str().to_string();
    let (pointer, at_key) = match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected }
            if !unexpected.is_empty() =>
        {
            (
                format!("{pointer}/{}", escape_pointer(&unexpected[0])),
                true,
            )
        }
        _ => (pointer, false),
    };
    let node = root
        .at_pointer(&pointer, at_key)
        .or_else(|| root.at_pointer(err.instance_path().as_str(), false))
        .unwrap_or(root);
    let path = display_path(err.instance_path().as_str());
    Diagnostic::error(code, message(err, &path), Some(node.span))
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// `/services/web/ports/0` → `services.web.ports[0]`.
fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for step in pointer.split('/').skip(1) {
        let step = step.replace("~1", "/").replace("~0", "~");
        if step.parse::<usize>().is_ok() {
            out.push_str(&format!("[{step}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&step);
        }
    }
    out
}

fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a mapping",
    }
}

/// A short rendering of a scalar instance; collections are described, never dumped, so that a
/// message cannot carry a whole environment block with its secrets.
fn short(v: &Json) -> String {
    match v {
        Json::String(s) if s.chars().count() <= 60 => format!("`{s}`"),
        Json::String(_) => "the string".into(),
        Json::Number(n) => format!("`{n}`"),
        Json::Bool(b) => format!("`{b}`"),
        other => json_type(other).to_string(),
    }
}

fn message(err: &ValidationError<'_>, path: &str) -> String {
    let at = if path.is_empty() {
        String::new()
    } else {
        format!(" at `{path}`")
    };
    let instance = err.instance();
    match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let keys: Vec<String> = unexpected.iter().map(|k| format!("`{k}`")).collect();
            format!("unknown key {}{at}", keys.join(", "))
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            format!("missing required key `{name}`{at}")
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            format!("expected {expected}, found {}{at}", json_type(instance))
        }
        ValidationErrorKind::Enum { options } => {
            let opts: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(|o| o.to_string()).collect())
                .unwrap_or_default();
            format!("{} is not one of {}{at}", short(instance), opts.join(", "))
        }
        ValidationErrorKind::Format { format } => {
            format!("{} is not a valid {format}{at}", short(instance))
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("{} does not match `{pattern}`{at}", short(instance))
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("{} is below the minimum {limit}{at}", short(instance))
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("{} is above the maximum {limit}{at}", short(instance))
        }
        ValidationErrorKind::MinItems { limit } => {
            format!("needs at least {limit} item(s){at}")
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("needs at least {limit} character(s){at}")
        }
        ValidationErrorKind::UniqueItems => format!("items must be unique{at}"),
        ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
            format!("{} matches none of the allowed forms{at}", short(instance))
        }
        _ => format!("{err}{at}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_path_reads_like_yaml() {
        assert_eq!(
            display_path("/services/web/ports/0"),
            "services.web.ports[0]"
        );
        assert_eq!(display_path("/a~1b"), "a/b");
        assert_eq!(display_path(""), "");
    }

    #[test]
    fn embedded_schemas_compile() {
        assert!(Schema::compile(PROFILE_SCHEMA).is_ok());
        assert!(Schema::compile(MCP_V1_SCHEMA).is_ok());
    }
}
