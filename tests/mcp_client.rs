//! dindctl's MCP client against the test server (`tests/servers/mcp_test_server.rs`) run as a
//! process on this machine: every era, transport and misbehaviour gives the right verdict or
//! message. The same server runs in containers on the real daemon in the engine tests.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use dindctl::mcp::http::Tcp;
use dindctl::mcp::{self, Spec, Transport};

fn server_binary() -> std::path::PathBuf {
    common::mcp_test_server()
}

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

static NEXT_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);

fn start(args: &[&str]) -> Server {
    let base = 20_000 + (std::process::id() % 500) as u16 * 20;
    let port = base + NEXT_PORT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let server = Server(
        Command::new(server_binary())
            .args(args)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start the test server: {e}")),
        port,
    );
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the test server did not listen on {port}");
}

fn spec(transport: Transport, path: &str) -> Spec {
    Spec {
        transport,
        port: None,
        path: path.into(),
        step_timeout: Duration::from_secs(2),
        expect: mcp::Expect::default(),
    }
}

fn probe(server: &Server, spec: &Spec) -> Result<mcp::Verdict, mcp::Failure> {
    let tcp = Tcp {
        host: "127.0.0.1".into(),
        port: server.1,
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(mcp::probe::http(&tcp, spec))
}

#[test]
fn modern_stateless_server_over_streamable_http() {
    let s = start(&[
        "--transport",
        "http",
        "--era",
        "modern",
        "--tools",
        "5",
        "--page",
        "2",
    ]);
    let v = probe(&s, &spec(Transport::StreamableHttp, "/mcp")).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(v.protocol, "2026-07-28");
    assert_eq!(v.era, "modern");
    assert_eq!(v.tools, ["tool0", "tool1", "tool2", "tool3", "tool4"]);
    assert_eq!(v.resources, Some(1));
    assert_eq!(v.prompts, Some(0));
    assert_eq!(v.server(), "mcp-test-server 1.2.3");
}

#[test]
fn legacy_server_gets_the_initialize_handshake() {
    for extra in [&[][..], &["--sse-replies"][..]] {
        let s = start(
            &[
                &["--transport", "http", "--era", "legacy", "--tools", "3"][..],
                extra,
            ]
            .concat(),
        );
        let v =
            probe(&s, &spec(Transport::StreamableHttp, "/mcp")).unwrap_or_else(|f| panic!("{f}"));
        assert_eq!(
            (v.protocol.as_str(), v.era),
            ("2025-11-25", "legacy"),
            "{extra:?}"
        );
        assert_eq!(v.tools.len(), 3);
    }
}

#[test]
fn dual_era_server_is_spoken_to_in_the_modern_revision() {
    let s = start(&["--transport", "http", "--era", "dual"]);
    let v = probe(&s, &spec(Transport::StreamableHttp, "/mcp")).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(v.era, "modern");
}

#[test]
fn sse_transport_of_2024_11_05() {
    let s = start(&["--transport", "sse", "--era", "legacy", "--tools", "4"]);
    let v = probe(&s, &spec(Transport::Sse, "/sse")).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(v.era, "legacy");
    assert_eq!(v.tools.len(), 4);
}

#[test]
fn misbehaving_servers_fail_with_what_came_back() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["--behave", "plain-http"], "initialize", "text/html"),
        (
            &["--behave", "init-error", "--era", "legacy"],
            "initialize",
            "initialize failed on purpose",
        ),
        (
            &["--behave", "bad-version", "--era", "legacy"],
            "initialize",
            "`1999-01-01`",
        ),
        (&["--behave", "hang"], "initialize", "in time"),
    ];
    for (args, step, expected) in cases {
        let s = start(&[&["--transport", "http"][..], args].concat());
        let f = probe(&s, &spec(Transport::StreamableHttp, "/mcp")).expect_err("must fail");
        eprintln!("{args:?} → {f}");
        assert_eq!(f.step, *step, "{args:?}: {f}");
        assert!(f.message.contains(expected), "{args:?}: {f}");
    }
}

#[test]
fn wrong_path_and_nothing_listening() {
    let s = start(&["--transport", "http"]);
    let f = probe(&s, &spec(Transport::StreamableHttp, "/nope")).expect_err("404");
    assert!(f.message.contains("HTTP 404"), "{f}");
    let port = s.1;
    drop(s);
    let tcp = Tcp {
        host: "127.0.0.1".into(),
        port,
    };
    let f = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(mcp::probe::http(
            &tcp,
            &spec(Transport::StreamableHttp, "/mcp"),
        ))
        .expect_err("refused");
    assert!(f.unreachable, "{f}");
}

fn stdio_probe(args: &[&str]) -> Result<mcp::Verdict, mcp::Failure> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut child = tokio::process::Command::new(server_binary())
            .args(["--transport", "stdio"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start the test server: {e}"));
        let io = tokio::io::join(
            child.stdout.take().expect("stdout"),
            child.stdin.take().expect("stdin"),
        );
        mcp::probe::stdio(Box::new(io), &spec(Transport::Stdio, "")).await
    })
}

#[test]
fn stdio_servers_of_both_eras() {
    let v = stdio_probe(&["--era", "modern", "--tools", "3"]).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!((v.era, v.tools.len()), ("modern", 3));
    let v = stdio_probe(&["--era", "legacy", "--tools", "3"]).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!((v.era, v.protocol.as_str()), ("legacy", "2025-11-25"));
    let f = stdio_probe(&["--behave", "hang"]).expect_err("silent");
    assert!(f.message.contains("none came in time"), "{f}");
}
