//! The images a plan needs, made present on the target daemon before anything is created or
//! removed: each image is pulled (by its pull policy, or `--pull` for one run) by the daemon
//! that runs it, or carried in from a source daemon (`--images-from`), all at once bounded by
//! `--parallel`. A failure here changes nothing on the daemon but the images already fetched.
//!
//! Decisions ([`decide`]) are data, so `diff` and `apply --dry-run` show `pull` and `carry`
//! without doing them; [`fetch`] carries them out.

use std::time::{Duration, Instant};

use futures_util::{StreamExt as _, stream};

use super::Progress;
use crate::engine::Engine;
use crate::engine::auth::{self, Credentials};
use crate::engine::images::{PullErrorKind, Transfer};
use crate::model::pull::PullPolicy;
use crate::plan::desired::Desired;
use crate::source::Span;

/// What will be done for one image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// On the daemon, and its policy asks for nothing.
    Present,
    /// Pulled by the target daemon; `why` says which policy asked.
    Pull { why: String },
    /// Streamed from the source daemon.
    Carry { why: String },
    /// Needed, and neither pulled nor carried: `apply` refuses.
    Missing { why: String },
}

/// One image the plan needs.
#[derive(Clone, Debug)]
pub struct Need {
    pub image: String,
    pub platform: Option<String>,
    pub policy: PullPolicy,
    /// Where manifests name it (`spec.image` of each container).
    pub spans: Vec<Span>,
    pub step: Step,
    /// Whether the target daemon has the image now (a pull of a present image is a refresh).
    pub present: bool,
}

/// How images are fetched.
#[derive(Clone, Debug, Default)]
pub struct ImageOptions {
    /// `--pull`: one policy for every image in this run.
    pub pull: Option<PullPolicy>,
    pub parallel: usize,
    /// How often a plain (non-terminal) progress line is printed per image.
    pub plain_every: Duration,
    /// How many times a transient registry error is retried (with backoff).
    pub retries: u32,
}

/// The more eager of two policies, for an image several manifests name.
fn eager(a: PullPolicy, b: PullPolicy) -> PullPolicy {
    use PullPolicy::*;
    match (a, b) {
        (Always, _) | (_, Always) => Always,
        (Refresh(x), Refresh(y)) => Refresh(x.min(y)),
        (Refresh(x), _) | (_, Refresh(x)) => Refresh(x),
        (Missing, _) | (_, Missing) => Missing,
        (Never, Never) => Never,
    }
}

/// The images of `desired`, each once, with the policy that applies and its spans.
pub fn needs(desired: &Desired, pull: Option<PullPolicy>) -> Vec<Need> {
    let mut out: Vec<Need> = Vec::new();
    for c in &desired.containers {
        let policy = pull.unwrap_or(c.pull_policy);
        match out
            .iter_mut()
            .find(|n| n.image == c.spec.image && n.platform == c.platform)
        {
            Some(n) => {
                n.policy = if pull.is_some() {
                    policy
                } else {
                    eager(n.policy, policy)
                };
                n.spans.push(c.image_span);
            }
            None => out.push(Need {
                image: c.spec.image.clone(),
                platform: c.platform.clone(),
                policy,
                spans: vec![c.image_span],
                step: Step::Present,
                present: false,
            }),
        }
    }
    out
}

fn policy_words(p: PullPolicy) -> String {
    match p {
        PullPolicy::Always => "pull_policy `always`".into(),
        PullPolicy::Missing => "not on the daemon".into(),
        PullPolicy::Never => "pull_policy `never`".into(),
        PullPolicy::Refresh(s) => format!(
            "pull_policy: the local tag is older than {}",
            crate::clock::human_duration(s as i64)
        ),
    }
}

/// Decides each image's [`Step`] by looking at the target (and the source) daemon.
pub async fn decide(target: &Engine, source: Option<&Engine>, needs: &mut [Need]) {
    let now = crate::clock::now_secs();
    for n in needs.iter_mut() {
        let tagged = target.image_tagged_at(&n.image).await.unwrap_or(None);
        n.present = tagged.is_some();
        if let Some(source) = source {
            let theirs = source.image_id(&n.image).await.unwrap_or(None);
            let ours = if tagged.is_some() {
                target.image_id(&n.image).await.unwrap_or(None)
            } else {
                None
            };
            n.step = match (theirs, ours) {
                (Some(t), Some(o)) if t == o => Step::Present,
                (Some(_), Some(_)) => Step::Carry {
                    why: format!("differs from the image on {}", source.endpoint.host),
                },
                (Some(_), None) => Step::Carry {
                    why: "not on the daemon".into(),
                },
                (None, Some(_)) => Step::Present,
                (None, None) => Step::Missing {
                    why: format!("nor on {} to carry it from", source.endpoint.host),
                },
            };
            continue;
        }
        n.step = if n.policy.must_pull(tagged, now) {
            Step::Pull {
                why: if tagged.is_none() {
                    "not on the daemon".into()
                } else {
                    policy_words(n.policy)
                },
            }
        } else if tagged.is_none() {
            Step::Missing {
                why: "and pull_policy is `never`".into(),
            }
        } else {
            Step::Present
        };
    }
}

/// A fetch that failed: the image, what to tell the user, and the spans naming the image.
#[derive(Clone, Debug)]
pub struct FetchError {
    pub image: String,
    pub message: String,
    pub help: String,
    pub spans: Vec<Span>,
}

/// Pulls or carries every image whose step asks for it, at most `opts.parallel` at once.
/// Returns the failures (empty when every image is now present).
pub async fn fetch(
    target: &Engine,
    source: Option<&Engine>,
    needs: &[Need],
    opts: &ImageOptions,
    progress: &Progress,
) -> Vec<FetchError> {
    let env = |k: &str| std::env::var(k).ok();
    let work: Vec<&Need> = needs
        .iter()
        .filter(|n| matches!(n.step, Step::Pull { .. } | Step::Carry { .. }))
        .collect();
    let results = stream::iter(work.into_iter().map(|n| {
        let env = &env;
        async move {
            let label = match n.step {
                Step::Carry { .. } => format!("carry {}", n.image),
                _ => format!("pull {}", n.image),
            };
            let mut reporter = Reporter::new(&label, progress, opts.plain_every);
            reporter.status("started");
            let result = match (&n.step, source) {
                (Step::Carry { .. }, Some(src)) => carry_one(target, src, n, &mut reporter).await,
                _ => pull_one(target, n, opts, env, &mut reporter).await,
            };
            reporter.status(if result.is_ok() { "done" } else { "failed" });
            result
        }
    }))
    .buffer_unordered(opts.parallel.max(1))
    .collect::<Vec<_>>()
    .await;
    results.into_iter().filter_map(Result::err).collect()
}

async fn pull_one(
    target: &Engine,
    n: &Need,
    opts: &ImageOptions,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    reporter: &mut Reporter<'_>,
) -> Result<(), FetchError> {
    let registry = auth::registry_of(&n.image);
    let fail = |message: String, help: String| FetchError {
        image: n.image.clone(),
        message,
        help,
        spans: n.spans.clone(),
    };
    let creds: Option<Credentials> = auth::lookup(&registry, env).map_err(|e| {
        fail(
            format!("cannot read the credentials for `{registry}`: {e}"),
            "fix the docker CLI config (`DOCKER_CONFIG`), or remove the entry".into(),
        )
    })?;
    let mut attempt = 0;
    loop {
        let mut on = |t: &Transfer| reporter.transfer(t);
        let result = target
            .pull_image(&n.image, n.platform.as_deref(), creds.as_ref(), &mut on)
            .await;
        let err = match result {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if err.kind == PullErrorKind::Transient && attempt < opts.retries {
            attempt += 1;
            let wait = Duration::from_millis(500 * (1 << attempt.min(5)));
            reporter.status(&format!(
                "retrying in {:.1}s ({attempt} of {}): {}",
                wait.as_secs_f64(),
                opts.retries,
                err.message
            ));
            tokio::time::sleep(wait).await;
            continue;
        }
        let daemon = &target.endpoint.host;
        let login = if registry == "docker.io" {
            "docker login".to_string()
        } else {
            format!("docker login {registry}")
        };
        let (message, help) = match err.kind {
            PullErrorKind::Denied => (
                format!(
                    "pull access denied for `{}`: the image does not exist or needs `{login}`{}",
                    n.image,
                    match &creds {
                        Some(c) => format!(" (the credentials from {} were refused)", c.origin),
                        None => " (no credentials are configured for it)".into(),
                    }
                ),
                format!(
                    "check the name, or log in (`{login}`; dindctl reads the docker CLI's config and credential helpers)"
                ),
            ),
            PullErrorKind::NotFound => (
                format!(
                    "`{}` does not exist in its registry: {}",
                    n.image, err.message
                ),
                "check the tag or digest".into(),
            ),
            PullErrorKind::RateLimited => (
                format!(
                    "the registry `{registry}` rate-limits pulls of `{}`: {}",
                    n.image, err.message
                ),
                "wait and run apply again, or log in for a higher limit".into(),
            ),
            PullErrorKind::Unreachable => (
                format!(
                    "the daemon at {daemon} cannot reach the registry `{registry}`: {}",
                    err.message
                ),
                "the pull runs on that daemon (in DinD: inside the DinD container, with its network, DNS and proxy settings); check them there, or carry the image in with `--images-from host`".to_string(),
            ),
            PullErrorKind::Transient | PullErrorKind::Other => (
                format!("pulling `{}` on {daemon} failed: {}", n.image, err.message),
                if attempt > 0 {
                    format!("it failed {} times", attempt + 1)
                } else {
                    "run apply again; nothing was created".into()
                },
            ),
        };
        return Err(fail(message, help));
    }
}

async fn carry_one(
    target: &Engine,
    source: &Engine,
    n: &Need,
    reporter: &mut Reporter<'_>,
) -> Result<(), FetchError> {
    let fail = |message: String| FetchError {
        image: n.image.clone(),
        message,
        help: format!(
            "the image is carried from {} (`--images-from`)",
            source.endpoint.host
        ),
        spans: n.spans.clone(),
    };
    let want = source
        .image_id(&n.image)
        .await
        .map_err(|e| fail(format!("cannot inspect `{}` on the source: {e}", n.image)))?
        .ok_or_else(|| {
            fail(format!(
                "`{}` is not on {} to carry it from",
                n.image, source.endpoint.host
            ))
        })?;
    let mut on = |t: &Transfer| reporter.transfer(t);
    target
        .load_image_from(source, &n.image, &mut on)
        .await
        .map_err(|e| {
            fail(format!(
                "carrying `{}` into {} failed: {e}",
                n.image, target.endpoint.host
            ))
        })?;
    match target.image_id(&n.image).await {
        Ok(Some(got)) if got == want => Ok(()),
        Ok(got) => Err(fail(format!(
            "after carrying `{}`, the daemon has {} instead of {want}",
            n.image,
            got.as_deref().unwrap_or("no such image")
        ))),
        Err(e) => Err(fail(format!(
            "cannot inspect `{}` after loading: {e}",
            n.image
        ))),
    }
}

/// Progress of one transfer: live lines on a terminal, a plain line every `plain_every`.
struct Reporter<'a> {
    label: String,
    progress: &'a Progress,
    started: Instant,
    last_plain: Option<Instant>,
    plain_every: Duration,
}

impl<'a> Reporter<'a> {
    fn new(label: &str, progress: &'a Progress, plain_every: Duration) -> Self {
        Self {
            label: label.to_string(),
            progress,
            started: Instant::now(),
            last_plain: None,
            plain_every,
        }
    }

    fn status(&mut self, text: &str) {
        self.progress.update(&self.label, text);
    }

    fn transfer(&mut self, t: &Transfer) {
        if !self.progress.is_live() {
            let due = self
                .last_plain
                .is_none_or(|l| l.elapsed() >= self.plain_every);
            if !due {
                return;
            }
            self.last_plain = Some(Instant::now());
        }
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = t.done as f64 / secs;
        let mut text = match t.total {
            Some(total) => format!(
                "{} / {}",
                crate::plan::render::bytes(t.done as i64),
                crate::plan::render::bytes(total as i64)
            ),
            None => crate::plan::render::bytes(t.done as i64),
        };
        if t.layers > 0 {
            text.push_str(&format!(", {}/{} layers", t.layers_done, t.layers));
        }
        text.push_str(&format!(", {}/s", crate::plan::render::bytes(rate as i64)));
        self.progress.update(&self.label, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_eager_policy_wins() {
        use PullPolicy::*;
        assert_eq!(eager(Never, Missing), Missing);
        assert_eq!(eager(Refresh(10), Missing), Refresh(10));
        assert_eq!(eager(Refresh(10), Refresh(5)), Refresh(5));
        assert_eq!(eager(Refresh(10), Always), Always);
        assert_eq!(eager(Never, Never), Never);
    }
}
