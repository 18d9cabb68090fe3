use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an inner manifest that sets a label under `io.dindctl.` (in `metadata.labels`
    /// or `spec.labels`).
    ///
    /// ## Why is this bad?
    /// dindctl identifies what it owns by those labels (`io.dindctl.project`,
    /// `io.dindctl.name`, `io.dindctl.spec-hash`, … set by `plan::request::identity_labels`,
    /// and the live view filters the prefix out): a manifest that set them could make one
    /// project's container look like another's, or hide a change. `apply` refuses such a
    /// manifest before touching the daemon (`plan::desired::build`), so `check` reports it
    /// first.
    ///
    /// ## Example
    /// ```yaml
    /// kind: MCPContainer
    /// metadata:
    ///   labels: {io.dindctl.project: other}
    /// ```
    /// Use instead:
    /// ```yaml
    /// kind: MCPContainer
    /// metadata:
    ///   labels: {com.example.team: tools}
    /// ```
    ReservedLabel, "reserved-label", Error, "an inner manifest that sets dindctl's own io.dindctl. labels"
}

impl Rule for ReservedLabel {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for (m, c) in cx.stack.containers() {
            for (k, v) in c.metadata_labels.iter().chain(&c.labels) {
                if k.starts_with(crate::plan::LABEL_PREFIX) {
                    out.add(
                        &Self::META,
                        v.span,
                        format!("label `{k}` of `{}` is reserved for dindctl", m.name.value),
                    )
                    .help("use a label of your own namespace (`com.example.…`); dindctl sets the `io.dindctl.` labels itself");
                }
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Reports an inner volume whose source is a relative path (`./data: /data`).
    ///
    /// ## Why is this bad?
    /// An inner container's bind mount is resolved by the DinD daemon inside the DinD
    /// container, not beside the manifest, and the Engine API takes no relative source: tested
    /// on Docker 20.10 (`POST /containers/create` with `Binds: ["./rel:/data"]`), the daemon
    /// answers `"./rel" includes invalid characters for a local volume name … If you intended
    /// to pass a host directory, use absolute path` (only the docker CLI makes `-v ./x`
    /// absolute, against its own working directory). `apply` refuses it before touching the
    /// daemon. Mount the host directory into the DinD service (`volumes:` of the outer
    /// service) and use its absolute path inside DinD.
    ///
    /// ## Example
    /// ```yaml
    /// kind: MCPContainer
    /// spec:
    ///   volumes:
    ///     ./workspace: /data
    /// ```
    /// Use instead:
    /// ```yaml
    /// kind: MCPContainer
    /// spec:
    ///   volumes:
    ///     /workspace: /data   # bind-mounted into the DinD service
    /// ```
    InnerRelativeBind, "inner-relative-bind", Error, "an inner bind mount with a relative source path"
}

impl Rule for InnerRelativeBind {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for (m, c) in cx.stack.containers() {
            for v in c
                .volumes
                .iter()
                .filter(|v| !v.is_bind && v.source.starts_with('.'))
            {
                out.add(
                    &Self::META,
                    v.span,
                    format!(
                        "`{}` of `{}` is a relative path; inner bind mounts need an absolute path inside the DinD container",
                        v.source, m.name.value
                    ),
                )
                .help("bind-mount the host directory into the DinD service and use its path inside DinD");
            }
        }
    }
}
