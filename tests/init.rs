//! `dindctl init`: a starting point that renders and checks clean, never overwriting a file.

mod common;

use common::*;

fn checked(dir: &std::path::Path, args: &[&str]) -> (i32, Vec<String>) {
    let o = run_in(dir, args);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap_or_default();
    assert!(v["summary"].is_object(), "{}{}", stdout(&o), stderr(&o));
    (code(&o), findings_above_info(&v))
}

#[test]
fn init_writes_a_project_that_renders_and_checks_clean() {
    let dir = tempdir();
    let root = dir.path().join("Acme MCP");
    std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("{e}"));
    write(&root.join(".gitignore"), "target/");
    let o = run_in(
        &root,
        &[
            "init",
            "--server",
            "search=ghcr.io:443/acme/search-mcp:1.2.0:3000",
            "--server",
            "fetch=ghcr.io/acme/fetch:2.0.1:8080",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let profile = root.join("profiles/acmemcp.yaml");
    let text = std::fs::read_to_string(&profile).unwrap_or_default();
    assert!(
        text.contains("project: acmemcp")
            && text.contains("image: \"ghcr.io:443/acme/search-mcp:1.2.0\""),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join(".gitignore")).unwrap_or_default(),
        "target/\n# dindctl render output\n/build/\n"
    );
    // Checks clean as a profile and once rendered; the rendered stack has both servers.
    let (c, above) = checked(
        &root,
        &[
            "check",
            "--profile",
            "profiles/acmemcp.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!((c, above), (0, Vec::<String>::new()));
    let o = run_in(&root, &["render", "--profile", "profiles/acmemcp.yaml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for server in ["search", "fetch"] {
        assert!(
            root.join(format!("build/dindctl/mcp-manifests/{server}-mcp.yml"))
                .is_file(),
            "{server}"
        );
    }
    let (c, above) = checked(&root, &["check", "build/dindctl", "--format", "json"]);
    assert_eq!((c, above), (0, Vec::<String>::new()));
    // The configuration it wrote is one dindctl reads, and the hooks one pre-commit accepts.
    let o = run_in(
        &root,
        &[
            "check",
            "--profile",
            "profiles/acmemcp.yaml",
            "--config",
            "dindctl.toml",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    if let Ok(pc) = std::process::Command::new("pre-commit")
        .args(["validate-config", ".pre-commit-config.yaml"])
        .current_dir(&root)
        .output()
    {
        assert!(
            pc.status.success(),
            "{}",
            String::from_utf8_lossy(&pc.stdout)
        );
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must validate the hooks with pre-commit"
        );
    }

    // A second run overwrites nothing and names what exists; --force replaces.
    write(&root.join("dindctl.toml"), "# mine\n");
    let o = run_in(&root, &["init", "--server", "other=img:1:80"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("dindctl.toml") && stderr(&o).contains("--force"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("dindctl.toml")).unwrap_or_default(),
        "# mine\n"
    );
    assert!(
        !std::fs::read_to_string(&profile)
            .unwrap_or_default()
            .contains("other")
    );
    let o = run_in(&root, &["init", "--force", "--server", "other=img:1:80"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(&profile)
            .unwrap_or_default()
            .contains("other:")
    );
    assert_eq!(
        std::fs::read_to_string(root.join(".gitignore"))
            .unwrap_or_default()
            .matches("/build/")
            .count(),
        1,
        "build/ is not added twice"
    );
}

#[test]
fn init_refuses_bad_server_specs() {
    let dir = tempdir();
    for (spec, why) in [
        ("search", "no `=`"),
        ("search=img", "no `:PORT`"),
        ("search=img:99999", "the port"),
        ("Search=img:1", "lowercase"),
        ("files=img:1", "example server"),
    ] {
        let o = run_in(dir.path(), &["init", "--server", spec]);
        assert_eq!(code(&o), 2, "{spec}");
        assert!(stderr(&o).contains(why), "{spec}: {}", stderr(&o));
    }
    for project in ["My Proj", "_x", "UPPER"] {
        let o = run_in(dir.path(), &["init", "--project", project]);
        assert_eq!(code(&o), 2, "{project}");
        assert!(
            stderr(&o).contains("is not a compose project name"),
            "{}",
            stderr(&o)
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "nothing written"
    );
}

#[test]
fn init_into_a_new_directory_names_the_project_after_it() {
    let dir = tempdir();
    let o = run_in(
        dir.path(),
        &[
            "init",
            "--dir",
            "New Stack",
            "--server",
            "search=ghcr.io/acme/search-mcp:1.2.0:3000",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let profile = dir.path().join("New Stack/profiles/newstack.yaml");
    let text = std::fs::read_to_string(&profile).unwrap_or_default();
    assert!(text.contains("project: newstack"), "{text}");
    // The hint works from where the user stands: it enters the new directory first.
    assert!(
        stderr(&o)
            .contains("next: cd 'New Stack' && dindctl check --profile profiles/newstack.yaml"),
        "{}",
        stderr(&o)
    );
    let root = dir.path().join("New Stack");
    let o = run_in(&root, &["check", "--profile", "profiles/newstack.yaml"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}
