//! Profiles: find, read, merge (`extends`), validate against `schemas/profile.schema.json`
//! and type them. A profile never renders anything; see `render`.
//!
//! Every problem is a [`Diagnostic`] pointing at the profile line at fault; loading stops at
//! the first file that cannot be parsed, and otherwise reports every schema violation at once.

mod merge;
pub mod model;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use model::Profile;

use crate::diag::Diagnostic;
use crate::schema::Schema;
use crate::source::{SourceDb, Span};
use crate::yaml::{self, Node, Style, Value};

/// The profiles compiled into the binary, by name.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("default", include_str!("../../profiles/default.yaml")),
    ("dev", include_str!("../../profiles/dev.yaml")),
    ("ci", include_str!("../../profiles/ci.yaml")),
    ("prod", include_str!("../../profiles/prod.yaml")),
];

const CODE: &str = "profile";

/// A loaded profile and the merged tree it came from (whose spans point into every file of
/// the `extends` chain).
pub struct Loaded {
    pub profile: Profile,
    pub tree: Node,
}

/// Where a profile's text comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Origin {
    Embedded(&'static str),
    File(PathBuf),
}

impl Origin {
    fn display(&self) -> String {
        match self {
            Origin::Embedded(name) => format!("<embedded>/profiles/{name}.yaml"),
            Origin::File(path) => path.display().to_string(),
        }
    }

    fn stem(&self) -> String {
        match self {
            Origin::Embedded(name) => (*name).to_string(),
            Origin::File(path) => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

fn embedded(name: &str) -> Option<(&'static str, &'static str)> {
    EMBEDDED.iter().copied().find(|(n, _)| *n == name)
}

fn looks_like_path(spec: &str) -> bool {
    spec.contains('/') || spec.ends_with(".yaml") || spec.ends_with(".yml")
}

/// Resolves `--profile SPEC`: a path; or a name, looked up as `profiles/NAME.yaml` under the
/// current directory, then among the embedded profiles.
fn resolve_top(spec: &str) -> Result<Origin, Vec<Diagnostic>> {
    if looks_like_path(spec) {
        return Ok(Origin::File(PathBuf::from(spec)));
    }
    let local = Path::new("profiles").join(format!("{spec}.yaml"));
    if local.is_file() {
        return Ok(Origin::File(local));
    }
    embedded(spec)
        .map(|(name, _)| Origin::Embedded(name))
        .ok_or_else(|| vec![unknown_profile(spec, None)])
}

/// Resolves `extends: SPEC` written in `from`: paths are relative to the extending file; a
/// name is a sibling file `NAME.yaml`, else an embedded profile.
fn resolve_parent(spec: &str, from: &Origin, span: Span) -> Result<Origin, Vec<Diagnostic>> {
    if let Origin::File(path) = from {
        let dir = path.parent().unwrap_or(Path::new(""));
        if looks_like_path(spec) {
            return Ok(Origin::File(dir.join(spec)));
        }
        let sibling = dir.join(format!("{spec}.yaml"));
        if sibling.is_file() {
            return Ok(Origin::File(sibling));
        }
    }
    embedded(spec)
        .map(|(name, _)| Origin::Embedded(name))
        .ok_or_else(|| vec![unknown_profile(spec, Some(span))])
}

fn unknown_profile(spec: &str, span: Option<Span>) -> Diagnostic {
    let names: Vec<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
    let guess = crate::suggest::closest(spec, names.iter().copied())
        .map(|n| format!("did you mean `{n}`? "))
        .unwrap_or_default();
    Diagnostic::error(CODE, format!("profile `{spec}` not found"), span).with_help(format!(
        "{guess}give a path to a profile file, or one of the built-in profiles: {}",
        names.join(", ")
    ))
}

/// Loads the profile `spec` (a name or a path), registering every file in `db`.
pub fn load(spec: &str, db: &mut SourceDb) -> Result<Loaded, Vec<Diagnostic>> {
    let origin = resolve_top(spec)?;
    let stem = origin.stem();
    let mut chain = Vec::new();
    let mut seen = HashSet::new();
    let mut next = Some((origin, None::<Span>));
    while let Some((origin, extended_at)) = next.take() {
        let identity = match &origin {
            Origin::File(p) => Origin::File(p.canonicalize().unwrap_or_else(|_| p.clone())),
            other => other.clone(),
        };
        if !seen.insert(identity) {
            let msg = format!(
                "`extends` cycle: `{}` is already in the chain",
                origin.display()
            );
            return Err(vec![Diagnostic::error(CODE, msg, extended_at)]);
        }
        let node = read(&origin, extended_at, db)?;
        next = match node.entry("extends") {
            Some(entry) => {
                let Some(parent) = entry.value.as_scalar().and_then(|s| s.as_text()) else {
                    let msg = "`extends` must name a profile";
                    return Err(vec![Diagnostic::error(CODE, msg, Some(entry.value.span))]);
                };
                let parent = resolve_parent(parent, &origin, entry.value.span)?;
                Some((parent, Some(entry.value.span)))
            }
            None => None,
        };
        chain.push(node);
    }
    let own_name = chain.first().and_then(|n| n.get("name")).cloned();
    let mut merged = chain
        .into_iter()
        .rev()
        .reduce(merge::merge)
        .ok_or_else(|| vec![Diagnostic::error(CODE, "empty profile chain", None)])?;
    merge::strip_nulls(&mut merged);
    set_name(&mut merged, own_name, &stem);
    stringify_text_fields(&mut merged);
    validate(merged)
}

fn read(
    origin: &Origin,
    extended_at: Option<Span>,
    db: &mut SourceDb,
) -> Result<Node, Vec<Diagnostic>> {
    let text = match origin {
        Origin::Embedded(name) => embedded(name)
            .map(|(_, t)| t.to_string())
            .unwrap_or_default(),
        Origin::File(path) => crate::load::read::text(path).map_err(|e| {
            vec![Diagnostic::error(
                CODE,
                format!("cannot read profile: {e}"),
                extended_at,
            )]
        })?,
    };
    let id = db.add(origin.display(), text.clone());
    let parsed = yaml::parse(id, &text, yaml::Limits::default());
    if !parsed.errors.is_empty() {
        return Err(parsed
            .errors
            .iter()
            .map(|e| {
                let mut d = Diagnostic::error(CODE, e.message(), Some(e.span));
                if let yaml::ParseErrorKind::DuplicateKey { first, .. } = &e.kind {
                    d = d.with_related(*first, "first written here");
                }
                d
            })
            .collect());
    }
    let mut documents = parsed.documents;
    if documents.len() != 1 {
        let msg = format!(
            "a profile holds one YAML document, found {}",
            documents.len()
        );
        let span = documents.get(1).map(|d| d.span);
        return Err(vec![Diagnostic::error(CODE, msg, span)]);
    }
    let node = documents.remove(0);
    if node.as_map().is_none() {
        let msg = "a profile must be a mapping of keys to values";
        return Err(vec![Diagnostic::error(CODE, msg, Some(node.span))]);
    }
    Ok(node)
}

/// The merged profile takes its name from the file that was asked for (its own `name:`, or
/// its file stem), never from a parent; `extends` has done its work and is dropped.
fn set_name(merged: &mut Node, own_name: Option<Node>, stem: &str) {
    let Value::Map(entries) = &mut merged.value else {
        return;
    };
    entries.retain(|e| !matches!(e.key_text(), Some("extends" | "name")));
    let span = merged.span;
    let value = own_name.unwrap_or_else(|| text_node(stem, span));
    entries.insert(
        0,
        yaml::Entry {
            key: text_node("name", span),
            value,
        },
    );
}

fn text_node(text: &str, span: Span) -> Node {
    Node::new(
        span,
        Value::Scalar(yaml::Scalar {
            text: text.to_string(),
            style: Style::DoubleQuoted,
            tag: None,
            unresolved: false,
            interpolated: false,
        }),
    )
}

/// Values that are text for Docker (environment, labels, group ids, CPU and memory amounts)
/// keep exactly the text written in the profile: `PORT: 0755` stays `0755`, `cpus: 1.0`
/// stays `1.0`.
fn stringify_text_fields(root: &mut Node) {
    const PATTERNS: &[&str] = &[
        "/manager/environment/*",
        "/manager/group_add/*",
        "/mcp_servers/*/environment/*",
        "/mcp_servers/*/labels/*",
        "/mcp_servers/*/group_add/*",
        "/mcp_servers/*/volumes/*",
        "/mcp_servers/*/user",
        "/manager/user",
        "/defaults/labels/*",
        "/*/resources/*/*",
        "/mcp_servers/*/resources/*/*",
    ];
    for pattern in PATTERNS {
        let steps: Vec<&str> = pattern.split('/').skip(1).collect();
        stringify_at(root, &steps);
    }
}

fn stringify_at(node: &mut Node, steps: &[&str]) {
    let Some((step, rest)) = steps.split_first() else {
        if let Value::Scalar(s) = &mut node.value {
            if s.style == Style::Plain && !node_is_null(s) {
                s.style = Style::DoubleQuoted;
            }
        }
        return;
    };
    match &mut node.value {
        Value::Map(entries) => {
            for e in entries.iter_mut() {
                if *step == "*" || e.key_text() == Some(step) {
                    stringify_at(&mut e.value, rest);
                }
            }
        }
        Value::Seq(items) if *step == "*" => {
            for item in items {
                stringify_at(item, rest);
            }
        }
        _ => {}
    }
}

fn node_is_null(s: &yaml::Scalar) -> bool {
    s.resolve() == yaml::Resolved::Null
}

fn validate(tree: Node) -> Result<Loaded, Vec<Diagnostic>> {
    let schema = Schema::embedded(crate::schema::runtime::PROFILE)
        .map_err(|e| vec![Diagnostic::error(CODE, e, None)])?;
    let mut errors = schema.validate(&tree, CODE);
    if !errors.is_empty() {
        sort_by_position(&mut errors);
        return Err(errors);
    }
    let profile: Profile = serde_json::from_value(tree.to_json()).map_err(|e| {
        vec![Diagnostic::error(
            CODE,
            format!("profile does not fit its type: {e}"),
            Some(tree.span),
        )]
    })?;
    let references = check_references(&profile, &tree);
    if !references.is_empty() {
        return Err(references);
    }
    Ok(Loaded { profile, tree })
}

fn sort_by_position(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| d.span.map(|s| (s.source, s.start)));
}

/// Names a profile uses must be defined in it: an MCP server's inner networks and secrets.
fn check_references(profile: &Profile, tree: &Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (name, server) in &profile.mcp_servers {
        for (i, net) in server.networks.iter().enumerate() {
            if !profile.inner_networks.contains_key(net) {
                let span = tree
                    .at_pointer(&format!("/mcp_servers/{name}/networks/{i}"), false)
                    .map(|n| n.span);
                out.push(
                    Diagnostic::error(CODE, format!("inner network `{net}` is not defined"), span)
                        .with_help("define it under `inner_networks`; outer networks do not exist inside DinD"),
                );
            }
        }
        for (i, secret) in server.secrets.iter().enumerate() {
            if !profile.secrets.contains_key(secret) {
                let span = tree
                    .at_pointer(&format!("/mcp_servers/{name}/secrets/{i}"), false)
                    .map(|n| n.span);
                out.push(
                    Diagnostic::error(CODE, format!("secret `{secret}` is not defined"), span)
                        .with_help("define it under `secrets` with the file that holds it"),
                );
            }
        }
    }
    // Switches that contradict each other would render a stack that its own check refuses.
    if !profile.dind.tls {
        if profile.manager.connection == model::Connection::Tls {
            let span = tree
                .at_pointer("/manager/connection", false)
                .or_else(|| tree.at_pointer("/dind/tls", false))
                .map(|n| n.span);
            out.push(
                Diagnostic::error(
                    CODE,
                    "`manager.connection: tls` needs `dind.tls: true`: without TLS the daemon listens on 2375 in plain text and has no client certificates to give",
                    span,
                )
                .with_help("set `dind.tls: true`, or `manager.connection: socket`"),
            );
        }
        if profile.dind.publish_daemon_port.is_some() {
            let span = tree
                .at_pointer("/dind/publish_daemon_port", true)
                .or_else(|| tree.at_pointer("/dind/tls", false))
                .map(|n| n.span);
            out.push(
                Diagnostic::error(
                    CODE,
                    "`dind.publish_daemon_port` with `dind.tls: false` publishes an unauthenticated API that is root on the host to anyone who reaches the port (even on loopback: every local user and process)",
                    span,
                )
                .with_help("set `dind.tls: true`, or `dind.publish_daemon_port: null` and reach the daemon through the manager"),
            );
        }
    }
    if profile.manager.image.is_none() && profile.manager.build.is_none() {
        let span = tree.at_pointer("/manager", true).map(|n| n.span);
        out.push(Diagnostic::error(
            CODE,
            "the manager needs an `image` or a `build`",
            span,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::PROFILE_SCHEMA;

    fn minimal() -> Profile {
        let text = "name: m\nproject: m\n\
            dind: {image: 'docker:25.0.5-dind', publish_daemon_port: {}}\n\
            manager: {image: 'm:1'}\n\
            networks: {internal: {name: n, subnet: 10.0.0.0/24}}\n\
            inner_networks: {i: {subnet: 10.1.0.0/24}}\n";
        let mut db = SourceDb::new();
        let id = db.add("m.yaml", text);
        let value = yaml::parse(id, text, yaml::Limits::default()).documents[0].to_json();
        serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The serde defaults and the `default` annotations of the schema (what editors show)
    /// must say the same thing.
    #[test]
    fn schema_defaults_match_the_typed_defaults() {
        let schema: serde_json::Value =
            serde_json::from_str(PROFILE_SCHEMA).unwrap_or_else(|e| panic!("{e}"));
        let p = minimal();
        let default_at = |pointer: &str| schema.pointer(&format!("{pointer}/default")).cloned();
        let checks: Vec<(&str, serde_json::Value)> = vec![
            (
                "/properties/output/properties/compose_file",
                p.output.compose_file.clone().into(),
            ),
            (
                "/properties/output/properties/manifests_dir",
                p.output.manifests_dir.clone().into(),
            ),
            (
                "/properties/dind/properties/service",
                p.dind.service.clone().into(),
            ),
            ("/properties/dind/properties/tls", p.dind.tls.into()),
            (
                "/properties/dind/properties/docker_gid",
                p.dind.docker_gid.into(),
            ),
            (
                "/properties/dind/properties/forward_host_ip",
                p.dind.forward_host_ip.clone().into(),
            ),
            (
                "/properties/dind/properties/volumes/properties/storage",
                p.dind.volumes.storage.clone().into(),
            ),
            (
                "/properties/dind/properties/volumes/properties/socket",
                p.dind.volumes.socket.clone().into(),
            ),
            (
                "/properties/dind/properties/volumes/properties/certs_ca",
                p.dind.volumes.certs_ca.clone().into(),
            ),
            (
                "/properties/dind/properties/volumes/properties/certs_client",
                p.dind.volumes.certs_client.clone().into(),
            ),
            (
                "/properties/dind/properties/publish_daemon_port/properties/host_ip",
                p.dind
                    .publish_daemon_port
                    .as_ref()
                    .map(|d| d.host_ip.clone())
                    .unwrap_or_default()
                    .into(),
            ),
            (
                "/properties/manager/properties/service",
                p.manager.service.clone().into(),
            ),
            ("/properties/manager/properties/connection", "socket".into()),
            (
                "/properties/inner_networks/additionalProperties/properties/driver",
                p.inner_networks["i"].driver.clone().into(),
            ),
            (
                "/properties/inner_networks/additionalProperties/properties/internal",
                p.inner_networks["i"].internal.into(),
            ),
        ];
        for (pointer, typed) in checks {
            assert_eq!(default_at(pointer), Some(typed), "{pointer}");
        }
        assert_eq!(p.manager.connection, model::Connection::Socket);
    }
}
