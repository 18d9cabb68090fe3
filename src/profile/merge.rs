//! Merging a profile onto the profile it extends.
//!
//! Mappings merge key by key, recursively; any other value (scalar or list) replaces the
//! parent's. A `null` value removes the inherited key. Spans are kept, so every value of the
//! merged tree still points at the file and line that set it.

use crate::yaml::{Entry, Node, Value};

/// `child` written over `parent`. Linear in the size of both: keys are found through an
/// index, and a merged entry stays at its parent's position.
pub fn merge(parent: Node, child: Node) -> Node {
    match (parent.value, child.value) {
        (Value::Map(entries), Value::Map(child_entries)) => {
            let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
            let mut index: std::collections::HashMap<String, usize> =
                std::collections::HashMap::new();
            for (i, e) in slots.iter().enumerate() {
                if let Some(k) = e.as_ref().and_then(Entry::key_text) {
                    index.entry(k.to_string()).or_insert(i);
                }
            }
            for child_entry in child_entries {
                let key = child_entry.key_text().map(str::to_string);
                match key.as_ref().and_then(|k| index.get(k).copied()) {
                    Some(i) => {
                        let value = match slots[i].take() {
                            Some(parent_entry) => merge(parent_entry.value, child_entry.value),
                            None => child_entry.value,
                        };
                        slots[i] = Some(Entry {
                            key: child_entry.key,
                            value,
                        });
                    }
                    None => {
                        if let Some(k) = key {
                            index.insert(k, slots.len());
                        }
                        slots.push(Some(child_entry));
                    }
                }
            }
            Node::new(
                child.span,
                Value::Map(slots.into_iter().flatten().collect()),
            )
        }
        (_, value) => Node::new(child.span, value),
    }
}

/// Removes every mapping entry whose value is `null`: in a profile, `key: null` (or `key: ~`)
/// deletes what a parent set.
pub fn strip_nulls(node: &mut Node) {
    match &mut node.value {
        Value::Map(entries) => {
            entries.retain(|e| !e.value.is_null());
            for e in entries {
                strip_nulls(&mut e.value);
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(strip_nulls),
        Value::Scalar(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceDb;
    use crate::yaml::{Limits, parse};

    fn doc(db: &mut SourceDb, name: &str, text: &str) -> Node {
        let id = db.add(name, text.to_string());
        let mut parsed = parse(id, text, Limits::default());
        assert!(parsed.errors.is_empty());
        parsed.documents.remove(0)
    }

    #[test]
    fn maps_merge_lists_replace_null_removes() {
        let mut db = SourceDb::new();
        let parent = doc(
            &mut db,
            "parent.yaml",
            "a: {x: 1, y: 2}\nlist: [1, 2]\ngone: {z: 1}\nkeep: 1\n",
        );
        let child = doc(
            &mut db,
            "child.yaml",
            "a: {y: 3, w: 4}\nlist: [9]\ngone: null\n",
        );
        let mut merged = merge(parent, child);
        strip_nulls(&mut merged);
        assert_eq!(
            merged.to_json(),
            serde_json::json!({"a": {"x": 1, "y": 3, "w": 4}, "list": [9], "keep": 1})
        );
        let y = merged.at_pointer("/a/y", false).expect("y");
        assert_eq!(db.location(y.span), "child.yaml:1:8");
        let x = merged.at_pointer("/a/x", false).expect("x");
        assert_eq!(db.location(x.span), "parent.yaml:1:8");
    }
}
