//! The handshake, for both protocol eras. Streamable HTTP and stdio try the stateless revision
//! first — `server/discover` with the version in `_meta` — and fall back to `initialize` the
//! way the 2026-07-28 specification's backward compatibility says: a `DiscoverResult`, or a
//! modern error (`UnsupportedProtocolVersion` and its kin), marks a modern server; anything
//! else (another error, a 4xx without a modern error body, silence on stdio) a legacy one. The
//! 2024-11-05 HTTP+SSE transport predates the stateless revision and goes straight to
//! `initialize`. Then the server's tools, resources and prompts are listed, following
//! `nextCursor`, and a legacy server is pinged.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::http::{BoxStream, Connect};
use super::jsonrpc::{self, RpcError};
use super::wire::{Answer, HttpWire, LineWire, SseWire, Wire};
use super::{Failure, LEGACY, MODERN, Spec, Transport, Verdict};

/// Speaks MCP to an HTTP server (streamable-http or sse) through `connect`.
pub async fn http(connect: &dyn Connect, spec: &Spec) -> Result<Verdict, Failure> {
    match spec.transport {
        Transport::Sse => {
            let deadline = Instant::now() + spec.step_timeout;
            let wire = SseWire::open(connect, &spec.path, deadline).await?;
            let mut talk = Talk::new(Wire::Sse(Box::new(wire)), spec.step_timeout);
            talk.legacy(None).await
        }
        _ => {
            let wire = Wire::Http(HttpWire::new(connect, &spec.path));
            Talk::new(wire, spec.step_timeout).handshake().await
        }
    }
}

/// Speaks MCP over a stdio stream (a container's attached stdin and stdout).
pub async fn stdio(io: BoxStream, spec: &Spec) -> Result<Verdict, Failure> {
    Talk::new(Wire::Stdio(LineWire::new(io)), spec.step_timeout)
        .handshake()
        .await
}

/// How long a stdio server may stay silent to `server/discover` before it is taken for a
/// legacy one (which may not answer requests before `initialize` at all).
const STDIO_PROBE: Duration = Duration::from_secs(3);

struct Talk<'c> {
    wire: Wire<'c>,
    next: u64,
    step: Duration,
}

/// How the first request went.
enum Era {
    /// A `DiscoverResult`.
    Modern(Value),
    /// Not a modern server; the answer that said so, for a later message.
    Legacy(String),
}

impl<'c> Talk<'c> {
    fn new(wire: Wire<'c>, step: Duration) -> Self {
        Self {
            wire,
            next: 1,
            step,
        }
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.step
    }

    async fn ask(
        &mut self,
        method: &str,
        params: Value,
        limit: Duration,
    ) -> Result<Answer, Failure> {
        let id = self.next;
        self.next += 1;
        let msg = jsonrpc::request(id, method, params);
        self.wire.call(&msg, Instant::now() + limit).await
    }

    async fn handshake(mut self) -> Result<Verdict, Failure> {
        match self.discover().await? {
            Era::Modern(result) => self.modern(result).await,
            Era::Legacy(why) => self.legacy(Some(why)).await,
        }
    }

    /// `server/discover` with the modern version in `_meta` (and, on HTTP, its headers).
    async fn discover(&mut self) -> Result<Era, Failure> {
        if let Some(h) = self.wire.http() {
            h.modern = true;
            h.protocol_header = Some(MODERN.to_string());
        }
        let limit = if self.wire.is_stdio() {
            self.step.min(STDIO_PROBE)
        } else {
            self.step
        };
        let params = json!({"_meta": jsonrpc::modern_meta(MODERN)});
        let answer = match self.ask("server/discover", params, limit).await {
            Ok(a) => a,
            Err(f) if f.unreachable => return Err(f),
            // Silence: a legacy server may not answer a request before `initialize`.
            Err(f) => return Ok(Era::Legacy(f.message)),
        };
        let error = match answer {
            Answer::Response(msg) => match jsonrpc::outcome(&msg) {
                Ok(result) if result.get("supportedVersions").is_some() => {
                    return Ok(Era::Modern(result));
                }
                Ok(result) => {
                    return Ok(Era::Legacy(format!(
                        "a result that is no DiscoverResult: {}",
                        super::excerpt(result.to_string().as_bytes())
                    )));
                }
                Err(e) => e,
            },
            Answer::Refused(r) => match r.error.clone() {
                Some(e) if e.is_modern() => e,
                _ => return Ok(Era::Legacy(r.to_string())),
            },
        };
        if !error.is_modern() {
            return Ok(Era::Legacy(error.to_string()));
        }
        self.modern_error("server/discover", &error)
    }

    /// A modern server refused the request: retry in an era both speak, or give up.
    fn modern_error(&mut self, step: &str, e: &RpcError) -> Result<Era, Failure> {
        if e.code == jsonrpc::UNSUPPORTED_VERSION {
            let supported = e.supported();
            if supported.iter().any(|v| LEGACY.contains(&v.as_str())) {
                // A server of both eras that does not serve this modern revision.
                return Ok(Era::Legacy(format!(
                    "{e} (supported: {})",
                    supported.join(", ")
                )));
            }
            return Err(Failure::new(
                step,
                format!(
                    "the server speaks only {}; dindctl speaks {MODERN} and {}",
                    if supported.is_empty() {
                        "versions it does not name".to_string()
                    } else {
                        supported.join(", ")
                    },
                    LEGACY.join(", ")
                ),
            ));
        }
        Err(Failure::new(
            step,
            format!("the server refused the request: {e}"),
        ))
    }

    async fn modern(mut self, discovered: Value) -> Result<Verdict, Failure> {
        let versions = jsonrpc::strings(discovered.get("supportedVersions"));
        if !versions.iter().any(|v| v == MODERN) {
            if versions.iter().any(|v| LEGACY.contains(&v.as_str())) {
                return self
                    .legacy(Some(format!("supportedVersions {}", versions.join(", "))))
                    .await;
            }
            return Err(Failure::new(
                "server/discover",
                format!(
                    "the server supports {}; dindctl speaks {MODERN} and {}",
                    versions.join(", "),
                    LEGACY.join(", ")
                ),
            ));
        }
        if let Some(kind) = discovered.get("resultType").and_then(Value::as_str)
            && kind != "complete"
        {
            return Err(Failure::new(
                "server/discover",
                format!("expected `resultType: complete`; got `{kind}`"),
            ));
        }
        let info = discovered
            .pointer("/_meta/io.modelcontextprotocol~1serverInfo")
            .or_else(|| discovered.get("serverInfo"))
            .cloned()
            .unwrap_or(Value::Null);
        let caps = discovered
            .get("capabilities")
            .cloned()
            .unwrap_or(Value::Null);
        let mut verdict = verdict(MODERN, "modern", &info);
        let meta = || json!({"_meta": jsonrpc::modern_meta(MODERN)});
        self.inventory(&caps, meta, &mut verdict).await?;
        Ok(verdict)
    }

    /// The `initialize` handshake of 2025-11-25 and earlier.
    async fn legacy(&mut self, why_not_modern: Option<String>) -> Result<Verdict, Failure> {
        if let Some(h) = self.wire.http() {
            h.modern = false;
            h.protocol_header = None;
            h.session = None;
        }
        let params = json!({
            "protocolVersion": LEGACY[0],
            "capabilities": {},
            "clientInfo": jsonrpc::client_info(),
        });
        let note = |m: String| match &why_not_modern {
            Some(w) => format!("{m} (and `server/discover` got {w})"),
            None => m,
        };
        let answer = self
            .ask("initialize", params, self.step)
            .await
            .map_err(|mut f| {
                f.message = note(f.message);
                f
            })?;
        let result = match answer {
            Answer::Response(msg) => jsonrpc::outcome(&msg).map_err(|e| {
                Failure::new("initialize", note(format!("the server refused: {e}")))
            })?,
            Answer::Refused(r) => {
                return Err(Failure::new(
                    "initialize",
                    note(format!(
                        "expected a JSON-RPC response (application/json or text/event-stream); got {r}"
                    )),
                ));
            }
        };
        let version = result
            .get("protocolVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !LEGACY.contains(&version.as_str()) {
            self.wire.close(self.deadline()).await;
            return Err(Failure::new(
                "initialize",
                format!(
                    "the server chose protocol version `{version}`, which dindctl does not speak (it offered {} and accepts {})",
                    LEGACY[0],
                    LEGACY[1..].join(", ")
                ),
            ));
        }
        if let Some(h) = self.wire.http()
            && version.as_str() >= "2025-06-18"
        {
            h.protocol_header = Some(version.clone());
        }
        let initialized = jsonrpc::notification("notifications/initialized");
        let deadline = self.deadline();
        self.wire.notify(&initialized, deadline).await?;
        let info = result.get("serverInfo").cloned().unwrap_or(Value::Null);
        let caps = result.get("capabilities").cloned().unwrap_or(Value::Null);
        let mut verdict = verdict(&version, "legacy", &info);
        let outcome = async {
            self.inventory(&caps, || json!({}), &mut verdict).await?;
            match self.ask("ping", json!({}), self.step).await? {
                Answer::Response(msg) => jsonrpc::outcome(&msg).map(|_| ()).map_err(|e| {
                    Failure::new("ping", format!("expected an empty result; got {e}"))
                }),
                Answer::Refused(r) => Err(Failure::new(
                    "ping",
                    format!("expected an empty result; got {r}"),
                )),
            }
        }
        .await;
        self.wire.close(self.deadline()).await;
        outcome.map(|()| verdict)
    }

    /// `tools/list`, `resources/list` and `prompts/list` where the server declares them.
    async fn inventory(
        &mut self,
        caps: &Value,
        base: impl Fn() -> Value,
        verdict: &mut Verdict,
    ) -> Result<(), Failure> {
        if caps.get("tools").is_some() {
            verdict.tools = self
                .list("tools/list", "tools", &base)
                .await?
                .iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
                .collect();
        }
        if caps.get("resources").is_some() {
            verdict.resources = Some(self.list("resources/list", "resources", &base).await?.len());
        }
        if caps.get("prompts").is_some() {
            verdict.prompts = Some(self.list("prompts/list", "prompts", &base).await?.len());
        }
        Ok(())
    }

    /// Every item of a paginated list, following `nextCursor`.
    async fn list(
        &mut self,
        method: &str,
        field: &str,
        base: &impl Fn() -> Value,
    ) -> Result<Vec<Value>, Failure> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let mut params = base();
            if let (Some(c), Some(o)) = (&cursor, params.as_object_mut()) {
                o.insert("cursor".into(), json!(c));
            }
            let result = match self.ask(method, params, self.step).await? {
                Answer::Response(msg) => jsonrpc::outcome(&msg)
                    .map_err(|e| Failure::new(method, format!("the server refused: {e}")))?,
                Answer::Refused(r) => {
                    return Err(Failure::new(
                        method,
                        format!("expected a JSON-RPC response; got {r}"),
                    ));
                }
            };
            let Some(page) = result.get(field).and_then(Value::as_array) else {
                return Err(Failure::new(
                    method,
                    format!(
                        "expected a result with `{field}`; got {}",
                        super::excerpt(result.to_string().as_bytes())
                    ),
                ));
            };
            items.extend(page.iter().cloned());
            match result.get("nextCursor").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => {
                    if !seen.insert(next.to_string()) {
                        return Err(Failure::new(
                            method,
                            format!("`nextCursor` `{next}` came back again: the list never ends"),
                        ));
                    }
                    cursor = Some(next.to_string());
                }
                _ => return Ok(items),
            }
        }
        Err(Failure::new(method, "more than 10000 pages"))
    }
}

fn verdict(protocol: &str, era: &'static str, info: &Value) -> Verdict {
    let text = |k: &str| info.get(k).and_then(Value::as_str).map(str::to_string);
    Verdict {
        protocol: protocol.to_string(),
        era,
        server_name: text("name"),
        server_version: text("version"),
        ..Default::default()
    }
}
