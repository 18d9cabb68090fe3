use std::collections::HashSet;

use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a service that joins a network the compose file does not declare, and an inner
    /// container that joins a network no `MCPNetwork` defines. (An inner container naming an
    /// *outer* network is `inner-network-is-outer`.)
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file; inside DinD, the container fails to start.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web: {image: "web:1", networks: [frontend]}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web: {image: "web:1", networks: [frontend]}
    /// networks:
    ///   frontend: {}
    /// ```
    UndefinedNetwork, "undefined-network", Error, "a network used but not defined in its layer"
}

impl Rule for UndefinedNetwork {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let outer_names: HashSet<&str> = cx
            .stack
            .outer
            .iter()
            .flat_map(|p| p.networks.iter().map(|n| n.name.as_str()))
            .collect();
        // compose adds the `default` network when a service without `network_mode` uses it,
        // explicitly or by naming no network (compose-go `normalizeNetworks`).
        let default_used = cx.stack.outer.iter().any(|p| {
            p.services.iter().chain(&p.disabled).any(|s| {
                s.network_mode.is_none()
                    && (s.networks.is_empty() || s.networks.iter().any(|n| n.value == "default"))
            })
        });
        for service in cx.stack.services() {
            for net in &service.networks {
                let defined = outer_names.contains(&net.value.as_str())
                    || (net.value == "default" && default_used);
                if !defined {
                    out.add(
                        &Self::META,
                        net.span,
                        format!(
                            "network `{}` used by `{}` is not declared",
                            net.value, service.name
                        ),
                    )
                    .help(format!(
                        "declare it under the top-level `networks:` (`{}: {{}}`)",
                        net.value
                    ));
                }
            }
        }
        let inner_names = cx.stack.inner_network_names();
        for (m, c) in cx.stack.containers() {
            for net in &c.networks {
                let name = net.value.as_str();
                if !inner_names.contains(&name) && !outer_names.contains(&name) {
                    out.add(
                        &Self::META,
                        net.span,
                        format!(
                            "inner network `{name}` used by `{}` is not defined",
                            m.name.value
                        ),
                    )
                    .help(format!(
                        "add an `MCPNetwork` manifest named `{name}` with an explicit subnet"
                    ));
                }
            }
        }
    }
}
