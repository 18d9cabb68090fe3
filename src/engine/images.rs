//! Images on a daemon: pulling with registry credentials (`POST /images/create`, run by the
//! daemon itself — in DinD, inside the DinD container with its network, DNS and proxy),
//! carrying an image from one daemon to another (`GET /images/{name}/get` streamed into
//! `POST /images/load`, no temporary file, memory bounded by a small channel of chunks), and
//! the tiny image the apply lock is made from.

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::{
    CreateImageOptionsBuilder, ImportImageOptionsBuilder, RemoveImageOptionsBuilder,
};
use futures_util::StreamExt as _;

use super::auth::Credentials;
use super::{Engine, describe};

/// The image the lock container is created from: an empty file system imported by dindctl,
/// so that the lock works on a daemon that holds no image at all.
pub const LOCK_IMAGE: &str = "dindctl-lock:1";

/// How a pull or carry is going, for progress output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    /// Bytes done and (when known) in all.
    pub done: u64,
    pub total: Option<u64>,
    /// Layers finished and seen.
    pub layers_done: usize,
    pub layers: usize,
}

/// Why a pull failed, as a user acts on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullErrorKind {
    /// The registry refused us: the image does not exist or needs a login.
    Denied,
    /// The tag or digest is not in the repository.
    NotFound,
    /// `toomanyrequests`.
    RateLimited,
    /// The daemon could not reach the registry (DNS, connection, TLS, proxy).
    Unreachable,
    /// A 5xx or a reset: worth trying again.
    Transient,
    Other,
}

#[derive(Clone, Debug)]
pub struct PullError {
    pub kind: PullErrorKind,
    /// The daemon's message (it never holds the credentials: they travel in a header).
    pub message: String,
}

/// Reads the daemon's pull error. The texts are the daemon's and the registry's own (moby
/// `distribution/errors.go`, distribution's error codes), seen on this machine against a
/// distribution 2.8 registry on loopback.
pub fn classify(message: &str) -> PullErrorKind {
    let m = message.to_ascii_lowercase();
    if m.contains("toomanyrequests") || m.contains("too many requests") {
        PullErrorKind::RateLimited
    } else if m.contains("manifest unknown")
        || (m.contains("manifest for") && m.contains("not found"))
        || m.contains("not found: manifest")
    {
        PullErrorKind::NotFound
    } else if m.contains("pull access denied")
        || m.contains("unauthorized")
        || m.contains("authentication required")
        || m.contains("no basic auth credentials")
        || m.contains("denied:")
    {
        PullErrorKind::Denied
    } else if m.contains("connection refused")
        || m.contains("no such host")
        || m.contains("i/o timeout")
        || m.contains("network is unreachable")
        || m.contains("server gave http response to https client")
        || m.contains("x509:")
        || m.contains("tls:")
        || m.contains("proxyconnect")
    {
        PullErrorKind::Unreachable
    } else if m.contains("connection reset")
        || m.contains("unexpected eof")
        || m.contains("500 internal server error")
        || m.contains("502 bad gateway")
        || m.contains("503 service unavailable")
        || m.contains("504 gateway timeout")
        || m.contains("received unexpected http status: 5")
    {
        PullErrorKind::Transient
    } else {
        PullErrorKind::Other
    }
}

/// Splits `name[:tag]` / `name@digest` for `fromImage` + `tag` (a port in the registry host
/// is not a tag).
pub fn split_reference(reference: &str) -> (String, Option<String>) {
    if let Some((name, digest)) = reference.split_once('@') {
        return (name.to_string(), Some(digest.to_string()));
    }
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[last_slash..].rfind(':') {
        Some(i) => {
            let at = last_slash + i;
            (
                reference[..at].to_string(),
                Some(reference[at + 1..].to_string()),
            )
        }
        None => (reference.to_string(), None),
    }
}

impl Engine {
    /// Pulls `reference` on this daemon, calling `progress` as layers arrive.
    pub async fn pull_image(
        &self,
        reference: &str,
        platform: Option<&str>,
        credentials: Option<&Credentials>,
        progress: &mut (dyn FnMut(&Transfer) + Send),
    ) -> Result<(), PullError> {
        let (name, tag) = split_reference(reference);
        let mut opts = CreateImageOptionsBuilder::new().from_image(&name);
        // Without a tag the daemon pulls every tag of the repository; compose pulls `latest`.
        opts = opts.tag(tag.as_deref().unwrap_or("latest"));
        if let Some(p) = platform {
            opts = opts.platform(p);
        }
        let mut stream = self.docker.create_image(
            Some(opts.build()),
            None,
            credentials.map(|c| c.to_bollard()),
        );
        let mut layers: HashMap<String, (u64, Option<u64>, bool)> = HashMap::new();
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| {
                let message = match &e {
                    bollard::errors::Error::DockerResponseServerError { message, .. } => {
                        message.clone()
                    }
                    bollard::errors::Error::DockerStreamError { error } => error.clone(),
                    other => describe(other),
                };
                PullError {
                    kind: classify(&message),
                    message,
                }
            })?;
            if let Some(err) = info.error_detail.and_then(|d| d.message) {
                return Err(PullError {
                    kind: classify(&err),
                    message: err,
                });
            }
            let (Some(id), Some(status)) = (info.id, info.status) else {
                continue;
            };
            let entry = layers.entry(id).or_insert((0, None, false));
            match status.as_str() {
                "Downloading" => {
                    if let Some(d) = &info.progress_detail {
                        entry.0 = d.current.unwrap_or(0).max(0) as u64;
                        entry.1 = d.total.filter(|t| *t > 0).map(|t| t as u64);
                    }
                }
                "Download complete" | "Pull complete" | "Already exists" => {
                    if let Some(t) = entry.1 {
                        entry.0 = t;
                    }
                    entry.2 = true;
                }
                _ => {}
            }
            progress(&summarise(&layers));
        }
        Ok(())
    }

    /// Streams `reference` from `source` into this daemon (`docker save | docker load`
    /// without the pipe's copy on disk). Memory stays bounded by a channel of a few chunks,
    /// whatever the image's size; `progress` sees the bytes carried.
    pub async fn load_image_from(
        &self,
        source: &Engine,
        reference: &str,
        progress: &mut (dyn FnMut(&Transfer) + Send),
    ) -> Result<(), String> {
        let total = source
            .docker
            .inspect_image(reference)
            .await
            .ok()
            .and_then(|i| i.size)
            .map(|s| s.max(0) as u64);
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
        let docker = source.docker.clone();
        let name = reference.to_string();
        let reader = tokio::spawn(async move {
            let mut export = docker.export_image(&name);
            let mut sent: u64 = 0;
            while let Some(chunk) = export.next().await {
                let chunk = chunk.map_err(|e| std::io::Error::other(describe(&e)));
                let failed = chunk.is_err();
                if let Ok(c) = &chunk {
                    sent += c.len() as u64;
                }
                if tx.send(chunk).await.is_err() || failed {
                    break;
                }
            }
            sent
        });
        let (count_tx, mut count_rx) = tokio::sync::watch::channel(0u64);
        let body =
            futures_util::stream::unfold((rx, 0u64, count_tx), |(mut rx, n, c)| async move {
                let item = rx.recv().await?;
                let n = n + item.as_ref().map_or(0, |b| b.len() as u64);
                let _ = c.send(n);
                Some((item, (rx, n, c)))
            });
        let opts = ImportImageOptionsBuilder::new().quiet(true).build();
        let mut load = Box::pin(self.docker.import_image_stream(opts, body, None));
        let mut error = None;
        loop {
            tokio::select! {
                item = load.next() => match item {
                    Some(Ok(info)) => {
                        if let Some(e) = info.error_detail.and_then(|d| d.message) {
                            error = Some(e);
                        }
                    }
                    Some(Err(e)) => {
                        error = Some(describe(&e));
                        break;
                    }
                    None => break,
                },
                Ok(()) = count_rx.changed() => {
                    let done = *count_rx.borrow();
                    progress(&Transfer { done, total, layers_done: 0, layers: 0 });
                }
            }
        }
        reader.abort();
        if let Some(e) = error {
            return Err(e);
        }
        Ok(())
    }

    /// The ID of an image, `None` when the daemon does not have it.
    pub async fn image_id(&self, reference: &str) -> Result<Option<String>, String> {
        match self.docker.inspect_image(reference).await {
            Ok(i) => Ok(i.id),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(describe(&e)),
        }
    }

    /// When the image's tag was last set locally (seconds since the epoch; 0 when the daemon
    /// does not say), `None` when the daemon does not have the image.
    pub async fn image_tagged_at(&self, reference: &str) -> Result<Option<i64>, String> {
        match self.docker.inspect_image(reference).await {
            Ok(i) => Ok(Some(
                i.metadata
                    .and_then(|m| m.last_tag_time)
                    .and_then(|t| crate::clock::parse_rfc3339(&t))
                    .unwrap_or(0),
            )),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(describe(&e)),
        }
    }

    /// Imports [`LOCK_IMAGE`] (an empty file system, 0 bytes) unless the daemon has it.
    pub async fn ensure_lock_image(&self) -> Result<(), String> {
        if self.image_id(LOCK_IMAGE).await?.is_some() {
            return Ok(());
        }
        // An empty tar archive: its two 512-byte end-of-archive blocks.
        let empty = bytes::Bytes::from(vec![0u8; 1024]);
        let (repo, tag) = split_reference(LOCK_IMAGE);
        let opts = CreateImageOptionsBuilder::new()
            .from_src("-")
            .repo(&repo)
            .tag(tag.as_deref().unwrap_or("1"))
            .changes(vec![format!(
                "LABEL {}=1",
                crate::plan::label("lock-image")
            )])
            .build();
        let mut stream =
            self.docker
                .create_image(Some(opts), Some(bollard::body_full(empty)), None);
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| describe(&e))?;
            if let Some(e) = info.error_detail.and_then(|d| d.message) {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Removes an image unless a container uses it (then it stays, silently).
    pub async fn remove_image_if_unused(&self, reference: &str) {
        let opts = RemoveImageOptionsBuilder::new().force(false).build();
        let _ = tokio::time::timeout(
            Duration::from_secs(10),
            self.docker.remove_image(reference, Some(opts), None),
        )
        .await;
    }
}

fn summarise(layers: &HashMap<String, (u64, Option<u64>, bool)>) -> Transfer {
    let done = layers.values().map(|l| l.0).sum();
    let known: Vec<u64> = layers.values().filter_map(|l| l.1).collect();
    Transfer {
        done,
        total: (!known.is_empty()).then(|| known.iter().sum()),
        layers_done: layers.values().filter(|l| l.2).count(),
        layers: layers.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_name_and_tag() {
        assert_eq!(split_reference("busybox"), ("busybox".into(), None));
        assert_eq!(
            split_reference("127.0.0.1:5000/a/b:1.2"),
            ("127.0.0.1:5000/a/b".into(), Some("1.2".into()))
        );
        assert_eq!(
            split_reference("127.0.0.1:5000/a"),
            ("127.0.0.1:5000/a".into(), None)
        );
        assert_eq!(
            split_reference("x@sha256:abc"),
            ("x".into(), Some("sha256:abc".into()))
        );
    }

    #[test]
    fn daemon_messages_read_as_what_to_do() {
        use PullErrorKind::*;
        for (text, kind) in [
            (
                "pull access denied for x, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
                Denied,
            ),
            (
                "Head \"http://127.0.0.1:5000/v2/x/manifests/1\": no basic auth credentials",
                Denied,
            ),
            (
                "manifest for 127.0.0.1:5000/x:nope not found: manifest unknown: manifest unknown",
                NotFound,
            ),
            (
                "toomanyrequests: You have reached your pull rate limit.",
                RateLimited,
            ),
            (
                "Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused",
                Unreachable,
            ),
            (
                "received unexpected HTTP status: 503 Service Unavailable",
                Transient,
            ),
            ("something else", Other),
        ] {
            assert_eq!(classify(text), kind, "{text}");
        }
    }
}
