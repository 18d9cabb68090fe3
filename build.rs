//! Links the binary as a fixed-address executable on Linux, and compiles the embedded JSON
//! Schemas into the validator's node arena, encoded, so that a process decodes a few kilobytes
//! instead of parsing and walking the JSON documents at every start. The files under
//! `schemas/` stay the documented source (and what editors read).

use std::path::Path;

// The schema compiler, shared with the library (it depends on serde_json only); the decoder
// half is unused here.
#[allow(dead_code)]
#[path = "src/schema/compiled.rs"]
mod compiled;

fn main() {
    // A non-PIE executable needs no start-up relocations: on this tool's short runs the
    // dynamic loader's relocation pass was a quarter of the whole process time.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/schema/compiled.rs");
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
        let json: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", source.display()));
        let compiled =
            compiled::compile(&json).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        let target = Path::new(&out).join(format!("{name}.bin"));
        std::fs::write(&target, compiled::encode(&compiled))
            .unwrap_or_else(|e| panic!("write {}: {e}", target.display()));
    }
}
