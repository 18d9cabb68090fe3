//! `dindctl check`, `rules` and `explain` as a user runs them.

mod common;

use common::*;
use serde_json::{Value, json};

fn json_of(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// Turns off the informational rules that every small test stack triggers.
fn quiet(dir: &std::path::Path) {
    write(
        &dir.join("dindctl.toml"),
        "[rules]\nmissing-resource-limits = \"off\"\nhardening-suggestions = \"off\"\n",
    );
}

fn rules_of(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["rule"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_shipped_profile_checks_clean_above_info() {
    let dir = tempdir();
    for profile in ["default", "dev", "ci", "prod"] {
        let o = run_in(
            dir.path(),
            &[
                "check",
                "--profile",
                profile,
                "--format",
                "json",
                "--fail-on",
                "warning",
            ],
        );
        let v = json_of(&o);
        assert_eq!(code(&o), 0, "{profile}: {v:#}");
        assert_eq!(v["summary"]["errors"], 0, "{profile}");
        assert_eq!(v["summary"]["warnings"], 0, "{profile}");
        assert!(
            v["summary"]["files"].as_u64().unwrap_or(0) >= 4,
            "{profile}: {v}"
        );
    }
    let o = run_in(dir.path(), &["check", "--profile", "default"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("in 6 files"), "{}", stdout(&o));
}

/// Without a path, `check` checks the stack of the current directory — found as compose finds
/// its file, here or in a directory above — and never passes on nothing.
#[test]
fn check_without_a_path_checks_the_current_directory() {
    let dir = tempdir();
    let o = run_in(dir.path(), &["check"]);
    assert_eq!(code(&o), 2, "nothing to check is an error: {}", stderr(&o));
    assert!(
        stderr(&o).contains("no compose file and no mcp/v1 manifest found")
            && stderr(&o).contains("compose.yaml"),
        "{}",
        stderr(&o)
    );
    for (rel, bytes) in snapshot_dir(&repo().join("examples/broken-stack")) {
        let path = dir.path().join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    }
    // The broken stack's compose file has a name of its own: found by its `services:`.
    let o = run_in(dir.path(), &["check"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("daemon-port-exposed"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("inner-port-not-forwarded"),
        "manifests too: {}",
        stdout(&o)
    );
    // From a subdirectory, the standard name in a directory above is found.
    std::fs::rename(
        dir.path().join("docker-compose.dind.yml"),
        dir.path().join("compose.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(&dir.path().join("mcp-manifests"), &["check"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("daemon-port-exposed"), "{}", stdout(&o));
    // COMPOSE_FILE names the files, as for compose.
    let fixed = repo().join("examples/fixed-stack/docker-compose.dind.yml");
    let o = bin()
        .arg("check")
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("COMPOSE_FILE", &fixed)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("daemon-port-exposed"),
        "COMPOSE_FILE wins over the directory's file: {}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn awesome_compose_has_no_error_level_finding() {
    let corpus = shared("corpus/awesome-compose");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    assert!(files.len() >= 20);
    for file in files {
        let path = file.display().to_string();
        let o = run_in(&repo(), &["check", &path, "--format", "json"]);
        let v = json_of(&o);
        let errors: Vec<&Value> = v["findings"]
            .as_array()
            .map(|a| a.iter().filter(|f| f["severity"] == "error").collect())
            .unwrap_or_default();
        assert!(errors.is_empty(), "{path}: {errors:#?}");
        assert_eq!(code(&o), 0, "{path}");
    }
}

#[test]
fn json_has_the_documented_shape() {
    let dir = tempdir();
    write(
        &dir.path().join("compose.yaml"),
        "services:\n  api:\n    image: api:1.0\n    ports: [\"127.0.0.1:8080:80\"]\n  web:\n    image: web:1.0\n    ports: [\"127.0.0.1:8080:81\"]\n",
    );
    quiet(dir.path());
    let o = run_in(dir.path(), &["check", "compose.yaml", "--format", "json"]);
    assert_eq!(code(&o), 1);
    let expected = json!({
        "version": 1,
        "findings": [{
            "rule": "duplicate-host-port",
            "severity": "error",
            "message": "host port `8080/tcp` is published by both `api` and `web` on the host daemon",
            "file": "compose.yaml",
            "line": 7,
            "column": 13,
            "end_line": 7,
            "end_column": 32,
            "help": "give each container its own host port, or bind them to different host IPs",
            "related": [{"file": "compose.yaml", "line": 4, "column": 13, "message": "first published here"}]
        }],
        "summary": {"files": 1, "errors": 1, "warnings": 0, "infos": 0}
    });
    assert_eq!(json_of(&o), expected);
    // Keys come in the documented order.
    let text = stdout(&o);
    let order = [
        "\"rule\"",
        "\"severity\"",
        "\"message\"",
        "\"file\"",
        "\"line\"",
        "\"column\"",
        "\"end_line\"",
        "\"end_column\"",
        "\"help\"",
        "\"related\"",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|k| text.find(k).unwrap_or(usize::MAX))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn exit_codes_and_fail_on() {
    let dir = tempdir();
    write(
        &dir.path().join("warn.yaml"),
        "services:\n  a:\n    image: postgres\n    deploy: {resources: {limits: {memory: 1g}}}\n",
    );
    write(
        &dir.path().join("err.yaml"),
        "services:\n  a:\n    image: a:1\n    ports: [\"99999:80\"]\n    deploy: {resources: {limits: {memory: 1g}}}\n",
    );
    assert_eq!(code(&run_in(dir.path(), &["check", "warn.yaml"])), 0);
    assert_eq!(
        code(&run_in(
            dir.path(),
            &["check", "warn.yaml", "--fail-on", "warning"]
        )),
        1
    );
    assert_eq!(code(&run_in(dir.path(), &["check", "err.yaml"])), 1);
    let o = run_in(dir.path(), &["check", "missing.yaml"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("cannot read `missing.yaml`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(code(&run_in(dir.path(), &["check", "--format", "xml"])), 2);
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(dir.path(), &["check", "empty"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("holds no compose file and no mcp/v1 manifest"));
}

#[test]
fn sarif_is_2_1_0_with_rules_and_stable() {
    let dir = tempdir();
    write(
        &dir.path().join("compose.yaml"),
        "version: '3'\nservices:\n  a:\n    image: a\n",
    );
    let a = run_in(dir.path(), &["check", ".", "--format", "sarif"]);
    let b = run_in(dir.path(), &["check", ".", "--format", "sarif"]);
    assert_eq!(stdout(&a), stdout(&b));
    let v = json_of(&a);
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rules.len(), dindctl::check::registry().len());
    assert!(
        rules
            .iter()
            .all(|r| r["shortDescription"]["text"].is_string() && r["help"]["text"].is_string())
    );
    let results = run["results"].as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(
        ids.contains(&"obsolete-version") && ids.contains(&"unpinned-image"),
        "{ids:?}"
    );
    let version = results
        .iter()
        .find(|r| r["ruleId"] == "obsolete-version")
        .cloned()
        .unwrap_or_default();
    let region = &version["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(version["level"], "warning");
    let idx = version["ruleIndex"].as_u64().unwrap_or(0) as usize;
    assert_eq!(rules[idx]["id"], "obsolete-version");
}

#[test]
fn github_annotations() {
    let dir = tempdir();
    write(
        &dir.path().join("compose.yaml"),
        "services:\n  a:\n    image: a:1\n    ports: [\"99999:80\"]\n",
    );
    let o = run_in(dir.path(), &["check", "compose.yaml", "--format", "github"]);
    let text = stdout(&o);
    assert!(
        text.lines().any(
            |l| l.starts_with("::error file=compose.yaml,line=4,col=13,")
                && l.contains("title=invalid-port::`services.a.ports[]`: invalid host port `99999` in `99999:80`")
        ),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("::notice file=compose.yaml,line=2,col=3,")),
        "{text}"
    );
}

#[test]
fn config_levels_ignores_and_mistakes() {
    let dir = tempdir();
    write(
        &dir.path().join("stack/compose.yaml"),
        "services:\n  a:\n    image: postgres\n",
    );
    write(
        &dir.path().join("other/compose.yaml"),
        "services:\n  b:\n    image: redis\n",
    );
    write(
        &dir.path().join("dindctl.toml"),
        "[rules]\nunpinned-image = \"error\"\n\n[[ignore]]\npaths = [\"other/**\"]\n\n[[ignore]]\npaths = [\"**\"]\nrules = [\"missing-resource-limits\", \"hardening-suggestions\"]\n",
    );
    let o = run_in(dir.path(), &["check", "stack", "other", "--format", "json"]);
    let v = json_of(&o);
    assert_eq!(rules_of(&v), ["unpinned-image"], "{v:#}");
    assert_eq!(v["findings"][0]["severity"], "error");
    assert_eq!(code(&o), 1);

    write(
        &dir.path().join("dindctl.toml"),
        "[rules]\nunpinned-imagee = \"off\"\n",
    );
    let o = run_in(dir.path(), &["check", "stack"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("dindctl.toml:2:1: error[config]: unknown rule `unpinned-imagee`"),
        "{}",
        stderr(&o)
    );

    // --config names a file explicitly; it is found from a subdirectory too.
    write(
        &dir.path().join("quiet.toml"),
        "[rules]\nunpinned-image = \"off\"\nmissing-resource-limits = \"off\"\nhardening-suggestions = \"off\"\n",
    );
    let o = run_in(
        dir.path(),
        &[
            "check",
            "stack",
            "--config",
            "quiet.toml",
            "--format",
            "json",
        ],
    );
    assert!(rules_of(&json_of(&o)).is_empty());
}

#[test]
fn inline_suppressions() {
    let dir = tempdir();
    write(
        &dir.path().join("compose.yaml"),
        "# dindctl: ignore-file[missing-resource-limits, hardening-suggestions]\nservices:\n  a:\n    image: postgres  # dindctl: ignore[unpinned-image]\n  b:\n    # dindctl: ignore[unpinned-image, privileged-host-port]\n    image: redis\n  c:\n    image: nginx\n",
    );
    let o = run_in(dir.path(), &["check", "compose.yaml", "--format", "json"]);
    let v = json_of(&o);
    let found: Vec<(String, u64)> = v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_string(),
                        f["line"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        found,
        [
            ("unused-suppression".to_string(), 6),
            ("unpinned-image".to_string(), 9)
        ],
        "{v:#}"
    );
}

#[test]
fn compose_files_merge_in_order_with_anchors_and_env() {
    let dir = tempdir();
    write(
        &dir.path().join("base.yaml"),
        "x-web: &web\n  image: web:1\n  deploy: {resources: {limits: {memory: 1g}}}\nservices:\n  web:\n    <<: *web\n    ports: [\"127.0.0.1:${WEB_PORT}:80\"]\n",
    );
    write(
        &dir.path().join("override.yaml"),
        "services:\n  web:\n    ports: [\"127.0.0.1:8080:81\"]\n",
    );
    write(&dir.path().join(".env"), "WEB_PORT=8080\n");
    write(&dir.path().join("other.env"), "WEB_PORT=9090\n");
    quiet(dir.path());
    let args = [
        "check",
        "-f",
        "base.yaml",
        "-f",
        "override.yaml",
        "--format",
        "json",
    ];
    let v = json_of(&run_in(dir.path(), &args));
    assert_eq!(rules_of(&v), ["duplicate-host-port"], "{v:#}");
    assert_eq!(v["findings"][0]["file"], "override.yaml");
    assert_eq!(v["findings"][0]["related"][0]["file"], "base.yaml");

    let mut with_env = args.to_vec();
    with_env.extend(["--env-file", "other.env"]);
    assert!(rules_of(&json_of(&run_in(dir.path(), &with_env))).is_empty());

    std::fs::remove_file(dir.path().join(".env")).unwrap_or_else(|e| panic!("{e}"));
    let v = json_of(&run_in(dir.path(), &args));
    assert_eq!(
        rules_of(&v),
        ["unresolved-variable"],
        "an unknown port is not a duplicate: {v:#}"
    );
}

#[test]
fn a_rendered_profile_points_back_at_the_profile() {
    let dir = tempdir();
    write(
        &dir.path().join("p.yaml"),
        "extends: default\nmcp_servers:\n  http:\n    host_port: 13001\n",
    );
    let o = run_in(
        dir.path(),
        &["check", "--profile", "p.yaml", "--format", "json"],
    );
    let v = json_of(&o);
    assert_eq!(code(&o), 1);
    let dup = v["findings"]
        .as_array()
        .and_then(|a| {
            a.iter().find(|f| {
                // compose keeps one of two identical port entries: the outer file has the
                // forward twice, which is reported as the dropped entry.
                f["rule"] == "overridden-entry"
                    && f["file"] == "build/dindctl/docker-compose.dind.yml"
            })
        })
        .cloned();
    let dup = dup.unwrap_or_else(|| panic!("no outer duplicate: {v:#}"));
    let related = dup["related"].as_array().cloned().unwrap_or_default();
    assert!(
        related.iter().any(|r| r["file"] == "p.yaml"
            && r["line"] == 4
            && r["message"] == "set in the profile here"),
        "{dup:#}"
    );
    let inner = v["findings"]
        .as_array()
        .map(|a| {
            a.iter().any(|f| {
                f["rule"] == "duplicate-host-port"
                    && f["file"] == "build/dindctl/mcp-manifests/postgres-mcp.yml"
                    || f["file"] == "build/dindctl/mcp-manifests/http-mcp.yml"
            })
        })
        .unwrap_or(false);
    assert!(inner, "the inner layer has the duplicate too: {v:#}");
}

#[test]
fn human_output_has_no_colour_when_piped() {
    let dir = tempdir();
    write(
        &dir.path().join("compose.yaml"),
        "services:\n  a:\n    image: a\n",
    );
    let o = run_in(dir.path(), &["check", "compose.yaml"]);
    let text = stdout(&o);
    assert!(!text.contains('\u{1b}'));
    assert!(
        text.contains(
            "warning[unpinned-image]: image `a` of `a` has no tag\n --> compose.yaml:3:12\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("0 errors, 1 warning, 2 infos in 1 file\n"),
        "{text}"
    );
}

#[test]
fn rules_and_explain() {
    let dir = tempdir();
    let o = run_in(dir.path(), &["rules"]);
    let text = stdout(&o);
    for rule in dindctl::check::registry() {
        assert!(text.contains(rule.meta().id), "{}", rule.meta().id);
    }
    let o = run_in(dir.path(), &["explain", "duplicate-host-port"]);
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    assert!(text.starts_with("# duplicate-host-port (error)"));
    assert!(
        text.contains("## Why is this bad?") && text.contains("Use instead:"),
        "{text}"
    );
    let o = run_in(dir.path(), &["explain", "host-port"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean `duplicate-host-port`"),
        "{}",
        stderr(&o)
    );
}

/// A stack large enough for the schema to be checked on a second thread finds the same kinds
/// of problems as a small one.
#[test]
fn a_large_stack_is_checked_in_parallel_with_the_same_findings() {
    let dir = tempdir();
    let mut text = String::from("services:\n");
    for i in 0..700 {
        text.push_str(&format!(
            "  svc{i}:\n    image: registry.example/app:1.{i}\n    ports: [\"127.0.0.1:{}:80\"]\n    environment: {{INDEX: \"{i}\"}}\n",
            20000 + i
        ));
    }
    text.push_str("  broken:\n    image: b:1\n    restart_policy: always\n    ports: [\"127.0.0.1:20001:80\"]\n");
    assert!(text.len() > 64 * 1024, "{} bytes", text.len());
    write(&dir.path().join("compose.yaml"), &text);
    quiet(dir.path());
    let v = json_of(&run_in(
        dir.path(),
        &["check", "compose.yaml", "--format", "json"],
    ));
    let mut rules = rules_of(&v);
    rules.sort();
    assert_eq!(rules, ["duplicate-host-port", "schema-violation"], "{v:#}");
}

/// Manifests kept where the DinD service bind-mounts them belong to the stack.
#[test]
fn manifests_in_a_directory_the_dind_service_mounts_are_found() {
    let dir = tempdir();
    write(
        &dir.path().join("compose.yaml"),
        "services:\n  dind:\n    image: docker:27.3.1-dind\n    privileged: true\n    volumes:\n      - ./orchestrator/mcp-manifests:/srv/manifests:ro\n      - dind-data:/var/lib/docker\nvolumes:\n  dind-data: {}\n",
    );
    write(
        &dir.path().join("orchestrator/mcp-manifests/search.yml"),
        "apiVersion: mcp/v1\nkind: MCPContainer\nmetadata: {name: search}\nspec:\n  image: search:1.0.0\n  ports: {\"13005\": \"3000\"}\n",
    );
    let o = run_in(dir.path(), &["check", "--format", "json"]);
    let v = json_of(&o);
    let files = v["summary"]["files"].as_u64().unwrap_or(0);
    assert_eq!(files, 2, "{v:#}");
    let forwarded = v["findings"]
        .as_array()
        .is_some_and(|a| a.iter().any(|f| f["rule"] == "inner-port-not-forwarded"));
    assert!(
        forwarded,
        "the inner manifest is checked with the outer file: {v:#}"
    );
}

/// `--select` and `--ignore` choose rules from the command line, as linters do; an unknown id
/// is an error with the closest known one.
#[test]
fn rules_selected_and_ignored_on_the_command_line() {
    let dir = tempdir();
    write(
        &dir.path().join("c.yaml"),
        "services:\n  a:\n    image: postgres\n    privileged: true\n    ports: [\"99999:80\"]\n",
    );
    let all = json_of(&run_in(
        dir.path(),
        &["check", "c.yaml", "--format", "json"],
    ));
    let all_rules = rules_of(&all);
    assert!(
        all_rules.iter().any(|r| r == "invalid-port")
            && all_rules.iter().any(|r| r == "unpinned-image"),
        "{all:#}"
    );
    let o = run_in(
        dir.path(),
        &[
            "check",
            "c.yaml",
            "--format",
            "json",
            "--select",
            "unpinned-image,privileged-container",
        ],
    );
    let mut got = rules_of(&json_of(&o));
    got.sort();
    got.dedup();
    assert_eq!(got, ["privileged-container", "unpinned-image"]);
    assert_eq!(code(&o), 0, "only warnings are left");
    let o = run_in(
        dir.path(),
        &[
            "check",
            "c.yaml",
            "--format",
            "json",
            "--ignore",
            "invalid-port",
            "--ignore",
            "unpinned-image",
        ],
    );
    let got = rules_of(&json_of(&o));
    assert!(
        !got.iter()
            .any(|r| r == "invalid-port" || r == "unpinned-image"),
        "{got:?}"
    );
    assert!(got.iter().any(|r| r == "privileged-container"), "{got:?}");
    let o = run_in(
        dir.path(),
        &["check", "c.yaml", "--select", "unpined-image"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no rule `unpined-image`")
            && stderr(&o).contains("did you mean `unpinned-image`?"),
        "{}",
        stderr(&o)
    );
}

/// `--format gitlab` (GitLab Code Quality) and `--format junit`: the fields each consumer
/// reads; fingerprints stable across runs and when lines move; JUnit well-formed XML with a
/// test case per enabled rule and file.
#[test]
fn gitlab_code_quality_and_junit_reports() {
    let dir = tempdir();
    let compose = "services:\n  a:\n    image: postgres\n    privileged: true\n    ports: [\"99999:80\"]\n  b:\n    image: postgres\n";
    write(&dir.path().join("c.yaml"), compose);
    let gitlab = |dir: &std::path::Path| -> Vec<Value> {
        let o = run_in(dir, &["check", "c.yaml", "--format", "gitlab"]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        serde_json::from_str::<Value>(&stdout(&o))
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_else(|| panic!("not a JSON array: {}", stdout(&o)))
    };
    let first = gitlab(dir.path());
    assert!(first.len() >= 4, "{first:#?}");
    for issue in &first {
        assert!(
            issue["description"].is_string() && issue["check_name"].is_string(),
            "{issue}"
        );
        assert!(
            issue["fingerprint"].as_str().is_some_and(|f| f.len() == 64),
            "{issue}"
        );
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap_or("")),
            "{issue}"
        );
        assert_eq!(issue["location"]["path"], "c.yaml");
        assert!(
            issue["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|l| l >= 1),
            "{issue}"
        );
    }
    let prints = |v: &[Value]| -> Vec<String> {
        v.iter()
            .map(|i| i["fingerprint"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let mut unique = prints(&first);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first.len(), "fingerprints are unique");
    assert_eq!(
        prints(&gitlab(dir.path())),
        prints(&first),
        "stable across runs"
    );
    write(
        &dir.path().join("c.yaml"),
        &format!("# a comment moves every line\n\n{compose}"),
    );
    let shifted = gitlab(dir.path());
    assert_eq!(prints(&shifted), prints(&first), "stable when lines move");
    assert_eq!(
        shifted[0]["location"]["lines"]["begin"].as_u64(),
        first[0]["location"]["lines"]["begin"]
            .as_u64()
            .map(|l| l + 2)
    );

    let o = run_in(
        dir.path(),
        &[
            "check",
            "c.yaml",
            "--format",
            "junit",
            "--select",
            "invalid-port,unpinned-image,privileged-container,duplicate-host-port",
        ],
    );
    assert_eq!(code(&o), 1);
    let xml = stdout(&o);
    write(&dir.path().join("report.xml"), &xml);
    let parsed = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); \
             cases = r.findall('.//testcase'); \
             print(len(cases), sum(1 for c in cases if c.find('failure') is not None), \
                   sorted(c.get('name') for c in cases if c.find('failure') is not None))",
            "report.xml",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(
        parsed.status.success(),
        "{}\n{xml}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    // One file, four enabled rules: four cases; the error fails, the warnings are output.
    assert_eq!(
        String::from_utf8_lossy(&parsed.stdout).trim(),
        "4 1 ['invalid-port']",
        "{xml}"
    );
    assert!(
        xml.contains("<system-out>") && xml.contains("unpinned-image"),
        "{xml}"
    );
}

/// The SARIF report of a stack with findings of every kind validates against the OASIS SARIF
/// 2.1.0 schema (`tests/schemas/`), and its fingerprints survive lines moving.
#[test]
fn sarif_validates_against_the_official_schema() {
    // The official schema's `language` pattern has a stray `]` (`…{2}]?$`), which an ECMA
    // regex engine refuses; it is read as the literal it stands for in lenient engines. The
    // file itself is kept as published.
    let text = std::fs::read_to_string(repo().join("tests/schemas/sarif-schema-2.1.0.json"))
        .unwrap_or_default()
        .replace(
            r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
            r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#,
        );
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("schema: {e}"));
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(
        &repo(),
        &["check", "examples/broken-stack", "--format", "sarif"],
    );
    let report = json_of(&o);
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        report["runs"][0]["results"]
            .as_array()
            .is_some_and(|r| r.len() > 5)
    );
    // And the schema is strict enough to notice a broken report.
    let mut broken = report.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));

    let dir = tempdir();
    let compose = "services:\n  a:\n    image: postgres\n    privileged: true\n";
    write(&dir.path().join("c.yaml"), compose);
    let prints = |dir: &std::path::Path| -> Vec<String> {
        let v = json_of(&run_in(dir, &["check", "c.yaml", "--format", "sarif"]));
        v["runs"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["dindctlFinding/v1"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    let before = prints(dir.path());
    assert!(
        !before.is_empty() && before.iter().all(|p| p.len() == 64),
        "{before:?}"
    );
    write(&dir.path().join("c.yaml"), &format!("# moved\n{compose}"));
    assert_eq!(prints(dir.path()), before);
}
