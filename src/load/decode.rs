//! Compose's last loading stage on the merged tree: every value is decoded into its Go type
//! (compose-go's `types` through mapstructure and its hooks), and what cannot be decoded
//! refuses the project. This module walks the tree with compose's types as a table and
//! reports, at the token, every value compose would fail to decode: integers that do not
//! parse or do not fit (`uint` fields refuse negatives), booleans, floats, byte sizes
//! (`UnitBytes`), durations (`str2duration`), cpus, commands (shell words), `extra_hosts`,
//! environment lists, device requests, file modes, short port/volume/device syntax.
//!
//! The typed model ([`crate::model`]) is then built from the same tree with the same
//! parsers, so what is checked is what rules and `apply` read.

use crate::diag::Diagnostic;
use crate::model::units;
use crate::yaml::{Node, Resolved, Value};

use super::interpolate::{to_bool, to_float, to_int};
use super::tree::{self, Path, Step, Trie};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bool,
    /// Go `int`/`int64`: strings cast with `Atoi`, floats truncated.
    Int,
    /// `scale` and `deploy.replicas`: an integer, not negative (`checkConsistency`).
    Count,
    /// Go `uintN`: no strings, no negatives, at most `2^bits - 1`.
    Uint,
    Float,
    Bytes,
    Duration,
    NanoCpus,
    Command,
    ExtraHosts,
    EnvList,
    DeviceCount,
    FileMode,
    Ulimit,
    Port,
    Volume,
    Device,
}

const S: &str = "services";

/// Paths of compose-go's typed fields (types/types.go, v2.9).
static TABLE: &[(&[&str], Kind)] = &[
    (&[S, "*", "attach"], Kind::Bool),
    (&[S, "*", "init"], Kind::Bool),
    (&[S, "*", "oom_kill_disable"], Kind::Bool),
    (&[S, "*", "privileged"], Kind::Bool),
    (&[S, "*", "read_only"], Kind::Bool),
    (&[S, "*", "stdin_open"], Kind::Bool),
    (&[S, "*", "tty"], Kind::Bool),
    (&[S, "*", "use_api_socket"], Kind::Bool),
    (&[S, "*", "cpu_count"], Kind::Int),
    (&[S, "*", "cpu_period"], Kind::Int),
    (&[S, "*", "cpu_quota"], Kind::Int),
    (&[S, "*", "cpu_rt_period"], Kind::Int),
    (&[S, "*", "cpu_rt_runtime"], Kind::Int),
    (&[S, "*", "cpu_shares"], Kind::Int),
    (&[S, "*", "oom_score_adj"], Kind::Int),
    (&[S, "*", "pids_limit"], Kind::Int),
    (&[S, "*", "scale"], Kind::Count),
    (&[S, "*", "cpus"], Kind::Float),
    (&[S, "*", "cpu_percent"], Kind::Float),
    (&[S, "*", "mem_limit"], Kind::Bytes),
    (&[S, "*", "mem_reservation"], Kind::Bytes),
    (&[S, "*", "memswap_limit"], Kind::Bytes),
    (&[S, "*", "mem_swappiness"], Kind::Bytes),
    (&[S, "*", "shm_size"], Kind::Bytes),
    (&[S, "*", "stop_grace_period"], Kind::Duration),
    (&[S, "*", "command"], Kind::Command),
    (&[S, "*", "entrypoint"], Kind::Command),
    (&[S, "*", "extra_hosts"], Kind::ExtraHosts),
    (&[S, "*", "environment"], Kind::EnvList),
    (&[S, "*", "healthcheck", "retries"], Kind::Uint),
    (&[S, "*", "healthcheck", "interval"], Kind::Duration),
    (&[S, "*", "healthcheck", "timeout"], Kind::Duration),
    (&[S, "*", "healthcheck", "start_period"], Kind::Duration),
    (&[S, "*", "healthcheck", "start_interval"], Kind::Duration),
    (&[S, "*", "healthcheck", "disable"], Kind::Bool),
    (&[S, "*", "deploy", "replicas"], Kind::Count),
    (
        &[S, "*", "deploy", "update_config", "parallelism"],
        Kind::Uint,
    ),
    (
        &[S, "*", "deploy", "update_config", "delay"],
        Kind::Duration,
    ),
    (
        &[S, "*", "deploy", "update_config", "monitor"],
        Kind::Duration,
    ),
    (
        &[S, "*", "deploy", "update_config", "max_failure_ratio"],
        Kind::Float,
    ),
    (
        &[S, "*", "deploy", "rollback_config", "parallelism"],
        Kind::Uint,
    ),
    (
        &[S, "*", "deploy", "rollback_config", "delay"],
        Kind::Duration,
    ),
    (
        &[S, "*", "deploy", "rollback_config", "monitor"],
        Kind::Duration,
    ),
    (
        &[S, "*", "deploy", "rollback_config", "max_failure_ratio"],
        Kind::Float,
    ),
    (
        &[S, "*", "deploy", "restart_policy", "delay"],
        Kind::Duration,
    ),
    (
        &[S, "*", "deploy", "restart_policy", "window"],
        Kind::Duration,
    ),
    (
        &[S, "*", "deploy", "restart_policy", "max_attempts"],
        Kind::Uint,
    ),
    (
        &[S, "*", "deploy", "placement", "max_replicas_per_node"],
        Kind::Uint,
    ),
    (
        &[S, "*", "deploy", "resources", "limits", "cpus"],
        Kind::NanoCpus,
    ),
    (
        &[S, "*", "deploy", "resources", "limits", "memory"],
        Kind::Bytes,
    ),
    (
        &[S, "*", "deploy", "resources", "limits", "pids"],
        Kind::Int,
    ),
    (
        &[S, "*", "deploy", "resources", "reservations", "cpus"],
        Kind::NanoCpus,
    ),
    (
        &[S, "*", "deploy", "resources", "reservations", "memory"],
        Kind::Bytes,
    ),
    (
        &[S, "*", "deploy", "resources", "reservations", "pids"],
        Kind::Int,
    ),
    (
        &[
            S,
            "*",
            "deploy",
            "resources",
            "reservations",
            "devices",
            "[]",
            "count",
        ],
        Kind::DeviceCount,
    ),
    (&[S, "*", "gpus", "[]", "count"], Kind::DeviceCount),
    (&[S, "*", "blkio_config", "weight"], Kind::Uint),
    (
        &[S, "*", "blkio_config", "weight_device", "[]", "weight"],
        Kind::Uint,
    ),
    (
        &[S, "*", "blkio_config", "device_read_bps", "[]", "rate"],
        Kind::Bytes,
    ),
    (
        &[S, "*", "blkio_config", "device_write_bps", "[]", "rate"],
        Kind::Bytes,
    ),
    (
        &[S, "*", "blkio_config", "device_read_iops", "[]", "rate"],
        Kind::Uint,
    ),
    (
        &[S, "*", "blkio_config", "device_write_iops", "[]", "rate"],
        Kind::Uint,
    ),
    (&[S, "*", "build", "shm_size"], Kind::Bytes),
    (&[S, "*", "build", "privileged"], Kind::Bool),
    (&[S, "*", "build", "no_cache"], Kind::Bool),
    (&[S, "*", "build", "pull"], Kind::Bool),
    (&[S, "*", "build", "ulimits", "*"], Kind::Ulimit),
    (&[S, "*", "depends_on", "*", "required"], Kind::Bool),
    (&[S, "*", "depends_on", "*", "restart"], Kind::Bool),
    (&[S, "*", "networks", "*", "priority"], Kind::Int),
    (&[S, "*", "networks", "*", "gw_priority"], Kind::Int),
    (&[S, "*", "ports", "[]"], Kind::Port),
    (&[S, "*", "ports", "[]", "target"], Kind::Uint),
    (&[S, "*", "volumes", "[]"], Kind::Volume),
    (&[S, "*", "volumes", "[]", "read_only"], Kind::Bool),
    (
        &[S, "*", "volumes", "[]", "bind", "create_host_path"],
        Kind::Bool,
    ),
    (&[S, "*", "volumes", "[]", "volume", "nocopy"], Kind::Bool),
    (&[S, "*", "volumes", "[]", "tmpfs", "size"], Kind::Bytes),
    (&[S, "*", "volumes", "[]", "tmpfs", "mode"], Kind::Uint),
    (&[S, "*", "devices", "[]"], Kind::Device),
    (&[S, "*", "secrets", "[]", "mode"], Kind::FileMode),
    (&[S, "*", "configs", "[]", "mode"], Kind::FileMode),
    (&[S, "*", "ulimits", "*"], Kind::Ulimit),
    (&[S, "*", "ulimits", "*", "soft"], Kind::Int),
    (&[S, "*", "ulimits", "*", "hard"], Kind::Int),
    (&["networks", "*", "internal"], Kind::Bool),
    (&["networks", "*", "attachable"], Kind::Bool),
    (&["networks", "*", "enable_ipv4"], Kind::Bool),
    (&["networks", "*", "enable_ipv6"], Kind::Bool),
];

fn trie() -> &'static Trie<Kind> {
    static TRIE: std::sync::OnceLock<Trie<Kind>> = std::sync::OnceLock::new();
    TRIE.get_or_init(|| Trie::new(TABLE))
}

/// Reports every value of `root` that compose cannot decode.
pub fn check(root: &Node, out: &mut Vec<Diagnostic>) {
    let mut path = Path::new();
    walk(root, Trie::<Kind>::ROOT, &mut path, out);
    x_networks(root, out);
}

/// Visits only where a typed field can be (the trie of [`TABLE`]).
fn walk<'a>(node: &'a Node, at: usize, path: &mut Path<'a>, out: &mut Vec<Diagnostic>) {
    let trie = trie();
    if let Some(kind) = trie.value(at) {
        if let Err((code, message)) = decode(kind, node) {
            let shown = path.display();
            let span = AT.with(|a| a.take()).unwrap_or(node.span);
            out.push(Diagnostic::error(
                code,
                format!("`{shown}`: {message}"),
                Some(span),
            ));
            return;
        }
    }
    if !trie.has_children(at) {
        return;
    }
    match &node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => {
            let Some(next) = trie.item(at) else { return };
            for item in items {
                path.push(Step::Item);
                walk(item, next, path, out);
                path.pop();
            }
        }
        Value::Map(entries) => {
            // Service and network names are the user's; elsewhere `x-` keys are extensions.
            let names = path.len() == 1;
            for e in entries {
                let Some(key) = e.key_text() else { continue };
                if key.starts_with("x-") && !names {
                    continue;
                }
                let Some(next) = trie.key(at, key) else {
                    continue;
                };
                path.push(Step::Key(key));
                walk(&e.value, next, path, out);
                path.pop();
            }
        }
    }
}

/// The `x-` network names of every service (see [`x_network`]).
fn x_networks(root: &Node, out: &mut Vec<Diagnostic>) {
    let Some(services) = root.get(S).and_then(Node::as_map) else {
        return;
    };
    for s in services {
        let Some(networks) = s.value.get("networks") else {
            continue;
        };
        match &networks.value {
            Value::Seq(items) => {
                for item in items {
                    if let Some(name) = tree::string(item).filter(|n| n.starts_with("x-")) {
                        out.push(x_network(name, item.span));
                    }
                }
            }
            Value::Map(entries) => {
                for e in entries {
                    if let Some(key) = e.key_text().filter(|k| k.starts_with("x-")) {
                        out.push(x_network(key, e.key.span));
                    }
                }
            }
            Value::Scalar(_) => {}
        }
    }
}

/// compose moves every `x-…` key of a service's `networks` to its extensions, so the service
/// loses the network and compose then fails ("refers to undefined network #extensions").
fn x_network(name: &str, span: crate::source::Span) -> Diagnostic {
    Diagnostic::error(
        "undefined-network",
        format!("compose reads the network name `{name}` of a service as an extension field, not a network"),
        Some(span),
    )
    .with_help("rename the network: names starting with `x-` are extensions in compose files")
}

/// The scalar's type as go-yaml read it (after compose's casts) and its text.
fn scalar(node: &Node) -> Option<(Resolved, &str, bool)> {
    match &node.value {
        Value::Scalar(s) => Some((s.resolve(), s.text.as_str(), s.unresolved)),
        _ => None,
    }
}

type Failure = (&'static str, String);

thread_local! {
    /// Where a failure inside a collection is (an item of `extra_hosts`, `environment`), when
    /// it is more precise than the field.
    static AT: std::cell::Cell<Option<crate::source::Span>> = const { std::cell::Cell::new(None) };
}

fn at(span: crate::source::Span) {
    AT.with(|a| a.set(Some(span)));
}

fn number(message: String) -> Failure {
    ("invalid-number", message)
}

fn decode(kind: Kind, node: &Node) -> Result<(), Failure> {
    if let Some((_, _, true)) = scalar(node) {
        return Ok(());
    }
    if node.is_null() {
        return Ok(());
    }
    match kind {
        Kind::Bool => match scalar(node) {
            Some((Resolved::Bool(_), _, _)) => Ok(()),
            Some((Resolved::Str(_), t, _)) if to_bool(t).is_some() => Ok(()),
            Some((_, t, _)) => Err(("invalid-boolean", format!("`{t}` is not a boolean"))),
            None => Ok(()),
        },
        Kind::Int => match scalar(node) {
            Some((Resolved::Int(_) | Resolved::Float(_), _, _)) => Ok(()),
            Some((Resolved::Str(_), t, _)) if to_int(t).is_some() => Ok(()),
            Some((_, t, _)) => Err(number(format!("`{t}` is not an integer"))),
            None => Ok(()),
        },
        Kind::Count => match scalar(node) {
            Some((Resolved::Int(i), t, _)) if i < 0 => Err(number(format!(
                "`{t}` is negative; the number of containers must be 0 or more"
            ))),
            Some((Resolved::Float(f), t, _)) if !(0.0..9.2e18).contains(&f) => Err(number(
                format!("`{t}` is not a number of containers (0 or more, a 64-bit integer)"),
            )),
            _ => decode(Kind::Int, node),
        },
        // mapstructure refuses negative values for unsigned fields but, as compose uses it,
        // does not check the width (`blkio_config.weight: 70000` loads).
        Kind::Uint => match scalar(node) {
            Some((Resolved::Int(i), t, _)) if i < 0 => Err(number(format!(
                "`{t}` is negative; compose reads this field as an unsigned integer"
            ))),
            Some((Resolved::Float(f), t, _)) if f < 0.0 => Err(number(format!(
                "`{t}` is negative; compose reads this field as an unsigned integer"
            ))),
            Some((Resolved::Int(_) | Resolved::Float(_), _, _)) => Ok(()),
            Some((_, t, _)) => Err(number(format!(
                "`{t}` is not an unsigned integer (and compose does not convert text here)"
            ))),
            None => Ok(()),
        },
        Kind::Float => match scalar(node) {
            Some((Resolved::Int(_) | Resolved::Float(_), _, _)) => Ok(()),
            Some((Resolved::Str(_), t, _)) if to_float(t).is_some() => Ok(()),
            Some((_, t, _)) => Err(number(format!("`{t}` is not a number"))),
            None => Ok(()),
        },
        Kind::NanoCpus => match scalar(node) {
            Some((Resolved::Int(_) | Resolved::Float(_), _, _)) => Ok(()),
            Some((Resolved::Str(_), t, _)) if to_float(t).is_some() => Ok(()),
            Some((_, t, _)) => Err(number(format!("`{t}` is not a number of CPUs"))),
            None => Ok(()),
        },
        Kind::Bytes => match scalar(node) {
            Some((Resolved::Str(_), t, _)) => units::compose_bytes(t)
                .map(|_| ())
                .map_err(|e| ("invalid-byte-size", e)),
            _ => Ok(()),
        },
        Kind::Duration => match scalar(node) {
            Some((_, t, _)) => units::compose_duration_ns(t)
                .map(|_| ())
                .map_err(|e| ("invalid-duration", e)),
            None => Ok(()),
        },
        Kind::Command => match scalar(node) {
            Some((Resolved::Str(_), t, _)) => units::split_words(t).map(|_| ()).ok_or((
                "invalid-command",
                format!(
                    "`{t}` is not a valid command line (an unterminated quote or a trailing `\\`)"
                ),
            )),
            _ => Ok(()),
        },
        Kind::ExtraHosts => extra_hosts(node),
        Kind::EnvList => env_list(node),
        Kind::DeviceCount => match scalar(node) {
            Some((Resolved::Int(_), _, _)) => Ok(()),
            Some((Resolved::Str(_), t, _))
                if t.eq_ignore_ascii_case("all") || to_int(t).is_some() =>
            {
                Ok(())
            }
            Some((_, t, _)) => Err(number(format!(
                "`{t}` is not a device count (`all` or a number)"
            ))),
            None => Ok(()),
        },
        Kind::FileMode => match scalar(node) {
            Some((Resolved::Int(_), _, _)) => Ok(()),
            Some((Resolved::Str(_), t, _)) if is_octal(t) => Ok(()),
            Some((_, t, _)) => Err(number(format!("`{t}` is not an octal file mode"))),
            None => Ok(()),
        },
        Kind::Ulimit => match &node.value {
            Value::Map(_) => Ok(()),
            Value::Scalar(_) => match scalar(node) {
                Some((Resolved::Int(_), _, _)) => Ok(()),
                Some((_, t, _)) => Err(number(format!(
                    "`{t}` is not a limit (an integer or `{{soft, hard}}`)"
                ))),
                None => Ok(()),
            },
            Value::Seq(_) => Err(number(
                "a list is not a limit (an integer or `{soft, hard}`)".into(),
            )),
        },
        Kind::Port => match scalar(node) {
            Some((Resolved::Int(i), t, _)) => super::ports::parse_short(&i.to_string())
                .map(|_| ())
                .map_err(|e| ("invalid-port", format!("{e} in `{t}`"))),
            Some((Resolved::Str(_), t, _)) => super::ports::parse_short(t)
                .map(|_| ())
                .map_err(|e| ("invalid-port", format!("{e} in `{t}`"))),
            Some((_, t, _)) => Err(("invalid-port", format!("`{t}` is not a port"))),
            None => long_port(node),
        },
        Kind::Volume => match scalar(node) {
            Some((Resolved::Str(_), t, _)) => super::volume::parse(t)
                .map(|_| ())
                .map_err(|e| ("invalid-mount", e)),
            Some(_) => Ok(()),
            None => {
                if node.as_map().is_some() && node.get("target").is_none() {
                    return Err((
                        "invalid-mount",
                        "a mount in the long syntax needs a `target`".into(),
                    ));
                }
                // An empty `source` is resolved to the project directory; a missing one is
                // refused ("field Source must not be empty").
                let kind = node.get("type").and_then(tree::string);
                if kind == Some("bind") && node.get("source").is_none_or(Node::is_null) {
                    return Err(("invalid-mount", "a bind mount needs a `source`".into()));
                }
                Ok(())
            }
        },
        Kind::Device => match scalar(node) {
            Some((Resolved::Str(_), t, _)) if t.split(':').count() > 3 => Err((
                "invalid-mount",
                format!(
                    "`{t}` is a confusing device mapping (more than `source:target:permissions`); use the long syntax"
                ),
            )),
            Some(_) => Ok(()),
            None if node.as_map().is_some() && node.get("target").is_none() => Err((
                "invalid-mount",
                "a device in the long syntax needs a `target`".into(),
            )),
            None => Ok(()),
        },
    }
}

/// Go's `strconv.ParseInt(s, 8, 64)`: an optional sign and octal digits.
fn is_octal(t: &str) -> bool {
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    !digits.is_empty() && digits.chars().all(|c| c.is_digit(8))
}

/// compose-go `validation.checkIPAddress`: a long-syntax port's `host_ip` must be an IP.
fn long_port(node: &Node) -> Result<(), Failure> {
    if node.as_map().is_some() && node.get("target").is_none() {
        return Err((
            "invalid-port",
            "a port in the long syntax needs a `target`".into(),
        ));
    }
    match node.get("host_ip").and_then(scalar) {
        Some((_, t, false)) if t.parse::<std::net::IpAddr>().is_err() => {
            if let Some(ip) = node.get("host_ip") {
                at(ip.span);
            }
            Err((
                "invalid-port",
                format!("host IP `{t}` is not an IP address"),
            ))
        }
        _ => Ok(()),
    }
}

/// compose-go `HostsList`: `host:ip` or `host=ip` (the first `=`, else the first `:`), or a
/// mapping of host to IP(s); the host must be non-empty and hold neither `:` nor `=`.
fn extra_hosts(node: &Node) -> Result<(), Failure> {
    let bad_host = |h: &str| h.is_empty() || h.contains([':', '=']);
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                let Some((_, t, unknown)) = scalar(item) else {
                    continue;
                };
                if unknown {
                    continue;
                }
                let host = match t.split_once('=').or_else(|| t.split_once(':')) {
                    Some((h, _)) => h,
                    None => {
                        at(item.span);
                        return Err((
                            "invalid-extra-host",
                            format!("`{t}` has no IP address (write `host:ip` or `host=ip`)"),
                        ));
                    }
                };
                if bad_host(host) {
                    at(item.span);
                    return Err((
                        "invalid-extra-host",
                        format!("`{t}` has a bad host name `{host}`"),
                    ));
                }
            }
            Ok(())
        }
        Value::Map(entries) => {
            for e in entries {
                let host = e.key_text().unwrap_or_default();
                if matches!(e.value.value, Value::Map(_)) {
                    return Err((
                        "invalid-extra-host",
                        format!("the IPs of `{host}` must be a string or a list"),
                    ));
                }
                if bad_host(host) {
                    return Err(("invalid-extra-host", format!("bad host name `{host}`")));
                }
            }
            Ok(())
        }
        Value::Scalar(_) => Ok(()),
    }
}

/// compose-go `MappingWithEquals`: in the list form, a name may not end in whitespace.
fn env_list(node: &Node) -> Result<(), Failure> {
    let Value::Seq(items) = &node.value else {
        return Ok(());
    };
    for item in items {
        let Some((_, t, _)) = scalar(item) else {
            continue;
        };
        let key = t.split_once('=').map_or(t, |(k, _)| k);
        if key.ends_with(char::is_whitespace) && !key.is_empty() {
            at(item.span);
            return Err((
                "invalid-environment",
                format!(
                    "the variable `{}` is declared with a trailing space",
                    key.trim_end()
                ),
            ));
        }
    }
    Ok(())
}
