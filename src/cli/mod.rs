//! Command-line interface: argument parsing (clap derive) and one function per subcommand.
//!
//! Exit codes: 0 success or clean, 1 findings or differences the user asked to fail on,
//! 2 the tool could not do its job (bad arguments, unreadable or invalid input).

mod check;
mod docs;
pub mod engine;
mod init;
mod logs;
mod outer;
mod render;
mod verify;

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
    /// Check a stack (compose files and mcp/v1 manifests together), or a rendered profile.
    Check(CheckArgs),
    /// List every rule with its default severity.
    Rules,
    /// Show a rule's documentation: what it finds, why, a broken and a fixed example.
    Explain {
        /// The rule id, e.g. `duplicate-host-port`.
        rule: String,
    },
    /// List the built-in profiles.
    Profiles,
    /// Converge the inner MCP manifests on the DinD daemon, wait for health, verify.
    Apply(engine::ApplyArgs),
    /// Show what apply would change: planned against live, field by field.
    Diff(engine::DiffArgs),
    /// List the project's containers on the daemon: state, health, ports, uptime, restarts.
    Status(engine::StatusArgs),
    /// Remove the project's containers and networks (and volumes with --volumes).
    Down(engine::DownArgs),
    /// Show the output of the project's inner containers, prefixed per server (`-f` follows).
    Logs(logs::LogsArgs),
    /// Speak MCP to every server of the project that says how (`spec.mcp`): the handshake,
    /// the server's identity and what it offers, changing nothing.
    Verify(verify::VerifyArgs),
    /// Start a project here: a profile extending `default` with your MCP servers, a
    /// dindctl.toml, a .pre-commit-config.yaml and `build/` in .gitignore.
    Init(init::InitArgs),
    /// Print a shell completion script (`source <(dindctl completions bash)`).
    Completions {
        #[arg(value_enum)]
        shell: docs::Shell,
    },
    /// Write man pages for dindctl and every subcommand.
    Man {
        /// Directory to write `dindctl.1`, `dindctl-check.1`, … into.
        #[arg(long, default_value = "man")]
        out: PathBuf,
    },
}

/// Which stack: files and directories, the current directory's stack, or a profile rendered
/// in memory.
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// Compose files, mcp/v1 manifests, or directories (searched for compose's file names,
    /// else YAML files with `services:`, and for manifests, also in `mcp-manifests/` and
    /// `mcp/`). All of them form one stack. Without paths: the stack of the current directory,
    /// found as `docker compose` finds its files (`COMPOSE_FILE`, or `compose.yaml` and the
    /// other standard names here or in a directory above), or `--profile`.
    pub paths: Vec<PathBuf>,
    /// A compose file to merge, in order, as `docker compose -f` does (repeatable).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Render this profile in memory and use it instead of files: a built-in name (default,
    /// dev, ci, prod), `profiles/NAME.yaml` here, or a path.
    #[arg(long, conflicts_with_all = ["paths", "files"])]
    pub profile: Option<String>,
    /// Compose profiles to activate (repeatable; default: `COMPOSE_PROFILES`).
    #[arg(long = "compose-profile", value_name = "NAME")]
    pub compose_profiles: Vec<String>,
    /// Templates overriding the built-in ones (with --profile).
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// Variables for `${VAR}` interpolation, instead of the `.env` beside the compose file.
    #[arg(long)]
    pub env_file: Option<PathBuf>,
}

impl SourceArgs {
    /// A profile is rendered in memory.
    pub fn from_profile(&self) -> bool {
        self.profile.is_some()
    }

    /// The profile to render (`default` unless named).
    pub fn profile_name(&self) -> &str {
        self.profile.as_deref().unwrap_or("default")
    }

    pub fn inputs(&self) -> crate::load::Inputs {
        crate::load::Inputs {
            compose_files: self.files.clone(),
            paths: self.paths.clone(),
            env_file: self.env_file.clone(),
            compose_profiles: self.compose_profiles.clone(),
            current_directory: !self.from_profile()
                && self.files.is_empty()
                && self.paths.is_empty(),
            ..crate::load::Inputs::default()
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: crate::report::Format,
    /// Exit 1 when a finding reaches this level.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Configuration file (default: `dindctl.toml` here or in a parent directory).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Only these rules (ids, comma-separated or repeated; over the configuration file).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,
    /// Turn these rules off (ids, comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
    /// The paths are changed files (as pre-commit passes them): check every stack one of them
    /// belongs to — the nearest directory at or above it that holds a compose file — each on
    /// its own.
    #[arg(long, conflicts_with_all = ["profile", "files"])]
    pub changed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    pub fn severity(self) -> crate::diag::Severity {
        match self {
            FailOn::Error => crate::diag::Severity::Error,
            FailOn::Warning => crate::diag::Severity::Warning,
            FailOn::Info => crate::diag::Severity::Info,
        }
    }
}

/// Where `render` writes by default; a profile applied without rendering is read as if there.
pub const DEFAULT_OUT: &str = "build/dindctl";

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// Profile: a built-in name (default, dev, ci, prod), `profiles/NAME.yaml` under the
    /// current directory, or a path to a profile file.
    #[arg(long, default_value = "default")]
    pub profile: String,
    /// Output directory.
    #[arg(long, short = 'o', default_value = DEFAULT_OUT)]
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
    /// A specific exit code (e.g. `diff --detailed-exitcode`).
    Exit(u8),
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> Self {
        ExitCode::from(match o {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::Failed => 2,
            Outcome::Exit(code) => code,
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
        Command::Check(args) => check::run(&args),
        Command::Rules => check::rules(),
        Command::Explain { rule } => check::explain(&rule),
        Command::Apply(args) => engine::apply(&args),
        Command::Diff(args) => engine::diff(&args),
        Command::Status(args) => engine::status(&args),
        Command::Verify(args) => verify::verify(&args),
        Command::Down(args) => engine::down(&args),
        Command::Logs(args) => logs::logs(&args),
        Command::Init(args) => init::run(&args),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { out } => docs::man(&out),
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

/// The names of every subcommand (for the man-page test).
pub fn subcommand_names() -> Vec<String> {
    use clap::CommandFactory as _;
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
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
