//! Compose units: durations (`1m30s`, `500ms`), byte sizes (`512M`, `1g`, `1024kb`), cpus.
//! The schema's `duration` and `memory` formats accept exactly what these parse.

/// A duration in nanoseconds, as compose writes it (Go's syntax): `<number><unit>` repeated,
/// units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`; a unitless `0`.
pub fn go_duration_ns(s: &str) -> Option<i64> {
    if s == "0" {
        return Some(0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[unit_len..];
    }
    to_i64(total)
}

/// A duration given on the command line: a compose duration, or a bare number of seconds.
pub fn duration_ns(s: &str) -> Option<i64> {
    let s = s.trim();
    match s.parse::<f64>() {
        Ok(secs) => to_i64(secs * 1e9),
        Err(_) => go_duration_ns(s),
    }
}

/// A byte size as compose writes it: a decimal number with an optional unit `b`, `k`, `m`,
/// `g`, `t` (powers of 1024), the last four optionally followed by `b`; case-insensitive.
pub fn bytes(s: &str) -> Option<i64> {
    let unit_start = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(unit_start);
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let decimal = match number.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(number),
    };
    if !decimal {
        return None;
    }
    // Checked on every `memory` value by the schema: no allocation. A `b` suffix follows
    // `k`, `m`, `g` or `t` only.
    let unit = match unit.as_bytes() {
        [] => b'b',
        [u] => u.to_ascii_lowercase(),
        [u, b'b' | b'B'] if !u.eq_ignore_ascii_case(&b'b') => u.to_ascii_lowercase(),
        _ => return None,
    };
    let scale = match unit {
        b'b' => 0,
        b'k' => 1,
        b'm' => 2,
        b'g' => 3,
        b't' => 4,
        _ => return None,
    };
    to_i64(number.parse::<f64>().ok()? * 1024f64.powi(scale))
}

/// CPUs (`"0.5"`) in billionths, as the Engine's `NanoCpus`.
pub fn nano_cpus(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    if v < 0.0 {
        return None;
    }
    to_i64((v * 1e9).round())
}

fn to_i64(v: f64) -> Option<i64> {
    (v.is_finite() && v >= 0.0 && v < i64::MAX as f64).then_some(v as i64)
}

/// A duration in nanoseconds as compose would write it (`30s`, `1m30s`, `500ms`).
pub fn format_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    if ns % 1_000_000_000 != 0 {
        return format!("{}ms", ns / 1_000_000);
    }
    let mut secs = ns / 1_000_000_000;
    let mut out = String::new();
    for (unit, size) in [("h", 3600), ("m", 60)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    if secs > 0 || out.is_empty() {
        out.push_str(&format!("{secs}s"));
    }
    out
}

/// Splits a command string as a POSIX shell would split words (quotes, backslashes), without
/// expansions.
pub fn split_words(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        x => word.push(x),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => word.push(chars.next()?),
                        x => word.push(x),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next()?);
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_ns("30s"), Some(30_000_000_000));
        assert_eq!(duration_ns("1m30s"), Some(90_000_000_000));
        assert_eq!(duration_ns("500ms"), Some(500_000_000));
        assert_eq!(duration_ns("1h"), Some(3_600_000_000_000));
        assert_eq!(duration_ns("10"), Some(10_000_000_000));
        assert_eq!(duration_ns("1x"), None);
        assert_eq!(duration_ns("s"), None);
        assert_eq!(format_duration(90_000_000_000), "1m30s");
        assert_eq!(format_duration(500_000_000), "500ms");
    }

    #[test]
    fn sizes_and_cpus() {
        assert_eq!(bytes("512M"), Some(512 * 1024 * 1024));
        assert_eq!(bytes("1g"), Some(1024 * 1024 * 1024));
        assert_eq!(bytes("64mb"), Some(64 * 1024 * 1024));
        assert_eq!(bytes("100"), Some(100));
        assert_eq!(bytes("12q"), None);
        assert_eq!(nano_cpus("0.25"), Some(250_000_000));
        assert_eq!(nano_cpus("-1"), None);
    }

    #[test]
    fn byte_size_grammar() {
        let ok = [
            "1", "1b", "1B", "1kb", "1KB", "1kB", "1k", "1.5g", "1tb", "1Tb", "12",
        ];
        let bad = ["1bb", "1.", "x", "1q", "1gib", "", ".5m", "1mbb"];
        for s in ok {
            assert!(bytes(s).is_some(), "{s}");
        }
        for s in bad {
            assert!(bytes(s).is_none(), "{s}");
        }
        assert_eq!(go_duration_ns("0"), Some(0));
        assert_eq!(go_duration_ns("10"), None);
    }

    #[test]
    fn words() {
        assert_eq!(
            split_words(r#"httpd -f -p "80 80" 'a b' c\ d"#).unwrap(),
            ["httpd", "-f", "-p", "80 80", "a b", "c d"]
        );
        assert_eq!(split_words("'open"), None);
    }
}
