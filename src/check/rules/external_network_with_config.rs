use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an `external: true` network that also sets `driver`, `driver_opts` or `ipam`.
    ///
    /// ## Why is this bad?
    /// An external network is created outside the stack; Compose refuses to configure it
    /// ("conflicting parameters"), and the settings suggest guarantees nobody enforces.
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
    ExternalNetworkWithConfig, "external-network-with-config", Error, "an external network that also sets driver or ipam"
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
                out.add(&Self::META, key.span, format!("external network `{}` also sets `{}`", net.name, key.value))
                    .help("configure the network where it is created, and keep only `external: true` (and `name`) here");
            }
        }
    }
}
