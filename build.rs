//! Links the binary as a fixed-address executable on Linux, and prepares the embedded JSON
//! Schemas for runtime: annotations (`description`, `title`,
//! `default`, `examples`, `$comment`) are removed and the JSON minified, which halves the time
//! a cold process spends parsing them. The files under `schemas/` stay the documented source.

use std::path::Path;

fn strip(value: &mut serde_json::Value, in_properties: bool) {
    match value {
        serde_json::Value::Object(map) => {
            if !in_properties {
                for key in ["description", "title", "default", "examples", "$comment"] {
                    map.remove(key);
                }
            }
            for (key, child) in map.iter_mut() {
                if matches!(key.as_str(), "enum" | "const") {
                    continue;
                }
                let container = matches!(
                    key.as_str(),
                    "properties" | "patternProperties" | "$defs" | "definitions"
                );
                strip(child, container);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| strip(i, false)),
        _ => {}
    }
}

fn main() {
    // A non-PIE executable needs no start-up relocations: on this tool's short runs the
    // dynamic loader's relocation pass was a quarter of the whole process time.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    for name in [
        "compose.schema.json",
        "mcp-v1.schema.json",
        "profile.schema.json",
    ] {
        let source = Path::new("schemas").join(name);
        println!("cargo::rerun-if-changed={}", source.display());
        let text = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("read {}: {e}", source.display()));
        let mut json: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", source.display()));
        strip(&mut json, false);
        let minified = serde_json::to_string(&json).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(Path::new(&out).join(name), minified)
            .unwrap_or_else(|e| panic!("write: {e}"));
    }
}
