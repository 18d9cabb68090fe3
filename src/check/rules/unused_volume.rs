use crate::check::{Context, Findings, Rule, RuleMeta, declare_rule};
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
    UnusedVolume, "unused-volume", Info, "a volume declared but never used"
}

impl Rule for UnusedVolume {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for volume in &project.volumes {
            let used = project.services.iter().any(|s| {
                s.mounts.iter().any(|m| {
                    m.unknown
                        || (matches!(m.kind, MountKind::Volume | MountKind::Other)
                            && m.source.as_deref() == Some(volume.name.as_str()))
                })
            });
            if !used {
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
}
