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

/// A duration as compose decodes it (`str2duration.ParseDuration`, which is Go's
/// `time.ParseDuration` plus the units `d` and `w`): an optional sign, then
/// `<number><unit>` repeated, units `ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`, `h`, `d`, `w`; a
/// bare `0`. The error is compose's reason.
pub fn compose_duration_ns(s: &str) -> Result<i64, String> {
    let invalid = || format!("`{s}` is not a duration");
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(invalid());
        }
        let value: f64 = number.parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "d" => 86_400e9,
            "w" => 604_800e9,
            "" => {
                return Err(format!(
                    "`{s}` is not a duration: a unit is missing (e.g. `{s}s`)"
                ));
            }
            other => return Err(format!("`{s}` is not a duration: unknown unit `{other}`")),
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    if total > i64::MAX as f64 {
        return Err(format!("`{s}` is too long a duration"));
    }
    let ns = total as i64;
    Ok(if negative { -ns } else { ns })
}

/// A byte size as compose decodes it (`UnitBytes`: a decimal integer, else go-units
/// `RAMInBytes`): a number (fractions allowed), an optional space, then an optional unit
/// `b`, `k`, `m`, `g`, `t`, `p` (powers of 1024), the last five optionally followed by `b` or
/// `ib`; case-insensitive; negative sizes refused. The error is compose's reason.
pub fn compose_bytes(s: &str) -> Result<i64, String> {
    if let Some(n) = crate::load::interpolate::to_int(s) {
        return Ok(n);
    }
    let Some(sep) = s.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ') else {
        return Err(format!("`{s}` is not a size"));
    };
    let (number, suffix) = if s.as_bytes()[sep] == b' ' {
        (&s[..sep], &s[sep + 1..])
    } else {
        (&s[..=sep], &s[sep + 1..])
    };
    let size: f64 =
        crate::load::interpolate::to_float(number).ok_or_else(|| format!("`{s}` is not a size"))?;
    if size < 0.0 {
        return Err(format!("`{s}` is not a size: sizes cannot be negative"));
    }
    if suffix.is_empty() {
        return Ok(size as i64);
    }
    let bad = || format!("`{s}` is not a size: unknown unit `{suffix}`");
    let lower = suffix.to_ascii_lowercase();
    if lower.len() > 3 {
        return Err(bad());
    }
    let b = lower.as_bytes();
    if b[0] == b'b' {
        return if b.len() == 1 {
            Ok(size as i64)
        } else {
            Err(bad())
        };
    }
    let power = match b[0] {
        b'k' => 1,
        b'm' => 2,
        b'g' => 3,
        b't' => 4,
        b'p' => 5,
        _ => return Err(bad()),
    };
    match b.len() {
        2 if b[1] != b'b' => return Err(bad()),
        3 if &b[1..] != b"ib" => return Err(bad()),
        _ => {}
    }
    Ok((size * 1024f64.powi(power)) as i64)
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
    fn compose_durations_and_sizes() {
        assert_eq!(compose_duration_ns("1m30s"), Ok(90_000_000_000));
        assert_eq!(compose_duration_ns("1d"), Ok(86_400_000_000_000));
        assert_eq!(compose_duration_ns("-5s"), Ok(-5_000_000_000));
        assert_eq!(compose_duration_ns("1.5s"), Ok(1_500_000_000));
        assert_eq!(compose_duration_ns("0"), Ok(0));
        for bad in ["", "10", "soon", "5 s", "1y", "1m-30s", "."] {
            assert!(compose_duration_ns(bad).is_err(), "{bad}");
        }
        assert_eq!(compose_bytes("512m"), Ok(512 << 20));
        assert_eq!(compose_bytes("1 g"), Ok(1 << 30));
        assert_eq!(compose_bytes("1KiB"), Ok(1024));
        assert_eq!(compose_bytes("1kb"), Ok(1024));
        assert_eq!(compose_bytes("1.5g"), Ok(1_610_612_736));
        assert_eq!(compose_bytes("-1"), Ok(-1));
        assert_eq!(compose_bytes("100b"), Ok(100));
        for bad in ["", "1x", "lots", "-1g", "-512m", "1kbb", "1bb"] {
            assert!(compose_bytes(bad).is_err(), "{bad}");
        }
    }

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
