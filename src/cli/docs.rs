//! `dindctl completions SHELL` and `dindctl man`: generated from the same clap definitions the
//! command line is parsed with, so they cannot drift from it.

use std::path::{Path, PathBuf};

use clap::CommandFactory as _;
use clap::builder::PossibleValuesParser;

use super::{Cli, Outcome, out};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

/// The command tree with the values a shell should offer: rule ids for `explain`, `--select`
/// and `--ignore`, the built-in profile names for `--profile`. (Parsing keeps its own checks,
/// with their "did you mean"; only the completion scripts list the values.)
fn completing() -> clap::Command {
    let rules: Vec<&'static str> = crate::check::registry()
        .iter()
        .map(|r| r.meta().id)
        .collect();
    let profiles: Vec<&'static str> = crate::profile::EMBEDDED.iter().map(|(n, _)| *n).collect();
    let rule_values = || PossibleValuesParser::new(rules.clone());
    let mut cmd = Cli::command().mut_subcommand("explain", |s| {
        s.mut_arg("rule", |a| a.value_parser(rule_values()))
    });
    cmd = cmd.mut_subcommand("check", |s| {
        s.mut_arg("select", |a| a.value_parser(rule_values()))
            .mut_arg("ignore", |a| a.value_parser(rule_values()))
    });
    for sub in ["check", "render", "apply", "diff", "status", "down"] {
        let profiles = profiles.clone();
        cmd = cmd.mut_subcommand(sub, |s| {
            if s.get_arguments().any(|a| a.get_id() == "profile") {
                s.mut_arg("profile", |a| {
                    a.value_parser(PossibleValuesParser::new(profiles))
                })
            } else {
                s
            }
        });
    }
    cmd
}

pub fn completions(shell: Shell) -> Outcome {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
        Shell::Elvish => S::Elvish,
    };
    let mut cmd = completing();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "dindctl", &mut buf);
    out(&String::from_utf8_lossy(&buf));
    Outcome::Clean
}

/// Writes `dindctl.1` and `dindctl-SUBCOMMAND.1` for every subcommand into `dir`.
pub fn man(dir: &Path) -> Outcome {
    let cmd = Cli::command();
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut page = |c: &clap::Command, name: &str| -> Result<(), String> {
        let mut buf = Vec::new();
        // A page is named `dindctl-check`, not `check` (clap keeps names as `&'static str`;
        // a few short strings live until the process ends).
        let title: &'static str = Box::leak(name.to_string().into_boxed_str());
        clap_mangen::Man::new(c.clone().name(title))
            .render(&mut buf)
            .map_err(|e| e.to_string())?;
        files.push((
            dir.join(format!("{name}.1")),
            String::from_utf8_lossy(&buf).into_owned(),
        ));
        Ok(())
    };
    let mut result = page(&cmd, "dindctl");
    for sub in cmd.get_subcommands() {
        result = result.and_then(|()| page(sub, &format!("dindctl-{}", sub.get_name())));
    }
    if let Err(e) = result {
        eprintln!("error: cannot render the man pages: {e}");
        return Outcome::Failed;
    }
    if let Err(e) = crate::render::output::write_files(&files) {
        eprintln!("error: {e}");
        return Outcome::Failed;
    }
    eprintln!("wrote {} man pages into {}", files.len(), dir.display());
    Outcome::Clean
}
