//! Keeping credentials out of everything dindctl prints: plans and diffs (human and JSON),
//! apply's progress and failure reports, container logs it relays, and the source lines of
//! `check`'s snippets.
//!
//! A value is masked whole when its key names a credential (`*PASSWORD*`, `*TOKEN*`, …, see
//! [`is_credential_key`]). Inside any other text, these are masked: the password of a URL's
//! userinfo (`postgres://u:PASSWORD@h`), the value after `Bearer`/`Basic`, private-key
//! blocks, tokens with a well-known prefix (GitHub, GitLab, Slack, Stripe, AWS access keys,
//! Google API keys, npm, PyPI, Hugging Face, DigitalOcean, SendGrid, OpenAI/Anthropic-style
//! `sk-`), JSON Web Tokens, and `KEY=value` / `KEY: value` pairs whose key names a credential.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Captures, Regex};

pub use crate::check::rules::is_credential_key;

/// What a masked credential is shown as.
pub const MASK: &str = "***";

struct Patterns {
    userinfo: Regex,
    auth: Regex,
    private_key: Regex,
    tokens: Regex,
    pair: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).unwrap_or_else(|_| Regex::new("$^").expect("empty"));
        Patterns {
            userinfo: re(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*):([^\s@/]+)@"),
            auth: re(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,})"),
            private_key: re(
                r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)",
            ),
            tokens: re(concat!(
                r"\b(?:",
                r"gh[pousr]_[A-Za-z0-9]{20,}",
                r"|github_pat_[A-Za-z0-9_]{20,}",
                r"|glpat-[A-Za-z0-9_-]{20,}",
                r"|xox[abposr]-[A-Za-z0-9-]{10,}",
                r"|sk-[A-Za-z0-9_-]{20,}",
                r"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}",
                r"|(?:AKIA|ASIA)[0-9A-Z]{16}",
                r"|AIza[0-9A-Za-z_-]{35}",
                r"|npm_[A-Za-z0-9]{36}",
                r"|pypi-[A-Za-z0-9_-]{40,}",
                r"|hf_[A-Za-z0-9]{30,}",
                r"|dop_v1_[a-f0-9]{64}",
                r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}",
                r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
                r")"
            )),
            pair: re(
                r#"(?i)\b([A-Z0-9_.-]*(?:PASSWORD|PASSWD|TOKEN|SECRET|APIKEY|API_KEY|CREDENTIAL|PRIVATE_KEY|_KEY)[A-Z0-9_.-]*)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s#,}\]]+)"#,
            ),
        }
    })
}

/// How masked text is written: `***`, or one `*` per character (for source lines, whose
/// columns must not move under a snippet's underline).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    Mask,
    SameWidth,
}

fn fill(original: &str, how: Fill) -> String {
    match how {
        Fill::Mask => MASK.to_string(),
        Fill::SameWidth => "*".repeat(original.chars().count().max(1)),
    }
}

fn masked(text: &str, how: Fill) -> Cow<'_, str> {
    let p = patterns();
    let mut out: Cow<'_, str> = Cow::Borrowed(text);
    let mut apply = |re: &Regex, f: &dyn Fn(&Captures<'_>) -> String| {
        if re.is_match(&out) {
            let replaced = re.replace_all(&out, |c: &Captures<'_>| f(c)).into_owned();
            out = Cow::Owned(replaced);
        }
    };
    apply(&p.private_key, &|c| fill(&c[0], how));
    apply(&p.userinfo, &|c| format!("{}:{}@", &c[1], fill(&c[2], how)));
    apply(&p.auth, &|c| {
        // `Basic` credentials, not a word of prose ("basic configuration"): base64 has a
        // character a word does not.
        if c[1].eq_ignore_ascii_case("basic") && c[3].chars().all(|ch| ch.is_ascii_lowercase()) {
            return c[0].to_string();
        }
        format!("{}{}{}", &c[1], &c[2], fill(&c[3], how))
    });
    apply(&p.tokens, &|c| fill(&c[0], how));
    apply(&p.pair, &|c| {
        let (key, value) = (&c[1], &c[3]);
        // A reference, or YAML structure (`secrets: [a, b]`, `token: |`), is not a value.
        let reference = value.trim_matches(['"', '\'']).starts_with('$')
            || value.starts_with(['[', '{', '|', '>', '&', '*', '!']);
        if !is_credential_key(key) || reference || value.trim_matches(['"', '\'']).is_empty() {
            return c[0].to_string();
        }
        // Quoted only when the same quote closes it; an unclosed quote is part of the value
        // (and a value may end in any character, so nothing is cut by byte position).
        let quote = ["\"", "'"]
            .into_iter()
            .find(|q| value.len() >= 2 && value.starts_with(q) && value.ends_with(q))
            .unwrap_or("");
        let inner = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
            .unwrap_or(value);
        format!("{key}{}{quote}{}{quote}", &c[2], fill(inner, how))
    });
    out
}

/// `text` with every credential inside it masked (`***`).
pub fn text(text: &str) -> Cow<'_, str> {
    masked(text, Fill::Mask)
}

/// A source line with credentials replaced by as many `*` as they have characters, so that
/// columns (and a snippet's underline) stay where they were.
pub fn source_line(line: &str) -> Cow<'_, str> {
    masked(line, Fill::SameWidth)
}

/// An environment value as shown for `key`: all of it masked when the key names a
/// credential, else the credentials inside it.
pub fn env_value(key: &str, value: &str) -> String {
    if is_credential_key(key) {
        MASK.to_string()
    } else {
        text(value).into_owned()
    }
}

/// `text` with the known secret values (secret file contents, credential variables)
/// masked too, longest first; values shorter than 4 characters are left alone (masking
/// every `1` of a log would hide the log, not a secret).
pub fn with_known(text: &str, known: &[String]) -> String {
    let mut out = self::text(text).into_owned();
    let mut known: Vec<&str> = known
        .iter()
        .map(|k| k.trim_end_matches(['\n', '\r']))
        .filter(|k| k.chars().count() >= 4)
        .collect();
    known.sort_by_key(|k| std::cmp::Reverse(k.len()));
    for k in known {
        if out.contains(k) {
            out = out.replace(k, MASK);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_credentials_inside_values() {
        assert_eq!(
            text("postgres://app:PASSWORD@db:5432/app"),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(text("redis://:s3cret@cache"), "redis://:***@cache");
        assert_eq!(
            text("Authorization: Bearer abcdefghijklmnop"),
            "Authorization: Bearer ***"
        );
        assert_eq!(text("ghp_0123456789abcdefghijABCDEFGHIJ"), "***");
        assert_eq!(text("key AKIAIOSFODNN7EXAMPLE here"), "key *** here");
        assert_eq!(
            text("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"),
            "***"
        );
        assert_eq!(
            text("DB_PASSWORD=hunter2 LEVEL=info"),
            "DB_PASSWORD=*** LEVEL=info"
        );
        assert_eq!(text("API_TOKEN: \"abc\""), "API_TOKEN: \"***\"");
        // Not credentials: a reference, a file path, plain URLs, ordinary words.
        assert_eq!(text("PASSWORD=${DB_PASSWORD}"), "PASSWORD=${DB_PASSWORD}");
        assert_eq!(
            text("PASSWORD_FILE=/run/secrets/db"),
            "PASSWORD_FILE=/run/secrets/db"
        );
        assert_eq!(text("http://user@host/x"), "http://user@host/x");
        assert_eq!(text("http://host:8080/path"), "http://host:8080/path");
        assert_eq!(text("the token bucket"), "the token bucket");
        assert_eq!(
            text("  secrets: [token, missing]"),
            "  secrets: [token, missing]"
        );
        assert_eq!(
            text("basic configuration loaded"),
            "basic configuration loaded"
        );
    }

    /// Found by the `check_manifest` fuzz target: a credential value with an opening quote
    /// that no quote closes, ending in a multi-byte character, was cut inside that character.
    #[test]
    fn an_unclosed_quote_before_a_multibyte_character_is_masked_without_a_panic() {
        for line in [
            "PASSWORD: \"abc\u{1122}",
            "token: 'x\u{e9}",
            "SECRET: \"\u{1F600}",
        ] {
            let masked = source_line(line);
            assert!(
                !masked.contains("abc") && masked.chars().count() == line.chars().count(),
                "{line} -> {masked}"
            );
        }
        assert_eq!(text("PASSWORD: \"hunter2\""), "PASSWORD: \"***\"");
    }

    #[test]
    fn source_lines_keep_their_width() {
        let line = "      POSTGRES_PASSWORD: hunter2  # defect";
        let out = source_line(line);
        assert_eq!(out, "      POSTGRES_PASSWORD: *******  # defect");
        assert_eq!(out.chars().count(), line.chars().count());
        let url = "      DATABASE_URL: postgres://u:pässwörd@h/db";
        assert_eq!(source_line(url).chars().count(), url.chars().count());
        assert!(!source_line(url).contains("pässwörd"));
    }

    #[test]
    fn known_values_are_masked_in_logs() {
        let logs = "connecting with s3cr3t-value\nok 1";
        assert_eq!(
            with_known(logs, &["s3cr3t-value\n".into(), "1".into()]),
            "connecting with ***\nok 1"
        );
    }
}
