//! One JSON-RPC exchange over each transport: Streamable HTTP (a POST whose reply is JSON or an
//! event stream), the 2024-11-05 HTTP+SSE transport (POSTs to the `endpoint` an event stream
//! names, answers on that stream) and stdio (one message per line). What comes back is the
//! response to the request, or — on HTTP — the reply that refused it, for the caller to judge.

use std::collections::VecDeque;

use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::time::Instant;

use super::http::{self, BoxStream, Client, Connect, Reply, SendError};
use super::jsonrpc::{self, RpcError};
use super::{Failure, excerpt, sse};

/// What a request got.
#[derive(Debug)]
pub enum Answer {
    /// The JSON-RPC response to it (a result or an error).
    Response(Value),
    /// An HTTP reply without a response to it.
    Refused(Refusal),
}

#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: u16,
    pub content_type: String,
    pub excerpt: String,
    /// A JSON-RPC error the body held.
    pub error: Option<RpcError>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HTTP {} {}",
            self.status,
            if self.content_type.is_empty() {
                "(no content type)"
            } else {
                self.content_type.as_str()
            }
        )?;
        match &self.error {
            Some(e) => write!(f, ", {e}"),
            None => write!(f, ": {}", self.excerpt),
        }
    }
}

pub enum Wire<'c> {
    Http(HttpWire<'c>),
    Sse(Box<SseWire<'c>>),
    Stdio(LineWire),
}

fn method_of(msg: &Value) -> &str {
    msg.get("method").and_then(Value::as_str).unwrap_or("?")
}

fn id_of(msg: &Value) -> u64 {
    msg.get("id").and_then(Value::as_u64).unwrap_or(0)
}

impl<'c> Wire<'c> {
    pub async fn call(&mut self, msg: &Value, deadline: Instant) -> Result<Answer, Failure> {
        match self {
            Wire::Http(w) => w.call(msg, deadline).await,
            Wire::Sse(w) => w.call(msg, deadline).await,
            Wire::Stdio(w) => w.call(msg, deadline).await.map(Answer::Response),
        }
    }

    pub async fn notify(&mut self, msg: &Value, deadline: Instant) -> Result<(), Failure> {
        match self {
            Wire::Http(w) => w.notify(msg, deadline).await,
            Wire::Sse(w) => w.notify(msg, deadline).await,
            Wire::Stdio(w) => w.send(msg, deadline).await,
        }
    }

    /// Streamable HTTP only: the session and protocol headers of a handshake revision.
    pub fn http(&mut self) -> Option<&mut HttpWire<'c>> {
        match self {
            Wire::Http(w) => Some(w),
            _ => None,
        }
    }

    pub fn is_stdio(&self) -> bool {
        matches!(self, Wire::Stdio(_))
    }

    /// Ends the conversation: a Streamable HTTP session is deleted, streams are closed.
    pub async fn close(&mut self, deadline: Instant) {
        if let Wire::Http(w) = self {
            w.end_session(deadline).await;
        }
    }
}

/// Reads an HTTP reply to request `id`: a JSON body, or an event stream until the response.
async fn answer_of(
    mut reply: Reply,
    id: u64,
    step: &str,
    deadline: Instant,
) -> Result<Answer, Failure> {
    let what = "the server";
    if (200..300).contains(&reply.status) && reply.is_event_stream() {
        let mut parser = sse::Parser::default();
        let mut seen = Vec::new();
        while let Some(chunk) = http::chunk(&mut reply.body, deadline)
            .await
            .map_err(|e| e.into_failure(step, what))?
        {
            if seen.len() < 256 {
                seen.extend_from_slice(&chunk[..chunk.len().min(256)]);
            }
            for event in parser.push(&chunk) {
                if event.event != "message" {
                    continue;
                }
                if let Ok(msg) = serde_json::from_str::<Value>(&event.data)
                    && jsonrpc::answers(&msg, id)
                {
                    return Ok(Answer::Response(msg));
                }
            }
            if parser.seen > http::MAX_BODY {
                break;
            }
        }
        return Err(Failure::new(
            step,
            format!(
                "expected a JSON-RPC response in the event stream; it ended without one: {}",
                excerpt(&seen)
            ),
        ));
    }
    let body = http::read_all(&mut reply.body, deadline)
        .await
        .map_err(|e| e.into_failure(step, what))?;
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    if (200..300).contains(&reply.status)
        && let Some(msg) = &json
        && jsonrpc::answers(msg, id)
    {
        return Ok(Answer::Response(msg.clone()));
    }
    Ok(Answer::Refused(Refusal {
        status: reply.status,
        content_type: reply.content_type.clone(),
        excerpt: excerpt(&body),
        error: json.as_ref().and_then(jsonrpc::error_in),
    }))
}

pub struct HttpWire<'c> {
    client: Client<'c>,
    path: String,
    /// `Mcp-Session-Id` of a handshake revision's session.
    pub session: Option<String>,
    /// `MCP-Protocol-Version` sent with every request (from 2025-06-18 on).
    pub protocol_header: Option<String>,
    /// The 2026-07-28 request headers (`Mcp-Method`, and the protocol header always).
    pub modern: bool,
}

impl<'c> HttpWire<'c> {
    pub fn new(connect: &'c dyn Connect, path: &str) -> Self {
        Self {
            client: Client::new(connect),
            path: path.to_string(),
            session: None,
            protocol_header: None,
            modern: false,
        }
    }

    fn headers(&self, msg: &Value) -> Vec<(String, String)> {
        let mut h = vec![(
            "Accept".to_string(),
            "application/json, text/event-stream".to_string(),
        )];
        if let Some(s) = &self.session {
            h.push(("Mcp-Session-Id".into(), s.clone()));
        }
        if let Some(v) = &self.protocol_header {
            h.push(("MCP-Protocol-Version".into(), v.clone()));
        }
        if self.modern {
            h.push(("Mcp-Method".into(), method_of(msg).to_string()));
        }
        h
    }

    async fn post(&mut self, msg: &Value, deadline: Instant) -> Result<Reply, Failure> {
        let headers = self.headers(msg);
        let body = serde_json::to_vec(msg).unwrap_or_default();
        let path = self.path.clone();
        self.client
            .send("POST", &path, &headers, Some(body), deadline)
            .await
            .map_err(|e| {
                let what = format!("http://{}{}", self.client.authority(), self.path);
                e.into_failure(method_of(msg), &what)
            })
    }

    async fn call(&mut self, msg: &Value, deadline: Instant) -> Result<Answer, Failure> {
        let reply = self.post(msg, deadline).await?;
        if let Some(s) = reply.header("mcp-session-id")
            && !self.modern
        {
            self.session = Some(s);
        }
        answer_of(reply, id_of(msg), method_of(msg), deadline).await
    }

    async fn notify(&mut self, msg: &Value, deadline: Instant) -> Result<(), Failure> {
        let mut reply = self.post(msg, deadline).await?;
        let body = http::read_all(&mut reply.body, deadline)
            .await
            .unwrap_or_default();
        if (200..300).contains(&reply.status) {
            Ok(())
        } else {
            Err(Failure::new(
                method_of(msg),
                format!(
                    "expected 202 Accepted; got HTTP {} {}: {}",
                    reply.status,
                    reply.content_type,
                    excerpt(&body)
                ),
            ))
        }
    }

    /// Deletes a handshake revision's session (a server may refuse with 405; that is fine).
    async fn end_session(&mut self, deadline: Instant) {
        let Some(session) = self.session.take() else {
            return;
        };
        let mut headers = vec![("Mcp-Session-Id".to_string(), session)];
        if let Some(v) = &self.protocol_header {
            headers.push(("MCP-Protocol-Version".into(), v.clone()));
        }
        let path = self.path.clone();
        if let Ok(mut reply) = self
            .client
            .send("DELETE", &path, &headers, None, deadline)
            .await
        {
            let _ = http::read_all(&mut reply.body, deadline).await;
        }
    }
}

/// The 2024-11-05 transport: an event stream from a GET, requests POSTed to the endpoint it
/// names, responses on the stream.
pub struct SseWire<'c> {
    /// The connection of the GET stream, held while the stream is read.
    _getter: Client<'c>,
    stream: hyper::body::Incoming,
    parser: sse::Parser,
    pending: VecDeque<sse::Event>,
    poster: Client<'c>,
    endpoint: String,
    authority: String,
}

impl<'c> SseWire<'c> {
    /// Opens the stream at `path` and waits for its `endpoint` event.
    pub async fn open(
        connect: &'c dyn Connect,
        path: &str,
        deadline: Instant,
    ) -> Result<Self, Failure> {
        let step = "GET event stream";
        let authority = connect.authority();
        let what = format!("http://{authority}{path}");
        let mut getter = Client::new(connect);
        let mut reply = getter
            .send(
                "GET",
                path,
                &[("Accept".into(), "text/event-stream".into())],
                None,
                deadline,
            )
            .await
            .map_err(|e| e.into_failure(step, &what))?;
        if reply.status != 200 || !reply.is_event_stream() {
            let body = read_some(&mut reply.body, deadline).await;
            return Err(Failure::new(
                step,
                format!(
                    "expected 200 with `text/event-stream` from {what}; got HTTP {} {}: {}",
                    reply.status,
                    if reply.content_type.is_empty() {
                        "(no content type)"
                    } else {
                        &reply.content_type
                    },
                    excerpt(&body)
                ),
            ));
        }
        let mut wire = SseWire {
            _getter: getter,
            stream: reply.body,
            parser: sse::Parser::default(),
            pending: VecDeque::new(),
            poster: Client::new(connect),
            endpoint: String::new(),
            authority,
        };
        loop {
            let event = wire.next_event(step, deadline).await?;
            if event.event == "endpoint" {
                wire.endpoint = resolve(path, event.data.trim());
                return Ok(wire);
            }
        }
    }

    async fn next_event(&mut self, step: &str, deadline: Instant) -> Result<sse::Event, Failure> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Ok(e);
            }
            match http::chunk(&mut self.stream, deadline).await {
                Ok(Some(bytes)) => {
                    self.pending.extend(self.parser.push(&bytes));
                    if self.parser.seen > 64 * http::MAX_BODY {
                        return Err(Failure::new(step, "the event stream sent too much"));
                    }
                }
                Ok(None) => return Err(Failure::new(step, "the event stream ended")),
                Err(SendError::TimedOut) => {
                    return Err(Failure::new(step, "no event on the stream in time"));
                }
                Err(e) => return Err(e.into_failure(step, "the event stream")),
            }
        }
    }

    async fn post(&mut self, msg: &Value, deadline: Instant) -> Result<Option<Refusal>, Failure> {
        let body = serde_json::to_vec(msg).unwrap_or_default();
        let endpoint = self.endpoint.clone();
        let what = format!("http://{}{}", self.authority, endpoint);
        let mut reply = self
            .poster
            .send("POST", &endpoint, &[], Some(body), deadline)
            .await
            .map_err(|e| e.into_failure(method_of(msg), &what))?;
        let body = read_some(&mut reply.body, deadline).await;
        if (200..300).contains(&reply.status) {
            return Ok(None);
        }
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        Ok(Some(Refusal {
            status: reply.status,
            content_type: reply.content_type.clone(),
            excerpt: excerpt(&body),
            error: json.as_ref().and_then(jsonrpc::error_in),
        }))
    }

    async fn call(&mut self, msg: &Value, deadline: Instant) -> Result<Answer, Failure> {
        if let Some(refused) = self.post(msg, deadline).await? {
            return Ok(Answer::Refused(refused));
        }
        let id = id_of(msg);
        loop {
            let event = self.next_event(method_of(msg), deadline).await?;
            if event.event != "message" {
                continue;
            }
            if let Ok(m) = serde_json::from_str::<Value>(&event.data)
                && jsonrpc::answers(&m, id)
            {
                return Ok(Answer::Response(m));
            }
        }
    }

    async fn notify(&mut self, msg: &Value, deadline: Instant) -> Result<(), Failure> {
        match self.post(msg, deadline).await? {
            None => Ok(()),
            Some(r) => Err(Failure::new(
                method_of(msg),
                format!("expected 202 Accepted; got {r}"),
            )),
        }
    }
}

/// The path (and query) to POST to, from the `endpoint` event's URI: absolute, absolute-path,
/// or relative to the stream's path.
fn resolve(stream_path: &str, uri: &str) -> String {
    if let Some(rest) = uri
        .strip_prefix("http://")
        .or_else(|| uri.strip_prefix("https://"))
    {
        return rest
            .find('/')
            .map(|i| rest[i..].to_string())
            .unwrap_or_else(|| "/".into());
    }
    if uri.starts_with('/') {
        return uri.to_string();
    }
    let base = stream_path.rsplit_once('/').map_or("", |(b, _)| b);
    format!("{base}/{uri}")
}

/// Up to a few KiB of a body, for an excerpt.
async fn read_some(body: &mut hyper::body::Incoming, deadline: Instant) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < 4096 {
        match http::chunk(body, deadline).await {
            Ok(Some(c)) => out.extend_from_slice(&c),
            _ => break,
        }
    }
    out
}

/// stdio: newline-delimited JSON-RPC on a byte stream (a container's attached stdin/stdout).
pub struct LineWire {
    io: BoxStream,
    buf: Vec<u8>,
    /// Lines that were no JSON-RPC message, for a failure's excerpt.
    noise: Vec<u8>,
}

impl LineWire {
    pub fn new(io: BoxStream) -> Self {
        Self {
            io,
            buf: Vec::new(),
            noise: Vec::new(),
        }
    }

    async fn send(&mut self, msg: &Value, deadline: Instant) -> Result<(), Failure> {
        let mut line = serde_json::to_vec(msg).unwrap_or_default();
        line.push(b'\n');
        match tokio::time::timeout_at(deadline, self.io.write_all(&line)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return Err(Failure::new(
                    method_of(msg),
                    format!("cannot write to the server's stdin: {e}"),
                ));
            }
            Err(_) => {
                return Err(Failure::new(
                    method_of(msg),
                    "the server's stdin took no input in time",
                ));
            }
        }
        let _ = tokio::time::timeout_at(deadline, self.io.flush()).await;
        Ok(())
    }

    async fn call(&mut self, msg: &Value, deadline: Instant) -> Result<Value, Failure> {
        self.send(msg, deadline).await?;
        let id = id_of(msg);
        let step = method_of(msg).to_string();
        let mut chunk = [0u8; 8192];
        loop {
            while let Some(nl) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=nl).collect();
                let line = &line[..line.len() - 1];
                match serde_json::from_slice::<Value>(line) {
                    Ok(m) if jsonrpc::answers(&m, id) => return Ok(m),
                    Ok(_) => {}
                    Err(_) if self.noise.len() < 512 => {
                        self.noise.extend_from_slice(line);
                        self.noise.push(b' ');
                    }
                    Err(_) => {}
                }
            }
            if self.buf.len() > http::MAX_BODY {
                return Err(Failure::new(&step, "a line longer than 4 MiB on stdout"));
            }
            match tokio::time::timeout_at(deadline, self.io.read(&mut chunk)).await {
                Err(_) => {
                    return Err(Failure::new(
                        &step,
                        format!(
                            "expected a JSON-RPC response on stdout; none came in time{}",
                            self.noise_note()
                        ),
                    ));
                }
                Ok(Ok(0)) => {
                    return Err(Failure::new(
                        &step,
                        format!("stdout closed (the server exited?){}", self.noise_note()),
                    ));
                }
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) => {
                    return Err(Failure::new(&step, format!("cannot read stdout: {e}")));
                }
            }
        }
    }

    fn noise_note(&self) -> String {
        if self.noise.is_empty() {
            String::new()
        } else {
            format!("; stdout held other text: {}", excerpt(&self.noise))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn endpoint_uris() {
        assert_eq!(
            resolve("/sse", "/messages?sessionId=1"),
            "/messages?sessionId=1"
        );
        assert_eq!(resolve("/a/sse", "messages?x=1"), "/a/messages?x=1");
        assert_eq!(resolve("/sse", "http://h:1/m?s=2"), "/m?s=2");
    }
}
