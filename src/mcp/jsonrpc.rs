//! JSON-RPC 2.0 messages as MCP uses them: requests with numeric ids, the per-request `_meta`
//! of the stateless revision, and the error codes that mark a modern server.

use serde_json::{Value, json};

/// `HeaderMismatch`, `MissingRequiredClientCapability`, `UnsupportedProtocolVersion`: errors
/// only a server of the 2026-07-28 revision sends (its schema reserves -32020 to -32099), so
/// receiving one means the server is modern (versioning: backward compatibility).
pub const MODERN_ERRORS: &[i64] = &[-32020, -32021, -32022];
pub const UNSUPPORTED_VERSION: i64 = -32022;

/// dindctl as an MCP client.
pub fn client_info() -> Value {
    json!({"name": "dindctl", "version": env!("CARGO_PKG_VERSION")})
}

/// The `_meta` every request of the stateless revision carries.
pub fn modern_meta(version: &str) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientInfo": client_info(),
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

pub fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

pub fn notification(method: &str) -> Value {
    json!({"jsonrpc": "2.0", "method": method})
}

/// A JSON-RPC error, as received.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn is_modern(&self) -> bool {
        MODERN_ERRORS.contains(&self.code)
    }

    /// The versions an `UnsupportedProtocolVersion` error lists.
    pub fn supported(&self) -> Vec<String> {
        strings(self.data.as_ref().and_then(|d| d.get("supported")))
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JSON-RPC error {}: {}", self.code, self.message)
    }
}

/// A JSON array of strings (others skipped).
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `msg` is the response to request `id`.
pub fn answers(msg: &Value, id: u64) -> bool {
    msg.get("id").and_then(Value::as_u64) == Some(id)
        && (msg.get("result").is_some() || msg.get("error").is_some())
}

/// The result of a response, or its error.
pub fn outcome(msg: &Value) -> Result<Value, RpcError> {
    if let Some(e) = msg.get("error") {
        return Err(RpcError {
            code: e.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            data: e.get("data").cloned(),
        });
    }
    Ok(msg.get("result").cloned().unwrap_or(Value::Null))
}

/// A JSON-RPC error carried in a body that answered no request of ours (an HTTP 4xx with an
/// error that has no id, or the id of the refused request).
pub fn error_in(body: &Value) -> Option<RpcError> {
    body.get("error")?;
    outcome(body).err()
}
