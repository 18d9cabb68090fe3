//! An MCP client of dindctl's own, small and strict: it proves that a server speaks MCP. It
//! tries the stateless revision 2026-07-28 first (`server/discover`, every request carrying its
//! protocol version in `_meta`) and falls back to the `initialize` handshake of 2025-11-25 and
//! earlier as the specification's version negotiation says, then lists what the server offers.
//! It speaks Streamable HTTP, the 2024-11-05 HTTP+SSE transport and stdio over any byte stream
//! it is handed (see [`wire`]); where those streams come from — a TCP connection, a relay
//! container inside the daemon, a container's attached stdin/stdout — is the engine's business.

pub mod http;
pub mod jsonrpc;
pub mod probe;
pub mod sse;
pub mod wire;

use std::time::Duration;

use serde::Serialize;

pub use crate::model::Transport;

/// The protocol revisions dindctl speaks: the stateless one first, then the handshake ones.
pub const MODERN: &str = "2026-07-28";
pub const LEGACY: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// How one server is to be spoken to: from its manifest's `spec.mcp`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub transport: Transport,
    /// The container port (HTTP transports).
    pub port: Option<u16>,
    pub path: String,
    /// How long one step may take.
    pub step_timeout: Duration,
    pub expect: Expect,
}

pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server must offer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Expect {
    pub tools: Vec<String>,
    pub min_tools: Option<u64>,
}

/// What a successful handshake found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The protocol revision the server speaks with dindctl.
    pub protocol: String,
    /// `modern` (per-request metadata, 2026-07-28) or `legacy` (`initialize`).
    pub era: &'static str,
    pub server_name: Option<String>,
    pub server_version: Option<String>,
    pub tools: Vec<String>,
    /// `None` when the server does not declare the capability.
    pub resources: Option<usize>,
    pub prompts: Option<usize>,
}

impl Verdict {
    /// `name version`, or `-`.
    pub fn server(&self) -> String {
        match (&self.server_name, &self.server_version) {
            (Some(n), Some(v)) => format!("{n} {v}"),
            (Some(n), None) => n.clone(),
            _ => "-".into(),
        }
    }

    /// The `expect` mismatches: what is missing, as one message; `None` when all is there.
    pub fn unmet(&self, expect: &Expect) -> Option<String> {
        let missing: Vec<&str> = expect
            .tools
            .iter()
            .filter(|t| !self.tools.contains(t))
            .map(String::as_str)
            .collect();
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!(
                "missing tool(s) {}",
                missing
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(min) = expect.min_tools
            && (self.tools.len() as u64) < min
        {
            problems.push(format!(
                "{} tool(s) listed, at least {min} expected",
                self.tools.len()
            ));
        }
        (!problems.is_empty()).then(|| {
            format!(
                "the server does not offer what `spec.mcp.expect` asks: {}",
                problems.join("; ")
            )
        })
    }
}

/// A failed step: what was expected and a short excerpt of what came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The step (`server/discover`, `initialize`, `tools/list`, `connect`, …).
    pub step: String,
    pub message: String,
    /// Nothing answered at all (refused, reset before any reply): worth retrying while the
    /// container is still starting.
    pub unreachable: bool,
}

impl Failure {
    pub fn new(step: &str, message: impl Into<String>) -> Self {
        Self {
            step: step.to_string(),
            message: message.into(),
            unreachable: false,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.step, self.message)
    }
}

/// The first bytes of a body, printable, for messages.
pub fn excerpt(bytes: &[u8]) -> String {
    const MAX: usize = 160;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX)]);
    let mut s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if bytes.len() > MAX {
        s.push('…');
    }
    if s.is_empty() {
        "(empty)".into()
    } else {
        format!("`{s}`")
    }
}

/// The probe relay (`relay.c`), built for this machine's architecture; empty when dindctl was
/// built without a C compiler.
pub const RELAY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/relay"));
