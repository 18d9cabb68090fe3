use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::dind::daemons;

declare_rule! {
    /// ## What it does
    /// Reports a DinD service whose health check runs `docker …` against the default socket
    /// (no `-H`/`--host`, no `DOCKER_HOST` in its environment) while its daemon does not serve
    /// `/var/run/docker.sock` — because its command gives its own `--host` list without that
    /// socket (`dockerd -H tcp://0.0.0.0:2375`).
    ///
    /// ## Why is this bad?
    /// The check can never pass: `docker info` finds no socket. dockerd serves only the
    /// listeners its `--host` flags name (the default socket only when none is given; dockerd
    /// documentation), and the health check runs in the container with its environment. Every
    /// service that waits for it with `condition: service_healthy` never starts.
    ///
    /// ## Example
    /// ```yaml
    /// dind:
    ///   image: docker:27-dind
    ///   command: ["dockerd", "-H", "tcp://0.0.0.0:2375"]
    ///   healthcheck: {test: [CMD, docker, info]}
    /// ```
    /// Use instead:
    /// ```yaml
    /// dind:
    ///   image: docker:27-dind
    ///   command: ["dockerd", "-H", "unix:///var/run/docker.sock", "-H", "tcp://0.0.0.0:2375"]
    ///   healthcheck: {test: [CMD, docker, info]}
    /// ```
    DindHealthcheckCannotPass, "dind-healthcheck-cannot-pass", Error,
    "a DinD health check that talks to a socket the daemon does not serve"
}

/// Whether the health check command runs the docker CLI against its default daemon.
fn uses_default_socket(words: &[String]) -> bool {
    let text = words.join(" ");
    let runs_docker = text
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|'))
        .any(|w| w == "docker" || w.ends_with("/docker"));
    runs_docker
        && !text.contains(" -H")
        && !text.contains("--host")
        && !text.contains("DOCKER_HOST")
}

impl Rule for DindHealthcheckCannotPass {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for d in daemons(project) {
            let Some(config) = &d.config else { continue };
            if config.socket.as_deref() == Some("/var/run/docker.sock")
                || d.service.env("DOCKER_HOST").is_some()
            {
                continue;
            }
            let Some(h) = d.service.healthcheck.as_ref().filter(|h| h.is_active()) else {
                continue;
            };
            let words: Vec<String> = h
                .test
                .iter()
                .skip(1)
                .map(|t| t.value.text.clone())
                .collect();
            if h.test.iter().any(|t| t.value.unresolved) || !uses_default_socket(&words) {
                continue;
            }
            let serves = match &config.socket {
                Some(s) => format!("serves `{s}`"),
                None => "serves no unix socket".to_string(),
            };
            let span = h.test.first().map_or(h.span, |t| t.span);
            out.add(
                &Self::META,
                span,
                format!(
                    "the health check of `{}` runs `docker` against `/var/run/docker.sock`, but its daemon {serves}",
                    d.service.name
                ),
            )
            .help("add `-H unix:///var/run/docker.sock` to the daemon's command, or point the check at a listener (`docker -H tcp://127.0.0.1:2375 info`)");
        }
    }
}
