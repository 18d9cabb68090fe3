use crate::check::{Context, Findings, Rule, declare_rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports two mounts of one container at the same container path: in a compose service a
    /// `tmpfs` and a volume at one path, or two volumes whose targets are the same once
    /// cleaned (`/data` and `/data/`); in an inner container any two. (Two compose volumes
    /// with the very same target are merged by compose and reported as `overridden-entry`.)
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "target /data already mounted" (compose-go
    /// `checkConsistency`); the Engine refuses such a container ("Duplicate mount point").
    ///
    /// ## Example
    /// ```yaml
    /// volumes: ["data:/data"]
    /// tmpfs: ["/data"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// volumes: ["data:/data"]
    /// tmpfs: ["/cache"]
    /// ```
    DuplicateMountTarget, "duplicate-mount-target", Error, "two mounts at the same container path"
}

/// Go's `path.Clean` for absolute container paths: no empty, `.` or trailing parts, `..`
/// resolved.
pub fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

fn report(owner: &str, mounts: &[(String, Span)], out: &mut Findings) {
    let mut seen: std::collections::HashMap<String, Span> = std::collections::HashMap::new();
    for (target, span) in mounts {
        let normalized = clean(target);
        if let Some(first) = seen.get(&normalized) {
            let first = *first;
            out.add(
                &DuplicateMountTarget::META,
                *span,
                format!("`{owner}` mounts two things at `{target}`"),
            )
            .related(first, "first mount at that path")
            .help("give each mount its own target path");
        } else {
            seen.insert(normalized, *span);
        }
    }
}

impl Rule for DuplicateMountTarget {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            let mounts: Vec<(String, Span)> = service
                .tmpfs
                .iter()
                .map(|t| (t.value.clone(), t.span))
                .chain(
                    service
                        .mounts
                        .iter()
                        .filter(|m| !m.unknown)
                        .filter_map(|m| Some((m.target.clone()?, m.span))),
                )
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
