//! `dindctl init`: a starting point in the current directory — a profile that extends
//! `default` with the project's name and MCP servers, a `dindctl.toml`, a
//! `.pre-commit-config.yaml` with the hooks, and `build/` in `.gitignore`. Never overwrites a
//! file unless `--force`.

use std::path::{Path, PathBuf};

use super::Outcome;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The compose project name (default: the directory's name).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// An MCP server, `NAME=IMAGE:PORT` (the container port it listens on); repeatable.
    #[arg(long = "server", value_name = "NAME=IMAGE:PORT")]
    pub servers: Vec<String>,
    /// Replace files that already exist.
    #[arg(long)]
    pub force: bool,
    /// Where to write (default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

/// One `--server NAME=IMAGE:PORT`.
#[derive(Debug, PartialEq, Eq)]
struct Server {
    name: String,
    image: String,
    port: u16,
}

fn parse_server(spec: &str) -> Result<Server, String> {
    let bad = |why: &str| {
        format!(
            "--server `{spec}`: {why}\n  = help: give NAME=IMAGE:PORT, e.g. --server search=ghcr.io/acme/search-mcp:1.2.0:3000"
        )
    };
    let (name, rest) = spec.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let (image, port) = rest.rsplit_once(':').ok_or_else(|| bad("no `:PORT`"))?;
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?;
    let name_ok = !name.is_empty()
        && name.len() <= 40
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !name_ok {
        return Err(bad(
            "the name must be lowercase letters, digits and `-`, starting with a letter",
        ));
    }
    if image.is_empty() || image.contains(char::is_whitespace) {
        return Err(bad("no image"));
    }
    Ok(Server {
        name: name.to_string(),
        image: image.to_string(),
        port,
    })
}

/// A compose project name from a directory name, as compose normalizes it.
/// The directory need not exist yet (`init --dir NEWDIR`).
fn project_name(dir: &Path) -> String {
    let name = crate::project::dir_basename(dir).unwrap_or_default();
    crate::project::normalize(&name)
}

/// A path as one shell word (single-quoted unless it is plain).
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A YAML scalar that reads back as exactly `s`.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn profile(project: &str, servers: &[Server]) -> String {
    let mut out = format!(
        "# The DinD stack of {project}: the built-in `default` profile (a docker:dind orchestrator with TLS\n\
         # on loopback, a manager on the shared socket) with this project's MCP servers.\n\
         # `dindctl render --profile profiles/{project}.yaml` writes it; `dindctl check --profile …` checks it.\n\
         name: {project}\n\
         extends: default\n\
         project: {project}\n\
         \n\
         mcp_servers:\n",
        project = project
    );
    let examples: Vec<&str> = ["postgres", "files", "http"]
        .into_iter()
        .filter(|e| !servers.iter().any(|s| s.name == *e))
        .collect();
    if !examples.is_empty() {
        out.push_str("  # the default profile's example servers, not wanted here\n");
        for e in examples {
            out.push_str(&format!("  {e}: null\n"));
        }
    }
    for (i, s) in servers.iter().enumerate() {
        out.push_str(&format!(
            "  {name}:\n\
             \x20   image: {image}\n\
             \x20   container_port: {port}\n\
             \x20   host_port: {host}               # forwarded on 127.0.0.1 by the DinD service\n\
             \x20   networks: [mcp-inner]\n\
             \x20   healthcheck:                 # adjust to the server's own health endpoint\n\
             \x20     test: [CMD, wget, -q, -O-, \"http://127.0.0.1:{port}/health\"]\n\
             \x20   labels:\n\
             \x20     mcp.service: {name}\n\
             \x20   mcp:                         # how apply and verify speak MCP to it (or sse, stdio)\n\
             \x20     transport: streamable-http\n",
            name = s.name,
            image = quoted(&s.image),
            port = s.port,
            host = 13001 + i,
        ));
    }
    out.push_str(
        "\n# The default profile's example secret, not used by the servers above.\nsecrets: null\n",
    );
    out
}

const CONFIG: &str = "# dindctl check configuration (see `dindctl rules` and `dindctl explain RULE`).\n\
socket-gid = 2375                     # the GID that owns the Docker socket (docker:dind: 2375)\n\
\n\
[rules]\n\
# hardening-suggestions = \"off\"     # off | info | warning | error\n";

fn precommit(project: &str) -> String {
    format!(
        "# pre-commit hooks (https://pre-commit.com); `dindctl` must be on the PATH.\n\
         repos:\n\
         \x20 - repo: local\n\
         \x20   hooks:\n\
         \x20     - id: dindctl-check\n\
         \x20       name: dindctl check\n\
         \x20       entry: dindctl check --changed\n\
         \x20       language: system\n\
         \x20       files: \\.ya?ml$|(^|/)(dindctl\\.toml|\\.env)$\n\
         \x20       pass_filenames: true\n\
         \x20       require_serial: true\n\
         \x20     - id: dindctl-render-check\n\
         \x20       name: dindctl render --check\n\
         \x20       entry: dindctl render --check --profile profiles/{project}.yaml --out build/dindctl\n\
         \x20       language: system\n\
         \x20       files: (^|/)(profiles|templates)/\n\
         \x20       pass_filenames: false\n"
    )
}

pub fn run(args: &InitArgs) -> Outcome {
    let servers: Vec<Server> = match args.servers.iter().map(|s| parse_server(s)).collect() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Failed;
        }
    };
    let mut names = std::collections::HashSet::new();
    for s in &servers {
        if !names.insert(&s.name) {
            eprintln!("error: --server `{}` is given twice", s.name);
            return Outcome::Failed;
        }
        // The profile extends `default`, whose example servers have these names: a server of
        // the same name would inherit their settings.
        if ["postgres", "files", "http"].contains(&s.name.as_str()) {
            eprintln!(
                "error: --server `{}`: the default profile has an example server of that name, whose settings it would inherit\n  = help: choose another name, e.g. `{}-mcp`",
                s.name, s.name
            );
            return Outcome::Failed;
        }
    }
    let project = args
        .project
        .clone()
        .unwrap_or_else(|| project_name(&args.dir));
    // Compose's rule for project names: lowercase letters, digits, `-` and `_`, starting with
    // a letter or digit.
    if !crate::project::is_valid(&project) {
        eprintln!(
            "error: `{project}` is not a compose project name\n  = help: use lowercase letters, digits, `-` and `_`, starting with a letter or digit (--project)"
        );
        return Outcome::Failed;
    }
    let files: Vec<(PathBuf, String)> = vec![
        (
            args.dir.join("profiles").join(format!("{project}.yaml")),
            profile(&project, &servers),
        ),
        (args.dir.join("dindctl.toml"), CONFIG.to_string()),
        (
            args.dir.join(".pre-commit-config.yaml"),
            precommit(&project),
        ),
    ];
    if !args.force {
        let existing: Vec<String> = files
            .iter()
            .filter(|(p, _)| p.exists())
            .map(|(p, _)| format!("`{}`", p.display()))
            .collect();
        if !existing.is_empty() {
            eprintln!(
                "error: {} already exist{}; nothing was written\n  = help: pass --force to replace {}",
                existing.join(", "),
                if existing.len() == 1 { "s" } else { "" },
                if existing.len() == 1 { "it" } else { "them" }
            );
            return Outcome::Failed;
        }
    }
    let gitignore = args.dir.join(".gitignore");
    let current = std::fs::read_to_string(&gitignore).unwrap_or_default();
    let ignores_build = current
        .lines()
        .any(|l| matches!(l.trim(), "build/" | "/build/" | "build" | "/build"));
    let mut writes = files;
    if !ignores_build {
        let mut text = current.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("# dindctl render output\n/build/\n");
        writes.push((gitignore, text));
    }
    if let Err(e) = crate::render::output::write_files(&writes) {
        eprintln!("error: {e}; nothing was changed");
        return Outcome::Failed;
    }
    for (path, _) in &writes {
        eprintln!("wrote {}", path.display());
    }
    // From where the user stands: the profile's paths are the project directory's.
    let cd = if crate::project::absolute_dir(&args.dir)
        == crate::project::absolute_dir(Path::new("."))
    {
        String::new()
    } else {
        format!("cd {} && ", shell_word(&args.dir.display().to_string()))
    };
    eprintln!(
        "next: {cd}dindctl check --profile profiles/{project}.yaml && dindctl render --profile profiles/{project}.yaml"
    );
    Outcome::Clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_specs() {
        assert_eq!(
            parse_server("search=ghcr.io:443/acme/search-mcp:1.2.0:3000"),
            Ok(Server {
                name: "search".into(),
                image: "ghcr.io:443/acme/search-mcp:1.2.0".into(),
                port: 3000
            })
        );
        for bad in [
            "search",
            "search=img",
            "search=img:x",
            "Search=img:1",
            "s=img:0",
            "=img:1",
        ] {
            assert!(parse_server(bad).is_err(), "{bad}");
        }
    }
}
