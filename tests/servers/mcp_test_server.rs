//! A minimal MCP server for dindctl's tests, run in containers on the test daemon. It speaks
//! the stateless revision 2026-07-28 (`server/discover`, `_meta` on every request), the
//! `initialize` handshake of 2025-11-25 (with a `Mcp-Session-Id`), or both; over Streamable
//! HTTP, the 2024-11-05 HTTP+SSE transport or stdio; with a paginated `tools/list`. It can also
//! misbehave on purpose: a plain HTTP server that is not MCP, an error to `initialize`, a
//! protocol version nobody speaks, silence.
//!
//!   mcp-test-server --transport http|sse|stdio [--port 8080] [--path /mcp]
//!                   [--era modern|legacy|dual] [--tools 5] [--page 2] [--sse-replies]
//!                   [--behave ok|plain-http|init-error|bad-version|hang] [--name NAME]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

const MODERN: &str = "2026-07-28";
const LEGACY: &str = "2025-11-25";

#[derive(Clone)]
struct Config {
    transport: String,
    port: u16,
    path: String,
    modern: bool,
    legacy: bool,
    tools: usize,
    page: usize,
    sse_replies: bool,
    behave: String,
    name: String,
}

struct State {
    cfg: Config,
    sessions: Mutex<HashSet<String>>,
    streams: Mutex<HashMap<String, Sender<String>>>,
    counter: AtomicU64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let transport = get("--transport").unwrap_or_else(|| "http".into());
    let era = get("--era").unwrap_or_else(|| "dual".into());
    let cfg = Config {
        path: get("--path").unwrap_or_else(|| {
            if transport == "sse" {
                "/sse".into()
            } else {
                "/mcp".into()
            }
        }),
        transport,
        port: get("--port").and_then(|p| p.parse().ok()).unwrap_or(8080),
        modern: era != "legacy",
        legacy: era != "modern",
        tools: get("--tools").and_then(|p| p.parse().ok()).unwrap_or(5),
        page: get("--page").and_then(|p| p.parse().ok()).unwrap_or(2),
        sse_replies: args.iter().any(|a| a == "--sse-replies"),
        behave: get("--behave").unwrap_or_else(|| "ok".into()),
        name: get("--name").unwrap_or_else(|| "mcp-test-server".into()),
    };
    let state = Arc::new(State {
        cfg: cfg.clone(),
        sessions: Mutex::new(HashSet::new()),
        streams: Mutex::new(HashMap::new()),
        counter: AtomicU64::new(1),
    });
    if cfg.transport == "stdio" {
        stdio(&state);
        return;
    }
    let listener = match TcpListener::bind(("0.0.0.0", cfg.port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", cfg.port);
            std::process::exit(1);
        }
    };
    eprintln!("listening on {} ({} {})", cfg.port, cfg.transport, era);
    for conn in listener.incoming().flatten() {
        let state = state.clone();
        std::thread::spawn(move || serve(conn, &state));
    }
}

/// One JSON-RPC message in; its response (or nothing, for a notification) out.
fn handle(
    state: &State,
    msg: &Value,
    session: Option<&str>,
) -> Result<Option<Value>, (u16, Value)> {
    let cfg = &state.cfg;
    let id = msg.get("id").cloned();
    let method = msg.get("method").and_then(Value::as_str).unwrap_or("");
    let params = msg.get("params").cloned().unwrap_or(json!({}));
    let Some(id) = id else {
        return Ok(None);
    };
    let modern_version = params
        .pointer("/_meta/io.modelcontextprotocol~1protocolVersion")
        .and_then(Value::as_str);
    let ok = |result: Value| Ok(Some(json!({"jsonrpc": "2.0", "id": id, "result": result})));
    let err = |code: i64, message: &str| {
        Ok(Some(
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
        ))
    };
    let caps = json!({"tools": {}, "resources": {}, "prompts": {}});
    let info = json!({"name": cfg.name, "version": "1.2.3"});
    if let Some(v) = modern_version.filter(|_| cfg.modern) {
        if v != MODERN {
            let supported: Vec<&str> = if cfg.legacy {
                vec![MODERN, LEGACY]
            } else {
                vec![MODERN]
            };
            return Err((
                400,
                json!({"jsonrpc": "2.0", "id": id, "error": {
                "code": -32022, "message": "Unsupported protocol version",
                "data": {"supported": supported, "requested": v}}}),
            ));
        }
        let mut result = match method {
            "server/discover" => json!({
                "supportedVersions": if cfg.legacy { json!([MODERN, LEGACY]) } else { json!([MODERN]) },
                "capabilities": caps,
                "_meta": {"io.modelcontextprotocol/serverInfo": info},
            }),
            "tools/list" => tools_page(cfg, &params),
            "resources/list" => json!({"resources": [{"uri": "file:///a", "name": "a"}]}),
            "prompts/list" => json!({"prompts": []}),
            _ => return err(-32601, "Method not found"),
        };
        result["resultType"] = json!("complete");
        return ok(result);
    }
    if method == "initialize" {
        if !cfg.legacy {
            return Err((
                400,
                json!({"jsonrpc": "2.0", "id": id, "error": {
                "code": -32022, "message": "initialize is not supported; use 2026-07-28",
                "data": {"supported": [MODERN], "requested": params.get("protocolVersion")}}}),
            ));
        }
        if cfg.behave == "init-error" {
            return err(-32603, "initialize failed on purpose");
        }
        let version = if cfg.behave == "bad-version" {
            "1999-01-01"
        } else {
            LEGACY
        };
        return ok(json!({"protocolVersion": version, "capabilities": caps, "serverInfo": info}));
    }
    if !cfg.legacy || (cfg.transport == "http" && session.is_none()) {
        // As a 2025-era SDK: nothing but `initialize` before a session exists.
        return Err((
            400,
            json!({"jsonrpc": "2.0", "id": null,
            "error": {"code": -32000, "message": "Bad Request: Server not initialized"}}),
        ));
    }
    match method {
        "tools/list" => ok(tools_page(cfg, &params)),
        "resources/list" => ok(json!({"resources": [{"uri": "file:///a", "name": "a"}]})),
        "prompts/list" => ok(json!({"prompts": []})),
        "ping" => ok(json!({})),
        _ => err(-32601, "Method not found"),
    }
}

fn tools_page(cfg: &Config, params: &Value) -> Value {
    let start: usize = params
        .get("cursor")
        .and_then(Value::as_str)
        .and_then(|c| c.strip_prefix("page-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let end = (start + cfg.page.max(1)).min(cfg.tools);
    let tools: Vec<Value> = (start..end)
        .map(|i| json!({"name": format!("tool{i}"), "inputSchema": {"type": "object"}}))
        .collect();
    let mut page = json!({"tools": tools});
    if end < cfg.tools {
        page["nextCursor"] = json!(format!("page-{end}"));
    }
    page
}

fn stdio(state: &State) {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let Ok(msg) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if state.cfg.behave == "hang" {
            continue;
        }
        let reply = match handle(state, &msg, Some("stdio")) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err((_, body)) => body,
        };
        let _ = writeln!(out, "{reply}");
        let _ = out.flush();
    }
}

struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn respond(stream: &mut TcpStream, status: u16, headers: &[(&str, String)], body: &[u8]) {
    let reason = match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    // One write: headers and body in two segments would meet the client's delayed ACK.
    let mut all = head.into_bytes();
    all.extend_from_slice(body);
    let _ = stream.write_all(&all);
}

fn serve(conn: TcpStream, state: &State) {
    let cfg = &state.cfg;
    let _ = conn.set_nodelay(true);
    let Ok(mut writer) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(conn);
    while let Some(req) = read_request(&mut reader) {
        if cfg.behave == "hang" {
            std::thread::sleep(std::time::Duration::from_secs(3600));
            return;
        }
        if cfg.behave == "plain-http" {
            respond(
                &mut writer,
                200,
                &[("Content-Type", "text/html".into())],
                b"<html><body>hello, not MCP</body></html>",
            );
            continue;
        }
        if cfg.transport == "sse" {
            if !serve_sse(&req, &mut writer, state) {
                return;
            }
            continue;
        }
        if req.path != cfg.path {
            respond(
                &mut writer,
                404,
                &[("Content-Type", "text/plain".into())],
                b"not found",
            );
            continue;
        }
        match req.method.as_str() {
            "POST" => {}
            "DELETE" => {
                if let Some(s) = req.headers.get("mcp-session-id") {
                    state.sessions.lock().map(|mut m| m.remove(s)).ok();
                }
                respond(&mut writer, 200, &[], b"");
                continue;
            }
            _ => {
                respond(&mut writer, 405, &[("Allow", "POST".into())], b"");
                continue;
            }
        }
        let Ok(msg) = serde_json::from_slice::<Value>(&req.body) else {
            respond(&mut writer, 400, &[], b"not JSON");
            continue;
        };
        // The modern header must match the body's version (2026-07-28 server validation).
        let meta_version = msg
            .pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion")
            .and_then(Value::as_str);
        if cfg.modern
            && let Some(v) = meta_version
            && req.headers.get("mcp-protocol-version").map(String::as_str) != Some(v)
        {
            let body = json!({"jsonrpc": "2.0", "id": msg.get("id"), "error": {"code": -32020, "message": "Header mismatch: MCP-Protocol-Version"}});
            respond(
                &mut writer,
                400,
                &[("Content-Type", "application/json".into())],
                body.to_string().as_bytes(),
            );
            continue;
        }
        let mut session = req.headers.get("mcp-session-id").cloned();
        if let Some(s) = &session
            && !state
                .sessions
                .lock()
                .map(|m| m.contains(s))
                .unwrap_or(false)
        {
            respond(
                &mut writer,
                404,
                &[("Content-Type", "text/plain".into())],
                b"unknown session",
            );
            continue;
        }
        let mut extra: Vec<(&str, String)> = Vec::new();
        let is_initialize = msg.get("method").and_then(Value::as_str) == Some("initialize");
        if is_initialize && cfg.legacy {
            let id = format!("s{}", state.counter.fetch_add(1, Ordering::SeqCst));
            state.sessions.lock().map(|mut m| m.insert(id.clone())).ok();
            extra.push(("Mcp-Session-Id", id.clone()));
            session = Some(id);
        }
        match handle(state, &msg, session.as_deref()) {
            Ok(None) => respond(&mut writer, 202, &[], b""),
            Ok(Some(reply)) => {
                if cfg.sse_replies {
                    // An event stream for this request: a notification first, then the response.
                    extra.push(("Content-Type", "text/event-stream".into()));
                    let body = format!(
                        "event: message\ndata: {}\n\nevent: message\ndata: {}\n\n",
                        json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "working"}}),
                        reply
                    );
                    respond(&mut writer, 200, &extra, body.as_bytes());
                } else {
                    extra.push(("Content-Type", "application/json".into()));
                    respond(&mut writer, 200, &extra, reply.to_string().as_bytes());
                }
            }
            Err((status, body)) => {
                respond(
                    &mut writer,
                    status,
                    &[("Content-Type", "application/json".into())],
                    body.to_string().as_bytes(),
                );
            }
        }
    }
}

/// The 2024-11-05 transport. Returns false when the connection now belongs to a stream.
fn serve_sse(req: &Request, writer: &mut TcpStream, state: &State) -> bool {
    let cfg = &state.cfg;
    if req.method == "GET" && req.path == cfg.path {
        let id = format!("{}", state.counter.fetch_add(1, Ordering::SeqCst));
        let (tx, rx) = channel::<String>();
        state
            .streams
            .lock()
            .map(|mut m| m.insert(id.clone(), tx))
            .ok();
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
        if writer.write_all(head.as_bytes()).is_err() {
            return false;
        }
        let _ = write!(
            writer,
            "event: endpoint\ndata: /messages?sessionId={id}\n\n"
        );
        let _ = writer.flush();
        for event in rx {
            if write!(writer, "event: message\ndata: {event}\n\n").is_err() {
                break;
            }
            let _ = writer.flush();
        }
        return false;
    }
    if req.method == "POST" && req.path.starts_with("/messages") {
        let session = req
            .path
            .split("sessionId=")
            .nth(1)
            .unwrap_or("")
            .to_string();
        let tx = state
            .streams
            .lock()
            .ok()
            .and_then(|m| m.get(&session).cloned());
        let Some(tx) = tx else {
            respond(writer, 404, &[], b"no such session");
            return true;
        };
        let Ok(msg) = serde_json::from_slice::<Value>(&req.body) else {
            respond(writer, 400, &[], b"not JSON");
            return true;
        };
        respond(writer, 202, &[], b"Accepted");
        match handle(state, &msg, Some(&session)) {
            Ok(Some(reply)) | Err((_, reply)) => {
                let _ = tx.send(reply.to_string());
            }
            Ok(None) => {}
        }
        return true;
    }
    respond(writer, 404, &[], b"not found");
    true
}
