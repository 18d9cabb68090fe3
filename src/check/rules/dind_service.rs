//! The DinD service itself: privileged, with storage on a volume; and `privileged` elsewhere.

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::roles;

declare_rule! {
    /// ## What it does
    /// Reports a DinD service without `privileged: true`.
    ///
    /// ## Why is this bad?
    /// dockerd cannot set up cgroups, mounts and networking without it; the container exits
    /// at start.
    ///
    /// ## Example
    /// ```yaml
    /// dind:
    ///   image: docker:25.0.5-dind
    /// ```
    /// Use instead:
    /// ```yaml
    /// dind:
    ///   image: docker:25.0.5-dind
    ///   privileged: true
    /// ```
    DindNotPrivileged, "dind-not-privileged", Error, "a DinD service without `privileged: true`"
}

declare_rule! {
    /// ## What it does
    /// Reports `privileged: true` on a service that is not a DinD service.
    ///
    /// ## Why is this bad?
    /// A privileged container can take over the host; only the Docker daemon needs it.
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   image: manager:1
    ///   privileged: true
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   image: manager:1
    ///   cap_add: [NET_ADMIN]   # only what it needs
    /// ```
    PrivilegedContainer, "privileged-container", Warning, "`privileged: true` on a service that is not a DinD service"
}

declare_rule! {
    /// ## What it does
    /// Reports a DinD service without a volume or bind mount at `/var/lib/docker`.
    ///
    /// ## Why is this bad?
    /// The inner daemon would keep images and containers on the container's own overlay
    /// filesystem: overlay-on-overlay fails or crawls, and everything is lost on recreate.
    ///
    /// ## Example
    /// ```yaml
    /// dind:
    ///   image: docker:25.0.5-dind
    ///   privileged: true
    /// ```
    /// Use instead:
    /// ```yaml
    /// dind:
    ///   image: docker:25.0.5-dind
    ///   privileged: true
    ///   volumes: ["dind-storage:/var/lib/docker"]
    /// ```
    DindStorageNotVolume, "dind-storage-not-volume", Warning, "a DinD service without a volume at `/var/lib/docker`"
}

impl Rule for DindNotPrivileged {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services().filter(|s| roles::is_dind(s)) {
            if !service.privileged.as_ref().is_some_and(|p| p.value) {
                let span = service.privileged.as_ref().map_or(service.key, |p| p.span);
                out.add(
                    &Self::META,
                    span,
                    format!("DinD service `{}` is not privileged", service.name),
                )
                .help("add `privileged: true`; dockerd cannot start without it");
            }
        }
    }
}

impl Rule for PrivilegedContainer {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services().filter(|s| !roles::is_dind(s)) {
            if let Some(p) = service.privileged.as_ref().filter(|p| p.value) {
                out.add(&Self::META, p.span, format!("`{}` runs privileged but is not a Docker daemon", service.name))
                    .help("drop `privileged`; grant the one capability it needs with `cap_add`, or reach the daemon through its socket");
            }
        }
    }
}

impl Rule for DindStorageNotVolume {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services().filter(|s| roles::is_dind(s)) {
            let has = service.mounts.iter().any(|m| {
                m.unknown
                    || m.target
                        .as_deref()
                        .is_some_and(|t| t.trim_end_matches('/') == "/var/lib/docker")
            });
            if !has {
                out.add(
                    &Self::META,
                    service.key,
                    format!(
                        "DinD service `{}` keeps `/var/lib/docker` on its own filesystem",
                        service.name
                    ),
                )
                .help("mount a named volume there: `- dind-storage:/var/lib/docker`");
            }
        }
    }
}
