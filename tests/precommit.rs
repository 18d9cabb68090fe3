//! The shipped pre-commit hooks, run by the real `pre-commit` (from PyPI) in temporary git
//! repositories: a broken DinD stack must fail the commit and a fixed one pass, at the root of
//! the repository and under `deploy/`. The hooks are taken from `.pre-commit-hooks.yaml` as
//! they are, except that they run the binary built for this test (`language: system`) instead
//! of having pre-commit build the repository with cargo.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `.pre-commit-hooks.yaml` as a `repo: local` configuration running this build's binary.
fn local_config() -> String {
    let hooks = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml"))
        .unwrap_or_else(|e| panic!(".pre-commit-hooks.yaml: {e}"));
    let bin = env!("CARGO_BIN_EXE_dindctl");
    let mut out = String::from("repos:\n  - repo: local\n    hooks:\n");
    for line in hooks.lines().filter(|l| !l.starts_with('#')) {
        let line = line
            .replace("language: rust", "language: system")
            .replace("entry: dindctl ", &format!("entry: {bin} "));
        // Only the check hook is exercised; the render hook needs a profile of the repository.
        out.push_str(&format!("      {line}\n"));
    }
    out
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap_or_else(|e| panic!("git {args:?}: {e}"))
}

/// Copies `examples/<stack>` to `<repo>/<at>`, stages it, and runs the check hook as pre-commit
/// runs it on a commit. Returns pre-commit's exit code and output.
fn run_hook(stack: &str, at: &str) -> (i32, String) {
    let dir = tempdir();
    let root = dir.path();
    assert!(git(root, &["init", "-q"]).status.success());
    let dest = if at.is_empty() {
        root.to_path_buf()
    } else {
        root.join(at)
    };
    for (rel, bytes) in snapshot_dir(&repo().join("examples").join(stack)) {
        let path = dest.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    }
    write(&root.join(".pre-commit-config.yaml"), &local_config());
    write(&root.join("README.md"), "a repository with a DinD stack\n");
    assert!(git(root, &["add", "-A"]).status.success());
    let o = Command::new("pre-commit")
        .args(["run", "dindctl-check"])
        .current_dir(root)
        .env("PRE_COMMIT_HOME", root.join(".pre-commit-home"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("pre-commit: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), text)
}

#[test]
fn the_check_hook_fails_broken_stacks_and_passes_fixed_ones() {
    if !have("pre-commit") || !have("git") {
        assert!(
            std::env::var_os("CI").is_none(),
            "pre-commit and git are needed (`pip install pre-commit`); CI must run this test"
        );
        eprintln!("skipped: pre-commit or git is not installed");
        return;
    }
    for at in ["", "deploy"] {
        let (code, text) = run_hook("broken-stack", at);
        assert_eq!(
            code, 1,
            "the broken stack at `{at}` must fail the hook:\n{text}"
        );
        assert!(
            text.contains("daemon-port-exposed") && text.contains("Failed"),
            "the hook reports the findings:\n{text}"
        );
        let (code, text) = run_hook("fixed-stack", at);
        assert_eq!(
            code, 0,
            "the fixed stack at `{at}` must pass the hook:\n{text}"
        );
        assert!(text.contains("Passed"), "{text}");
    }
}
