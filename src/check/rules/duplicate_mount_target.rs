use crate::check::{Context, Findings, Rule, declare_rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports two mounts of one container at the same container path (outer services and
    /// inner containers alike).
    ///
    /// ## Why is this bad?
    /// Docker refuses to create the container ("Duplicate mount point").
    ///
    /// ## Example
    /// ```yaml
    /// volumes: ["data:/data", "./seed:/data"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// volumes: ["data:/data", "./seed:/seed:ro"]
    /// ```
    DuplicateMountTarget, "duplicate-mount-target", Error, "two mounts at the same container path"
}

fn report(owner: &str, mounts: &[(String, Span)], out: &mut Findings) {
    for (i, (target, span)) in mounts.iter().enumerate() {
        let normalized = target.trim_end_matches('/');
        if let Some((_, first)) = mounts[..i]
            .iter()
            .find(|(t, _)| t.trim_end_matches('/') == normalized)
        {
            out.add(
                &DuplicateMountTarget::META,
                *span,
                format!("`{owner}` mounts two things at `{target}`"),
            )
            .related(*first, "first mount at that path")
            .help("give each mount its own target path");
        }
    }
}

impl Rule for DuplicateMountTarget {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            let mounts: Vec<(String, Span)> = service
                .mounts
                .iter()
                .filter(|m| !m.unknown)
                .filter_map(|m| Some((m.target.clone()?, m.span)))
                .collect();
            report(&service.name, &mounts, out);
        }
        for (m, c) in cx.stack.containers() {
            let mounts: Vec<(String, Span)> = c
                .volumes
                .iter()
                .map(|v| (v.target.clone(), v.span))
                .collect();
            report(&m.name.value, &mounts, out);
        }
    }
}
