use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::Spanned;

declare_rule! {
    /// ## What it does
    /// Reports a service that sets the same thing twice with different values: `scale` and
    /// `deploy.replicas`, `cpus` and `deploy.resources.limits.cpus`, `mem_limit` and
    /// `deploy.resources.limits.memory`, `mem_reservation` and
    /// `deploy.resources.reservations.memory`, `pids_limit` and
    /// `deploy.resources.limits.pids`.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "can't set distinct values on 'scale' and
    /// 'deploy.replicas'" and the like (compose-go `checkConsistency`).
    ///
    /// ## Example
    /// ```yaml
    /// worker: {image: "worker:1", mem_limit: 512m, deploy: {resources: {limits: {memory: 1g}}}}
    /// ```
    /// Use instead:
    /// ```yaml
    /// worker: {image: "worker:1", deploy: {resources: {limits: {memory: 1g}}}}
    /// ```
    ConflictingSettings, "conflicting-settings", Error,
    "one setting written twice with different values"
}

/// compose's comparison: when the service-level value is set (non-zero) and the `deploy`
/// mapping is written, the deploy value (0 when absent) must equal it.
fn conflict<T: PartialEq + Copy + Default>(
    out: &mut Findings,
    service: &str,
    a: (&str, &Option<Spanned<T>>),
    b: (&str, &Option<Spanned<T>>, Option<crate::source::Span>),
) {
    let (Some(x), Some(present)) = (a.1, b.2) else {
        return;
    };
    let (value, span) = match b.1 {
        Some(y) => (y.value, y.span),
        None => (T::default(), present),
    };
    if x.value == value {
        return;
    }
    out.add(
        &ConflictingSettings::META,
        span,
        format!(
            "`{service}` sets `{}` and `{}` to different values",
            a.0, b.0
        ),
    )
    .related(x.span, format!("`{}` here", a.0))
    .help("keep one of them, or give both the same value");
}

impl Rule for ConflictingSettings {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for s in cx.stack.services() {
            // `scale` and `deploy.replicas`: both written and different.
            if let (Some(sc), Some(r)) = (&s.scale, &s.replicas) {
                conflict(
                    out,
                    &s.name,
                    ("scale", &Some(sc.clone())),
                    ("deploy.replicas", &Some(r.clone()), Some(r.span)),
                );
            }
            // compose compares cpus as a 32-bit float, as it stores them.
            let as_f32 = |v: &Option<Spanned<f64>>| {
                v.as_ref().map(|c| Spanned {
                    value: c.value as f32,
                    span: c.span,
                })
            };
            conflict(
                out,
                &s.name,
                ("cpus", &as_f32(&s.cpus).filter(|c| c.value != 0.0)),
                (
                    "deploy.resources.limits.cpus",
                    &as_f32(&s.limits.cpus),
                    s.limits.present,
                ),
            );
            conflict(
                out,
                &s.name,
                ("mem_limit", &s.mem_limit.clone().filter(|m| m.value != 0)),
                (
                    "deploy.resources.limits.memory",
                    &s.limits.memory,
                    s.limits.present,
                ),
            );
            conflict(
                out,
                &s.name,
                (
                    "mem_reservation",
                    &s.mem_reservation.clone().filter(|m| m.value != 0),
                ),
                (
                    "deploy.resources.reservations.memory",
                    &s.reservations.memory,
                    s.reservations.present,
                ),
            );
            conflict(
                out,
                &s.name,
                ("pids_limit", &s.pids_limit.clone().filter(|m| m.value != 0)),
                (
                    "deploy.resources.limits.pids",
                    &s.limits.pids,
                    s.limits.present,
                ),
            );
        }
    }
}
