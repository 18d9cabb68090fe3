use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a service that sets both `network_mode` and `networks`.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "declares mutually exclusive `network_mode` and
    /// `networks`" (compose-go `checkConsistency`): a container either shares another
    /// network namespace (`host`, `service:x`, `container:x`, `none`) or joins networks.
    ///
    /// ## Example
    /// ```yaml
    /// agent: {image: "agent:1", network_mode: host, networks: [backend]}
    /// ```
    /// Use instead:
    /// ```yaml
    /// agent: {image: "agent:1", networks: [backend]}
    /// ```
    NetworkModeWithNetworks, "network-mode-with-networks", Error,
    "`network_mode` together with `networks`"
}

impl Rule for NetworkModeWithNetworks {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for s in cx.stack.services() {
            let (Some(mode), Some(key)) = (&s.network_mode, s.networks_key) else {
                continue;
            };
            if s.networks.is_empty() || mode.value.text.is_empty() {
                continue;
            }
            out.add(
                &Self::META,
                key,
                format!(
                    "`{}` sets `network_mode: {}` and `networks`",
                    s.name, mode.value.text
                ),
            )
            .related(mode.span, "`network_mode` here")
            .help("remove one of them");
        }
    }
}
