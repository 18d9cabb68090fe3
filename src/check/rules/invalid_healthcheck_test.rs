use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::Healthcheck;

declare_rule! {
    /// ## What it does
    /// Reports a health check whose `test` list does not start with `CMD`, `CMD-SHELL` or
    /// `NONE` (a string is run with `CMD-SHELL` and is always fine).
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: `healthcheck.test must start either by "CMD",
    /// "CMD-SHELL" or "NONE"` (compose-go `checkConsistency`); the Engine API gives the first
    /// element the same meaning (`HealthConfig.Test`).
    ///
    /// ## Example
    /// ```yaml
    /// healthcheck:
    ///   test: ["curl", "-f", "http://localhost/health"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// healthcheck:
    ///   test: ["CMD", "curl", "-f", "http://localhost/health"]
    /// ```
    InvalidHealthcheckTest, "invalid-healthcheck-test", Error,
    "a health check `test` list that does not start with CMD, CMD-SHELL or NONE"
}

fn check_one(owner: &str, h: &Healthcheck, out: &mut Findings) {
    if h.test_is_string {
        return;
    }
    let Some(first) = h.test.first() else {
        return;
    };
    if first.value.unresolved || matches!(first.value.text.as_str(), "CMD" | "CMD-SHELL" | "NONE") {
        return;
    }
    out.add(
        &InvalidHealthcheckTest::META,
        first.span,
        format!(
            "the health check of `{owner}` starts with `{}`, not `CMD`, `CMD-SHELL` or `NONE`",
            first.value.text
        ),
    )
    .help(
        "put `CMD` first to run the command directly, or `CMD-SHELL` to run it with `/bin/sh -c`",
    );
}

impl Rule for InvalidHealthcheckTest {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            if let Some(h) = &service.healthcheck {
                check_one(&service.name, h, out);
            }
        }
        for (m, c) in cx.stack.containers() {
            if let Some(h) = &c.healthcheck {
                check_one(&m.name.value, h, out);
            }
        }
    }
}
