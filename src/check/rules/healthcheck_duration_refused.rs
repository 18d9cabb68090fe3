use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::Healthcheck;
use crate::model::units;

declare_rule! {
    /// ## What it does
    /// Reports a health-check `interval`, `timeout`, `start_period` or `start_interval`
    /// that is negative or shorter than one millisecond (`0` means the default and is fine).
    ///
    /// ## Why is this bad?
    /// Docker Compose loads such a file (`-5s` is a valid duration to it), but the Engine
    /// refuses to create the container: "Interval in Healthcheck cannot be less than 1ms"
    /// (moby `daemon/container.go`, `validateHealthCheck`; seen on Docker 20.10 with
    /// `Interval: -5000000000` and `Interval: 100`).
    ///
    /// ## Example
    /// ```yaml
    /// healthcheck: {test: [CMD, "true"], interval: -5s}
    /// ```
    /// Use instead:
    /// ```yaml
    /// healthcheck: {test: [CMD, "true"], interval: 5s}
    /// ```
    HealthcheckDurationRefused, "healthcheck-duration-refused", Error,
    "a health-check duration below 1ms, which the Engine refuses"
}

fn check_one(owner: &str, h: &Healthcheck, out: &mut Findings) {
    for (field, value) in &h.durations {
        if value.value.unresolved {
            continue;
        }
        let Ok(ns) = units::compose_duration_ns(&value.value.text) else {
            continue;
        };
        if ns != 0 && ns < 1_000_000 {
            out.add(
                &HealthcheckDurationRefused::META,
                value.span,
                format!(
                    "`{field}` of `{owner}` is `{}`; the Engine refuses health-check durations below 1ms",
                    value.value.text
                ),
            )
            .help("use a positive duration of at least `1ms` (typically seconds), or `0` for the default");
        }
    }
}

impl Rule for HealthcheckDurationRefused {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            if let Some(h) = &service.healthcheck {
                check_one(&service.name, h, out);
            }
        }
    }
}
