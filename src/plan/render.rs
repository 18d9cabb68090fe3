//! Showing a plan: a terraform-like human view with unified diffs of planned against live,
//! and a JSON document with one object per resource.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Action, Change, Plan};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Colors {
    pub on: bool,
}

impl Colors {
    fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// A value as indented `key: value` lines (strings JSON-quoted), in the spec's field order.
pub fn to_text(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, 0, &mut out);
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

/// Memory in the units compose files use (`512M`, `1.5G`) and CPUs as a count (`1.5`), as
/// they were written, never `536870912` or `1500000000` nano-CPUs.
fn human_units(key: &str, v: &Value) -> Option<(&'static str, String)> {
    let n = v.as_i64()?;
    match key {
        "nano_cpus" => {
            let cpus = n as f64 / 1e9;
            Some(("cpus", format!("{cpus}")))
        }
        _ => ["memory", "memory_reservation", "memory_swap", "shm_size"]
            .into_iter()
            .find(|k| *k == key)
            .map(|k| (k, bytes(n))),
    }
}

/// `536870912` → `512M`; whole units where exact, else one decimal of the largest unit.
pub fn bytes(n: i64) -> String {
    if n <= 0 {
        return n.to_string();
    }
    const UNITS: [(&str, i64); 4] = [
        ("T", 1 << 40),
        ("G", 1 << 30),
        ("M", 1 << 20),
        ("K", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if n >= size {
            return if n % size == 0 {
                format!("{}{unit}", n / size)
            } else {
                let v = n as f64 / size as f64;
                format!("{}{unit}", (v * 10.0).round() / 10.0)
            };
        }
    }
    format!("{n}B")
}

fn is_leaf(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => true,
    }
}

fn write_value(v: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if let Some((k, shown)) = human_units(k, v) {
                    let _ = writeln!(out, "{pad}{k}: {shown}");
                } else if is_leaf(v) {
                    let _ = writeln!(out, "{pad}{k}: {}", scalar(v));
                } else {
                    let _ = writeln!(out, "{pad}{k}:");
                    write_value(v, indent + 1, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                if is_leaf(item) {
                    let _ = writeln!(out, "{pad}- {}", scalar(item));
                } else {
                    let _ = writeln!(out, "{pad}-");
                    write_value(item, indent + 1, out);
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

fn headline(a: &Action) -> (&'static str, &'static str, String) {
    let what = format!("{} {}", a.kind.as_str(), a.name);
    match a.change {
        Change::Create => ("+", "32", format!("{what} will be created")),
        Change::Recreate => ("~", "33", format!("{what} will be recreated")),
        Change::Start => (">", "33", format!("{what} will be started")),
        Change::Wait => (">", "33", format!("{what} will be waited for")),
        Change::Remove => ("-", "31", format!("{what} will be removed")),
        Change::Orphan => (
            "?",
            "2",
            format!("{what} is an orphan: kept (`--prune` removes containers and networks)"),
        ),
        Change::Noop => ("=", "2", format!("{what} is up to date")),
    }
}

/// The human view: every resource that changes (or is an orphan), its reasons and a diff.
pub fn human(plan: &Plan, colors: Colors) -> String {
    let mut out = String::new();
    for a in plan.actions.iter().filter(|a| a.change != Change::Noop) {
        let (sign, color, text) = headline(a);
        let _ = writeln!(out, "{}", colors.paint(color, &format!("{sign} {text}")));
        for r in &a.reasons {
            let _ = writeln!(out, "    # {r}");
        }
        match a.change {
            Change::Create => {
                for line in a.planned.as_ref().map(to_text).unwrap_or_default().lines() {
                    let _ = writeln!(out, "{}", colors.paint("32", &format!("    + {line}")));
                }
            }
            Change::Remove => {
                for line in a.live.as_ref().map(to_text).unwrap_or_default().lines() {
                    let _ = writeln!(out, "{}", colors.paint("31", &format!("    - {line}")));
                }
            }
            Change::Recreate | Change::Start | Change::Wait => {
                let live = a.live.as_ref().map(to_text).unwrap_or_default();
                let mut planned = a.planned.as_ref().map(to_text).unwrap_or_default();
                let mut live = live;
                // The state a recreate or start fixes, shown as a line of the diff.
                for f in a
                    .fields
                    .iter()
                    .filter(|f| matches!(f.field.as_str(), "state" | "health" | "restarts"))
                {
                    live.push_str(&format!(
                        "{}: \"{}\"\n",
                        f.field,
                        f.before.as_deref().unwrap_or("")
                    ));
                    planned.push_str(&format!(
                        "{}: \"{}\"\n",
                        f.field,
                        f.after.as_deref().unwrap_or("")
                    ));
                }
                out.push_str(&unified(
                    &live,
                    &planned,
                    &format!("{} (live)", a.name),
                    &format!("{} (planned)", a.name),
                    colors,
                ));
            }
            Change::Orphan | Change::Noop => {}
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", plan.summary());
    out
}

/// A unified diff, indented, with the changed lines coloured.
pub fn unified(before: &str, after: &str, from: &str, to: &str, colors: Colors) -> String {
    let diff = similar::TextDiff::from_lines(before, after);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(from, to)
        .to_string();
    let mut out = String::new();
    for line in text.lines() {
        let painted = if line.starts_with("+++") || line.starts_with("---") {
            colors.paint("1", line)
        } else if line.starts_with('+') {
            colors.paint("32", line)
        } else if line.starts_with('-') {
            colors.paint("31", line)
        } else if line.starts_with("@@") {
            colors.paint("36", line)
        } else {
            line.to_string()
        };
        let _ = writeln!(out, "    {painted}");
    }
    out
}

/// One object per resource with its change, reasons and field changes.
pub fn json(plan: &Plan) -> Value {
    let resources: Vec<Value> = plan
        .actions
        .iter()
        .map(|a| {
            json!({
                "type": a.kind.as_str(),
                "name": a.name,
                "change": a.change.as_str(),
                "reasons": a.reasons,
                "fields": a.fields,
                "planned": a.planned,
                "live": a.live,
            })
        })
        .collect();
    json!({
        "version": 1,
        "resources": resources,
        "summary": {
            "add": plan.to_add(),
            "change": plan.to_change(),
            "destroy": plan.to_destroy(),
            "orphans": plan.count(&[Change::Orphan]),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_and_cpus_are_shown_in_the_units_they_are_written_in() {
        assert_eq!(bytes(536_870_912), "512M");
        assert_eq!(bytes(64 << 20), "64M");
        assert_eq!(bytes(4 << 30), "4G");
        assert_eq!(bytes(1_610_612_736), "1.5G");
        assert_eq!(bytes(1000), "1000B");
        let v = serde_json::json!({"resources": {"nano_cpus": 1_500_000_000_i64, "memory": 536_870_912, "memory_reservation": 0}});
        let text = to_text(&v);
        assert!(text.contains("cpus: 1.5"), "{text}");
        assert!(text.contains("memory: 512M"), "{text}");
        assert!(
            !text.contains("536870912") && !text.contains("nano_cpus"),
            "{text}"
        );
    }
}
