//! Which outer services are Docker daemons (DinD services) and which talk to one (clients).
//!
//! A *DinD service* is recognised by evidence (`model::dind::Evidence`: image, build base,
//! `dockerd` command, label, or being another service's `DOCKER_HOST`). A *client* sets
//! `DOCKER_HOST`, or mounts a Docker socket, or mounts the volume in which a DinD service
//! keeps its socket.

use super::compose::{MountKind, Project, Service};

/// Splits an image reference into repository and tag (`None` when untagged); a digest
/// (`@sha256:…`) is returned separately.
pub fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rfind(':') {
        Some(i) => (
            &rest[..last_slash + i],
            Some(&rest[last_slash + i + 1..]),
            digest,
        ),
        None => (rest, None, digest),
    }
}

/// Whether the service runs a Docker daemon (see [`super::dind::Evidence`]; marked by the
/// loader).
pub fn is_dind(service: &Service) -> bool {
    service.dind.is_some()
}

/// Socket paths and socket directories that hold a Docker daemon's socket.
const SOCKET_PATHS: &[&str] = &["/var/run/docker.sock", "/run/docker.sock"];

pub fn is_socket_path(path: &str) -> bool {
    SOCKET_PATHS.contains(&path) || path.ends_with("/docker.sock")
}

/// Named volumes that a DinD service mounts where its daemon creates the socket.
pub fn socket_volumes(project: &Project) -> Vec<String> {
    super::dind::daemons(project)
        .into_iter()
        .flat_map(|d| d.socket_volumes)
        .collect()
}

/// The stack's roles, computed once: which volumes hold a DinD socket.
pub struct Roles {
    socket_volumes: Vec<String>,
}

impl Roles {
    pub fn of(project: &Project) -> Self {
        Self {
            socket_volumes: socket_volumes(project),
        }
    }

    pub fn socket_volumes(&self) -> &[String] {
        &self.socket_volumes
    }

    pub fn is_client(&self, service: &Service) -> bool {
        is_client_with(service, &self.socket_volumes)
    }
}

fn is_client_with(service: &Service, socket_volumes: &[String]) -> bool {
    if is_dind(service) {
        return false;
    }
    if service.env("DOCKER_HOST").is_some() {
        return true;
    }
    service.mounts.iter().any(|m| match m.kind {
        MountKind::Bind => m.source.as_deref().is_some_and(is_socket_path),
        MountKind::Volume => m
            .source
            .as_ref()
            .is_some_and(|s| socket_volumes.contains(s)),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        assert_eq!(
            split_image("ghcr.io:443/a/b:1.2@sha256:x"),
            ("ghcr.io:443/a/b", Some("1.2"), Some("sha256:x"))
        );
        assert_eq!(
            split_image("localhost:5000/app"),
            ("localhost:5000/app", None, None)
        );
    }
}
