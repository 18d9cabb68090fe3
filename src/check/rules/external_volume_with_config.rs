use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an `external: true` volume that also sets `driver`, `driver_opts`, `labels`
    /// or any key other than `name`.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: `conflicting parameters "external" and "driver"
    /// specified` (compose-go `validation/external.go`). An external volume is created
    /// elsewhere; compose only looks it up by name.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    ///   data: {external: true, driver: local}
    /// ```
    /// Use instead:
    /// ```yaml
    /// volumes:
    ///   data: {external: true}
    /// ```
    ExternalVolumeWithConfig, "external-volume-with-config", Error,
    "an external volume that also sets driver, options or labels"
}

impl Rule for ExternalVolumeWithConfig {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for v in cx
            .stack
            .outer
            .iter()
            .flat_map(|p| &p.volumes)
            .filter(|v| v.external)
        {
            if let Some(key) = v.config_keys.first() {
                out.add(&Self::META, key.span, format!("external volume `{}` also sets `{}`", v.name, key.value))
                    .help("configure the volume where it is created, and keep only `external: true` (and `name`) here");
            }
        }
    }
}
