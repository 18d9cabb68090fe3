//! The only module that talks to a Docker daemon: where it is (unix socket, tcp, tcp with TLS
//! client certificates), connecting with a timeout, and errors a user can act on — which address
//! did not answer, who owns a socket that refused us and which groups we have, a TLS handshake
//! that failed, an API too old.

pub mod attach;
pub mod auth;
pub mod context;
mod diagnose;
pub mod images;
mod ops;
pub mod relay;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, ClientVersion, Docker};

pub use diagnose::describe;
pub use ops::{Missing, OpError};

/// The oldest Engine API dindctl speaks (Docker 20.10).
pub const MIN_API: (usize, usize) = (1, 41);

/// Where a daemon is and how to reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///path`, `tcp://host:port` (or `https://`).
    pub host: String,
    pub tls: Option<Tls>,
    /// Timeout of one API request.
    pub timeout: Duration,
    /// Where the endpoint was taken from, for messages (`--host`, `DOCKER_HOST`, a profile…).
    pub origin: String,
}

/// Client certificates, in the layout of docker:dind's `certs/client` directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Tls {
    /// `ca.pem`, `cert.pem` and `key.pem` in `dir`.
    pub fn from_dir(dir: &Path) -> Self {
        Self {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }
}

pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// What the user asked for, before the environment is consulted.
#[derive(Clone, Debug, Default)]
pub struct EndpointRequest {
    pub host: Option<String>,
    pub tlscacert: Option<PathBuf>,
    pub tlscert: Option<PathBuf>,
    pub tlskey: Option<PathBuf>,
    /// `--tlsverify`: use TLS with the certificates of `DOCKER_CERT_PATH` (or `~/.docker`).
    pub tlsverify: bool,
    /// An endpoint named by the profile: host and certs directory.
    pub profile_host: Option<String>,
    pub profile_cert_path: Option<PathBuf>,
    /// `--context`: a docker CLI context by name.
    pub context: Option<String>,
    pub timeout: Duration,
}

impl EndpointRequest {
    /// Resolves the endpoint: `--host` or `--context` first, then the profile's endpoint, then
    /// `DOCKER_HOST`, then the docker CLI's current context (`DOCKER_CONTEXT`, else
    /// `currentContext` in its config), then the local socket — the docker CLI's order, with
    /// the profile between the flags and the environment. TLS from `--tls*` flags, else the
    /// profile's certs directory, else the context's TLS material, else `DOCKER_TLS_VERIFY` +
    /// `DOCKER_CERT_PATH`.
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Endpoint, String> {
        let nonempty = |k: &str| env(k).filter(|v| !v.is_empty());
        let context = |flag: Option<&str>| -> Result<Option<context::Context>, String> {
            let Some((name, origin)) = context::selected(flag, env)? else {
                return Ok(None);
            };
            let dir = context::config_dir(env)
                .ok_or("a docker context is named but neither DOCKER_CONFIG nor HOME is set")?;
            context::read(&dir, &name, &origin).map(Some)
        };
        let mut from_context = None;
        let (host, origin) = if let Some(h) = &self.host {
            (h.clone(), "--host".to_string())
        } else if let Some(c) = self
            .context
            .as_deref()
            .map(|f| context(Some(f)))
            .transpose()?
        {
            from_context = c;
            match &from_context {
                Some(c) => (
                    c.host.clone(),
                    format!("docker context `{}` (from {})", c.name, c.origin),
                ),
                None => (
                    DEFAULT_HOST.to_string(),
                    "docker context `default`".to_string(),
                ),
            }
        } else if let Some(h) = &self.profile_host {
            (h.clone(), "the profile's dind.endpoint".to_string())
        } else if let Some(h) = nonempty("DOCKER_HOST") {
            (h, "DOCKER_HOST".to_string())
        } else if let Some(c) = context(None)? {
            let shown = (
                c.host.clone(),
                format!("docker context `{}` (from {})", c.name, c.origin),
            );
            from_context = Some(c);
            shown
        } else {
            (DEFAULT_HOST.to_string(), "the default socket".to_string())
        };
        let flags = [&self.tlscacert, &self.tlscert, &self.tlskey];
        let tls = if flags.iter().any(|f| f.is_some()) {
            let cert_dir = nonempty("DOCKER_CERT_PATH").map(PathBuf::from);
            let pick = |flag: &Option<PathBuf>, file: &str| -> Result<PathBuf, String> {
                flag.clone()
                    .or_else(|| cert_dir.as_ref().map(|d| d.join(file)))
                    .ok_or_else(|| {
                        format!(
                            "--tlscacert, --tlscert and --tlskey go together ({file} is missing)"
                        )
                    })
            };
            Some(Tls {
                ca: pick(&self.tlscacert, "ca.pem")?,
                cert: pick(&self.tlscert, "cert.pem")?,
                key: pick(&self.tlskey, "key.pem")?,
            })
        } else if self.host.is_none()
            && let Some(dir) = self
                .profile_cert_path
                .as_ref()
                .filter(|_| self.profile_host.is_some())
        {
            Some(Tls::from_dir(dir))
        } else if let Some(dir) = from_context.as_ref().and_then(|c| c.tls_dir.as_ref()) {
            Some(Tls::from_dir(dir))
        } else if self.tlsverify
            || nonempty("DOCKER_TLS_VERIFY").is_some_and(|v| v != "0" && v != "false")
        {
            let dir = nonempty("DOCKER_CERT_PATH")
                .map(PathBuf::from)
                .or_else(|| nonempty("HOME").map(|h| Path::new(&h).join(".docker")))
                .ok_or("TLS verification is on but neither DOCKER_CERT_PATH nor HOME is set")?;
            Some(Tls::from_dir(&dir))
        } else {
            None
        };
        if tls.is_some() && host.starts_with("unix://") {
            return Err(format!(
                "TLS certificates were given for `{host}`, a unix socket; TLS needs a tcp:// address"
            ));
        }
        Ok(Endpoint {
            host,
            tls,
            timeout: self.timeout,
            origin,
        })
    }
}

/// Why a connection failed, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Invalid(String),
    #[error("cannot reach the Docker daemon at {host} (from {origin}): {detail}")]
    Unreachable {
        host: String,
        origin: String,
        detail: String,
    },
    #[error("{0}")]
    PermissionDenied(String),
    #[error("TLS handshake with {host} failed: {detail}")]
    Tls { host: String, detail: String },
    #[error(
        "the Docker daemon at {host} speaks Engine API {server}; dindctl needs {}.{} or newer (Docker 20.10+)",
        MIN_API.0, MIN_API.1
    )]
    TooOld { host: String, server: String },
}

/// A connected client and the endpoint it reached.
#[derive(Clone)]
pub struct Engine {
    docker: Docker,
    pub endpoint: Endpoint,
}

impl Engine {
    /// Connects, checks the daemon answers, and agrees on an API version.
    pub async fn connect(endpoint: &Endpoint) -> Result<Engine, ConnectError> {
        let secs = endpoint.timeout.as_secs().max(1);
        let version: &ClientVersion = API_DEFAULT_VERSION;
        let host = endpoint.host.as_str();
        let docker = if let Some(path) = host.strip_prefix("unix://") {
            std::fs::metadata(path).map_err(|e| ConnectError::Unreachable {
                host: host.to_string(),
                origin: endpoint.origin.clone(),
                detail: format!("{path}: {e}"),
            })?;
            Docker::connect_with_unix(host, secs, version)
        } else if host.starts_with("tcp://") || host.starts_with("https://") {
            match &endpoint.tls {
                Some(tls) => {
                    for (what, p) in [
                        ("CA", &tls.ca),
                        ("certificate", &tls.cert),
                        ("key", &tls.key),
                    ] {
                        if !p.is_file() {
                            return Err(ConnectError::Invalid(format!(
                                "TLS client {what} `{}` does not exist (for {host}, from {})",
                                p.display(),
                                endpoint.origin
                            )));
                        }
                    }
                    Docker::connect_with_ssl(host, &tls.key, &tls.cert, &tls.ca, secs, version)
                }
                None => Docker::connect_with_http(host, secs, version),
            }
        } else if host.starts_with("http://") {
            Docker::connect_with_http(host, secs, version)
        } else {
            return Err(ConnectError::Invalid(format!(
                "unsupported Docker host `{host}` (from {}): use unix:///path or tcp://host:port",
                endpoint.origin
            )));
        }
        .map_err(|e| ConnectError::Invalid(format!("{host}: {e}")))?;
        // One `/version` request: the agreed version is the daemon's when it is the older.
        let docker = docker
            .with_timeout(endpoint.timeout)
            .negotiate_version()
            .await
            .map_err(|e| diagnose::connect_error(endpoint, &e))?;
        let agreed = docker.client_version();
        if (agreed.major_version, agreed.minor_version) < MIN_API {
            return Err(ConnectError::TooOld {
                host: host.to_string(),
                server: format!("{}.{}", agreed.major_version, agreed.minor_version),
            });
        }
        Ok(Engine {
            docker,
            endpoint: endpoint.clone(),
        })
    }
}

impl Engine {
    /// Makes the request timeout longer than `grace`, the longest a stop request may take.
    pub fn outlast(mut self, grace: std::time::Duration) -> Self {
        let needed = grace + Duration::from_secs(30);
        if self.docker.timeout() < needed {
            self.docker = self.docker.clone().with_timeout(needed);
        }
        self
    }
}

/// Runs `f` on a single-threaded runtime: the work is waiting on a daemon, not computing.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(f),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn host_precedence() {
        let mut req = EndpointRequest::default();
        let env = env_of(&[("DOCKER_HOST", "tcp://10.0.0.1:2375")]);
        assert_eq!(req.resolve(&env).unwrap().host, "tcp://10.0.0.1:2375");
        req.profile_host = Some("tcp://dind:2376".into());
        req.profile_cert_path = Some("certs/client".into());
        let e = req.resolve(&env).unwrap();
        assert_eq!(e.host, "tcp://dind:2376");
        assert_eq!(e.tls.unwrap().ca, PathBuf::from("certs/client/ca.pem"));
        req.host = Some("unix:///run/x.sock".into());
        let e = req.resolve(&env).unwrap();
        assert_eq!((e.host.as_str(), e.tls), ("unix:///run/x.sock", None));
        let none = env_of(&[]);
        assert_eq!(
            EndpointRequest::default().resolve(&none).unwrap().host,
            DEFAULT_HOST
        );
    }

    #[test]
    fn tls_from_environment() {
        let env = env_of(&[
            ("DOCKER_HOST", "tcp://h:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/c"),
        ]);
        let e = EndpointRequest::default().resolve(&env).unwrap();
        assert_eq!(e.tls.unwrap().key, PathBuf::from("/c/key.pem"));
        let env = env_of(&[
            ("DOCKER_HOST", "unix:///s"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("HOME", "/h"),
        ]);
        assert!(EndpointRequest::default().resolve(&env).is_err());
    }
}
