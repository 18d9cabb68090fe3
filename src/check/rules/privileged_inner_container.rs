use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an inner MCP container with `privileged: true`.
    ///
    /// ## Why is this bad?
    /// The DinD daemon itself runs privileged on the host, so a privileged container inside
    /// it can do what the DinD container can: mount the host's devices, load kernel modules,
    /// escape to the host (Docker's "privileged" documentation: all capabilities, all
    /// devices, no seccomp/AppArmor confinement). An MCP server needs none of that; grant the
    /// one capability it needs with `cap_add`.
    ///
    /// ## Example
    /// ```yaml
    /// kind: MCPContainer
    /// spec:
    ///   image: tools-mcp:1.0.0
    ///   privileged: true
    /// ```
    /// Use instead:
    /// ```yaml
    /// kind: MCPContainer
    /// spec:
    ///   image: tools-mcp:1.0.0
    ///   cap_add: [NET_RAW]
    /// ```
    PrivilegedInnerContainer, "privileged-inner-container", Warning, "an inner MCP container that runs privileged"
}

impl Rule for PrivilegedInnerContainer {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for (m, c) in cx.stack.containers() {
            if let Some(p) = c.privileged.as_ref().filter(|p| p.value) {
                out.add(
                    &Self::META,
                    p.span,
                    format!(
                        "inner container `{}` runs privileged inside the privileged DinD daemon",
                        m.name.value
                    ),
                )
                .help("drop `privileged`; add only the capabilities it needs with `cap_add`");
            }
        }
    }
}
