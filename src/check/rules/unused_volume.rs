use std::collections::HashSet;

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::MountKind;

declare_rule! {
    /// ## What it does
    /// Reports a top-level volume that no service mounts.
    ///
    /// ## Why is this bad?
    /// It is created for nothing, or it is a leftover that hides a typo in a service's mount.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    ///   old-data: {}
    /// ```
    /// Use instead: remove the declaration, or mount it:
    /// ```yaml
    /// services:
    ///   db: {image: "postgres:16", volumes: ["old-data:/var/lib/postgresql/data"]}
    /// volumes:
    ///   old-data: {}
    /// ```
    UnusedVolume, "unused-volume", Info, "a volume declared but never used"
}

impl Rule for UnusedVolume {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let mounts = || project.services.iter().flat_map(|s| &s.mounts);
        // A mount whose source is unknown may use any volume.
        if mounts().any(|m| m.unknown) {
            return;
        }
        let used: HashSet<&str> = mounts()
            .filter(|m| matches!(m.kind, MountKind::Volume | MountKind::Other))
            .filter_map(|m| m.source.as_deref())
            .collect();
        for volume in project
            .volumes
            .iter()
            .filter(|v| !used.contains(v.name.as_str()))
        {
            out.add(
                &Self::META,
                volume.key,
                format!(
                    "volume `{}` is declared but no service uses it",
                    volume.name
                ),
            )
            .help("remove it, or mount it where it was meant to be used");
        }
    }
}
