//! The library core of the engine commands: one function per step of a deploy, taking a
//! loaded stack's desired state and connected daemons, returning results as data; the CLI
//! parses flags into these options and prints what comes back. (The verbs of `apply`,
//! `diff`, `status` and `down` still live partly in `cli/engine.rs`; new ones land here.)

pub mod logs;

use crate::apply::Progress;
use crate::apply::images::{self, FetchError, ImageOptions, Need, Step};
use crate::engine::{Endpoint, EndpointRequest, Engine};
use crate::plan::desired::Desired;

/// Why the images of a plan are not all there.
#[derive(Debug, Default)]
pub struct ImagesFailed {
    /// Needed, and not to be pulled or carried (`pull_policy: never`, `--pull never`, not on
    /// the source daemon).
    pub missing: Vec<Need>,
    /// Pulls or carries that failed.
    pub errors: Vec<FetchError>,
}

/// Decides what each image of `desired` needs on `target` (present, pull, carry, missing)
/// and, unless `dry_run`, pulls or carries it. Nothing but images is changed; on an error
/// nothing else has been created or removed yet.
pub async fn prepare_images(
    target: &Engine,
    source: Option<&Engine>,
    desired: &Desired,
    opts: &ImageOptions,
    progress: &Progress,
    dry_run: bool,
) -> Result<Vec<Need>, ImagesFailed> {
    let mut needs = images::needs(desired, opts.pull);
    images::decide(target, source, &mut needs).await;
    if dry_run {
        return Ok(needs);
    }
    let missing: Vec<Need> = needs
        .iter()
        .filter(|n| matches!(n.step, Step::Missing { .. }))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(ImagesFailed {
            missing,
            errors: Vec::new(),
        });
    }
    let errors = images::fetch(target, source, &needs, opts, progress).await;
    if errors.is_empty() {
        Ok(needs)
    } else {
        Err(ImagesFailed {
            missing: Vec::new(),
            errors,
        })
    }
}

/// The daemon `--images-from` (or the profile's `dind.images_from`) names: `host` is the
/// daemon the docker CLI itself would use (`DOCKER_HOST`, its current context, else the local
/// socket), a URL is that daemon, anything else a docker context.
pub fn images_source(
    spec: &str,
    origin: &str,
    timeout: std::time::Duration,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, String> {
    let mut req = EndpointRequest {
        timeout,
        ..Default::default()
    };
    if spec.contains("://") {
        req.host = Some(spec.to_string());
    } else if spec != "host" {
        req.context = Some(spec.to_string());
    }
    let mut endpoint = req.resolve(env)?;
    endpoint.origin = format!("{} from {origin}", endpoint.origin);
    Ok(endpoint)
}
