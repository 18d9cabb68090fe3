//! A small HTTP/1.1 client (hyper's connection API) over the byte streams a [`Connect`] opens:
//! a TCP connection, or a relay inside the daemon. It keeps one connection alive and opens
//! another when the server closes it; every wait is bounded by the caller's deadline.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::Failure;

/// A byte stream to the server.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

pub type BoxStream = Box<dyn Stream>;
pub type Opening<'a> = Pin<Box<dyn Future<Output = Result<BoxStream, String>> + Send + 'a>>;

/// Opens byte streams to one server.
pub trait Connect: Send + Sync {
    /// A new stream; `Err` says why not (refused, unreachable, no relay).
    fn open(&self) -> Opening<'_>;
    /// `host:port` as sent in the `Host` header.
    fn authority(&self) -> String;
}

/// The most of a body dindctl reads.
pub const MAX_BODY: usize = 4 << 20;

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: hyper::HeaderMap,
    pub body: Incoming,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn is_json(&self) -> bool {
        self.content_type.starts_with("application/json")
    }

    pub fn is_event_stream(&self) -> bool {
        self.content_type.starts_with("text/event-stream")
    }
}

pub struct Client<'c> {
    connect: &'c dyn Connect,
    sender: Option<SendRequest<Full<Bytes>>>,
}

/// Why a request failed before any answer: the server could not be reached at all (worth
/// retrying while a container starts), or it stopped answering.
#[derive(Debug)]
pub enum SendError {
    Unreachable(String),
    Failed(String),
    TimedOut,
}

impl<'c> Client<'c> {
    pub fn new(connect: &'c dyn Connect) -> Self {
        Self {
            connect,
            sender: None,
        }
    }

    pub fn authority(&self) -> String {
        self.connect.authority()
    }

    /// A connection ready for a request, and whether it carried one before.
    async fn sender(
        &mut self,
        deadline: Instant,
    ) -> Result<(&mut SendRequest<Full<Bytes>>, bool), SendError> {
        let reusable = match self.sender.as_mut() {
            Some(s) => tokio::time::timeout_at(deadline, s.ready())
                .await
                .is_ok_and(|r| r.is_ok()),
            None => false,
        };
        if !reusable {
            let stream = match tokio::time::timeout_at(deadline, self.connect.open()).await {
                Err(_) => return Err(SendError::TimedOut),
                Ok(Err(e)) => return Err(SendError::Unreachable(e)),
                Ok(Ok(s)) => s,
            };
            let (sender, conn) = match tokio::time::timeout_at(
                deadline,
                hyper::client::conn::http1::handshake(TokioIo::new(stream)),
            )
            .await
            {
                Err(_) => return Err(SendError::TimedOut),
                Ok(Err(e)) => return Err(SendError::Unreachable(e.to_string())),
                Ok(Ok(pair)) => pair,
            };
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        self.sender
            .as_mut()
            .map(|s| (s, reusable))
            .ok_or_else(|| SendError::Failed("no connection".into()))
    }

    /// Sends one request; the reply's body is left to the caller to read. When a kept-alive
    /// connection turns out to be closed by the server as the request is written (a race no
    /// client can avoid), the request goes once more on a new connection.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        deadline: Instant,
    ) -> Result<Reply, SendError> {
        match self
            .send_once(method, path, headers, body.clone(), deadline)
            .await
        {
            Err((SendError::Unreachable(_), true)) => self
                .send_once(method, path, headers, body, deadline)
                .await
                .map_err(|(e, _)| e),
            other => other.map_err(|(e, _)| e),
        }
    }

    /// One attempt; the error says whether the connection had been used before.
    async fn send_once(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        deadline: Instant,
    ) -> Result<Reply, (SendError, bool)> {
        let authority = self.authority();
        let (sender, reused) = self.sender(deadline).await.map_err(|e| (e, false))?;
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, authority);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if body.is_some() {
            req = req.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| (SendError::Failed(e.to_string()), false))?;
        let resp = match tokio::time::timeout_at(deadline, sender.send_request(req)).await {
            Err(_) => {
                self.sender = None;
                return Err((SendError::TimedOut, false));
            }
            Ok(Err(e)) => {
                self.sender = None;
                // A connection the server closed before answering: no HTTP at all there.
                return Err((SendError::Unreachable(e.to_string()), reused));
            }
            Ok(Ok(r)) => r,
        };
        let (parts, body) = resp.into_parts();
        // A server that closes after this reply: the next request needs a new connection.
        let closing = parts.version < hyper::Version::HTTP_11
            || parts
                .headers
                .get(hyper::header::CONNECTION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        if closing {
            self.sender = None;
        }
        Ok(Reply {
            status: parts.status.as_u16(),
            content_type: parts
                .headers
                .get(hyper::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase(),
            headers: parts.headers,
            body,
        })
    }
}

/// The next chunk of a body, `None` at its end; bounded by `deadline`.
pub async fn chunk(body: &mut Incoming, deadline: Instant) -> Result<Option<Bytes>, SendError> {
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(SendError::TimedOut),
            Ok(None) => return Ok(None),
            Ok(Some(Err(e))) => return Err(SendError::Failed(e.to_string())),
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}

/// The whole body, at most [`MAX_BODY`] bytes (more is an error).
pub async fn read_all(body: &mut Incoming, deadline: Instant) -> Result<Vec<u8>, SendError> {
    let mut out = Vec::new();
    while let Some(c) = chunk(body, deadline).await? {
        out.extend_from_slice(&c);
        if out.len() > MAX_BODY {
            return Err(SendError::Failed(format!(
                "the body is larger than {} MiB",
                MAX_BODY >> 20
            )));
        }
    }
    Ok(out)
}

impl SendError {
    pub fn into_failure(self, step: &str, what: &str) -> Failure {
        let unreachable = matches!(self, SendError::Unreachable(_));
        Failure {
            step: step.to_string(),
            message: match self {
                SendError::Unreachable(e) => format!("cannot reach {what}: {e}"),
                SendError::Failed(e) => format!("{what}: {e}"),
                SendError::TimedOut => {
                    format!("no answer from {what} in time (`spec.mcp.timeout`)")
                }
            },
            unreachable,
        }
    }
}

/// A server reached over TCP from this machine (a published, forwarded port).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tcp {
    pub host: String,
    pub port: u16,
}

impl Connect for Tcp {
    fn open(&self) -> Opening<'_> {
        Box::pin(async move {
            let s = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                .await
                .map_err(|e| e.to_string())?;
            let _ = s.set_nodelay(true);
            Ok(Box::new(s) as BoxStream)
        })
    }

    fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}
