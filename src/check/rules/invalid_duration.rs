use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::Healthcheck;
use crate::schema::is_duration;

declare_rule! {
    /// ## What it does
    /// Reports a health-check duration (`interval`, `timeout`, `start_period`,
    /// `start_interval`) that does not parse, in services and inner containers.
    ///
    /// ## Why is this bad?
    /// Compose refuses the file; a bare number such as `30` is not 30 seconds.
    ///
    /// ## Example
    /// ```yaml
    /// healthcheck: {test: [CMD, "true"], interval: 30}
    /// ```
    /// Use instead:
    /// ```yaml
    /// healthcheck: {test: [CMD, "true"], interval: 30s}
    /// ```
    InvalidDuration, "invalid-duration", Error, "a health-check duration that does not parse"
}

fn check_one(owner: &str, h: &Healthcheck, out: &mut Findings) {
    for (field, value) in &h.durations {
        if !value.value.unresolved && !is_duration(&value.value.text) {
            out.add(
                &InvalidDuration::META,
                value.span,
                format!(
                    "`{field}` of `{owner}` is not a duration: `{}`",
                    value.value.text
                ),
            )
            .help("write a number with a unit: `30s`, `1m30s`, `500ms`");
        }
    }
}

impl Rule for InvalidDuration {
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
