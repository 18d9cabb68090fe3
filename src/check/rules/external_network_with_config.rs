use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an `external: true` network that also sets `driver`, `driver_opts`, `ipam` or
    /// other settings besides `name`.
    ///
    /// ## Why is this bad?
    /// An external network is created outside the stack: Docker Compose loads the file but
    /// only looks the network up by name and ignores the settings (compose `create.go`,
    /// `resolveExternalNetwork`; unlike volumes, compose-go does not refuse them). They
    /// suggest a subnet or driver that nobody enforces.
    ///
    /// ## Example
    /// ```yaml
    /// networks:
    ///   mesh:
    ///     external: true
    ///     driver: overlay
    /// ```
    /// Use instead:
    /// ```yaml
    /// networks:
    ///   mesh:
    ///     external: true
    /// ```
    ExternalNetworkWithConfig, "external-network-with-config", Warning, "an external network that also sets driver or ipam (ignored)"
}

impl Rule for ExternalNetworkWithConfig {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for net in cx
            .stack
            .outer
            .iter()
            .flat_map(|p| &p.networks)
            .filter(|n| n.external)
        {
            for key in &net.config_keys {
                out.add(&Self::META, key.span, format!("external network `{}` also sets `{}`, which compose ignores", net.name, key.value))
                    .help("configure the network where it is created, and keep only `external: true` (and `name`) here");
            }
        }
    }
}
