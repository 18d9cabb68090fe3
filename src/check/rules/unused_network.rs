use std::collections::HashSet;

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::ManifestKind;

declare_rule! {
    /// ## What it does
    /// Reports a declared network that nothing joins: a compose network no service uses, or an
    /// `MCPNetwork` no inner container uses.
    ///
    /// ## Why is this bad?
    /// It is created for nothing, or a typo elsewhere left it orphaned.
    ///
    /// ## Example
    /// ```yaml
    /// networks:
    ///   legacy: {}
    /// ```
    /// Use instead: remove the declaration, or join it:
    /// ```yaml
    /// services:
    ///   web: {image: "web:1", networks: [legacy]}
    /// networks:
    ///   legacy: {}
    /// ```
    UnusedNetwork, "unused-network", Info, "a network declared but never used"
}

impl Rule for UnusedNetwork {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        if let Some(project) = &cx.stack.outer {
            let joined: HashSet<&str> = project
                .services
                .iter()
                .flat_map(|s| s.networks.iter().map(|n| n.value.as_str()))
                .collect();
            let default_used = project
                .services
                .iter()
                .any(|s| s.networks.is_empty() && s.network_mode.is_none());
            for net in &project.networks {
                let used =
                    joined.contains(net.name.as_str()) || (net.name == "default" && default_used);
                if !used {
                    out.add(
                        &Self::META,
                        net.key,
                        format!("network `{}` is declared but no service joins it", net.name),
                    )
                    .help("remove it, or add it to the services that should use it");
                }
            }
        }
        let joined: HashSet<&str> = cx
            .stack
            .containers()
            .flat_map(|(_, c)| c.networks.iter().map(|n| n.value.as_str()))
            .collect();
        for m in cx
            .stack
            .inner
            .iter()
            .filter(|m| matches!(m.kind, ManifestKind::Network(_)))
        {
            if !joined.contains(m.name.value.as_str()) {
                out.add(
                    &Self::META,
                    m.name.span,
                    format!(
                        "inner network `{}` is defined but no inner container joins it",
                        m.name.value
                    ),
                )
                .help("remove the MCPNetwork, or list it under an MCPContainer's `networks`");
            }
        }
    }
}
