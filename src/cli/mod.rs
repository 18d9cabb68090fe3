//! Command-line interface: argument parsing (clap derive) and one function per subcommand.
//!
//! Exit codes: 0 success or clean, 1 findings or differences the user asked to fail on,
//! 2 the tool could not do its job (bad arguments, unreadable or invalid input).

mod render;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diag::Diagnostic;
use crate::source::SourceDb;

#[derive(Debug, Parser)]
#[command(
    name = "dindctl",
    version,
    about = "Render, check and converge Docker-in-Docker stacks that host MCP servers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render the outer compose file and the inner MCP manifests from a profile.
    Render(RenderArgs),
    /// List the built-in profiles.
    Profiles,
}

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// Profile: a built-in name (default, dev, ci, prod), `profiles/NAME.yaml` under the
    /// current directory, or a path to a profile file.
    #[arg(long, short = 'p', default_value = "default")]
    pub profile: String,
    /// Output directory.
    #[arg(long, short = 'o', default_value = "build/dindctl")]
    pub out: PathBuf,
    /// Print every rendered file to standard output instead of writing files.
    #[arg(long, conflicts_with = "check")]
    pub stdout: bool,
    /// Write nothing; exit 1 and print a diff when the files in --out differ from a fresh render.
    #[arg(long)]
    pub check: bool,
    /// Directory whose templates override the built-in ones (same file names).
    #[arg(long)]
    pub templates: Option<PathBuf>,
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, nothing to report.
    Clean,
    /// Done, and found what the user asked to fail on (findings, differences).
    Findings,
    /// Could not do the job.
    Failed,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> Self {
        ExitCode::from(match o {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::Failed => 2,
        })
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    run(cli).into()
}

pub fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Render(args) => render::run(&args),
        Command::Profiles => {
            for (name, text) in crate::profile::EMBEDDED {
                let description = text
                    .lines()
                    .find_map(|l| l.strip_prefix("description: "))
                    .unwrap_or("");
                out_line(&format!("{name:<10} {description}"));
            }
            Outcome::Clean
        }
    }
}

/// Prints diagnostics on stderr.
pub(crate) fn print_diagnostics(db: &SourceDb, diags: &[Diagnostic]) {
    let mut err = std::io::stderr().lock();
    for d in diags {
        let _ = write!(err, "{}", d.render(db));
    }
}

/// Writes to stdout; a closed pipe (`dindctl … | head`) is not an error.
pub(crate) fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

pub(crate) fn out_line(text: &str) {
    out(&format!("{text}\n"));
}
