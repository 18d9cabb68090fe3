//! When an image is pulled: compose's `pull_policy`, as data.
//!
//! Values and meaning are compose's (the Compose specification's `pull_policy`, and Docker
//! Compose v2's `mustPull`): `always` pulls on every apply; `missing` (the default;
//! `if_not_present` is its alias) pulls only an image the daemon lacks; `never` never pulls (a
//! missing image is an error); `daily`, `weekly` and `every_<duration>` pull an image the
//! daemon lacks, or whose tag was last set (the image's `Metadata.LastTagTime`) longer ago
//! than that. The accepted spellings are compose's schema pattern
//! `every_([0-9]+[wdhms])+`, checked against the real `docker-compose config`.

/// A pull policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PullPolicy {
    Always,
    #[default]
    Missing,
    Never,
    /// Pull again when the local tag is older than this many seconds.
    Refresh(u64),
}

impl PullPolicy {
    /// Parses a policy as compose spells it; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "always" => Some(Self::Always),
            "missing" | "if_not_present" => Some(Self::Missing),
            "never" => Some(Self::Never),
            "daily" => Some(Self::Refresh(86_400)),
            "weekly" => Some(Self::Refresh(7 * 86_400)),
            _ => s.strip_prefix("every_").and_then(every).map(Self::Refresh),
        }
    }

    /// Whether an image must be pulled: `present` is the local tag's last-set time (seconds
    /// since the epoch; `Some(0)` when the daemon does not say), `None` when the image is not
    /// on the daemon.
    pub fn must_pull(self, present: Option<i64>, now: i64) -> bool {
        match (self, present) {
            (Self::Always, _) => true,
            (Self::Never, _) => false,
            (_, None) => true,
            (Self::Missing, Some(_)) => false,
            (Self::Refresh(secs), Some(tagged)) => now >= tagged.saturating_add(secs as i64),
        }
    }

    pub fn as_str(self) -> String {
        match self {
            Self::Always => "always".into(),
            Self::Missing => "missing".into(),
            Self::Never => "never".into(),
            Self::Refresh(s) => format!("every_{s}s"),
        }
    }
}

/// `([0-9]+[wdhms])+` as seconds.
fn every(s: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            'w' => 7 * 86_400,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    (digits.is_empty() && !s.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_spellings() {
        assert_eq!(
            PullPolicy::parse("if_not_present"),
            Some(PullPolicy::Missing)
        );
        assert_eq!(
            PullPolicy::parse("daily"),
            Some(PullPolicy::Refresh(86_400))
        );
        assert_eq!(
            PullPolicy::parse("every_1h30m"),
            Some(PullPolicy::Refresh(5_400))
        );
        assert_eq!(
            PullPolicy::parse("every_2w"),
            Some(PullPolicy::Refresh(1_209_600))
        );
        for bad in [
            "every_", "every_x", "every_12", "Always", "build", "every_1y",
        ] {
            assert_eq!(PullPolicy::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn when_to_pull() {
        let now = 1_000_000;
        assert!(PullPolicy::Always.must_pull(Some(now), now));
        assert!(!PullPolicy::Never.must_pull(None, now));
        assert!(PullPolicy::Missing.must_pull(None, now));
        assert!(!PullPolicy::Missing.must_pull(Some(0), now));
        assert!(PullPolicy::Refresh(60).must_pull(Some(now - 61), now));
        assert!(!PullPolicy::Refresh(60).must_pull(Some(now - 59), now));
    }
}
