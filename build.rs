//! Links the binary as a fixed-address executable on Linux, compiles the embedded JSON
//! Schemas into the validator's node arena, encoded, so that a process decodes a few kilobytes
//! instead of parsing and walking the JSON documents at every start (the files under
//! `schemas/` stay the documented source, and what editors read), and builds the probe relay
//! (`src/mcp/relay.c`) that `verify` copies into a container to reach an MCP server on an
//! inner network.

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
    relay(Path::new(&out));
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

/// Compiles the probe relay: a static executable without libc, for the target's architecture
/// (built only when the host builds for itself, x86_64 or aarch64 Linux). Without a C
/// compiler the file stays empty and dindctl says, when it would need the relay, that it was
/// built without one.
fn relay(out: &Path) {
    let source = "src/mcp/relay.c";
    println!("cargo::rerun-if-changed={source}");
    let target = out.join("relay");
    let _ = std::fs::write(&target, b"");
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let arch_ok = matches!(env("CARGO_CFG_TARGET_ARCH").as_str(), "x86_64" | "aarch64");
    if env("HOST") != env("TARGET") || env("CARGO_CFG_TARGET_OS") != "linux" || !arch_ok {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let built = std::process::Command::new(&cc)
        .args([
            "-static",
            "-nostdlib",
            "-ffreestanding",
            "-fno-builtin",
            "-fno-stack-protector",
            "-fno-asynchronous-unwind-tables",
            "-fno-pie",
            "-no-pie",
            "-O2",
            "-s",
            "-o",
        ])
        .arg(&target)
        .arg(source)
        .status();
    if !matches!(built, Ok(s) if s.success()) {
        let _ = std::fs::write(&target, b"");
        println!(
            "cargo::warning=the MCP probe relay was not built ({cc} failed): `verify` cannot reach servers on inner networks only"
        );
    }
}
