//! Paths into a compose tree and patterns over them, as compose-go writes them
//! (`services.*.ports.[]`): `*` matches any mapping key, `[]` any sequence item. The stages
//! use them to find where a rule of compose applies (a cast, a merge rule, a unicity key).

use crate::yaml::{Entry, Node, Value};

/// One step from a node to a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Item,
}

/// The path of the node being visited, kept as a stack while walking.
#[derive(Clone, Debug, Default)]
pub struct Path<'a> {
    steps: Vec<Step<'a>>,
}

impl<'a> Path<'a> {
    pub fn new() -> Self {
        Self { steps: Vec::new() }
    }

    pub fn push(&mut self, step: Step<'a>) {
        self.steps.push(step);
    }

    pub fn pop(&mut self) {
        self.steps.pop();
    }

    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn steps(&self) -> &[Step<'a>] {
        &self.steps
    }

    /// Whether the path matches `pattern` exactly (same length).
    pub fn matches(&self, pattern: &[&str]) -> bool {
        matches(&self.steps, pattern)
    }

    /// The path as compose prints it: `services.web.ports.[]`.
    pub fn display(&self) -> String {
        display(&self.steps)
    }
}

pub fn matches(steps: &[Step<'_>], pattern: &[&str]) -> bool {
    steps.len() == pattern.len()
        && steps.iter().zip(pattern).all(|(s, p)| match (s, *p) {
            (Step::Item, "[]") => true,
            (Step::Key(_), "*") => true,
            (Step::Key(k), p) => *k == p,
            (Step::Item, _) => false,
        })
}

pub fn display(steps: &[Step<'_>]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Item => out.push_str("[]"),
        }
    }
    out
}

/// The first pattern of `table` the path matches, with its value.
pub fn lookup<'t, T>(steps: &[Step<'_>], table: &'t [(&[&str], T)]) -> Option<&'t T> {
    table
        .iter()
        .find(|(p, _)| matches(steps, p))
        .map(|(_, v)| v)
}

/// A table of path patterns as a trie, so that a walk visits only the parts of a tree where a
/// pattern can match and finds the pattern's value without comparing paths: the cost of a
/// stage is then proportional to the fields it is about, not to the size of the file.
pub struct Trie<T> {
    nodes: Vec<TrieNode<T>>,
}

struct TrieNode<T> {
    keys: Vec<(&'static str, usize)>,
    any_key: Option<usize>,
    item: Option<usize>,
    value: Option<T>,
}

impl<T> TrieNode<T> {
    fn new() -> Self {
        Self {
            keys: Vec::new(),
            any_key: None,
            item: None,
            value: None,
        }
    }
}

impl<T: Copy> Trie<T> {
    /// The trie of `table`. Where a level has both literal keys and `*`, a key that matches a
    /// literal follows the literal only.
    pub fn new(table: &[(&'static [&'static str], T)]) -> Self {
        let mut nodes = vec![TrieNode::new()];
        for (pattern, value) in table {
            let mut at = 0;
            for step in pattern.iter() {
                let next = match *step {
                    "*" => nodes[at].any_key,
                    "[]" => nodes[at].item,
                    key => nodes[at]
                        .keys
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, i)| *i),
                };
                at = match next {
                    Some(i) => i,
                    None => {
                        nodes.push(TrieNode::new());
                        let i = nodes.len() - 1;
                        match *step {
                            "*" => nodes[at].any_key = Some(i),
                            "[]" => nodes[at].item = Some(i),
                            key => nodes[at].keys.push((key, i)),
                        }
                        i
                    }
                };
            }
            nodes[at].value.get_or_insert(*value);
        }
        Self { nodes }
    }

    pub const ROOT: usize = 0;

    /// The node reached from `at` by the mapping key `key`.
    pub fn key(&self, at: usize, key: &str) -> Option<usize> {
        let n = &self.nodes[at];
        n.keys
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, i)| *i)
            .or(n.any_key)
    }

    /// The node reached from `at` by a sequence item.
    pub fn item(&self, at: usize) -> Option<usize> {
        self.nodes[at].item
    }

    /// The value of the pattern that ends at `at`.
    pub fn value(&self, at: usize) -> Option<T> {
        self.nodes[at].value
    }

    /// Whether any pattern continues below `at`.
    pub fn has_children(&self, at: usize) -> bool {
        let n = &self.nodes[at];
        !n.keys.is_empty() || n.any_key.is_some() || n.item.is_some()
    }
}

/// The entry of a mapping node under `key`, mutably.
pub fn entry_mut<'n>(node: &'n mut Node, key: &str) -> Option<&'n mut Entry> {
    match &mut node.value {
        Value::Map(entries) => entries.iter_mut().find(|e| e.key_text() == Some(key)),
        _ => None,
    }
}

pub fn get_mut<'n>(node: &'n mut Node, key: &str) -> Option<&'n mut Node> {
    entry_mut(node, key).map(|e| &mut e.value)
}

/// Removes the entry under `key` from a mapping node.
pub fn remove(node: &mut Node, key: &str) -> Option<Entry> {
    match &mut node.value {
        Value::Map(entries) => {
            let i = entries.iter().position(|e| e.key_text() == Some(key))?;
            Some(entries.remove(i))
        }
        _ => None,
    }
}

/// Whether a scalar node is a string as go-yaml reads it (quoted, or plain text that is not a
/// number, boolean or null).
pub fn is_string(node: &Node) -> bool {
    match &node.value {
        Value::Scalar(s) => matches!(s.resolve_kind(), crate::yaml::Resolved::Str(_)),
        _ => false,
    }
}

/// The text of a string scalar.
pub fn string(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar(s) if is_string(node) => Some(&s.text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trie() {
        static TABLE: &[(&[&str], u8)] = &[
            (&["services", "*", "ports", "[]"], 1),
            (&["services", "*", "ports", "[]", "target"], 2),
            (&["networks", "*", "internal"], 3),
        ];
        let t = Trie::new(TABLE);
        let s = t
            .key(Trie::<u8>::ROOT, "services")
            .and_then(|n| t.key(n, "web"));
        let ports = s.and_then(|n| t.key(n, "ports")).and_then(|n| t.item(n));
        assert_eq!(ports.and_then(|n| t.value(n)), Some(1));
        assert_eq!(
            ports
                .and_then(|n| t.key(n, "target"))
                .and_then(|n| t.value(n)),
            Some(2)
        );
        assert!(s.and_then(|n| t.key(n, "image")).is_none());
        assert!(t.key(Trie::<u8>::ROOT, "volumes").is_none());
    }

    #[test]
    fn patterns() {
        let steps = [
            Step::Key("services"),
            Step::Key("web"),
            Step::Key("ports"),
            Step::Item,
        ];
        assert!(matches(&steps, &["services", "*", "ports", "[]"]));
        assert!(!matches(&steps, &["services", "*", "ports"]));
        assert!(!matches(&steps, &["services", "*", "volumes", "[]"]));
        assert_eq!(display(&steps), "services.web.ports[]");
    }
}
