//! `dindctl logs`: the output of the project's inner containers, each line prefixed with its
//! server's name as `docker compose logs` does, optionally followed.

use std::time::Duration;

use futures_util::StreamExt as _;

use crate::engine::Engine;
use crate::plan::live::LiveContainer;

#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    pub follow: bool,
    /// Last N lines of each container (`None`: all).
    pub tail: Option<usize>,
    /// Only lines since this many seconds ago.
    pub since_secs: Option<u64>,
    pub timestamps: bool,
}

/// One line of one container's output.
#[derive(Clone, Debug)]
pub struct LogLine {
    /// The server (manifest) name.
    pub server: String,
    pub stderr: bool,
    pub text: String,
}

/// Streams the logs of `containers` to `sink`, interleaved as they arrive; returns when every
/// stream ended (without `follow`, once the existing output is read).
pub async fn stream(
    engine: &Engine,
    containers: &[LiveContainer],
    opts: &LogOptions,
    sink: &mut (dyn FnMut(LogLine) + Send),
) -> Result<(), String> {
    let since = opts
        .since_secs
        .map(|s| (crate::clock::now_secs() - s as i64).max(0) as i32);
    let streams = containers.iter().map(|c| {
        let server = if c.manifest.is_empty() {
            c.name.clone()
        } else {
            c.manifest.clone()
        };
        engine
            .log_stream(&c.id, opts.follow, opts.tail, since, opts.timestamps)
            .map(move |item| (server.clone(), item))
    });
    let mut all = futures_util::stream::select_all(streams.map(Box::pin));
    // Partial lines are joined per container and stream before they are shown.
    let mut partial: std::collections::HashMap<(String, bool), String> = Default::default();
    while let Some((server, item)) = all.next().await {
        let (is_err, chunk) = match item {
            Ok(x) => x,
            Err(e) => return Err(format!("logs of `{server}`: {e}")),
        };
        let buf = partial.entry((server.clone(), is_err)).or_default();
        buf.push_str(&chunk);
        while let Some(i) = buf.find('\n') {
            let line: String = buf.drain(..=i).collect();
            sink(LogLine {
                server: server.clone(),
                stderr: is_err,
                text: line.trim_end_matches(['\n', '\r']).to_string(),
            });
        }
    }
    for ((server, is_err), rest) in partial {
        if !rest.is_empty() {
            sink(LogLine {
                server,
                stderr: is_err,
                text: rest,
            });
        }
    }
    // Give a terminal a moment to flush what the last container wrote.
    tokio::time::sleep(Duration::from_millis(1)).await;
    Ok(())
}
