//! The one place where template values become YAML text.
//!
//! Every `{{ value }}` in a template goes through [`write_value`] (installed as the
//! environment's formatter), so no profile value can add or change keys: a string is written
//! plain only when it is made of characters that cannot mean anything else to a YAML 1.1 or
//! 1.2 parser, and as an escaped double-quoted scalar otherwise. Double-quoted output is JSON
//! (a subset of YAML) with further escapes for characters that JSON leaves raw but YAML
//! parsers treat specially or reject: DEL, C1 controls, U+2028/2029, U+FEFF, U+FFFE/FFFF.

use minijinja::value::{Value, ValueKind};

/// Plain scalars that YAML 1.1 or 1.2 would read as something other than a string.
const RESERVED: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
];

/// Whether `s` may be written as a plain scalar. `flow` is true inside `[...]`/`{...}`, where
/// `:` is also kept out because some parsers end plain scalars there.
fn plain_is_safe(s: &str, flow: bool) -> bool {
    is_unit_quantity(s) || plain_word(s, flow)
}

/// `10s`, `1h30m`, `512M`, `1.5g`: numbers each followed by letters. No YAML schema reads
/// these as anything but strings (a number ends in a digit, so `1e5` does not match; the
/// radix prefixes `0x`, `0o`, `0b` are refused).
fn is_unit_quantity(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.is_empty() || bytes.len() > 64 {
        return false;
    }
    // `0x1F`, `0o17`, `0b101` are integers in YAML 1.1 or 1.2.
    if bytes.len() > 1
        && bytes[0] == b'0'
        && matches!(bytes[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B')
    {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start {
            return false;
        }
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let frac_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == frac_start {
                return false;
            }
        }
        let letters_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        if i == letters_start {
            return false;
        }
    }
    true
}

fn plain_word(s: &str, flow: bool) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == '_' || first == '/') {
        return false;
    }
    let body_ok = s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '_' | '.' | '/' | '@' | '+' | '=' | '-')
            || (c == ':' && !flow)
    });
    body_ok
        && !s.ends_with(':')
        && s.len() <= 256
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s))
}

/// A double-quoted YAML scalar holding exactly `s`.
pub fn quote(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""));
    escape_extra(&json)
}

fn escape_extra(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        let special = matches!(
            c,
            '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        );
        if special {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A YAML scalar (plain when safe, else double-quoted) holding exactly `s`.
pub fn scalar(s: &str, flow: bool) -> String {
    if plain_is_safe(s, flow) {
        s.to_string()
    } else {
        quote(s)
    }
}

/// Writes `value` as YAML: strings as scalars, numbers and booleans as such, none as `null`,
/// lists and maps in flow style with every item written the same way.
pub fn write_value(out: &mut String, value: &Value, flow: bool) -> Result<(), String> {
    write_escaped(out, value, flow, false)
}

/// Like [`write_value`]; with `dollars`, every `$` of a string is written `$$`, which compose
/// interpolation turns back into one `$`: the value reaches the container as written. (Keys
/// of a compose mapping are not interpolated, so `{{ key|key }}` writes them unescaped.)
pub fn write_escaped(
    out: &mut String,
    value: &Value,
    flow: bool,
    dollars: bool,
) -> Result<(), String> {
    match value.kind() {
        ValueKind::Undefined => return Err("undefined value".into()),
        ValueKind::None => out.push_str("null"),
        // YAML 1.2 core booleans, whatever the value's own display (`False` in some paths).
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => out.push_str(&value.to_string()),
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default();
            if dollars && text.contains('$') {
                out.push_str(&scalar(&text.replace('$', "$$"), flow));
            } else {
                out.push_str(&scalar(text, flow));
            }
        }
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            let items = value.try_iter().map_err(|e| e.to_string())?;
            for (i, item) in items.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_escaped(out, &item, true, dollars)?;
            }
            out.push(']');
        }
        ValueKind::Map => {
            out.push('{');
            let keys = value.try_iter().map_err(|e| e.to_string())?;
            for (i, key) in keys.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_escaped(out, &key, true, false)?;
                out.push_str(": ");
                let item = value.get_item(&key).map_err(|e| e.to_string())?;
                write_escaped(out, &item, true, dollars)?;
            }
            out.push('}');
        }
        other => return Err(format!("cannot write a {other} value into YAML")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_only_when_unambiguous() {
        assert_eq!(scalar("docker:25.0.5-dind", false), "docker:25.0.5-dind");
        assert_eq!(scalar("docker:25.0.5-dind", true), "\"docker:25.0.5-dind\"");
        assert_eq!(scalar("/data", false), "/data");
        assert_eq!(scalar("3000", false), "\"3000\"");
        assert_eq!(scalar("10s", false), "10s");
        assert_eq!(scalar("1h30m", true), "1h30m");
        assert_eq!(scalar("1.5g", false), "1.5g");
        assert_eq!(scalar("1e5", false), "\"1e5\"");
        assert_eq!(scalar("0x1F", false), "\"0x1F\"");
        assert_eq!(scalar("1.", false), "\"1.\"");
        assert_eq!(scalar("yes", false), "\"yes\"");
        assert_eq!(scalar("a: b", false), "\"a: b\"");
        assert_eq!(scalar("x\ny: 1", false), "\"x\\ny: 1\"");
        assert_eq!(scalar("", false), "\"\"");
        assert_eq!(scalar("\u{2028}\u{7f}", false), "\"\\u2028\\u007f\"");
    }

    #[test]
    fn collections_are_flow_style() {
        let v = Value::from(minijinja::value::Serde(vec!["CMD", "wget", "http://x:1/h"]));
        let mut out = String::new();
        write_value(&mut out, &v, false).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out, "[CMD, wget, \"http://x:1/h\"]");
    }
}
