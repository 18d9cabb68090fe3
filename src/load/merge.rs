//! Merging compose trees as compose-go's `override` package does: one `-f` file over the
//! previous ones, an `extends` base under the service that extends it. Mappings merge key by
//! key, sequences are appended, scalars are replaced, and the fields compose treats specially
//! follow its rules (`command`/`entrypoint`/`healthcheck.test` are replaced; `environment`,
//! `labels`, `dns`, … become `KEY=VALUE` sequences and are appended; `depends_on` and
//! `networks` become mappings; `build` a mapping; `extra_hosts` appended without repeats;
//! `logging` merged only for the same driver). A value tagged `!reset` removes the inherited
//! one, `!override` replaces it whole.
//!
//! After merging, compose keeps one item per key in the sequences where a repeat makes no
//! sense (`EnforceUnicity`): one port per host/published/target/protocol, one mount per
//! target, one variable per name, … — the later item takes the earlier one's place. Each
//! silent drop is reported (`overridden-entry`), since it is rarely what the author meant.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Severity};
use crate::source::Span;
use crate::yaml::{Entry, Node, Scalar, Style, Value};

use super::tree::{self, Step};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    Replace,
    ToSequence,
    ExtraHosts,
    ToMappingWithDefault,
    ToMapping,
    Build,
    Logging,
}

/// compose-go `override/merge.go` `mergeSpecials`; `ulimits.*` replaces (its merger merges
/// the override with itself).
static SPECIALS: &[(&[&str], Rule)] = &[
    (&["networks", "*", "labels"], Rule::ToSequence),
    (&["volumes", "*", "labels"], Rule::ToSequence),
    (&["services", "*", "annotations"], Rule::ToSequence),
    (&["services", "*", "build"], Rule::Build),
    (&["services", "*", "build", "args"], Rule::ToSequence),
    (
        &["services", "*", "build", "additional_contexts"],
        Rule::ToSequence,
    ),
    (&["services", "*", "build", "extra_hosts"], Rule::ExtraHosts),
    (&["services", "*", "build", "labels"], Rule::ToSequence),
    (&["services", "*", "command"], Rule::Replace),
    (&["services", "*", "depends_on"], Rule::ToMappingWithDefault),
    (&["services", "*", "deploy", "labels"], Rule::ToSequence),
    (&["services", "*", "dns"], Rule::ToSequence),
    (&["services", "*", "dns_opt"], Rule::ToSequence),
    (&["services", "*", "dns_search"], Rule::ToSequence),
    (&["services", "*", "entrypoint"], Rule::Replace),
    (&["services", "*", "env_file"], Rule::ToSequence),
    (&["services", "*", "label_file"], Rule::ToSequence),
    (&["services", "*", "environment"], Rule::ToSequence),
    (&["services", "*", "extra_hosts"], Rule::ExtraHosts),
    (&["services", "*", "healthcheck", "test"], Rule::Replace),
    (&["services", "*", "labels"], Rule::ToSequence),
    (
        &["services", "*", "volumes", "*", "volume", "labels"],
        Rule::ToSequence,
    ),
    (&["services", "*", "logging"], Rule::Logging),
    (&["services", "*", "models"], Rule::ToMapping),
    (&["services", "*", "networks"], Rule::ToMapping),
    (&["services", "*", "sysctls"], Rule::ToSequence),
    (&["services", "*", "tmpfs"], Rule::ToSequence),
    (&["services", "*", "ulimits", "*"], Rule::Replace),
    (&["networks", "*", "ipam", "config"], Rule::Replace),
];

fn scalar_node(text: String, span: Span) -> Node {
    Node::new(
        span,
        Value::Scalar(Scalar {
            text,
            style: Style::DoubleQuoted,
            tag: None,
            unresolved: false,
            interpolated: false,
        }),
    )
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Scalar(s) => Some(s.text.clone()),
        _ => None,
    }
}

/// A mapping as compose's `convertIntoSequence` writes it: `KEY=VALUE` (`KEY` for null,
/// one item per value of a list), sorted.
fn into_sequence(node: Node) -> Vec<Node> {
    match node.value {
        Value::Seq(items) => items,
        Value::Map(entries) => {
            let mut out = Vec::new();
            for e in entries {
                let key = e.key_text().unwrap_or_default().to_string();
                let span = e.key.span;
                match e.value.value {
                    Value::Seq(items) => {
                        for item in items {
                            let v = scalar_text(&item).unwrap_or_default();
                            out.push(scalar_node(format!("{key}={v}"), item.span));
                        }
                    }
                    ref v if e.value.is_null() || matches!(v, Value::Map(_)) => {
                        out.push(scalar_node(key, span));
                    }
                    _ => {
                        let v = scalar_text(&e.value).unwrap_or_default();
                        out.push(scalar_node(format!("{key}={v}"), e.value.span));
                    }
                }
            }
            out.sort_by_key(scalar_text);
            out
        }
        Value::Scalar(_) if node.is_null() => Vec::new(),
        Value::Scalar(_) => vec![node],
    }
}

/// A sequence of names as a mapping (`[a, b]` → `{a: default, b: default}`).
fn into_mapping(node: Node, default: Option<&dyn Fn(Span) -> Node>) -> Vec<Entry> {
    match node.value {
        Value::Map(entries) => entries,
        Value::Seq(items) => items
            .into_iter()
            .map(|item| {
                let span = item.span;
                let value = match default {
                    Some(f) => f(span),
                    None => scalar_null(span),
                };
                Entry { key: item, value }
            })
            .collect(),
        Value::Scalar(_) => Vec::new(),
    }
}

fn scalar_null(span: Span) -> Node {
    Node::new(
        span,
        Value::Scalar(Scalar {
            text: String::new(),
            style: Style::Plain,
            tag: None,
            unresolved: false,
            interpolated: false,
        }),
    )
}

fn dependency_default(span: Span) -> Node {
    let entry = |k: &str, v: &str| Entry {
        key: scalar_node(k.into(), span),
        value: Node::new(
            span,
            Value::Scalar(Scalar {
                text: v.into(),
                style: Style::Plain,
                tag: None,
                unresolved: false,
                interpolated: false,
            }),
        ),
    };
    Node::new(
        span,
        Value::Map(vec![
            entry("condition", "service_started"),
            entry("required", "true"),
        ]),
    )
}

/// Where a merge cannot proceed (a mapping over a scalar, …).
#[derive(Clone, Debug)]
pub struct MergeError {
    pub path: String,
    pub span: Span,
}

/// `over` merged onto `base`; `path` is where they sit (e.g. `services.web`).
pub fn merge(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node, MergeError> {
    let steps: Vec<Step<'_>> = path.iter().map(|s| Step::Key(s.as_str())).collect();
    if let Some(&rule) = tree::lookup(&steps, SPECIALS) {
        return Ok(special(rule, base, over, path));
    }
    if over.is_null() && over.tag().is_none() {
        return Ok(base);
    }
    match (base.value, over.value) {
        (Value::Map(entries), Value::Map(over_entries)) => {
            let merged = merge_entries(entries, over_entries, path)?;
            Ok(Node::new(over.span, Value::Map(merged)))
        }
        (Value::Map(_), _) => Err(MergeError {
            path: path.join("."),
            span: over.span,
        }),
        (Value::Seq(mut items), Value::Seq(over_items)) => {
            items.extend(over_items);
            Ok(Node::new(over.span, Value::Seq(items)))
        }
        (Value::Seq(_), _) => Err(MergeError {
            path: path.join("."),
            span: over.span,
        }),
        (_, value) => Ok(Node::new(over.span, value)),
    }
}

fn merge_entries(
    mut entries: Vec<Entry>,
    over: Vec<Entry>,
    path: &mut Vec<String>,
) -> Result<Vec<Entry>, MergeError> {
    let mut index: HashMap<String, usize> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((e.key_text()?.to_string(), i)))
        .collect();
    for oe in over {
        let Some(key) = oe.key_text().map(str::to_string) else {
            entries.push(oe);
            continue;
        };
        match index.get(&key) {
            Some(&i) => {
                let placeholder = scalar_null(oe.key.span);
                let be = std::mem::replace(&mut entries[i].value, placeholder);
                path.push(key);
                let merged = merge(be, oe.value, path);
                path.pop();
                entries[i] = Entry {
                    key: oe.key,
                    value: merged?,
                };
            }
            None => {
                index.insert(key, entries.len());
                entries.push(oe);
            }
        }
    }
    Ok(entries)
}

fn special(rule: Rule, base: Node, over: Node, path: &mut Vec<String>) -> Node {
    let span = over.span;
    match rule {
        Rule::Replace => over,
        Rule::ToSequence => {
            let mut items = into_sequence(base);
            items.extend(into_sequence(over));
            Node::new(span, Value::Seq(items))
        }
        Rule::ExtraHosts => {
            let mut items = into_sequence(base);
            let seen: Vec<Option<String>> = items.iter().map(scalar_text).collect();
            for item in into_sequence(over) {
                if !seen.contains(&scalar_text(&item)) {
                    items.push(item);
                }
            }
            Node::new(span, Value::Seq(items))
        }
        Rule::ToMappingWithDefault | Rule::ToMapping => {
            let default: Option<&dyn Fn(Span) -> Node> = if rule == Rule::ToMappingWithDefault {
                Some(&dependency_default)
            } else {
                None
            };
            let b = into_mapping(base, default);
            let o = into_mapping(over, default);
            let merged = merge_entries(b, o, path).unwrap_or_default();
            Node::new(span, Value::Map(merged))
        }
        Rule::Build => {
            let as_map = |n: Node| match n.value {
                Value::Map(e) => e,
                Value::Scalar(_) if !n.is_null() => vec![Entry {
                    key: scalar_node("context".into(), n.span),
                    value: n,
                }],
                _ => Vec::new(),
            };
            let merged = merge_entries(as_map(base), as_map(over), path).unwrap_or_default();
            Node::new(span, Value::Map(merged))
        }
        Rule::Logging => {
            let driver = |n: &Node| n.get("driver").and_then(scalar_text);
            let (bd, od) = (driver(&base), driver(&over));
            if bd == od || bd.is_none() || od.is_none() {
                match (base.value, over.value) {
                    (Value::Map(b), Value::Map(o)) => Node::new(
                        span,
                        Value::Map(merge_entries(b, o, path).unwrap_or_default()),
                    ),
                    (_, value) => Node::new(span, value),
                }
            } else {
                over
            }
        }
    }
}

/// What compose's `ResetProcessor` does before a document is merged: the paths of values
/// tagged `!reset` or `!override` in `doc`, as key paths. `!reset` values are removed from
/// `doc`; both kinds are removed from the tree they will be merged onto.
pub fn take_resets(doc: &mut Node) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    if !has_reset_tag(doc) {
        return out;
    }
    let mut path = Vec::new();
    collect_resets(doc, &mut path, &mut out);
    out
}

fn has_reset_tag(node: &Node) -> bool {
    matches!(node.tag(), Some("!reset" | "!override"))
        || match &node.value {
            Value::Map(entries) => entries.iter().any(|e| has_reset_tag(&e.value)),
            Value::Seq(items) => items.iter().any(has_reset_tag),
            Value::Scalar(_) => false,
        }
}

fn tag_of(node: &Node) -> Option<&str> {
    node.tag()
}

fn collect_resets(node: &mut Node, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match &mut node.value {
        Value::Map(entries) => {
            entries.retain_mut(|e| {
                let Some(key) = e.key_text().map(str::to_string) else {
                    return true;
                };
                path.push(key);
                let keep = match tag_of(&e.value) {
                    Some("!reset") => {
                        out.push(path.clone());
                        false
                    }
                    Some("!override") => {
                        out.push(path.clone());
                        true
                    }
                    _ => {
                        collect_resets(&mut e.value, path, out);
                        true
                    }
                };
                path.pop();
                keep
            });
        }
        Value::Seq(items) => {
            items.retain(|i| tag_of(i) != Some("!reset"));
        }
        Value::Scalar(_) => {}
    }
}

/// Removes the entry at `path` (a key path) from `root`, if present.
pub fn remove_path(root: &mut Node, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = root;
    for key in parents {
        match tree::get_mut(node, key) {
            Some(n) => node = n,
            None => return,
        }
    }
    tree::remove(node, last);
}

/// compose-go `override/uncity.go`: which sequences keep one item per key, and the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Pair,
    Volume,
    Device,
    Expose,
    Mount(&'static str),
    Port,
    EnvFile,
}

static UNIQUE: &[(&[&str], Key)] = &[
    (&["networks", "*", "labels"], Key::Pair),
    (&["networks", "*", "ipam", "options"], Key::Pair),
    (&["services", "*", "annotations"], Key::Pair),
    (&["services", "*", "build", "args"], Key::Pair),
    (
        &["services", "*", "build", "additional_contexts"],
        Key::Pair,
    ),
    (&["services", "*", "build", "platform"], Key::Pair),
    (&["services", "*", "build", "tags"], Key::Pair),
    (&["services", "*", "build", "labels"], Key::Pair),
    (&["services", "*", "cap_add"], Key::Pair),
    (&["services", "*", "cap_drop"], Key::Pair),
    (&["services", "*", "configs"], Key::Mount("")),
    (&["services", "*", "deploy", "labels"], Key::Pair),
    (&["services", "*", "dns"], Key::Pair),
    (&["services", "*", "dns_opt"], Key::Pair),
    (&["services", "*", "dns_search"], Key::Pair),
    (&["services", "*", "environment"], Key::Pair),
    (&["services", "*", "env_file"], Key::EnvFile),
    (&["services", "*", "expose"], Key::Expose),
    (&["services", "*", "labels"], Key::Pair),
    (&["services", "*", "links"], Key::Pair),
    (&["services", "*", "networks", "*", "aliases"], Key::Pair),
    (
        &["services", "*", "networks", "*", "link_local_ips"],
        Key::Pair,
    ),
    (&["services", "*", "ports"], Key::Port),
    (&["services", "*", "profiles"], Key::Pair),
    (&["services", "*", "secrets"], Key::Mount("/run/secrets")),
    (&["services", "*", "sysctls"], Key::Pair),
    (&["services", "*", "tmpfs"], Key::Pair),
    (&["services", "*", "volumes"], Key::Volume),
    (&["services", "*", "devices"], Key::Device),
];

fn text_of(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar(s) => Some(&s.text),
        _ => None,
    }
}

fn key_of(kind: Key, node: &Node) -> Option<String> {
    match kind {
        Key::Pair => {
            let t = text_of(node)?;
            Some(t.split_once('=').map_or(t, |(k, _)| k).to_string())
        }
        Key::Volume => match &node.value {
            Value::Map(_) => node.get("target").and_then(text_of).map(str::to_string),
            _ => super::volume::parse(text_of(node)?).ok().map(|v| v.target),
        },
        Key::Device => match &node.value {
            Value::Map(_) => node.get("target").and_then(text_of).map(str::to_string),
            _ => {
                let t = text_of(node)?;
                let parts: Vec<&str> = t.split(':').collect();
                Some(parts.get(1).copied().unwrap_or(parts[0]).to_string())
            }
        },
        Key::Expose => text_of(node).map(str::to_string),
        Key::Mount(prefix) => match &node.value {
            Value::Map(_) => match node.get("target").and_then(text_of) {
                Some(t) => Some(t.to_string()),
                None => Some(format!(
                    "{prefix}/{}",
                    node.get("source").and_then(text_of).unwrap_or_default()
                )),
            },
            _ => Some(format!("{prefix}/{}", text_of(node)?)),
        },
        Key::Port => match &node.value {
            Value::Map(_) => {
                let f = |k: &str| node.get(k).and_then(text_of).map(str::to_string);
                Some(format!(
                    "{}:{}:{}/{}",
                    f("host_ip").unwrap_or_else(|| "0.0.0.0".into()),
                    f("published").unwrap_or_default(),
                    f("target")?,
                    f("protocol").unwrap_or_else(|| "tcp".into())
                ))
            }
            _ => {
                // The canonical key of a short port, so that `8080:80` and its long form
                // are one port, as after compose's canonical transform.
                let t = text_of(node)?;
                match super::ports::parse_short(t) {
                    Ok(specs) if specs.len() == 1 => {
                        let p = &specs.first();
                        Some(format!(
                            "{}:{}:{}/{}",
                            if p.host_ip.is_empty() {
                                "0.0.0.0"
                            } else {
                                &p.host_ip
                            },
                            p.published,
                            p.target,
                            p.protocol
                        ))
                    }
                    _ => Some(t.to_string()),
                }
            }
        },
        Key::EnvFile => match &node.value {
            Value::Map(_) => node.get("path").and_then(text_of).map(str::to_string),
            _ => text_of(node).map(str::to_string),
        },
    }
}

/// Applies compose's unicity rules to every service of `root`, reporting each item that a
/// later one replaced.
pub fn enforce_unicity(root: &mut Node, out: &mut Vec<Diagnostic>) {
    static TRIE: std::sync::OnceLock<tree::Trie<Key>> = std::sync::OnceLock::new();
    let trie = TRIE.get_or_init(|| tree::Trie::new(UNIQUE));
    let mut path: Vec<&str> = Vec::new();
    unicity(root, trie, tree::Trie::<Key>::ROOT, &mut path, out);
}

/// Visits only where a unique sequence can sit (the trie of [`UNIQUE`]).
fn unicity<'a>(
    node: &'a mut Node,
    trie: &tree::Trie<Key>,
    at: usize,
    path: &mut Vec<&'a str>,
    out: &mut Vec<Diagnostic>,
) {
    match &mut node.value {
        Value::Map(entries) => {
            for e in entries.iter_mut() {
                let Entry { key, value } = e;
                let key: &'a Node = key;
                let Some(k) = key.as_scalar().map(|s| s.text.as_str()) else {
                    continue;
                };
                let Some(next) = trie.key(at, k) else {
                    continue;
                };
                path.push(k);
                unicity(value, trie, next, path, out);
                path.pop();
            }
        }
        Value::Seq(items) => {
            let Some(kind) = trie.value(at) else {
                return;
            };
            if items.len() < 2 {
                return;
            }
            let shown = path.join(".");
            let mut seen: HashMap<String, usize> = HashMap::new();
            let mut kept: Vec<Node> = Vec::with_capacity(items.len());
            for item in std::mem::take(items) {
                match key_of(kind, &item) {
                    Some(key) => match seen.get(&key) {
                        Some(&j) => {
                            let replaced = std::mem::replace(&mut kept[j], item);
                            let mut d = Diagnostic::error(
                                "overridden-entry",
                                format!(
                                    "compose keeps only the last of the entries for `{key}` in `{shown}`"
                                ),
                                Some(kept[j].span),
                            )
                            .with_related(replaced.span, "this earlier entry is dropped");
                            d.severity = Severity::Warning;
                            out.push(d);
                        }
                        None => {
                            seen.insert(key, kept.len());
                            kept.push(item);
                        }
                    },
                    None => kept.push(item),
                }
            }
            *items = kept;
        }
        Value::Scalar(_) => {}
    }
}
