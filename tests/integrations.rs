//! The CI integrations as their runners execute them: the GitHub composite action's steps and
//! the GitLab job's script, run by bash with dindctl on the PATH, on the example stacks.

mod common;

use common::*;
use dindctl::source::SourceDb;
use dindctl::yaml;
use serde_json::Value;

fn yaml_file(rel: &str) -> Value {
    let text = std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut db = SourceDb::new();
    let id = db.add(rel.to_string(), text.clone());
    let parsed = yaml::parse(id, &text, yaml::Limits::default());
    assert!(parsed.errors.is_empty(), "{rel}: {:?}", parsed.errors);
    parsed
        .documents
        .first()
        .map(yaml::Node::to_json)
        .unwrap_or_default()
}

/// A directory holding only a `dindctl` that runs the binary under test.
fn path_with_dindctl(dir: &std::path::Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_dindctl"), bin.join("dindctl"))
        .unwrap_or_else(|e| panic!("{e}"));
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Runs a step's `run:` script the way the runner does (`bash -e {0}`), `${{ … }}` already
/// replaced by the step's `env:`.
fn run_step(script: &str, env: &[(&str, String)], cwd: &std::path::Path) -> std::process::Output {
    let mut c = std::process::Command::new("bash");
    c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(cwd);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap_or_else(|e| panic!("bash: {e}"))
}

#[test]
fn the_github_action_checks_and_writes_a_sarif_report() {
    let action = yaml_file("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    for input in ["paths", "fail-on", "format", "report", "upload"] {
        assert!(
            action["inputs"][input]["description"].is_string(),
            "{input}"
        );
    }
    let steps = action["runs"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let step = |id: &str| -> Value {
        steps
            .iter()
            .find(|s| s["name"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no step {id}"))
    };
    assert_eq!(
        step("Upload to code scanning")["uses"],
        "github/codeql-action/upload-sarif@v3"
    );
    let dir = tempdir();
    let path = path_with_dindctl(dir.path());
    let output = dir.path().join("github_output");
    let github_path = dir.path().join("github_path");
    // Install: dindctl is on the PATH already, so nothing is built.
    let install = run_step(
        step("Install dindctl")["run"].as_str().unwrap_or_default(),
        &[
            ("PATH", path.clone()),
            ("GITHUB_PATH", github_path.display().to_string()),
            ("RUNNER_TEMP", dir.path().display().to_string()),
            ("ACTION_DIR", repo().display().to_string()),
        ],
        &repo(),
    );
    assert!(
        install.status.success(),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );
    let check = step("Check")["run"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let report = dir.path().join("dindctl.sarif");
    for (paths, want) in [
        ("examples/broken-stack", "1"),
        ("examples/fixed-stack", "0"),
        (
            "examples/fixed-stack examples/broken-stack/docker-compose.dind.yml",
            "1",
        ),
    ] {
        let _ = std::fs::remove_file(&output);
        let o = run_step(
            &check,
            &[
                ("PATH", path.clone()),
                ("PATHS", paths.to_string()),
                ("FAIL_ON", "error".into()),
                ("FORMAT", "sarif".into()),
                ("REPORT", report.display().to_string()),
                ("GITHUB_OUTPUT", output.display().to_string()),
            ],
            &repo(),
        );
        assert!(
            o.status.success(),
            "the step itself succeeds: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = std::fs::read_to_string(&output).unwrap_or_default();
        assert_eq!(out.trim(), format!("exit-code={want}"), "{paths}");
        let sarif: Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap_or_default())
                .unwrap_or_else(|e| panic!("{paths}: not SARIF: {e}"));
        assert_eq!(sarif["version"], "2.1.0");
    }
    // The last step fails the job with dindctl's exit code.
    let result = run_step(
        step("Result")["run"].as_str().unwrap_or_default(),
        &[("CODE", "1".into())],
        &repo(),
    );
    assert_eq!(result.status.code(), Some(1));
}

#[test]
fn the_gitlab_job_writes_a_code_quality_report() {
    let template = yaml_file("ci/dindctl.gitlab-ci.yml");
    let job = &template["dindctl-check"];
    assert_eq!(
        job["artifacts"]["reports"]["codequality"],
        "gl-code-quality-report.json"
    );
    assert_eq!(job["artifacts"]["when"], "always");
    let script: Vec<String> = job["script"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    let dir = tempdir();
    let work = dir.path().join("repo");
    std::fs::create_dir_all(&work).unwrap_or_else(|e| panic!("{e}"));
    let path = path_with_dindctl(dir.path());
    for (stack, want) in [("broken-stack", 1), ("fixed-stack", 0)] {
        let o = run_step(
            &script.join("\n"),
            &[
                ("PATH", path.clone()),
                (
                    "DINDCTL_PATHS",
                    repo().join("examples").join(stack).display().to_string(),
                ),
                ("DINDCTL_FAIL_ON", "error".into()),
                ("DINDCTL_SOURCE", String::new()),
            ],
            &work,
        );
        assert_eq!(
            o.status.code(),
            Some(want),
            "{stack}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(work.join("gl-code-quality-report.json")).unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{stack}: {e}"));
        let issues = report.as_array().cloned().unwrap_or_default();
        assert!(
            issues
                .iter()
                .all(|i| i["fingerprint"].is_string() && i["location"]["lines"]["begin"].is_u64())
        );
        assert_eq!(
            issues.iter().any(|i| i["severity"] == "major"),
            want == 1,
            "{stack}"
        );
    }
    // Without dindctl and without a source, the job says what to set.
    let o = run_step(
        &script.join("\n"),
        &[
            ("PATH", "/usr/bin:/bin".into()),
            ("DINDCTL_SOURCE", String::new()),
        ],
        &work,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("DINDCTL_SOURCE"));
}
