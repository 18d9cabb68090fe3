//! Compose units: durations (`1m30s`, `500ms`), byte sizes (`512M`, `1g`, `1024kb`), cpus.

/// A compose duration in nanoseconds: a sequence of `<number><unit>` with units `us`, `ms`,
/// `s`, `m`, `h` (a bare number is seconds).
pub fn duration_ns(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<f64>() {
        return to_i64(secs * 1e9);
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

/// A byte size: a number with an optional `b`, `k`/`kb`, `m`/`mb`, `g`/`gb` suffix (powers of
/// 1024, case-insensitive).
pub fn bytes(s: &str) -> Option<i64> {
    let lower = s.trim().to_ascii_lowercase();
    let digits = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let number: f64 = lower[..digits].parse().ok()?;
    let factor = match &lower[digits..] {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    to_i64(number * factor)
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
    fn words() {
        assert_eq!(
            split_words(r#"httpd -f -p "80 80" 'a b' c\ d"#).unwrap(),
            ["httpd", "-f", "-p", "80 80", "a b", "c d"]
        );
        assert_eq!(split_words("'open"), None);
    }
}
