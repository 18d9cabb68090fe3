//! Docker CLI contexts, read as the docker CLI reads them (docker/cli `cli/context/store`):
//! the current context is `--context`, else `DOCKER_CONTEXT`, else `currentContext` in
//! `$DOCKER_CONFIG/config.json` (default `~/.docker`). A context `NAME` keeps its metadata in
//! `contexts/meta/<sha256(NAME)>/meta.json` (`Endpoints.docker.Host`, `SkipTLSVerify`) and its
//! TLS material in `contexts/tls/<sha256(NAME)>/docker/{ca,cert,key}.pem`. The context named
//! `default` is the daemon of `DOCKER_HOST` or the local socket: it has no files.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::plan::desired::hex;

/// What a context says about the Docker endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    pub name: String,
    pub host: String,
    /// The directory holding `ca.pem`, `cert.pem` and `key.pem`, when the context has them.
    pub tls_dir: Option<PathBuf>,
    /// Where the name came from: `--context`, `DOCKER_CONTEXT` or the config file.
    pub origin: String,
}

/// The docker CLI's configuration directory.
pub fn config_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    env("DOCKER_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| Path::new(&h).join(".docker"))
        })
}

/// The context to use and where its name came from, unless it is `default` (or none is set).
pub fn selected(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(String, String)>, String> {
    let (name, origin) = if let Some(f) = flag {
        (f.to_string(), "--context".to_string())
    } else if let Some(v) = env("DOCKER_CONTEXT").filter(|v| !v.is_empty()) {
        (v, "DOCKER_CONTEXT".to_string())
    } else {
        let Some(dir) = config_dir(env) else {
            return Ok(None);
        };
        let file = dir.join("config.json");
        let text = match crate::load::read::text(&file) {
            Ok(t) => t,
            Err(_) if !file.exists() => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", file.display())),
        };
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not valid JSON: {e}", file.display()))?;
        match json.get("currentContext").and_then(|v| v.as_str()) {
            Some(c) if !c.is_empty() => (
                c.to_string(),
                format!("`currentContext` in {}", file.display()),
            ),
            _ => return Ok(None),
        }
    };
    if name == "default" {
        return Ok(None);
    }
    Ok(Some((name, origin)))
}

/// Reads context `name` from the store under `dir`.
pub fn read(dir: &Path, name: &str, origin: &str) -> Result<Context, String> {
    let id = hex(&Sha256::digest(name.as_bytes()));
    let meta = dir.join("contexts/meta").join(&id).join("meta.json");
    let text = crate::load::read::text(&meta).map_err(|e| {
        format!(
            "docker context `{name}` (from {origin}) is not in {}: {e}; `docker context ls` lists the contexts",
            dir.join("contexts").display()
        )
    })?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not valid JSON: {e}", meta.display()))?;
    let docker = &json["Endpoints"]["docker"];
    let host = docker["Host"]
        .as_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            format!(
                "docker context `{name}` has no Docker endpoint (`Endpoints.docker.Host` in {})",
                meta.display()
            )
        })?
        .to_string();
    let tls = dir.join("contexts/tls").join(&id).join("docker");
    let skip_verify = docker["SkipTLSVerify"].as_bool().unwrap_or(false);
    if skip_verify {
        return Err(format!(
            "docker context `{name}` sets SkipTLSVerify; dindctl verifies the daemon's certificate, so give it the CA (`docker context update {name} --docker \"host={host},ca=…\"`)"
        ));
    }
    Ok(Context {
        name: name.to_string(),
        host,
        tls_dir: tls.join("ca.pem").is_file().then_some(tls),
        origin: origin.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_is_keyed_by_the_sha256_of_the_name() {
        // `docker context create` stores context `test` under this directory name.
        assert_eq!(
            hex(&Sha256::digest(b"test")),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
    }

    #[test]
    fn flag_then_environment_then_config_and_default_is_none() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = dir.path().display().to_string();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext":"cfg"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let env = |k: &str| match k {
            "DOCKER_CONFIG" => Some(d.clone()),
            _ => None,
        };
        assert_eq!(
            selected(Some("f"), &env).ok().flatten().map(|s| s.0),
            Some("f".into())
        );
        assert_eq!(
            selected(None, &env).ok().flatten().map(|s| s.0),
            Some("cfg".into())
        );
        let with_env = |k: &str| match k {
            "DOCKER_CONTEXT" => Some("e".to_string()),
            other => env(other),
        };
        assert_eq!(
            selected(None, &with_env).ok().flatten().map(|s| s.0),
            Some("e".into())
        );
        assert_eq!(selected(Some("default"), &env), Ok(None));
        let id = hex(&Sha256::digest(b"cfg"));
        let meta = dir.path().join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"cfg","Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2376","SkipTLSVerify":false}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let c = read(dir.path(), "cfg", "x").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.host, "tcp://10.0.0.5:2376");
        assert_eq!(c.tls_dir, None);
        let tls = dir.path().join("contexts/tls").join(&id).join("docker");
        std::fs::create_dir_all(&tls).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(tls.join("ca.pem"), "x").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read(dir.path(), "cfg", "x").ok().and_then(|c| c.tls_dir),
            Some(tls)
        );
        let missing = read(dir.path(), "nope", "--context").unwrap_err();
        assert!(
            missing.contains("docker context `nope` (from --context)"),
            "{missing}"
        );
    }
}
