//! The short volume syntax exactly as compose reads it (`format.ParseVolume`):
//! `[source:]target[:options]`, where a one-letter first part followed by `:` is a Windows
//! drive (`c:\data`), `${…}` is kept whole, and unknown options are ignored.

/// A parsed short-syntax mount.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShortVolume {
    pub source: String,
    pub target: String,
    pub read_only: bool,
    /// `bind` when the source is a path (`.`, `/`, `~`, `\\`, a drive), `volume` otherwise.
    pub bind: bool,
    pub options: Vec<String>,
}

fn is_drive(buffer: &[char], c: char) -> bool {
    c == ':' && buffer.len() == 1 && buffer[0].is_alphabetic()
}

/// compose's `isFilePath`.
pub fn is_file_path(source: &str) -> bool {
    let mut chars = source.chars();
    match chars.next() {
        None => false,
        Some('.' | '/' | '~') => true,
        Some(_) if source.starts_with("\\\\") => true,
        Some(first) => chars
            .next()
            .is_some_and(|second| is_drive(&[first], second)),
    }
}

/// Parses `spec`; the error is compose's reason.
pub fn parse(spec: &str) -> Result<ShortVolume, String> {
    let mut v = ShortVolume::default();
    match spec.len() {
        0 => return Err("an empty volume spec".into()),
        1 | 2 => {
            v.target = spec.to_string();
            return Ok(v);
        }
        _ => {}
    }
    let chars: Vec<char> = spec.chars().collect();
    let bytes = spec.as_bytes();
    let mut buffer: Vec<char> = Vec::new();
    let mut depth = 0usize;
    let mut byte_index = 0usize;
    let mut have_source = false;
    let mut have_target = false;
    for i in 0..=chars.len() {
        let c = chars.get(i).copied();
        let at = byte_index;
        if let Some(ch) = c {
            byte_index += ch.len_utf8();
        }
        if c == Some('$') && bytes.get(at + 1) == Some(&b'{') {
            depth += 1;
            buffer.push('$');
            continue;
        }
        if c == Some('}') && depth > 0 {
            depth -= 1;
            buffer.push('}');
            continue;
        }
        match c {
            Some(ch) if is_drive(&buffer, ch) => buffer.push(ch),
            Some(':') | None if depth == 0 => {
                let text: String = buffer.iter().collect();
                if buffer.is_empty() {
                    return Err(format!("an empty part between colons in `{spec}`"));
                }
                if !have_source && c.is_none() {
                    v.target = text;
                    have_target = true;
                } else if !have_source {
                    v.source = text;
                    have_source = true;
                } else if !have_target {
                    v.target = text;
                    have_target = true;
                } else if c == Some(':') {
                    return Err(format!("too many colons in `{spec}`"));
                } else {
                    for option in text.split(',') {
                        match option {
                            "ro" => v.read_only = true,
                            "rw" => v.read_only = false,
                            _ => {}
                        }
                        v.options.push(option.to_string());
                    }
                }
                buffer.clear();
            }
            Some(ch) => buffer.push(ch),
            None => {}
        }
    }
    v.bind = is_file_path(&v.source);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let v = parse("/host:/data:ro").unwrap_or_default();
        assert_eq!(
            (v.source.as_str(), v.target.as_str(), v.read_only, v.bind),
            ("/host", "/data", true, true)
        );
        let v = parse("data:/data").unwrap_or_default();
        assert!(!v.bind);
        let v = parse("/data").unwrap_or_default();
        assert_eq!((v.source.as_str(), v.target.as_str()), ("", "/data"));
        // A one-letter first part is a Windows drive.
        let v = parse("a:b:c:d").unwrap_or_default();
        assert_eq!(
            (v.source.as_str(), v.target.as_str(), v.bind),
            ("a:b", "c:d", true)
        );
        let v = parse("${HOME}/x:/y").unwrap_or_default();
        assert_eq!(v.source, "${HOME}/x");
        assert!(parse("/x:/y:ro:z").is_err());
        assert!(parse(":/x").is_err());
        assert!(parse("").is_err());
    }
}
