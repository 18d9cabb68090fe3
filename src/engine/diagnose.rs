//! Turning a failed request into a message that says what to do.

use std::error::Error as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};

use super::{ConnectError, Endpoint};

/// The error and its sources, as one line.
pub fn describe(err: &bollard::errors::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// The innermost cause of an error, which is what a user can act on (`Connection refused`),
/// without the HTTP client's own layers (`error in the hyper legacy client: client error`).
fn root_cause(err: &bollard::errors::Error) -> String {
    let mut last = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() {
            last = text;
        }
        source = s.source();
    }
    last
}

pub(super) fn connect_error(endpoint: &Endpoint, err: &bollard::errors::Error) -> ConnectError {
    let detail = describe(err);
    let lower = detail.to_ascii_lowercase();
    let cause = root_cause(err);
    let unreachable = |detail: String| ConnectError::Unreachable {
        host: endpoint.host.clone(),
        origin: endpoint.origin.clone(),
        detail,
    };
    let where_from = format!(
        "the address came from {}; give another with --host or --context, or start the daemon there",
        endpoint.origin
    );
    if let Some(path) = endpoint.host.strip_prefix("unix://")
        && (lower.contains("permission denied") || lower.contains("os error 13"))
    {
        return ConnectError::PermissionDenied(permission_denied(path));
    }
    // Nothing answered at all: certificates cannot be the problem, so none are advised.
    if lower.contains("connection refused") || lower.contains("os error 111") {
        return unreachable(format!(
            "connection refused: nothing listens there\n  = help: {where_from}"
        ));
    }
    if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
    {
        return unreachable(format!(
            "the host name does not resolve ({cause})\n  = help: {where_from}"
        ));
    }
    if lower.contains("no route to host") || lower.contains("network is unreachable") {
        return unreachable(format!("{cause}\n  = help: {where_from}"));
    }
    if lower.contains("timed out") || lower.contains("timeout") || lower.contains("deadline") {
        return unreachable(format!(
            "no answer within {}s (--timeout)\n  = help: a firewall may drop the packets, or the daemon is overloaded; {where_from}",
            endpoint.timeout.as_secs().max(1)
        ));
    }
    if endpoint.tls.is_some()
        && [
            "tls",
            "certificate",
            "handshake",
            "unknownissuer",
            "badcert",
            "alert",
        ]
        .iter()
        .any(|w| lower.contains(w))
    {
        return ConnectError::Tls {
            host: endpoint.host.clone(),
            detail: cause,
        };
    }
    // Something answered, but not plain HTTP: a TLS port reached without certificates.
    if endpoint.tls.is_none()
        && (lower.contains("client sent an http request to an https server")
            || (endpoint.host.ends_with(":2376")
                && (lower.contains("connection reset")
                    || lower.contains("connection closed")
                    || lower.contains("invalid http")
                    || lower.contains("parse"))))
    {
        return unreachable(format!(
            "{cause}\n  = help: the daemon there speaks TLS (2376 is docker:dind's TLS port): pass --tlscacert/--tlscert/--tlskey, or DOCKER_TLS_VERIFY=1 with DOCKER_CERT_PATH pointing at the certs/client directory"
        ));
    }
    unreachable(cause)
}

/// The classic DinD failure: who owns the socket, which groups we have, what fixes it.
fn permission_denied(path: &str) -> String {
    let me = Identity::current();
    let mut msg = format!("permission denied on the Docker socket {path}");
    let Ok(meta) = std::fs::metadata(path) else {
        return msg;
    };
    let (uid, gid, mode) = (meta.uid(), meta.gid(), meta.permissions().mode() & 0o777);
    msg.push_str(&format!(
        ": it is owned by uid {uid}{} and group {gid}{}, mode {mode:o}",
        name_of("/etc/passwd", uid),
        name_of("/etc/group", gid)
    ));
    if let Some(me) = me {
        let groups: Vec<String> = me
            .groups
            .iter()
            .map(|g| format!("{g}{}", name_of("/etc/group", *g)))
            .collect();
        msg.push_str(&format!(
            "; this process runs as uid {}{} with groups {}",
            me.uid,
            name_of("/etc/passwd", me.uid),
            if groups.is_empty() {
                "(none)".to_string()
            } else {
                groups.join(", ")
            }
        ));
        if mode & 0o060 == 0o060 && !me.groups.contains(&gid) {
            msg.push_str(&format!(
                "\n  = help: add group {gid} to the client (in compose: `group_add: [\"{gid}\"]`; \
                 on a host: `usermod -aG {} $USER`, then log in again)",
                group_name(gid).unwrap_or_else(|| gid.to_string())
            ));
        } else if mode & 0o020 == 0 {
            msg.push_str(
                "\n  = help: the socket is not group-writable; if it sits on a volume mounted `:ro`, mount it read-write",
            );
        }
    }
    msg
}

struct Identity {
    uid: u32,
    groups: Vec<u32>,
}

impl Identity {
    fn current() -> Option<Self> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|rest| {
                    rest.split_whitespace()
                        .filter_map(|n| n.parse::<u32>().ok())
                        .collect::<Vec<_>>()
                })
        };
        let uid = *field("Uid:")?.first()?;
        let mut groups = field("Groups:").unwrap_or_default();
        if let Some(g) = field("Gid:").and_then(|g| g.first().copied())
            && !groups.contains(&g)
        {
            groups.insert(0, g);
        }
        Some(Self { uid, groups })
    }
}

fn lookup(file: &str, id: u32) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|l| {
        let mut parts = l.split(':');
        let name = parts.next()?;
        parts.next()?;
        (parts.next()?.parse::<u32>().ok()? == id).then(|| name.to_string())
    })
}

fn group_name(gid: u32) -> Option<String> {
    lookup("/etc/group", gid)
}

fn name_of(file: &str, id: u32) -> String {
    lookup(file, id)
        .map(|n| format!(" ({n})"))
        .unwrap_or_default()
}
