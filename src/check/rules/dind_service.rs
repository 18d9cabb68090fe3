//! The DinD service itself: privileged, run as root (unless rootless), with storage on a
//! named volume; and `privileged` elsewhere.

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::dind::{Daemon, daemons};
use crate::model::roles;

declare_rule! {
    /// ## What it does
    /// Reports a DinD service without `privileged: true` (`True` and `TRUE` are booleans too).
    ///
    /// ## Why is this bad?
    /// dockerd cannot set up cgroups, mounts and networking without it; the container exits
    /// at start (docker-library: "the `--privileged` flag is required for Docker-in-Docker";
    /// the rootless variant needs it too).
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
    /// Reports a DinD service without a named volume or bind mount where its daemon keeps its
    /// data: `/var/lib/docker`, `/home/rootless/.local/share/docker` for rootless images, or
    /// the `--data-root` its command gives.
    ///
    /// ## Why is this bad?
    /// docker:dind declares `VOLUME /var/lib/docker` (and the rootless image its data
    /// directory), so the data lands in an *anonymous* volume: not on overlay, but unnamed,
    /// hard to find and back up, not kept when the container is recreated, and deleted by
    /// `docker compose down -v` or `docker rm -v`. An image without that `VOLUME` line keeps
    /// the data on the container's own filesystem (docker-library `Dockerfile`s). A volume
    /// at `/var/lib/docker` of a rootless daemon persists nothing.
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
    DindStorageNotVolume, "dind-storage-not-volume", Warning, "a DinD service without a named volume for its data"
}

declare_rule! {
    /// ## What it does
    /// Reports a DinD service whose `user:` is not root on an image that is not the rootless
    /// variant.
    ///
    /// ## Why is this bad?
    /// The entrypoint takes a non-root user for an attempt at rootless mode and exits at once:
    /// "attempting to run rootless dockerd but missing 'rootlesskit' (perhaps the
    /// 'docker:dind-rootless' image variant is intended?)" (docker-library
    /// `dockerd-entrypoint.sh`). Clients waiting for it never start.
    ///
    /// ## Example
    /// ```yaml
    /// dind:
    ///   image: docker:27-dind
    ///   user: "1000:1000"
    /// ```
    /// Use instead:
    /// ```yaml
    /// dind:
    ///   image: docker:27-dind-rootless
    ///   privileged: true
    /// ```
    DindUserNotRoot, "dind-user-not-root", Error, "a non-root `user` on a DinD image that is not rootless"
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
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for d in daemons(project) {
            let data = d.data_dir();
            let stored = d.service.mounts.iter().any(|m| {
                m.unknown
                    || (m.source.is_some()
                        && m.target
                            .as_deref()
                            .is_some_and(|t| t.trim_end_matches('/') == data))
            });
            if stored {
                continue;
            }
            let wrong = d.rootless.then(|| {
                d.service.mounts.iter().find(|m| {
                    m.target
                        .as_deref()
                        .is_some_and(|t| t.trim_end_matches('/') == "/var/lib/docker")
                })
            });
            match wrong.flatten() {
                Some(m) => {
                    out.add(
                        &Self::META,
                        m.span,
                        format!(
                            "the rootless daemon of `{}` keeps its data in `{data}`, not here",
                            d.service.name
                        ),
                    )
                    .help(format!("mount the volume at `{data}`"));
                }
                None => {
                    // docker:dind declares `VOLUME` for its data directory; another image
                    // may not, and then the data stays in the container's own filesystem.
                    let official = d
                        .service
                        .image
                        .as_ref()
                        .map(|i| i.value.text.as_str())
                        .or(d.service.dockerfile.as_ref().and_then(|f| f.base()))
                        .is_some_and(|i| {
                            crate::model::roles::split_image(i).0.rsplit('/').next()
                                == Some("docker")
                        });
                    let where_ = if official {
                        "in an anonymous volume".to_string()
                    } else {
                        "in an anonymous volume if its image declares one there, else on the container's own filesystem".to_string()
                    };
                    out.add(
                        &Self::META,
                        d.service.key,
                        format!("DinD service `{}` keeps its images and containers {where_} at `{data}`", d.service.name),
                    )
                    .help(format!("mount a named volume there (`- dind-storage:{data}`), so the data has a name, survives a recreate and is not removed by `down -v`"));
                }
            }
        }
    }
}

impl Rule for DindUserNotRoot {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for d in daemons(project) {
            if d.rootless || !uses_image_entrypoint(&d) {
                continue;
            }
            let Some(user) = d.service.user.as_ref().filter(|u| !u.value.unresolved) else {
                continue;
            };
            let name = user.value.text.split(':').next().unwrap_or("");
            if matches!(name, "0" | "root" | "") {
                continue;
            }
            out.add(&Self::META, user.span, format!("DinD service `{}` runs as `{}`, and its entrypoint then exits", d.service.name, user.value.text))
                .help("remove `user:` (dockerd runs as root in a privileged container), or use the `docker:*-dind-rootless` image");
        }
    }
}

/// Whether the service runs the dind image's entrypoint (which checks the user).
fn uses_image_entrypoint(d: &Daemon<'_>) -> bool {
    d.library_entrypoint
}
