use std::collections::HashSet;

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::compose::MountKind;

declare_rule! {
    /// ## What it does
    /// Reports a service that mounts a named volume the top-level `volumes:` does not declare.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file ("service refers to undefined volume").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db: {image: "postgres:16", volumes: ["pgdata:/var/lib/postgresql/data"]}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   db: {image: "postgres:16", volumes: ["pgdata:/var/lib/postgresql/data"]}
    /// volumes:
    ///   pgdata: {}
    /// ```
    UndefinedVolume, "undefined-volume", Error, "a named volume used but not declared"
}

impl Rule for UndefinedVolume {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let declared: HashSet<&str> = project.volumes.iter().map(|v| v.name.as_str()).collect();
        for service in &project.services {
            let named = service
                .mounts
                .iter()
                .filter(|m| m.kind == MountKind::Volume && !m.unknown);
            for mount in named {
                let Some(name) = &mount.source else { continue };
                if !declared.contains(name.as_str()) {
                    out.add(&Self::META, mount.span, format!("volume `{name}` used by `{}` is not declared", service.name))
                        .help(format!("declare it under the top-level `volumes:` (`{name}: {{}}`), or use a path (`./{name}`) for a bind mount"));
                }
            }
        }
    }
}
