//! A container's standard streams as one byte stream: its stdout to read (stderr kept aside
//! for messages), its stdin to write — the Engine API's attach, for an MCP server that speaks
//! stdio and for the probe relay.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bollard::container::LogOutput;
use bollard::query_parameters::AttachContainerOptionsBuilder;
use bytes::Bytes;
use futures_util::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{Engine, OpError};

type Output = Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>;

pub struct Attached {
    output: Output,
    input: Pin<Box<dyn AsyncWrite + Send>>,
    pending: Bytes,
    /// What the container wrote on stderr (the first few KiB).
    pub stderr: Arc<Mutex<Vec<u8>>>,
}

impl Engine {
    /// Attaches to a container's stdin (when `stdin`), stdout and stderr, from now on.
    pub async fn attach(&self, id: &str, stdin: bool) -> Result<Attached, OpError> {
        let opts = AttachContainerOptionsBuilder::new()
            .stdin(stdin)
            .stdout(true)
            .stderr(true)
            .stream(true)
            .logs(false)
            .build();
        let r = self.docker.attach_container(id, Some(opts)).await?;
        Ok(Attached {
            output: r.output,
            input: r.input,
            pending: Bytes::new(),
            stderr: Arc::new(Mutex::new(Vec::new())),
        })
    }
}

impl AsyncRead for Attached {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        loop {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(buf.remaining());
                let chunk = self.pending.split_to(n);
                buf.put_slice(&chunk);
                return Poll::Ready(Ok(()));
            }
            match self.output.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Ready(Some(Err(e))) => {
                    return Poll::Ready(Err(std::io::Error::other(e.to_string())));
                }
                Poll::Ready(Some(Ok(out))) => match out {
                    LogOutput::StdOut { message } | LogOutput::Console { message } => {
                        self.pending = message;
                    }
                    LogOutput::StdErr { message } => {
                        if let Ok(mut e) = self.stderr.lock()
                            && e.len() < 4096
                        {
                            e.extend_from_slice(&message);
                        }
                    }
                    LogOutput::StdIn { .. } => {}
                },
            }
        }
    }
}

impl AsyncWrite for Attached {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.input.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.input.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.input.as_mut().poll_shutdown(cx)
    }
}
