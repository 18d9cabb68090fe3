//! The hostile inputs that once crashed dindctl, took minutes or gigabytes, or blocked forever
//! (one per reproducer of the hostile-input report). Each runs the real binary under a
//! 1 GiB address-space limit and a 60 s watchdog — bounds for a crash or a hang, far above
//! what the inputs take now (milliseconds and tens of MiB: `bench/complexity.py` measures
//! that) — and must end with an answer: exit 0, 1 or 2, with the message where it is refused.

mod common;

use std::path::Path;

use common::*;

/// Runs `dindctl ARGS` in `dir` under the bounds; returns (exit code or -signal, stderr+stdout).
fn bounded(dir: &Path, args: &[&str]) -> (i32, String) {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!(
        "ulimit -v 1048576; exec timeout -s KILL 60 '{}' {}",
        env!("CARGO_BIN_EXE_dindctl"),
        quoted.join(" ")
    );
    let o = std::process::Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    let code = o.status.code().unwrap_or_else(|| {
        use std::os::unix::process::ExitStatusExt as _;
        -o.status.signal().unwrap_or(0)
    });
    (code, format!("{}{}", stderr(&o), stdout(&o)))
}

fn answers(name: &str, dir: &Path, args: &[&str], expect: &str) {
    let (code, out) = bounded(dir, args);
    assert!(
        (0..=2).contains(&code),
        "{name}: exit {code} (a crash, the memory bound or the watchdog):\n{}",
        &out[..out.len().min(2000)]
    );
    assert!(
        out.contains(expect),
        "{name}: `{expect}` not in:\n{}",
        &out[..out.len().min(2000)]
    );
}

const S: &str = "services:\n  a:\n    image: x\n";

#[test]
fn nested_interpolation_is_bounded() {
    let dir = tempdir();
    write(
        &dir.path().join("a.yml"),
        &format!(
            "services:\n  a:\n    image: \"{}\"\n",
            "${A:-".repeat(30_000)
        ),
    );
    answers("unclosed", dir.path(), &["check", "a.yml"], "a.yml");
    write(
        &dir.path().join("b.yml"),
        &format!(
            "services:\n  a:\n    image: \"{}x{}\"\n",
            "${A:+".repeat(30_000),
            "}".repeat(30_000)
        ),
    );
    answers("closed ${X:+", dir.path(), &["check", "b.yml"], "b.yml");
}

#[test]
fn many_violations_merge_chains_ranges_and_items() {
    let dir = tempdir();
    let keys: String = (0..20_000).map(|i| format!("k{i}: {i}\n")).collect();
    write(&dir.path().join("keys.yml"), &format!("{S}{keys}"));
    answers(
        "20,000 unknown keys",
        dir.path(),
        &["check", "keys.yml", "--format", "json"],
        "schema-violation",
    );
    let profile: String = (0..20_000).map(|i| format!("u{i}: {i}\n")).collect();
    write(
        &dir.path().join("p.yaml"),
        &format!("extends: default\n{profile}"),
    );
    answers(
        "profile with 20,000 unknown keys",
        dir.path(),
        &["render", "--profile", "./p.yaml", "--out", "o"],
        "unknown key `u19999`",
    );
    let mut chain = String::from("x0: &a0 {k0: 0}\n");
    for i in 1..500 {
        chain.push_str(&format!("x{i}: &a{i} {{<<: *a{}, k{i}: {i}}}\n", i - 1));
    }
    write(&dir.path().join("merge.yml"), &format!("{chain}{S}"));
    answers(
        "500 << merges",
        dir.path(),
        &["check", "merge.yml"],
        "merge.yml",
    );
    let ports: String = (0..200)
        .map(|i| {
            format!(
                "      - \"127.0.{}.{}:1-65535:1-65535\"\n",
                i / 250,
                i % 250 + 1
            )
        })
        .collect();
    write(
        &dir.path().join("ports.yml"),
        &format!("{S}    ports:\n{ports}"),
    );
    answers(
        "200 full port ranges",
        dir.path(),
        &["check", "ports.yml"],
        "ports.yml",
    );
    let caps: String = (0..60_000).map(|i| format!("      - CAP_{i}\n")).collect();
    write(
        &dir.path().join("caps.yml"),
        &format!("{S}    cap_add:\n{caps}"),
    );
    answers(
        "60,000 cap_add",
        dir.path(),
        &["check", "caps.yml"],
        "caps.yml",
    );
    let inner = dir.path().join("inner");
    let docs: Vec<String> = (0..300)
        .map(|i| {
            format!(
                "apiVersion: mcp/v1\nkind: MCPContainer\nmetadata: {{name: m{i}}}\nspec:\n  image: x\n  ports:\n    \"127.0.{}.{}:1-65535\": \"1-65535\"\n",
                i / 250,
                i % 250 + 1
            )
        })
        .collect();
    write(
        &inner.join("compose.yml"),
        "services:\n  dind:\n    image: docker:27-dind\n    privileged: true\n",
    );
    write(&inner.join("mcp-manifests/all.yml"), &docs.join("---\n"));
    answers(
        "300 inner full ranges",
        &inner,
        &["check", "."],
        "inner-port-not-forwarded",
    );
}

#[test]
fn memory_bombs_are_refused() {
    let dir = tempdir();
    let big = "x".repeat(100 * 1024);
    let aliases: String = (0..40_000).map(|i| format!("      l{i}: *b\n")).collect();
    write(
        &dir.path().join("alias.yml"),
        &format!("big: &b \"{big}\"\n{S}    labels:\n{aliases}"),
    );
    answers(
        "100 KiB scalar aliased 40,000 times",
        dir.path(),
        &["check", "alias.yml"],
        "alias bomb",
    );
    let items: Vec<String> = (0..50_000).map(|i| i.to_string()).collect();
    let nested = format!(
        "x: {}{}{}\n{S}",
        (0..250).map(|i| format!("&n{i} [")).collect::<String>(),
        items.join(", "),
        "]".repeat(250)
    );
    write(&dir.path().join("anchors.yml"), &nested);
    answers(
        "250 nested anchors",
        dir.path(),
        &["check", "anchors.yml"],
        "anchors.yml",
    );
}

#[test]
fn unbounded_and_blocking_files_are_refused() {
    let dir = tempdir();
    let sparse = dir.path().join("compose.yml");
    std::fs::File::create(&sparse)
        .and_then(|f| f.set_len(1 << 30))
        .unwrap_or_else(|e| panic!("{e}"));
    answers(
        "1 GiB sparse file",
        dir.path(),
        &["check", "compose.yml"],
        "larger than the limit",
    );
    write(&dir.path().join("c.yml"), S);
    answers(
        "check /dev/zero",
        dir.path(),
        &["check", "/dev/zero"],
        "not a regular file",
    );
    answers(
        "--env-file /dev/zero",
        dir.path(),
        &["check", "c.yml", "--env-file", "/dev/zero"],
        "not a regular file",
    );
    answers(
        "--config /dev/zero",
        dir.path(),
        &["check", "c.yml", "--config", "/dev/zero"],
        "not a regular file",
    );
    let fifo = dir.path().join("f.yml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    answers(
        "a FIFO named on the command line",
        dir.path(),
        &["check", "f.yml"],
        "is a FIFO",
    );
    let ctr = "apiVersion: mcp/v1\nkind: MCPContainer\nmetadata: {name: a}\nspec:\n  image: x\n  secrets: [s]\n";
    for (name, target) in [("zero", "/dev/zero"), ("fifo", "../f.yml")] {
        let stack = dir.path().join(name);
        write(&stack.join("mcp-manifests/a.yml"), ctr);
        write(
            &stack.join("mcp-manifests/s.yml"),
            &format!(
                "apiVersion: mcp/v1\nkind: MCPSecret\nmetadata: {{name: s}}\nspec: {{file: {target}}}\n"
            ),
        );
        if name == "fifo" {
            std::fs::rename(&fifo, stack.join("f.yml")).unwrap_or_else(|e| panic!("{e}"));
        }
        answers(
            &format!("MCPSecret -> {name} (check)"),
            &stack,
            &["check", "."],
            "not a regular file",
        );
        for verb in [
            &["diff", "."][..],
            &["apply", ".", "--dry-run", "--skip-check"][..],
        ] {
            let mut args = verb.to_vec();
            args.extend([
                "--host",
                "unix:///nonexistent/dindctl-test.sock",
                "--timeout",
                "5",
            ]);
            answers(
                &format!("MCPSecret -> {name} ({})", verb[0]),
                &stack,
                &args,
                "not a regular file",
            );
        }
    }
    std::fs::write(
        dir.path().join("bad.yml"),
        b"services:\n  a:\n    image: \"x\xff\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    answers(
        "invalid UTF-8",
        dir.path(),
        &["check", "bad.yml"],
        "not valid UTF-8 at bad.yml:3:14",
    );
}
