//! The `format` values our schemas use, checked in code (no regular expression to compile).

use std::net::{Ipv4Addr, Ipv6Addr};

/// The formats implemented here. Where a schema node also has a `pattern` (for editors), the
/// format states the same rule; `tests` check that they agree.
const KNOWN: &[&str] = &[
    "ipv4",
    "ipv6",
    "cidr",
    "duration",
    "name",
    "project-name",
    "compose-file-name",
    "image",
    "restart",
    "cpus",
    "memory",
    "env-name",
    "user",
    "inner-volume-source",
    "volume-target",
    "pull-policy",
    "platform",
];

/// `os[/arch[/variant]]`: `linux/amd64`, `linux/arm64/v8`.
fn is_platform(s: &str) -> bool {
    let mut parts = s.split('/');
    let os = parts.next().unwrap_or_default();
    let os_ok = !os.is_empty()
        && os
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let rest: Vec<&str> = parts.collect();
    os_ok
        && rest.len() <= 2
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        })
}

pub fn is_known(format: &str) -> bool {
    KNOWN.contains(&format)
}

/// Whether `s` satisfies `format`. Unknown formats are annotations and always pass.
pub fn check(format: &str, s: &str) -> bool {
    match format {
        "ipv4" => s.parse::<Ipv4Addr>().is_ok(),
        "ipv6" => s.parse::<Ipv6Addr>().is_ok(),
        "cidr" => crate::net::Cidr::parse(s).is_ok(),
        "duration" => is_duration(s),
        "name" => is_name(s),
        "project-name" => {
            s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        }
        "compose-file-name" => {
            let stem = s.strip_suffix(".yml").or_else(|| s.strip_suffix(".yaml"));
            stem.is_some() && is_name(s)
        }
        "image" => !s.is_empty() && !s.chars().any(char::is_whitespace),
        "restart" => is_restart(s),
        "pull-policy" => crate::model::pull::PullPolicy::parse(s).is_some(),
        "platform" => is_platform(s),
        "cpus" => is_decimal(s),
        "memory" => is_memory(s),
        "env-name" => !s.is_empty() && !s.contains(['=', '\0']),
        "user" => {
            let word = |w: &str| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            };
            match s.split_once(':') {
                Some((u, g)) => word(u) && word(g),
                None => word(s),
            }
        }
        "inner-volume-source" => (s.starts_with('/') && !s.contains('\n')) || is_name(s),
        "volume-target" => {
            let Some(rest) = s.strip_prefix('/') else {
                return false;
            };
            let path = rest
                .strip_suffix(":ro")
                .or_else(|| rest.strip_suffix(":rw"))
                .unwrap_or(rest);
            !path.contains(':')
        }
        // The Compose schema's unanchored `[a-zA-Z0-9][a-zA-Z0-9_.-]+`: somewhere a letter or
        // digit followed by a name character (so `${NAME}` passes before interpolation).
        "container-name" => s.as_bytes().windows(2).any(|w| {
            w[0].is_ascii_alphanumeric()
                && (w[1].is_ascii_alphanumeric() || matches!(w[1], b'_' | b'.' | b'-'))
        }),
        _ => true,
    }
}

/// Letters, digits, `_`, `.`, `-`, starting with a letter or digit (container, network and
/// volume names).
pub fn is_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn is_restart(s: &str) -> bool {
    match s {
        "no" | "always" | "unless-stopped" | "on-failure" => true,
        _ => s
            .strip_prefix("on-failure:")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_decimal(s: &str) -> bool {
    match s.split_once('.') {
        Some((int, frac)) => is_digits(int) && is_digits(frac),
        None => is_digits(s),
    }
}

fn is_memory(s: &str) -> bool {
    crate::model::units::bytes(s).is_some()
}

/// A Go-style duration as compose writes them: `30s`, `1m30s`, `1.5h`, `500ms`, `10us`.
pub fn is_duration(s: &str) -> bool {
    crate::model::units::go_duration_ns(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a schema node has both a `pattern` and a format, both must accept and reject the
    /// same strings.
    #[test]
    fn formats_agree_with_the_patterns_beside_them() {
        const SAMPLES: &[&str] = &[
            "",
            "a",
            "A1",
            "a.b-c_d",
            "-a",
            ".a",
            "a b",
            "a\nb",
            "a:b",
            "a:b:c",
            "a=b",
            "a\0",
            "mcp-dind",
            "MCP",
            "x.yml",
            "x.yaml",
            "x.json",
            ".yml",
            "docker:25.0.5-dind",
            "no",
            "always",
            "on-failure",
            "on-failure:3",
            "on-failure:",
            "on-failure:x",
            "unless-stopped",
            "1",
            "1.0",
            "1.",
            ".5",
            "0.25",
            "512M",
            "1g",
            "4gb",
            "1.5G",
            "10 M",
            "1kB",
            "1Mi",
            "/data",
            "/data:ro",
            "/data:rw",
            "/data:x",
            "data",
            "/a\nb",
            "/",
            "1000:1000",
            "1000",
            "root",
            "u:g",
            ":g",
            "u:",
            "10s",
            "é",
            "a/b",
            "missing",
            "if_not_present",
            "never",
            "daily",
            "weekly",
            "every_12h",
            "every_1h30m",
            "every_",
            "every_x",
            "every_12",
            "build",
            "linux/amd64",
            "linux/arm64/v8",
            "linux/",
            "Linux/amd64",
            "a/b/c/d",
        ];
        let mut pairs = Vec::new();
        for text in [
            super::super::PROFILE_SCHEMA,
            super::super::COMPOSE_SCHEMA,
            super::super::MCP_V1_SCHEMA,
        ] {
            let schema: serde_json::Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
            collect(&schema, &mut pairs);
        }
        assert!(pairs.len() >= 8, "{pairs:?}");
        for (format, pattern) in pairs {
            let re = regex::Regex::new(&pattern).unwrap_or_else(|e| panic!("{e}"));
            for s in SAMPLES {
                assert_eq!(
                    check(&format, s),
                    re.is_match(s),
                    "format {format} vs /{pattern}/ on {s:?}"
                );
            }
        }
    }

    fn collect(v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(obj) => {
                if let (Some(f), Some(p)) = (
                    obj.get("format").and_then(|f| f.as_str()),
                    obj.get("pattern").and_then(|p| p.as_str()),
                ) {
                    out.push((f.to_string(), p.to_string()));
                }
                obj.values().for_each(|c| collect(c, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|c| collect(c, out)),
            _ => {}
        }
    }

    #[test]
    fn durations() {
        for ok in ["30s", "1m30s", "1.5h", "500ms", "10us", "0s", "0"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["", "30", "s", "1x", "1.2.3s", "-1s", "1m 30s"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }
}
