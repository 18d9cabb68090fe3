use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a network, volume, secret or config that sets both `name: A` and the
    /// deprecated `external: {name: B}` with `A` and `B` different.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "name and external.name conflict; only use name"
    /// (compose-go `transform/external.go`).
    ///
    /// ## Example
    /// ```yaml
    /// networks:
    ///   mesh: {name: mesh-a, external: {name: mesh-b}}
    /// ```
    /// Use instead:
    /// ```yaml
    /// networks:
    ///   mesh: {name: mesh-b, external: true}
    /// ```
    ExternalNameConflict, "external-name-conflict", Error,
    "`name` and `external.name` that disagree"
}

impl Rule for ExternalNameConflict {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let sections = [
            ("network", &project.networks),
            ("volume", &project.volumes),
            ("secret", &project.secrets),
            ("config", &project.configs),
        ];
        for (kind, decls) in sections {
            for d in decls {
                let (Some(name), Some(ext)) = (&d.name_field, &d.external_name) else {
                    continue;
                };
                if name.value.unresolved
                    || ext.value.unresolved
                    || name.value.text == ext.value.text
                {
                    continue;
                }
                out.add(
                    &Self::META,
                    ext.span,
                    format!(
                        "{kind} `{}` is named `{}` and `external.name` says `{}`",
                        d.name, name.value.text, ext.value.text
                    ),
                )
                .related(name.span, "`name` here")
                .help("keep `name:` and write `external: true`; `external.name` is deprecated");
            }
        }
    }
}
