//! Registry credentials as the docker CLI finds them, for the pulls the daemon makes.
//!
//! The docker CLI's order (docker/cli `cli/config/configfile`): `$DOCKER_CONFIG/config.json`
//! (default `~/.docker/config.json`); a registry named in `credHelpers` asks that helper; else a
//! `credsStore` asks the store's helper; else the `auths` entry (`auth` = base64 of
//! `user:password`, or `username`/`password`, or `identitytoken`). A helper is the program
//! `docker-credential-<name>` on the `PATH`, run as `get` with the server address on stdin; it
//! answers `{"ServerURL", "Username", "Secret"}`, where the user name `<token>` marks an
//! identity token. Docker Hub is keyed `https://index.docker.io/v1/`.
//!
//! Credentials travel only in the `X-Registry-Auth` header of the pull: they are never
//! printed, logged, stored in state or put in a label, and [`Credentials`]'s `Debug` shows
//! none of them.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;

/// Docker Hub's key in `config.json` and for credential helpers.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// Credentials for one registry (never shown).
#[derive(Clone, Default)]
pub struct Credentials {
    pub username: Option<String>,
    pub password: Option<String>,
    pub identity_token: Option<String>,
    /// The registry they are for, as the daemon expects it (`https://index.docker.io/v1/`,
    /// `registry.example:5000`).
    pub server: String,
    /// Where they were found, for messages (`credHelpers` `pass`, `auths` in FILE).
    pub origin: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("server", &self.server)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    pub fn to_bollard(&self) -> bollard::auth::DockerCredentials {
        bollard::auth::DockerCredentials {
            username: self.username.clone(),
            password: self.password.clone(),
            identitytoken: self.identity_token.clone(),
            serveraddress: Some(self.server.clone()),
            ..Default::default()
        }
    }
}

/// The registry host of an image reference, as the daemon resolves it: the first path
/// component when it holds a `.` or a `:` or is `localhost`, else Docker Hub (`docker.io`).
pub fn registry_of(reference: &str) -> String {
    let name = reference.split('@').next().unwrap_or(reference);
    match name.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            if first == "index.docker.io" || first == "registry-1.docker.io" {
                "docker.io".into()
            } else {
                first.to_string()
            }
        }
        _ => "docker.io".into(),
    }
}

/// The key of a registry in `config.json` and for helpers.
pub fn config_key(registry: &str) -> String {
    if registry == "docker.io" {
        DOCKER_HUB_KEY.into()
    } else {
        registry.to_string()
    }
}

/// A `config.json` key reduced to its host, as the docker CLI matches them
/// (`https://host/v1/` and `host` are the same registry).
fn hostname_of(key: &str) -> &str {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    k.split('/').next().unwrap_or(k)
}

/// The docker CLI's config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn config_file(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let dir = env("DOCKER_CONFIG")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".docker")))?;
    Some(dir.join("config.json"))
}

#[derive(serde::Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: HashMap<String, String>,
}

#[derive(serde::Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

#[derive(serde::Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Finds the credentials for `registry` (a host, `docker.io` for Docker Hub). `Ok(None)`:
/// none are configured (the pull goes anonymous). The error names the file or the helper and
/// what went wrong, never a secret.
pub fn lookup(
    registry: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, String> {
    let Some(file) = config_file(env) else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read `{}`: {e}", file.display())),
    };
    let config: ConfigFile = serde_json::from_str(&text).map_err(|e| {
        format!(
            "`{}` is not a docker CLI config file: line {}, column {}: {}",
            file.display(),
            e.line(),
            e.column(),
            redacted_json_error(&e)
        )
    })?;
    let key = config_key(registry);
    let helper = config
        .cred_helpers
        .iter()
        .find(|(k, _)| hostname_of(k) == hostname_of(&key))
        .map(|(_, h)| (h.clone(), "credHelpers"))
        .or_else(|| {
            config
                .creds_store
                .clone()
                .filter(|s| !s.is_empty())
                .map(|s| (s, "credsStore"))
        });
    if let Some((helper, kind)) = helper {
        return from_helper(&helper, &key, env).map(|c| {
            c.map(|mut c| {
                c.origin = format!("{kind} `{helper}` in {}", file.display());
                c
            })
        });
    }
    let Some(entry) = config
        .auths
        .iter()
        .find(|(k, _)| hostname_of(k) == hostname_of(&key))
        .map(|(_, e)| e)
    else {
        return Ok(None);
    };
    let mut creds = Credentials {
        server: key.clone(),
        origin: format!("`auths` in {}", file.display()),
        ..Default::default()
    };
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                format!(
                    "the `auth` of `{key}` in `{}` is not base64 of `user:password`",
                    file.display()
                )
            })?;
        let (user, pass) = decoded.split_once(':').ok_or_else(|| {
            format!(
                "the `auth` of `{key}` in `{}` holds no `:` between user and password",
                file.display()
            )
        })?;
        creds.username = Some(user.to_string());
        creds.password = Some(pass.to_string());
    } else {
        creds.username = entry.username.clone();
        creds.password = entry.password.clone();
    }
    creds.identity_token = entry.identitytoken.clone().filter(|t| !t.is_empty());
    if creds.username.is_none() && creds.identity_token.is_none() {
        return Ok(None);
    }
    Ok(Some(creds))
}

/// serde_json's message, which may quote part of the file: keep only its category.
fn redacted_json_error(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "a field has the wrong type",
        serde_json::error::Category::Eof => "the file ends early",
        serde_json::error::Category::Io => "cannot be read",
    }
}

/// Asks `docker-credential-<helper> get` for `server`'s credentials.
fn from_helper(
    helper: &str,
    server: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, String> {
    let program = format!("docker-credential-{helper}");
    let mut cmd = Command::new(&program);
    cmd.arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(path) = env("PATH") {
        cmd.env("PATH", path);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run the credential helper `{program}`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading gives a broken pipe; its answer decides.
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("the credential helper `{program}` failed: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        // The docker CLI treats this answer as "no credentials" (credentials.errCredentialsNotFound).
        if stdout.contains("credentials not found") {
            return Ok(None);
        }
        return Err(format!(
            "the credential helper `{program}` failed for `{server}` ({})",
            out.status
        ));
    }
    let answer: HelperAnswer = serde_json::from_str(stdout.trim()).map_err(|_| {
        format!("the credential helper `{program}` answered something that is not its JSON")
    })?;
    if answer.secret.is_empty() {
        return Ok(None);
    }
    let mut creds = Credentials {
        server: server.to_string(),
        ..Default::default()
    };
    if answer.username == "<token>" {
        creds.identity_token = Some(answer.secret);
    } else {
        creds.username = Some(answer.username);
        creds.password = Some(answer.secret);
    }
    Ok(Some(creds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_of_references() {
        assert_eq!(registry_of("busybox"), "docker.io");
        assert_eq!(registry_of("library/busybox:1"), "docker.io");
        assert_eq!(registry_of("ghcr.io/acme/x:1"), "ghcr.io");
        assert_eq!(registry_of("127.0.0.1:5000/x"), "127.0.0.1:5000");
        assert_eq!(registry_of("localhost/x@sha256:ab"), "localhost");
        assert_eq!(registry_of("index.docker.io/library/x"), "docker.io");
        assert_eq!(config_key("docker.io"), DOCKER_HUB_KEY);
        assert_eq!(
            hostname_of("https://index.docker.io/v1/"),
            "index.docker.io"
        );
        assert_eq!(hostname_of("http://127.0.0.1:5000"), "127.0.0.1:5000");
    }

    fn with_config(json: &str) -> (tempfile::TempDir, impl Fn(&str) -> Option<String>) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.json"), json).expect("write");
        let path = dir.path().display().to_string();
        (dir, move |k: &str| {
            (k == "DOCKER_CONFIG").then(|| path.clone())
        })
    }

    #[test]
    fn inline_auths_in_every_spelling() {
        // `dXNlcjpwYXNz` = base64("user:pass").
        let (_d, env) = with_config(
            r#"{"auths": {"https://127.0.0.1:5000/v1/": {"auth": "dXNlcjpwYXNz"},
                          "reg.example": {"username": "u2", "password": "p2"},
                          "https://index.docker.io/v1/": {"identitytoken": "tok"}}}"#,
        );
        let c = lookup("127.0.0.1:5000", &env).expect("ok").expect("found");
        assert_eq!(
            (c.username.as_deref(), c.password.as_deref()),
            (Some("user"), Some("pass"))
        );
        let c = lookup("reg.example", &env).expect("ok").expect("found");
        assert_eq!(c.username.as_deref(), Some("u2"));
        let c = lookup("docker.io", &env).expect("ok").expect("found");
        assert_eq!(c.identity_token.as_deref(), Some("tok"));
        assert_eq!(c.server, DOCKER_HUB_KEY);
        assert!(lookup("other.example", &env).expect("ok").is_none());
        // Debug shows no secret.
        assert!(!format!("{c:?}").contains("tok"));
    }

    #[test]
    fn a_broken_config_names_the_file_but_quotes_nothing() {
        let (_d, env) = with_config(r#"{"auths": {"x": {"auth": "s3cr3t-value" "#);
        let e = lookup("x", &env).expect_err("broken");
        assert!(e.contains("config.json") && !e.contains("s3cr3t"), "{e}");
        let (_d, env) = with_config(r#"{"auths": {"x": {"auth": "!!!s3cr3t"}}}"#);
        let e = lookup("x", &env).expect_err("not base64");
        assert!(!e.contains("s3cr3t"), "{e}");
    }
}
