//! JSON Schema validation of spanned YAML documents.
//!
//! The schemas are this project's own files under `schemas/`, embedded in the binary and run
//! through the subset validator in [`validate`]. Every violation becomes a diagnostic at the
//! node its instance path designates; an unexpected key is reported at the key itself.

pub mod compiled;
mod formats;
pub mod validate;

use serde_json::Value as Json;

pub use formats::is_duration;
pub use validate::{Kind, Validator, Violation};

use crate::diag::Diagnostic;
use crate::yaml::Node;

/// The schemas as the binary reads them at runtime: `build.rs` strips annotations and
/// minifies them (the constants above are the documented files, used by editors and tests).
pub mod runtime {
    pub const PROFILE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/profile.schema.json.bin"));
    pub const COMPOSE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/compose.schema.json.bin"));
    pub const MCP_V1: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/mcp-v1.schema.json.bin"));
}

/// The profile schema, `schemas/profile.schema.json`.
pub const PROFILE_SCHEMA: &str = include_str!("../../schemas/profile.schema.json");
/// The compose schema, `schemas/compose.schema.json`.
pub const COMPOSE_SCHEMA: &str = include_str!("../../schemas/compose.schema.json");
/// The inner manifest schema, `schemas/mcp-v1.schema.json`.
pub const MCP_V1_SCHEMA: &str = include_str!("../../schemas/mcp-v1.schema.json");

/// Whether `s` is an IPv4 or IPv6 network in CIDR notation (`10.0.0.0/24`, `fd00::/64`).
pub fn is_cidr(s: &str) -> bool {
    crate::net::Cidr::parse(s).is_ok()
}

/// The embedded compose schema, decoded once per process.
pub fn compose() -> Option<&'static Schema> {
    static SCHEMA: std::sync::OnceLock<Option<Schema>> = std::sync::OnceLock::new();
    SCHEMA
        .get_or_init(|| Schema::embedded(runtime::COMPOSE).ok())
        .as_ref()
}

/// The embedded mcp/v1 schema, decoded once per process.
pub fn mcp_v1() -> Option<&'static Schema> {
    static SCHEMA: std::sync::OnceLock<Option<Schema>> = std::sync::OnceLock::new();
    SCHEMA
        .get_or_init(|| Schema::embedded(runtime::MCP_V1).ok())
        .as_ref()
}

/// Decodes the stack schemas on another thread, so that they are ready when loading needs
/// them (a cold process otherwise waits for them after rendering a profile).
pub fn prefetch() {
    std::thread::spawn(|| {
        compose();
        mcp_v1();
    });
}

/// A schema ready to validate documents.
pub struct Schema {
    validator: Validator,
}

impl Schema {
    /// Prepares an embedded schema. The schemas ship with the binary and are tested, so a
    /// failure here is a build defect, reported as a message rather than a panic.
    pub fn compile(text: &str) -> Result<Self, String> {
        let json: Json =
            serde_json::from_str(text).map_err(|e| format!("embedded schema is not JSON: {e}"))?;
        let validator = Validator::new(json)?;
        Ok(Self { validator })
    }

    /// Loads a schema compiled by `build.rs` (see [`runtime`]).
    pub fn embedded(encoded: &[u8]) -> Result<Self, String> {
        Ok(Self {
            validator: Validator::from_encoded(encoded)?,
        })
    }

    pub fn validator(&self) -> &Validator {
        &self.validator
    }

    /// Validates `node` and returns every violation.
    pub fn validate(&self, node: &Node, code: &'static str) -> Vec<Diagnostic> {
        self.validate_except(node, code, |_| false)
    }

    /// Like [`Schema::validate`], leaving out the violations `skip` selects.
    pub fn validate_except(
        &self,
        node: &Node,
        code: &'static str,
        skip: impl Fn(&Violation) -> bool,
    ) -> Vec<Diagnostic> {
        self.validator
            .validate(node)
            .iter()
            .filter(|v| !skip(v))
            .map(|v| to_diagnostic(node, v, code))
            .collect()
    }
}

fn to_diagnostic(root: &Node, v: &Violation, code: &'static str) -> Diagnostic {
    Diagnostic::error(
        code,
        message(v, &display_path(&v.path)),
        Some(v.span.unwrap_or(root.span)),
    )
}

/// `/services/web/ports/0` → `services.web.ports[0]`.
pub fn display_path(pointer: &str) -> String {
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

/// A JSON Schema type in the words of YAML.
fn schema_type(t: &str) -> &str {
    match t {
        "object" => "a mapping",
        "array" => "a list",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        other => other,
    }
}

fn format_help(format: &str) -> &'static str {
    match format {
        "cidr" => "a network in CIDR notation, e.g. `10.201.0.0/24`",
        "duration" => "a duration such as `30s`, `1m30s` or `500ms`",
        "ipv4" => "an IPv4 address",
        "ipv6" => "an IPv6 address",
        _ => "the expected format",
    }
}

fn message(v: &Violation, path: &str) -> String {
    let short = || v.found.short.as_str();
    let at = if path.is_empty() {
        String::new()
    } else {
        format!(" at `{path}`")
    };
    match &v.kind {
        Kind::UnknownKey {
            key,
            suggestion: Some(s),
        } => format!("unknown key `{key}`{at} (did you mean `{s}`?)"),
        Kind::UnknownKey { key, .. } => format!("unknown key `{key}`{at}"),
        Kind::Required { key } => format!("missing required key `{key}`{at}"),
        Kind::Type { expected } => {
            let expected: Vec<&str> = expected.iter().map(|t| schema_type(t)).collect();
            format!(
                "expected {}, found {}{at}",
                expected.join(" or "),
                v.found.type_name
            )
        }
        Kind::Enum { options } => {
            let opts: Vec<String> = options.iter().map(|o| o.to_string()).collect();
            format!("{} is not one of {}{at}", short(), opts.join(", "))
        }
        Kind::Const { expected } => format!("{} must be {expected}{at}", short()),
        Kind::Format { format } => {
            format!("{} is not {}{at}", short(), format_help(format))
        }
        Kind::Pattern { pattern } => format!("{} does not match `{pattern}`{at}", short()),
        Kind::Minimum { limit, .. } => format!("{} is below the minimum {limit}{at}", short()),
        Kind::Maximum { limit, .. } => format!("{} is above the maximum {limit}{at}", short()),
        Kind::MinItems { limit } => format!("needs at least {limit} item(s){at}"),
        Kind::MaxItems { limit } => format!("allows at most {limit} item(s){at}"),
        Kind::MinLength { limit } => format!("needs at least {limit} character(s){at}"),
        Kind::MaxLength { limit } => format!("allows at most {limit} character(s){at}"),
        Kind::MinProperties { limit } => format!("needs at least {limit} key(s){at}"),
        Kind::MaxProperties { limit } => format!("allows at most {limit} key(s){at}"),
        Kind::UniqueItems => format!("items must be unique{at}"),
        Kind::NoneOf => format!("{} matches none of the allowed forms{at}", short()),
        Kind::MoreThanOne => format!("{} matches more than one allowed form{at}", short()),
        Kind::Not => format!("{} is not allowed{at}", short()),
        Kind::False => format!("no value is allowed{at}"),
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

    /// The compiled, encoded schemas decode to what compiling the documents gives.
    #[test]
    fn encoded_schemas_round_trip() {
        for (text, encoded) in [
            (PROFILE_SCHEMA, runtime::PROFILE),
            (MCP_V1_SCHEMA, runtime::MCP_V1),
            (COMPOSE_SCHEMA, runtime::COMPOSE),
        ] {
            let json: Json = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
            let direct = compiled::compile(&json).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                compiled::decode(&compiled::encode(&direct)),
                Ok(direct.clone())
            );
            let embedded = compiled::decode(encoded).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(embedded.nodes.len(), direct.nodes.len());
            assert!(
                compiled::decode(&encoded[..encoded.len() / 2]).is_err(),
                "a truncated encoding is refused"
            );
        }
    }

    /// Every keyword our schemas use is one the validator implements.
    #[test]
    fn embedded_schemas_use_only_supported_keywords() {
        fn walk(v: &Json, at: &str, bad: &mut Vec<String>) {
            match v {
                Json::Object(obj) => {
                    for (k, child) in obj {
                        let container = matches!(
                            at.rsplit('/').next(),
                            Some("properties" | "patternProperties" | "$defs" | "definitions")
                        );
                        if !container && !validate::KNOWN_KEYWORDS.contains(&k.as_str()) {
                            bad.push(format!("{at}/{k}"));
                        }
                        if !matches!(k.as_str(), "enum" | "const" | "default" | "examples") {
                            walk(child, &format!("{at}/{k}"), bad);
                        }
                    }
                }
                Json::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, &format!("{at}/{i}"), bad);
                    }
                }
                _ => {}
            }
        }
        for text in [PROFILE_SCHEMA, MCP_V1_SCHEMA, COMPOSE_SCHEMA] {
            let json: Json = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
            let mut bad = Vec::new();
            walk(&json, "", &mut bad);
            assert!(bad.is_empty(), "unsupported keywords: {bad:?}");
            assert!(Schema::compile(text).is_ok());
        }
    }
}
