//! `dindctl logs`: flags into [`crate::deploy::logs`] options, lines printed with a coloured
//! `server |` prefix as `docker compose logs` prints them.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use super::Outcome;
use super::engine::{ConnArgs, StackArgs};
use crate::deploy::logs::{LogLine, LogOptions};

#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// Only these servers (`metadata.name`); default: every container of the project.
    pub servers: Vec<String>,
    /// The stack (a directory or file; repeatable), when it is not the current directory's.
    #[arg(long, value_name = "PATH")]
    pub stack: Vec<PathBuf>,
    /// A compose file to merge, as `docker compose -f` does (repeatable; `-f` is `--follow`
    /// here, as in `docker compose logs`).
    #[arg(long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Render this profile in memory for the stack (a built-in name, or a path).
    #[arg(long, conflicts_with_all = ["stack", "files"])]
    pub profile: Option<String>,
    /// The project (default: as every engine command decides it).
    #[arg(long, short = 'p', value_name = "NAME")]
    pub project_name: Option<String>,
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Keep printing new output.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// The last N lines of each container (default: all).
    #[arg(long, short = 'n', value_name = "N")]
    pub tail: Option<usize>,
    /// Only output newer than this (`10m`, `1h30m`; a bare number is seconds).
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Prefix each line with its timestamp.
    #[arg(long, short = 't')]
    pub timestamps: bool,
    /// No `server |` prefix.
    #[arg(long)]
    pub no_prefix: bool,
}

const COLOURS: [&str; 6] = ["36", "33", "32", "35", "34", "31"];

pub fn logs(args: &LogsArgs) -> Outcome {
    let stack = StackArgs {
        source: super::SourceArgs {
            paths: args.stack.clone(),
            files: args.files.clone(),
            profile: args.profile.clone(),
            compose_profiles: Vec::new(),
            templates: None,
            env_file: None,
        },
        project_name: args.project_name.clone(),
    };
    let since_secs = match args.since.as_deref().map(parse_since) {
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            eprintln!("error: --since: {e}");
            return Outcome::Failed;
        }
        None => None,
    };
    let (project, engine) = match super::engine::target(&stack, &args.conn) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let opts = LogOptions {
        follow: args.follow,
        tail: args.tail,
        since_secs,
        timestamps: args.timestamps,
    };
    crate::engine::block_on(async {
        let mut containers = match crate::plan::live::containers(&engine, &project).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return Outcome::Failed;
            }
        };
        if !args.servers.is_empty() {
            let unknown: Vec<&String> = args
                .servers
                .iter()
                .filter(|s| {
                    !containers
                        .iter()
                        .any(|c| &c.manifest == *s || &c.name == *s)
                })
                .collect();
            if !unknown.is_empty() {
                eprintln!(
                    "error: no container of project `{project}` on {} for {}",
                    engine.endpoint.host,
                    unknown
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                return Outcome::Failed;
            }
            containers.retain(|c| {
                args.servers
                    .iter()
                    .any(|s| *s == c.manifest || *s == c.name)
            });
        }
        if containers.is_empty() {
            eprintln!(
                "no containers of project `{project}` on {}",
                engine.endpoint.host
            );
            return Outcome::Clean;
        }
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let names: Vec<String> = containers
            .iter()
            .map(|c| {
                if c.manifest.is_empty() {
                    c.name.clone()
                } else {
                    c.manifest.clone()
                }
            })
            .collect();
        let width = names.iter().map(String::len).max().unwrap_or(0);
        let no_prefix = args.no_prefix;
        let mut sink = move |line: LogLine| {
            let mut out = std::io::stdout().lock();
            if no_prefix {
                let _ = writeln!(out, "{}", line.text);
                return;
            }
            let index = names.iter().position(|n| *n == line.server).unwrap_or(0);
            let prefix = format!("{:<width$} |", line.server);
            let _ = if colour {
                writeln!(
                    out,
                    "\x1b[{}m{prefix}\x1b[0m {}",
                    COLOURS[index % COLOURS.len()],
                    line.text
                )
            } else {
                writeln!(out, "{prefix} {}", line.text)
            };
        };
        match crate::deploy::logs::stream(&engine, &containers, &opts, &mut sink).await {
            Ok(()) => Outcome::Clean,
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Failed
            }
        }
    })
}

/// `--since`: a duration ago (`10m`), or a bare number of seconds.
fn parse_since(s: &str) -> Result<u64, String> {
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    crate::model::units::duration_ns(s)
        .filter(|ns| *ns >= 0)
        .map(|ns| (ns as u64) / 1_000_000_000)
        .ok_or_else(|| format!("`{s}` is not a duration (e.g. 10m, 1h30m, 90)"))
}
