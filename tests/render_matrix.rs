//! Every combination of the profile's switches renders a stack that its own `check` passes:
//! no finding above info (so no unused volume or network either), after the user has put the
//! secret files and mounted directories where the profile says they are.

mod common;

use common::*;

/// One profile switch: its name, and the YAML it adds to a profile extending `default` when on
/// and when off.
struct Switch {
    name: &'static str,
    on: &'static str,
    off: &'static str,
}

const SWITCHES: &[Switch] = &[
    Switch {
        name: "tls",
        on: "dind: {tls: true}\n",
        off: "dind: {tls: false}\n",
    },
    Switch {
        name: "connection-tls",
        on: "manager: {connection: tls}\n",
        off: "manager: {connection: socket}\n",
    },
    Switch {
        name: "publish-daemon-port",
        on: "dind: {publish_daemon_port: {host_ip: 127.0.0.1}}\n",
        off: "dind: {publish_daemon_port: null}\n",
    },
    Switch {
        name: "mounts",
        on: "dind: {mounts: [{source: ./workspace, target: /workspace, read_only: true}]}\n\
             mcp_servers: {files: {volumes: {files_mcp_data: /data, /workspace: /srv}}}\n",
        off: "dind: {mounts: []}\n",
    },
    Switch {
        name: "inner-networks",
        on: "",
        off: "inner_networks: null\n\
              mcp_servers: {postgres: {networks: null}, files: {networks: null}, http: {networks: null}}\n",
    },
    Switch {
        name: "mcp",
        on: "mcp_servers:\n\
             \x20 files: {mcp: {transport: streamable-http, timeout: 5s, expect: {tools: [read], min_tools: 1}}}\n\
             \x20 http: {mcp: {transport: sse, path: /events}}\n\
             \x20 tools: {image: ghcr.io/example/tools-mcp:1.0.0, mcp: {transport: stdio}}\n",
        off: "",
    },
    Switch {
        name: "secrets",
        on: "",
        off: "secrets: null\n\
              mcp_servers: {postgres: {secrets: null, environment: {POSTGRES_PASSWORD_FILE: null}}}\n",
    },
];

/// Joins the parts into one profile: repeated top-level keys are merged by writing each part
/// as its own profile level (`extends` chain), which is how a user layers them too.
fn write_profile(dir: &std::path::Path, parts: &[&str]) -> std::path::PathBuf {
    let mut parent = "default".to_string();
    for (i, part) in parts.iter().enumerate() {
        let name = format!("level{i}.yaml");
        write(
            &dir.join(&name),
            &format!("name: level{i}\nextends: {parent}\n{part}"),
        );
        parent = dir.join(&name).display().to_string();
    }
    std::path::PathBuf::from(parent)
}

#[test]
fn every_switch_combination_renders_a_stack_its_check_passes() {
    let n = SWITCHES.len();
    let mut rendered = 0;
    let mut refused = Vec::new();
    let mut failures = Vec::new();
    for mask in 0..(1u32 << n) {
        let on = |i: usize| mask & (1 << i) != 0;
        let label: Vec<String> = SWITCHES
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}={}", s.name, if on(i) { "on" } else { "off" }))
            .collect();
        let label = label.join(",");
        let dir = tempdir();
        let parts: Vec<&str> = SWITCHES
            .iter()
            .enumerate()
            .map(|(i, s)| if on(i) { s.on } else { s.off })
            .filter(|p| !p.is_empty())
            .collect();
        let profile = write_profile(dir.path(), &parts);
        let o = run_in(
            dir.path(),
            &[
                "render",
                "--profile",
                &profile.display().to_string(),
                "--out",
                "out",
            ],
        );
        if code(&o) != 0 {
            // Only contradictory switches may be refused, and with a message.
            refused.push(format!("{label}: {}", stderr(&o)));
            continue;
        }
        rendered += 1;
        let out = dir.path().join("out");
        let manifests = snapshot_dir(&out.join("mcp-manifests"));
        for (name, bytes) in &manifests {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains(": False") && !text.contains(": True"),
                "{label}: {name} writes a capitalised boolean:\n{text}"
            );
        }
        let switch = |name: &str| SWITCHES.iter().position(|s| s.name == name).is_some_and(on);
        if switch("mounts") {
            std::fs::create_dir_all(out.join("workspace")).unwrap_or_default();
        }
        if switch("secrets") {
            write(
                &out.join("secrets/postgres_password"),
                "not-a-real-password\n",
            );
        }
        if switch("mcp") {
            let tools = manifests
                .iter()
                .find(|(n, _)| n.contains("tools"))
                .map(|(_, b)| String::from_utf8_lossy(b).to_string())
                .unwrap_or_default();
            assert!(
                tools.contains("  mcp:\n    transport: stdio\n") && !tools.contains("ports:"),
                "{label}: a stdio server has neither ports nor an MCP port:\n{tools}"
            );
        }
        let o = run_in(dir.path(), &["check", "out", "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap_or_default();
        let above_info = findings_above_info(&json);
        if code(&o) != 0 || !above_info.is_empty() || json["findings"].is_null() {
            failures.push(format!(
                "{label}: exit {}: {above_info:#?} {}",
                code(&o),
                stderr(&o)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Two contradictions are refused by the profile loader, with a message naming the
    // switch: TLS client certificates from a daemon without TLS, and a published daemon port
    // without TLS. Every other combination renders.
    let contradictory = |r: &String| {
        r.starts_with("tls=off")
            && (r.contains("connection-tls=on") || r.contains("publish-daemon-port=on"))
            && (r.contains("needs `dind.tls: true`") || r.contains("unauthenticated API"))
    };
    assert!(refused.iter().all(contradictory), "{}", refused.join("\n"));
    // Of the 2^n combinations, tls=off refuses 3 of the 4 connection/publish pairs.
    let all = 1 << SWITCHES.len();
    assert_eq!(
        rendered,
        all - all / 2 * 3 / 4,
        "refused: {}",
        refused.join("\n")
    );
}
