use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::Healthcheck;
use crate::schema::is_duration;

declare_rule! {
    /// ## What it does
    /// Reports a duration that does not parse: in compose files every duration field
    /// (`stop_grace_period`, the health check's, `deploy`'s delays and windows), read as
    /// compose reads them (`str2duration`: Go's units plus `d` and `w`, a sign allowed); in
    /// inner manifests the health check's.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file ("time: invalid duration", "missing unit in
    /// duration"); a bare number such as `30` is not 30 seconds.
    ///
    /// ## Example
    /// ```yaml
    /// healthcheck: {test: [CMD, "true"], interval: 30}
    /// ```
    /// Use instead:
    /// ```yaml
    /// healthcheck: {test: [CMD, "true"], interval: 30s}
    /// ```
    InvalidDuration, "invalid-duration", Error, "a duration that does not parse"
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
        // Compose durations are checked while loading, exactly as compose reads them.
        for (m, c) in cx.stack.containers() {
            if let Some(h) = &c.healthcheck {
                check_one(&m.name.value, h, out);
            }
        }
    }
}
