//! The README's walk-through: `examples/quickstart/run` builds a local image and takes the
//! quick-start profile through check → apply → status → diff → change → apply → down on this
//! machine's Docker daemon. Everything it creates carries the project label and is removed by
//! its own `down`, whatever the outcome.

mod common;

use common::*;

#[test]
fn the_quickstart_demo_runs_on_the_local_daemon() {
    let script = repo().join("examples/quickstart/run");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .env("DINDCTL", env!("CARGO_BIN_EXE_dindctl"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(code(&out), 0, "{all}");
    for expected in [
        "no findings",
        "Apply complete: 2 added, 0 changed, 0 destroyed.",
        "hello  dindctl-quickstart/hello:1  running  healthy  18080->8080/tcp",
        // apply speaks MCP to the server once it is healthy, verify does it on demand, and
        // status shows what the last handshake found.
        "PROTOCOL    SERVER       TOOLS",
        "2026-07-28  hello 1.0.0  2",
        "hello  streamable-http  127.0.0.1:18080  2026-07-28  hello 1.0.0  2",
        "1 of 1 MCP server(s) verified",
        "MCP: 1 of 1 server(s) answered the handshake",
        "# environment.GREETING changed",
        "Apply complete: 0 added, 1 changed, 0 destroyed.",
        "container hello removed",
    ] {
        assert!(all.contains(expected), "missing `{expected}`:\n{all}");
    }
    // The first diff after apply and the last apply find nothing to do.
    assert_eq!(all.matches("No changes.").count(), 2, "{all}");
    // And nothing of the project is left on the daemon.
    let left = std::process::Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            "label=io.dindctl.project=dindctl-quickstart",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    assert_eq!(left, "", "left behind");
}
