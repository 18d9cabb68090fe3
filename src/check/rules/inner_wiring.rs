//! Inner manifests that name things of the outer layer: host paths and outer networks.

use std::collections::HashSet;

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::dind::daemons;

declare_rule! {
    /// ## What it does
    /// Reports an inner bind mount whose source path is not under any path mounted into the
    /// outer DinD service.
    ///
    /// ## Why is this bad?
    /// The inner daemon resolves bind sources in the DinD container's filesystem, not the
    /// host's: `/opt/app` there is an empty directory the daemon creates, and the MCP server
    /// sees nothing of the host's files.
    ///
    /// ## Example
    /// ```yaml
    /// # inner manifest
    /// spec:
    ///   volumes: {/home/me/project: /workspace:ro}
    /// ```
    /// Use instead:
    /// ```yaml
    /// # docker-compose.dind.yml
    /// dind:
    ///   volumes: ["./project:/workspace:ro"]
    /// # inner manifest
    /// spec:
    ///   volumes: {/workspace: /workspace:ro}
    /// ```
    InnerBindSourceMissing, "inner-bind-source-missing", Warning, "an inner bind source that does not exist inside DinD"
}

declare_rule! {
    /// ## What it does
    /// Reports an inner container that joins a network of the outer compose file, which no
    /// `MCPNetwork` defines inside DinD.
    ///
    /// ## Why is this bad?
    /// Network names inside DinD are separate from the host's: the outer network does not
    /// exist for the inner daemon, and the container fails to start ("network … not found").
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   networks: [mcp-internal]   # an outer network
    /// ```
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   networks: [mcp-inner]      # defined by an MCPNetwork manifest
    /// ```
    InnerNetworkIsOuter, "inner-network-is-outer", Error, "an inner container names an outer network"
}

impl Rule for InnerBindSourceMissing {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let ds = daemons(project);
        if ds.is_empty()
            || ds
                .iter()
                .any(|d| d.service.mounts.iter().any(|m| m.unknown))
        {
            return;
        }
        for (m, c) in cx.stack.containers() {
            for mount in c.volumes.iter().filter(|v| v.is_bind) {
                if !ds.iter().any(|d| d.has_path(&mount.source)) {
                    let dind = &ds[0].service.name;
                    out.add(&Self::META, mount.span, format!("`{}` bind-mounts `{}`, which is not mounted into `{dind}`", m.name.value, mount.source))
                        .related(ds[0].service.key, "the DinD service")
                        .help(format!(
                            "inner bind sources are paths inside the DinD container; mount the host directory into `{dind}` (e.g. `- ./data:{}`) or use a named inner volume",
                            mount.source
                        ));
                }
            }
        }
    }
}

impl Rule for InnerNetworkIsOuter {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let outer: HashSet<&str> = project.networks.iter().map(|n| n.name.as_str()).collect();
        let inner = cx.stack.inner_network_names();
        for (m, c) in cx.stack.containers() {
            for net in &c.networks {
                if outer.contains(net.value.as_str()) && !inner.contains(net.value.as_str()) {
                    out.add(&Self::META, net.span, format!("`{}` joins `{}`, a network of the outer compose file", m.name.value, net.value))
                        .help("outer networks do not exist inside DinD; define an `MCPNetwork` with its own subnet and join that");
                }
            }
        }
    }
}
