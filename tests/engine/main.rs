//! apply / diff / status / down against the real Docker daemon of this machine. One test
//! drives every scenario (concurrently, each with its own project, names and subnet) so that
//! the test image is built once and everything is removed when the run ends.

mod daemon;
mod harness;
mod pull;

use std::time::{Duration, Instant};

use harness::*;

const HEALTHY: &str = "  healthcheck:\n    test: [\"CMD\", \"/bin/busybox\", \"wget\", \"-q\", \"-O-\", \"http://127.0.0.1:8080/health\"]\n    interval: 1s\n    timeout: 2s\n    retries: 5\n";
const SLEEPER: &str = "  command: [\"sleep\", \"3600\"]\n";

/// A host port no other scenario of this run is given, and free now. Taken below the kernel's
/// ephemeral range (32768 and up), so a listener bound to port 0 — by a scenario, or by the
/// kernel for an outgoing connection — cannot land on it between this check and the publish.
pub(crate) fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let _ = NEXT.compare_exchange(
        0,
        20_000 + (std::process::id() % 400) as u16 * 30,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let port = NEXT.fetch_add(1, Ordering::SeqCst);
        assert!(port < 32_768, "no free test port below the ephemeral range");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

type ScenarioFn = fn(&Scenario);

#[test]
fn engine_scenarios() {
    let Some(h) = Harness::new() else { return };
    let scenarios: &[(&str, ScenarioFn)] = &[
        ("first", first_apply_is_healthy_then_noop),
        ("envchange", env_change_recreates_only_that_container),
        ("drift", manual_changes_show_as_drift),
        ("orphan", orphans_removed_only_with_prune),
        ("orphanport", kept_orphan_holding_a_port_is_refused),
        ("clash", unlabelled_name_clash_is_refused),
        ("exits", exiting_container_fails_fast_with_logs),
        ("sick", unhealthy_container_fails_fast_with_health_output),
        ("oom", oom_killed_container_fails_fast),
        ("noimage", missing_image_creates_nothing),
        ("ports", taken_host_port_is_a_clear_error),
        ("interrupt", interrupted_apply_converges_next_run),
        ("tls", tls_endpoint_of_a_second_daemon),
        ("outer", outer_diff_against_a_compose_project),
        ("fields", runtime_fields_are_applied_and_diff_clean),
        ("secrets", secrets_are_verified_by_reading_them_back),
        ("notready", not_ready_containers_are_not_converged),
        ("lock", concurrent_applies_take_turns),
        ("context", docker_contexts_pick_the_daemon),
        ("examples", example_stacks_apply_twice_to_no_changes),
        ("mcp", mcp_servers_are_verified),
        ("pull", pull::images_reach_an_empty_daemon),
        (
            "netchange",
            network_change_recreates_network_and_its_containers,
        ),
    ];
    // `DINDCTL_ENGINE_ONLY=first,fields` runs some scenarios only (while developing).
    let only = std::env::var("DINDCTL_ENGINE_ONLY").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|o| o == name);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = scenarios
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| wanted(name))
            .map(|(i, (name, f))| {
                let h = &h;
                let handle = scope.spawn(move || {
                    let s = Scenario::new(h, name, i as u8 + 1);
                    f(&s);
                });
                (*name, handle)
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|(name, handle)| match handle.join() {
                Ok(()) => None,
                Err(panic) => Some(format!(
                    "{name}: {}",
                    panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default()
                )),
            })
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} scenario(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A network, a secret, one healthy server with a port, a volume and a credential in its
/// environment, and one plain sleeper.
fn basic_stack(s: &Scenario, port: u16, greeting: &str) -> String {
    s.write("secrets/token", SECRET_FILE_VALUE);
    format!(
        "{net}---\napiVersion: mcp/v1\nkind: MCPSecret\nmetadata:\n  name: api_token\nspec:\n  file: ./secrets/token\n{a}{b}",
        net = s.network(&s.net_name()),
        a = s.container(
            "web",
            &format!(
                "  environment:\n    GREETING: {greeting}\n    API_TOKEN: {SECRET_ENV_VALUE}\n    DATABASE_URL: postgres://app:{SECRET_URL_PASSWORD}@db.internal/app\n  ports:\n    \"127.0.0.1:{port}\": \"8080\"\n  volumes:\n    {vol}: /data\n  secrets: [api_token]\n  networks: [{net}]\n{HEALTHY}  resources:\n    limits: {{ cpus: \"0.5\", memory: 64M }}\n  restart_policy: unless-stopped\n",
                vol = s.project.clone() + "-data",
                net = s.net_name()
            )
        ),
        b = s.container(
            "worker",
            &format!(
                "{SLEEPER}  networks: [{}]\n  user: \"1001:1001\"\n  group_add: [\"2375\"]\n  secrets: [api_token]\n",
                s.net_name()
            )
        ),
    )
}

fn first_apply_is_healthy_then_noop(s: &Scenario) {
    let port = free_port();
    s.write("stack.yml", &basic_stack(s, port, "hello"));
    let dry = s.dindctl("apply", &["--dry-run"]);
    assert_eq!(code(&dry), 0, "{}", text(&dry));
    assert!(
        text(&dry).contains("Plan: 4 to add, 0 to change, 0 to destroy."),
        "{}",
        text(&dry)
    );
    assert_eq!(s.h.objects_of(&s.project), 0, "--dry-run created something");

    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("Apply complete: 4 added, 0 changed, 0 destroyed."),
        "{t}"
    );
    assert!(t.contains("healthy"), "{t}");
    // The API credential is redacted in the plan that apply printed.
    assert!(t.contains("API_TOKEN: \"***\""), "{t}");
    // A password inside a URL is masked in place, whatever the variable is called.
    assert!(t.contains("postgres://app:***@db.internal/app"), "{t}");

    let status = s.dindctl("status", &["--format", "json"]);
    assert_eq!(code(&status), 0, "{}", text(&status));
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status json");
    let items = v["containers"].as_array().expect("containers");
    assert_eq!(items.len(), 2, "{v}");
    let web = items
        .iter()
        .find(|c| c["name"] == s.name("web"))
        .expect("web");
    assert_eq!(web["state"], "running");
    assert_eq!(web["health"], "healthy");
    assert_eq!(web["ports"][0], format!("127.0.0.1:{port}->8080/tcp"));
    assert_eq!(web["restarts"], 0);

    // The secret is in the container, and nowhere in the container's configuration.
    let (content, owner, mode) = read_file(s.h, &s.name("web"), "/run/secrets/api_token");
    assert_eq!(content, SECRET_FILE_VALUE.as_bytes());
    assert_eq!((owner, mode), (0, 0o400));
    // A container with its own user: the file is that user's, and only readable by it.
    let (content, owner, mode) = read_file(s.h, &s.name("worker"), "/run/secrets/api_token");
    assert_eq!(content, SECRET_FILE_VALUE.as_bytes());
    assert_eq!((owner, mode), (1001, 0o400));
    let worker =
        s.h.rt
            .block_on(s.h.docker.inspect_container(
                &s.name("worker"),
                None::<bollard::query_parameters::InspectContainerOptions>,
            ))
            .expect("inspect");
    assert_eq!(
        worker.config.and_then(|c| c.user).as_deref(),
        Some("1001:1001")
    );
    assert_eq!(
        worker.host_config.and_then(|h| h.group_add),
        Some(vec!["2375".to_string()])
    );
    // The server answers through the published port.
    let body = http_get(port, "/index.html");
    assert!(body.contains("dindctl test server"), "{body}");

    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 0, "{}", text(&diff));
    assert!(text(&diff).contains("No changes."), "{}", text(&diff));
    let again = s.dindctl("apply", &[]);
    assert_eq!(code(&again), 0, "{}", text(&again));
    assert!(text(&again).contains("No changes."), "{}", text(&again));

    let human = s.dindctl("status", &[]);
    assert!(text(&human).contains("NAME"), "{}", text(&human));

    let down = s.dindctl("down", &[]);
    assert_eq!(code(&down), 0, "{}", text(&down));
    assert!(s.h.containers_of(&s.project).is_empty());
    assert_eq!(
        s.h.objects_of(&s.project),
        1,
        "the volume stays without --volumes"
    );
    let down = s.dindctl("down", &["--volumes"]);
    assert_eq!(code(&down), 0, "{}", text(&down));
    assert_eq!(s.h.objects_of(&s.project), 0);
}

/// Every runtime field of mcp/v1 beyond the basics reaches the container as written, and a
/// second plan finds nothing to do (the daemon's normalised values compare equal).
fn runtime_fields_are_applied_and_diff_clean(s: &Scenario) {
    let body = |grace: &str| {
        s.container(
            "tuned",
            &format!(
                "  entrypoint: [\"/bin/busybox\"]\n  command: [\"sleep\", \"3600\"]\n  working_dir: /tmp\n  extra_hosts: [\"db.test:10.1.2.3\", \"gw.test:host-gateway\"]\n  cap_drop: [ALL]\n  cap_add: [NET_BIND_SERVICE]\n  read_only: true\n  tmpfs: [\"/run:size=1m\"]\n  security_opt: [\"no-new-privileges:true\"]\n  stop_signal: SIGINT\n  stop_grace_period: {grace}\n  logging:\n    driver: json-file\n    options: {{max-size: 1m, max-file: 2}}\n  devices: [\"/dev/null:/dev/xnull:rwm\"]\n"
            ),
        )
    };
    s.write("stack.yml", &body("3s"));
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let c =
        s.h.rt
            .block_on(s.h.docker.inspect_container(
                &s.name("tuned"),
                None::<bollard::query_parameters::InspectContainerOptions>,
            ))
            .expect("inspect");
    let config = c.config.expect("config");
    let host = c.host_config.expect("host config");
    assert_eq!(config.working_dir.as_deref(), Some("/tmp"));
    assert_eq!(config.entrypoint, Some(vec!["/bin/busybox".to_string()]));
    assert_eq!(
        config.cmd,
        Some(vec!["sleep".to_string(), "3600".to_string()])
    );
    assert_eq!(config.stop_signal.as_deref(), Some("SIGINT"));
    assert_eq!(config.stop_timeout, Some(3));
    let hosts = host.extra_hosts.clone().unwrap_or_default();
    assert!(hosts.contains(&"db.test:10.1.2.3".to_string()), "{hosts:?}");
    assert!(
        hosts.contains(&"gw.test:host-gateway".to_string()),
        "{hosts:?}"
    );
    assert_eq!(host.cap_drop, Some(vec!["ALL".to_string()]));
    assert!(
        host.cap_add
            .clone()
            .unwrap_or_default()
            .iter()
            .any(|c| c.trim_start_matches("CAP_") == "NET_BIND_SERVICE"),
        "{:?}",
        host.cap_add
    );
    assert_eq!(host.readonly_rootfs, Some(true));
    assert_eq!(
        host.tmpfs
            .clone()
            .unwrap_or_default()
            .get("/run")
            .map(String::as_str),
        Some("size=1m")
    );
    assert_eq!(
        host.security_opt,
        Some(vec!["no-new-privileges:true".to_string()])
    );
    let log = host.log_config.clone().expect("log config");
    assert_eq!(log.typ.as_deref(), Some("json-file"));
    let opts = log.config.unwrap_or_default();
    assert_eq!(opts.get("max-size").map(String::as_str), Some("1m"));
    assert_eq!(opts.get("max-file").map(String::as_str), Some("2"));
    let devices = host.devices.clone().unwrap_or_default();
    assert!(
        devices
            .iter()
            .any(|d| d.path_on_host.as_deref() == Some("/dev/null")
                && d.path_in_container.as_deref() == Some("/dev/xnull")
                && d.cgroup_permissions.as_deref() == Some("rwm")),
        "{devices:?}"
    );
    // Inside: the hosts file maps the names, the working directory is the one asked for.
    let (hosts_file, _, _) = read_file(s.h, &s.name("tuned"), "/etc/hosts");
    let hosts_file = String::from_utf8_lossy(&hosts_file).to_string();
    assert!(hosts_file.contains("10.1.2.3\tdb.test"), "{hosts_file}");

    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 0, "{}", text(&diff));
    assert!(text(&diff).contains("No changes."), "{}", text(&diff));

    s.write("stack.yml", &body("5s"));
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 2, "{}", text(&diff));
    let t = text(&diff);
    assert!(
        t.contains(&format!(
            "~ container {} will be recreated",
            s.name("tuned")
        )),
        "{t}"
    );
    assert!(t.contains("# stop_timeout changed"), "{t}");
    // The recreate stops the old container with its own grace period (3s), and says so.
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("stopping old container (grace 3s)"),
        "{}",
        text(&out)
    );
    let down = s.dindctl("down", &[]);
    assert_eq!(code(&down), 0, "{}", text(&down));
}

/// Secrets are compared by reading the files back from the container: nothing derived from
/// their content is on the daemon (labels stay the same when the content changes), a changed
/// or missing file is a change, and a container created but killed before its secrets were
/// copied in is recreated rather than started without them.
fn secrets_are_verified_by_reading_them_back(s: &Scenario) {
    s.write("secrets/token", SECRET_FILE_VALUE);
    let stack = format!(
        "---\napiVersion: mcp/v1\nkind: MCPSecret\nmetadata:\n  name: api_token\nspec:\n  file: ./secrets/token\n{}",
        s.container(
            "holder",
            &format!("{SLEEPER}  user: \"1001:1001\"\n  secrets: [api_token]\n")
        )
    );
    s.write("stack.yml", &stack);
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let name = s.name("holder");
    let inspect = |n: &str| {
        s.h.rt
            .block_on(s.h.docker.inspect_container(
                n,
                None::<bollard::query_parameters::InspectContainerOptions>,
            ))
            .expect("inspect")
    };
    let labels_before = inspect(&name)
        .config
        .and_then(|c| c.labels)
        .unwrap_or_default();
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 0, "{}", text(&diff));

    // The content changes: the plan sees it by reading the file back.
    s.write("secrets/token", "file-SECRET-changed-0000");
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 2, "{}", text(&diff));
    let t = text(&diff);
    assert!(t.contains("secrets.api_token changed"), "{t}");
    assert!(!t.contains("file-SECRET-changed-0000"), "{t}");
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let (content, owner, mode) = read_file(s.h, &name, "/run/secrets/api_token");
    assert_eq!(content, b"file-SECRET-changed-0000");
    assert_eq!((owner, mode), (1001, 0o400));
    let labels_after = inspect(&name)
        .config
        .and_then(|c| c.labels)
        .unwrap_or_default();
    assert_eq!(
        labels_before, labels_after,
        "a label changed with the secret's content: it is derived from the content"
    );

    // An apply killed between create and the copy of the secrets leaves a created container
    // without them: the same configuration, never started, no /run/secrets.
    let c = inspect(&name);
    s.h.rt.block_on(async {
        s.h.docker
            .remove_container(
                &name,
                Some(
                    bollard::query_parameters::RemoveContainerOptionsBuilder::new()
                        .force(true)
                        .build(),
                ),
            )
            .await
            .expect("remove");
        let config = c.config.clone().unwrap_or_default();
        let body = bollard::models::ContainerCreateBody {
            image: config.image.clone(),
            cmd: config.cmd.clone(),
            user: config.user.clone(),
            labels: config.labels.clone(),
            host_config: c.host_config.clone(),
            ..Default::default()
        };
        s.h.docker
            .create_container(
                Some(
                    bollard::query_parameters::CreateContainerOptionsBuilder::new()
                        .name(&name)
                        .build(),
                ),
                body,
            )
            .await
            .expect("create");
    });
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 2, "{}", text(&diff));
    let t = text(&diff);
    assert!(
        t.contains(&format!("~ container {name} will be recreated")),
        "{t}"
    );
    assert!(t.contains("missing"), "{t}");
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let (content, _, _) = read_file(s.h, &name, "/run/secrets/api_token");
    assert_eq!(content, b"file-SECRET-changed-0000");
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 0, "{}", text(&diff));
    let down = s.dindctl("down", &[]);
    assert_eq!(code(&down), 0, "{}", text(&down));
}

/// Two applies of one project at once take turns on the daemon's lock: one converges, the
/// other waits and finds nothing to do; nothing is duplicated or left `created`. A lock left
/// by a process of this machine that is gone is taken over; one held elsewhere is waited for
/// and then refused, naming its holder.
fn concurrent_applies_take_turns(s: &Scenario) {
    let port = free_port();
    s.write("stack.yml", &basic_stack(s, port, "hello"));
    let spawn = || {
        s.command("apply", &[])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (
        a.wait_with_output().expect("a"),
        b.wait_with_output().expect("b"),
    );
    for o in [&a, &b] {
        assert_no_secrets(o);
        assert_eq!(code(o), 0, "{}", text(o));
    }
    let both = format!("{}\n{}", text(&a), text(&b));
    assert_eq!(both.matches("Apply complete: 4 added").count(), 1, "{both}");
    assert!(both.contains("No changes."), "{both}");
    assert!(both.contains("waiting for the lock"), "{both}");
    let lock = format!("dindctl-lock.{}", s.project);
    let inspect = |n: &str| {
        s.h.rt.block_on(s.h.docker.inspect_container(
            n,
            None::<bollard::query_parameters::InspectContainerOptions>,
        ))
    };
    assert!(inspect(&lock).is_err(), "the lock was not released");
    let names: Vec<String> =
        s.h.containers_of(&s.project)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
    assert_eq!(names, vec![s.name("web"), s.name("worker")]);

    // A lock of this machine whose process is gone (pid 0 never is a user process).
    let plant = |host: &str, pid: &str| {
        s.h.rt.block_on(async {
            let labels = std::collections::HashMap::from([
                ("io.dindctl.lock".to_string(), s.project.clone()),
                (
                    "io.dindctl.lock.holder".to_string(),
                    format!("dindctl apply (pid {pid} on {host})"),
                ),
                ("io.dindctl.lock.host".to_string(), host.to_string()),
                ("io.dindctl.lock.pid".to_string(), pid.to_string()),
                ("io.dindctl.lock.process-start".to_string(), "1".to_string()),
                ("io.dindctl.lock.since".to_string(), "0".to_string()),
                (TEST_LABEL.to_string(), s.h.run.clone()),
            ]);
            s.h.docker
                .create_container(
                    Some(
                        bollard::query_parameters::CreateContainerOptionsBuilder::new()
                            .name(&lock)
                            .build(),
                    ),
                    bollard::models::ContainerCreateBody {
                        image: Some(s.h.image.clone()),
                        cmd: Some(vec!["x".into()]),
                        labels: Some(labels),
                        ..Default::default()
                    },
                )
                .await
                .expect("plant lock");
        });
    };
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_string();
    plant(&host, "0");
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("taking over the lock"),
        "{}",
        text(&out)
    );
    assert!(inspect(&lock).is_err());

    // Held on another machine: waited for, then refused with the holder's name.
    plant("build-host-elsewhere", "4242");
    let out = s.dindctl("apply", &["--lock-timeout", "1s"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("dindctl apply (pid 4242 on build-host-elsewhere)"),
        "{t}"
    );
    assert!(t.contains(&format!("docker rm {lock}")), "{t}");
    let _ = s.h.rt.block_on(
        s.h.docker.remove_container(
            &lock,
            Some(
                bollard::query_parameters::RemoveContainerOptionsBuilder::new()
                    .force(true)
                    .build(),
            ),
        ),
    );
    let down = s.dindctl("down", &["--volumes"]);
    assert_eq!(code(&down), 0, "{}", text(&down));
}

fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read as _, Write as _};
    let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::from("(connect failed)");
    };
    let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(c, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n");
    let mut s = String::new();
    let _ = c.read_to_string(&mut s);
    s
}

fn env_change_recreates_only_that_container(s: &Scenario) {
    let port = free_port();
    s.write("stack.yml", &basic_stack(s, port, "hello"));
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let before = s.h.containers_of(&s.project);

    s.write("stack.yml", &basic_stack(s, port, "bonjour"));
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 2, "{}", text(&diff));
    let t = text(&diff);
    assert!(
        t.contains(&format!("~ container {} will be recreated", s.name("web"))),
        "{t}"
    );
    assert!(t.contains("# environment.GREETING changed"), "{t}");
    assert!(
        t.contains("-  GREETING: \"hello\"") && t.contains("+  GREETING: \"bonjour\""),
        "{t}"
    );
    assert!(
        !t.contains(&format!("container {} will", s.name("worker"))),
        "{t}"
    );
    assert!(
        t.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{t}"
    );

    let json = s.dindctl("diff", &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("diff json");
    let change_of = |name: &str| {
        v["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|x| x["name"] == name))
            .map(|x| x["change"].clone())
    };
    assert_eq!(change_of(&s.name("web")), Some("recreate".into()), "{v}");
    assert_eq!(change_of(&s.name("worker")), Some("no-op".into()), "{v}");
    assert_eq!(v["summary"]["change"], 1);

    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let after = s.h.containers_of(&s.project);
    let id = |list: &[(String, String)], n: &str| {
        list.iter()
            .find(|(name, _)| *name == n)
            .map(|(_, id)| id.clone())
    };
    assert_eq!(
        id(&before, &s.name("worker")),
        id(&after, &s.name("worker")),
        "worker was touched"
    );
    assert_ne!(
        id(&before, &s.name("web")),
        id(&after, &s.name("web")),
        "web was not recreated"
    );
    assert_eq!(after.len(), 2, "{after:?}");
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 0, "{}", text(&diff));

    // A changed secret file recreates too, and the diff never shows its content.
    s.write("secrets/token", "file-SECRET-9z8y7x-rotated");
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 2, "{}", text(&diff));
    assert!(text(&diff).contains("*** (changed)"), "{}", text(&diff));
    assert!(!text(&diff).contains("rotated"), "{}", text(&diff));
}

fn manual_changes_show_as_drift(s: &Scenario) {
    let port = free_port();
    s.write("stack.yml", &basic_stack(s, port, "hello"));
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let (web, worker) = (s.name("web"), s.name("worker"));
    s.h.rt.block_on(async {
        s.h.docker
            .stop_container(
                &worker,
                Some(
                    bollard::query_parameters::StopContainerOptionsBuilder::new()
                        .t(1)
                        .build(),
                ),
            )
            .await
            .expect("stop");
    });
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 2, "{}", text(&diff));
    let t = text(&diff);
    assert!(
        t.contains(&format!("> container {worker} will be started")),
        "{t}"
    );
    assert!(t.contains("+state: \"running\""), "{t}");

    s.h.rt.block_on(async {
        s.h.docker
            .update_container(
                &web,
                bollard::models::ContainerUpdateBody {
                    memory: Some(128 * 1024 * 1024),
                    memory_swap: Some(256 * 1024 * 1024),
                    ..Default::default()
                },
            )
            .await
            .expect("docker update");
        s.h.docker
            .disconnect_network(
                &s.net_name(),
                bollard::models::NetworkDisconnectRequest {
                    container: web.clone(),
                    force: Some(true),
                },
            )
            .await
            .expect("disconnect");
    });
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 2, "{}", text(&diff));
    let t = text(&diff);
    assert!(
        t.contains(&format!("~ container {web} will be recreated")),
        "{t}"
    );
    assert!(t.contains("# resources.memory changed"), "{t}");
    assert!(t.contains("# networks changed"), "{t}");
    assert!(
        t.contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{t}"
    );

    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 0, "{}", text(&diff));
}

fn network_change_recreates_network_and_its_containers(s: &Scenario) {
    let stack = |subnet: &str| {
        format!(
            "{}{}{}",
            s.network(&s.net_name()).replace(&s.subnet, subnet),
            s.container("on", &format!("{SLEEPER}  networks: [{}]\n", s.net_name())),
            s.container("off", SLEEPER)
        )
    };
    s.write("stack.yml", &stack(&s.subnet));
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let before = s.h.containers_of(&s.project);
    let moved = s.subnet.replacen(".0/24", ".128/25", 1);
    s.write("stack.yml", &stack(&moved));
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 2, "{}", text(&diff));
    let t = text(&diff);
    assert!(
        t.contains(&format!("~ network {} will be recreated", s.net_name())),
        "{t}"
    );
    assert!(t.contains("# subnet changed"), "{t}");
    assert!(
        t.contains(&format!("# network `{}` is recreated", s.net_name())),
        "{t}"
    );
    assert!(
        t.contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{t}"
    );
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let after = s.h.containers_of(&s.project);
    let id = |list: &[(String, String)], n: &str| {
        list.iter()
            .find(|(name, _)| *name == s.name(n))
            .map(|(_, id)| id.clone())
    };
    assert_eq!(
        id(&before, "off"),
        id(&after, "off"),
        "the container off the network was touched"
    );
    assert_ne!(
        id(&before, "on"),
        id(&after, "on"),
        "the container on the network was kept"
    );
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 0, "{}", text(&diff));
}

fn orphans_removed_only_with_prune(s: &Scenario) {
    let two = format!(
        "{}{}",
        s.container("one", SLEEPER),
        s.container("two", SLEEPER)
    );
    s.write("stack.yml", &two);
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    s.write("stack.yml", &s.container("one", SLEEPER));
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(
        code(&diff),
        0,
        "an orphan alone is not a change:\n{}",
        text(&diff)
    );
    assert!(
        text(&diff).contains(&format!("container {} is an orphan", s.name("two"))),
        "{}",
        text(&diff)
    );
    let diff = s.dindctl("diff", &["--prune", "--detailed-exitcode"]);
    assert_eq!(code(&diff), 2, "{}", text(&diff));
    assert!(
        text(&diff).contains("Plan: 0 to add, 0 to change, 1 to destroy."),
        "{}",
        text(&diff)
    );

    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(
        s.h.containers_of(&s.project).len(),
        2,
        "removed without --prune"
    );
    let out = s.dindctl("apply", &["--prune"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("0 added, 0 changed, 1 destroyed"),
        "{}",
        text(&out)
    );
    let left: Vec<String> =
        s.h.containers_of(&s.project)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
    assert_eq!(left, vec![s.name("one")]);
}

/// An orphan kept without `--prune` still publishes its host port: an apply that wants the
/// port for another container is refused before creating anything, naming the orphan and
/// `--prune`; with `--prune` the orphan goes first and the new container gets the port.
fn kept_orphan_holding_a_port_is_refused(s: &Scenario) {
    let port = free_port();
    let body = format!("{SLEEPER}  ports:\n    \"127.0.0.1:{port}\": \"8080\"\n");
    s.write("stack.yml", &s.container("old", &body));
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    s.write("stack.yml", &s.container("new", &body));
    for verb in ["apply", "diff"] {
        let out = s.dindctl(verb, &[]);
        assert_eq!(code(&out), 2, "{verb}: {}", text(&out));
        let t = text(&out);
        assert!(
            t.contains(&format!("host port {port}/tcp"))
                && t.contains(&format!("held by `{}`", s.name("old")))
                && t.contains("--prune"),
            "{verb}: {t}"
        );
    }
    let names = |s: &Scenario| -> Vec<String> {
        s.h.containers_of(&s.project)
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    };
    assert_eq!(names(s), vec![s.name("old")], "created something");
    let out = s.dindctl("apply", &["--prune"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(names(s), vec![s.name("new")]);
    let out = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
}

/// A docker CLI context in a config directory of the scenario's own: `meta.json` under the
/// SHA-256 of the name, as `docker context create` writes it.
fn write_context(s: &Scenario, name: &str, host: &str) {
    use sha2::Digest as _;
    let id: String = sha2::Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    s.write(
        &format!("dockercfg/contexts/meta/{id}/meta.json"),
        &format!(
            r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
        ),
    );
}

/// Every command says which daemon it talks to and why, first; docker contexts are followed
/// as the docker CLI follows them (`--context`, `DOCKER_HOST` over the current context,
/// `DOCKER_CONTEXT`, `currentContext`).
fn docker_contexts_pick_the_daemon(s: &Scenario) {
    s.write("stack.yml", &s.container("one", SLEEPER));
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let first = String::from_utf8_lossy(&out.stderr)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(first.starts_with("daemon: unix://"), "{first}");

    let cfg = s.dir.path().join("dockercfg");
    write_context(s, "here", "unix:///var/run/docker.sock");
    write_context(s, "nowhere", "unix:///nonexistent/dindctl-test.sock");
    s.write("dockercfg/config.json", r#"{"currentContext":"here"}"#);
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = s.command("status", args);
        c.env("DOCKER_CONFIG", &cfg)
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run dindctl")
    };
    let out = run(&["--format", "json"], &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        stderr.starts_with("daemon: unix:///var/run/docker.sock (from docker context `here` (from `currentContext` in "),
        "{stderr}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert!(
        json["daemon"]["from"]
            .as_str()
            .unwrap_or_default()
            .contains("docker context `here`"),
        "{json}"
    );
    assert!(json.to_string().contains(&s.name("one")), "{json}");

    // DOCKER_CONTEXT over the config file; the context's daemon is not there.
    let out = run(&[], &[("DOCKER_CONTEXT", "nowhere")]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("unix:///nonexistent/dindctl-test.sock")
            && t.contains("docker context `nowhere` (from DOCKER_CONTEXT)"),
        "{t}"
    );
    // DOCKER_HOST over any current context.
    let out = run(
        &[],
        &[
            ("DOCKER_CONTEXT", "nowhere"),
            ("DOCKER_HOST", "unix:///var/run/docker.sock"),
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("(from DOCKER_HOST)"), "{}", text(&out));
    // --context over DOCKER_HOST; an unknown context is named with where to look.
    let out = run(
        &["--context", "gone"],
        &[("DOCKER_HOST", "unix:///var/run/docker.sock")],
    );
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("docker context `gone` (from --context) is not in"),
        "{}",
        text(&out)
    );
    let out = run(&["--context", "default"], &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("(from docker context `default`)"),
        "{}",
        text(&out)
    );
}

fn create_foreign(s: &Scenario, name: &str, port: Option<u16>) -> String {
    s.h.rt.block_on(async {
        let mut host_config = bollard::models::HostConfig::default();
        if let Some(p) = port {
            host_config.port_bindings = Some(std::collections::HashMap::from([(
                "8080/tcp".to_string(),
                Some(vec![bollard::models::PortBinding {
                    host_ip: Some("127.0.0.1".into()),
                    host_port: Some(p.to_string()),
                }]),
            )]));
        }
        let body = bollard::models::ContainerCreateBody {
            image: Some(s.h.image.clone()),
            labels: Some(std::collections::HashMap::from([(
                TEST_LABEL.to_string(),
                s.h.run.clone(),
            )])),
            exposed_ports: port.map(|_| vec!["8080/tcp".to_string()]),
            host_config: Some(host_config),
            ..Default::default()
        };
        let id =
            s.h.docker
                .create_container(
                    Some(
                        bollard::query_parameters::CreateContainerOptionsBuilder::new()
                            .name(name)
                            .build(),
                    ),
                    body,
                )
                .await
                .expect("create foreign container")
                .id;
        if port.is_some() {
            s.h.docker
                .start_container(
                    &id,
                    None::<bollard::query_parameters::StartContainerOptions>,
                )
                .await
                .expect("start foreign container");
        }
        id
    })
}

fn unlabelled_name_clash_is_refused(s: &Scenario) {
    let name = s.name("taken");
    let id = create_foreign(s, &name, None);
    s.write(
        "stack.yml",
        &format!(
            "{}{}",
            s.network(&s.net_name()),
            s.container("taken", &format!("  networks: [{}]\n", s.net_name()))
        ),
    );
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(&format!("a container named `{name}` already exists")),
        "{t}"
    );
    assert!(t.contains("without dindctl's labels"), "{t}");
    assert!(t.contains("stack.yml:"), "{t}");
    assert_eq!(s.h.objects_of(&s.project), 0, "something was created");
    let still = s.h.rt.block_on(s.h.docker.inspect_container(
        &name,
        None::<bollard::query_parameters::InspectContainerOptions>,
    ));
    assert_eq!(
        still.ok().and_then(|c| c.id),
        Some(id),
        "the foreign container was touched"
    );
}

fn exiting_container_fails_fast_with_logs(s: &Scenario) {
    s.write("secrets/token", SECRET_FILE_VALUE);
    s.write(
        "stack.yml",
        &format!(
            "---\napiVersion: mcp/v1\nkind: MCPSecret\nmetadata:\n  name: api_token\nspec:\n  file: ./secrets/token\n{}{}",
            s.container("crash", &format!("  command: [\"sh\", \"-c\", \"echo boom-from-crash; echo token=$API_TOKEN; cat /run/secrets/api_token; echo; echo second-line >&2; exit 3\"]\n  environment: {{API_TOKEN: {SECRET_ENV_VALUE}}}\n  secrets: [api_token]\n")),
            s.container("fine", SLEEPER)
        ),
    );
    let started = Instant::now();
    let out = s.dindctl("apply", &["--wait-timeout", "120s"]);
    let took = started.elapsed();
    assert_eq!(code(&out), 1, "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("exited with code 3"), "{t}");
    assert!(
        t.contains("boom-from-crash") && t.contains("second-line"),
        "{t}"
    );
    // The log lines that echo the secret file and the token are relayed masked.
    assert!(t.contains("token=***"), "{t}");
    assert!(
        took < Duration::from_secs(60),
        "apply waited for the timeout instead of failing fast ({took:?})"
    );
}

fn unhealthy_container_fails_fast_with_health_output(s: &Scenario) {
    s.write(
        "stack.yml",
        &s.container(
            "sick",
            "  healthcheck:\n    test: [\"CMD\", \"/bin/busybox\", \"sh\", \"-c\", \"echo probe-says-no; exit 1\"]\n    interval: 1s\n    timeout: 2s\n    retries: 1\n",
        ),
    );
    let out = s.dindctl("apply", &["--wait-timeout", "120s"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("turned unhealthy"), "{t}");
    assert!(t.contains("last health check (exit code 1)"), "{t}");
    assert!(t.contains("probe-says-no"), "{t}");
    // A retry is not a success: the unhealthy container is not converged.
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 2, "{}", text(&diff));
    assert!(
        text(&diff).contains("the container is unhealthy"),
        "{}",
        text(&diff)
    );
    let again = s.dindctl("apply", &["--wait-timeout", "120s"]);
    assert_eq!(code(&again), 1, "{}", text(&again));
    assert!(
        text(&again).contains("turned unhealthy"),
        "{}",
        text(&again)
    );
}

/// A container whose health check is still `starting` when an apply is killed is waited for
/// by the next one (not reported converged), and one that crash-loops under `restart: always`
/// is recreated and fails the apply.
fn not_ready_containers_are_not_converged(s: &Scenario) {
    s.write(
        "stack.yml",
        &s.container(
            "slow",
            "  command: [\"sh\", \"-c\", \"sleep 10; touch /ready; sleep 3600\"]\n  healthcheck:\n    test: [\"CMD\", \"/bin/busybox\", \"test\", \"-f\", \"/ready\"]\n    interval: 1s\n    timeout: 2s\n    retries: 30\n",
        ),
    );
    let state_of = |n: &str| {
        s.h.rt
            .block_on(s.h.docker.inspect_container(
                n,
                None::<bollard::query_parameters::InspectContainerOptions>,
            ))
            .ok()
            .and_then(|c| c.state)
            .and_then(|st| st.status)
            .map(|x| x.to_string())
            .unwrap_or_default()
    };
    // Killed while waiting: the container runs, health `starting`.
    let mut child = s
        .command("apply", &[])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let name = s.name("slow");
    assert!(
        eventually(Duration::from_secs(60), || state_of(&name) == "running"),
        "the container never ran"
    );
    let _ = child.kill();
    let _ = child.wait();
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    let t = text(&diff);
    assert_eq!(code(&diff), 2, "{t}");
    assert!(
        t.contains(&format!("> container {name} will be waited for")),
        "{t}"
    );
    assert!(t.contains("health: starting"), "{t}");
    let out = s.dindctl("apply", &["--wait-timeout", "120s"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("healthy"), "{}", text(&out));
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 0, "{}", text(&diff));

    s.write(
        "stack.yml",
        &s.container(
            "loop",
            "  command: [\"sh\", \"-c\", \"echo looping; exit 2\"]\n  restart_policy: always\n",
        ),
    );
    let _ = s.dindctl("apply", &["--prune", "--wait-timeout", "30s"]);
    let looping = s.name("loop");
    assert!(
        eventually(Duration::from_secs(60), || state_of(&looping)
            == "restarting"),
        "the container never crash-looped"
    );
    // Between two crashes the loop is either `restarting` or briefly `running` again after
    // a restart: both are not converged, each with its own reason.
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    let t = text(&diff);
    assert_eq!(code(&diff), 2, "{t}");
    assert!(
        t.contains("the container is restarting")
            || (t.contains(&format!("> container {looping} will be waited for"))
                && t.contains("restarted")),
        "{t}"
    );
    let again = s.dindctl("apply", &["--wait-timeout", "30s"]);
    assert_eq!(code(&again), 1, "{}", text(&again));
    assert!(text(&again).contains("looping"), "{}", text(&again));
}

/// The health check stays `starting` (its start period is long), so only the OOM kill can end
/// the wait, however slowly the allocation runs.
fn oom_killed_container_fails_fast(s: &Scenario) {
    s.write(
        "stack.yml",
        &s.container(
            "hungry",
            "  command: [\"sh\", \"-c\", \"echo allocating; a=$(head -c 80000000 /dev/zero | tr '\\\\0' a); sleep 600\"]\n  resources:\n    limits: { memory: 16M }\n  healthcheck:\n    test: [\"CMD\", \"/bin/busybox\", \"false\"]\n    interval: 30s\n    start_period: 120s\n",
        ),
    );
    let out = s.dindctl("apply", &["--wait-timeout", "120s"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let t = text(&out);
    // The daemon's OOMKilled flag can trail the exit; either way the message names the killer.
    assert!(
        t.contains("killed by the OOM killer (memory limit 16 MiB")
            || t.contains("under its memory limit of 16 MiB this is most likely the OOM killer"),
        "{t}"
    );
    assert!(t.contains("allocating"), "{t}");
}

fn missing_image_creates_nothing(s: &Scenario) {
    let absent = format!("dindctl-test/absent:{}", s.h.run);
    s.write(
        "stack.yml",
        &format!(
            "{}{}{}",
            s.network(&s.net_name()),
            s.container("ok", SLEEPER),
            s.container("missing", SLEEPER).replace(&s.h.image, &absent)
        ),
    );
    // Not to be pulled (`--pull never`): refused before anything is created.
    let out = s.dindctl("apply", &["--pull", "never"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(&format!("image `{absent}` is not on the daemon")),
        "{t}"
    );
    assert!(t.contains("stack.yml:"), "{t}");
    assert!(t.contains("Nothing was created"), "{t}");
    assert_eq!(s.h.objects_of(&s.project), 0);
    // To be pulled, from a registry this machine cannot reach: the pull fails, and still
    // nothing is created.
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("error[pull]") && text(&out).contains("no container was created"),
        "{}",
        text(&out)
    );
    assert_eq!(s.h.objects_of(&s.project), 0);

    // The plan is still shown by diff and a dry run, the missing image's container marked.
    for (verb, args, want) in [
        ("diff", &["--detailed-exitcode", "--pull", "never"][..], 2),
        ("apply", &["--dry-run", "--pull", "never"][..], 0),
    ] {
        let out = s.dindctl(verb, args);
        let t = text(&out);
        assert_eq!(code(&out), want, "{verb}: {t}");
        assert!(
            t.contains(&format!("+ container {}", s.name("missing")))
                && t.contains(&format!("+ container {}", s.name("ok"))),
            "{verb}: {t}"
        );
        assert!(
            t.contains(&format!(
                "image not present: `{absent}` is not on the daemon"
            )) && t.contains("`apply` refuses until they are built or loaded"),
            "{verb}: {t}"
        );
        assert_eq!(
            t.matches("image not present").count(),
            1,
            "{verb}: only the missing one is marked: {t}"
        );
    }
    let out = s.dindctl("diff", &["--format", "json", "--pull", "never"]);
    let json: serde_json::Value = serde_json::from_str(&String::from_utf8_lossy(&out.stdout))
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert!(json.to_string().contains("image not present"), "{json}");
    let steps = json["images"].as_array().cloned().unwrap_or_default();
    assert!(
        steps
            .iter()
            .any(|i| i["image"] == absent.as_str() && i["action"] == "missing"),
        "{json}"
    );
    assert_eq!(s.h.objects_of(&s.project), 0);
}

fn taken_host_port_is_a_clear_error(s: &Scenario) {
    // Held by another container: refused before anything is created.
    let port = free_port();
    let holder = s.name("holder");
    create_foreign(s, &holder, Some(port));
    let body = format!("  ports:\n    \"127.0.0.1:{port}\": \"8080\"\n");
    s.write("stack.yml", &s.container("web", &body));
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(&format!("host port {port}/tcp"))
            && t.contains(&format!("already published by container `{holder}`")),
        "{t}"
    );
    assert_eq!(s.h.objects_of(&s.project), 0);

    // Held by a process outside Docker: the start fails and says so.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let body = format!("  ports:\n    \"127.0.0.1:{port}\": \"8080\"\n");
    s.write("stack.yml", &s.container("web", &body));
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "a host port it publishes (127.0.0.1:{port}->8080/tcp) is already in use"
        )),
        "{}",
        text(&out)
    );
    drop(listener);
}

fn interrupted_apply_converges_next_run(s: &Scenario) {
    let stack = |greeting: &str| {
        (1..=3)
            .map(|i| {
                s.container(
                    &format!("c{i}"),
                    &format!("{SLEEPER}  environment:\n    GREETING: {greeting}\n"),
                )
            })
            .collect::<String>()
    };
    s.write("stack.yml", &stack("one"));
    // Killed once the first container exists.
    let mut child = s
        .command("apply", &["--parallel", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let seen = eventually(Duration::from_secs(30), || {
        !s.h.containers_of(&s.project).is_empty()
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen, "apply created nothing");
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(s.h.containers_of(&s.project).len(), 3);
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 0, "{}", text(&diff));

    // Killed in the middle of a recreate, while the old container is being stopped (the
    // sleeper ignores SIGTERM, so the stop takes the whole grace period).
    s.write("stack.yml", &stack("two"));
    let mut child = s
        .command("apply", &["--parallel", "1", "--stop-timeout", "4s"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let seen = eventually(Duration::from_secs(30), || {
        s.h.containers_of(&s.project)
            .iter()
            .any(|(n, _)| n.contains("_dindctl-new-"))
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen, "no replacement container appeared");
    let out = s.dindctl("apply", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let names: Vec<String> =
        s.h.containers_of(&s.project)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
    assert_eq!(names, vec![s.name("c1"), s.name("c2"), s.name("c3")]);
    let diff = s.dindctl("diff", &["--detailed-exitcode"]);
    assert_eq!(code(&diff), 0, "{}", text(&diff));
}

#[test]
fn unreachable_daemon_names_the_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = dir.path().join("stack.yml");
    std::fs::write(
        &stack,
        "apiVersion: mcp/v1\nkind: MCPContainer\nmetadata:\n  name: x\nspec:\n  image: busybox:1\n",
    )
    .expect("write");
    for (host, expect) in [
        (
            "tcp://127.0.0.1:1",
            "cannot reach the Docker daemon at tcp://127.0.0.1:1 (from --host)",
        ),
        (
            "unix:///nonexistent/docker.sock",
            "cannot reach the Docker daemon at unix:///nonexistent/docker.sock",
        ),
        ("ftp://x", "unsupported Docker host `ftp://x`"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dindctl"))
            .args(["diff"])
            .arg(&stack)
            .args(["--host", host, "--timeout", "5"])
            .output()
            .expect("run");
        assert_eq!(code(&out), 2, "{}", text(&out));
        assert!(text(&out).contains(expect), "{host}: {}", text(&out));
    }
    // A daemon that answers with an Engine API older than 1.41 (Docker 17.06): no such
    // daemon exists on this machine, so a listener answers `/version` as one would.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        use std::io::{Read as _, Write as _};
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = r#"{"Version":"17.06.0-ce","ApiVersion":"1.30","MinAPIVersion":"1.12"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dindctl"))
        .args(["diff"])
        .arg(&stack)
        .args(["--host", &format!("tcp://{addr}"), "--timeout", "5"])
        .output()
        .expect("run");
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("speaks Engine API 1.30; dindctl needs 1.41 or newer"),
        "{}",
        text(&out)
    );

    // TLS files that do not exist are named.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dindctl"))
        .args(["status"])
        .arg(&stack)
        .args([
            "--host",
            "tcp://127.0.0.1:2376",
            "--tlscacert",
            "/nope/ca.pem",
            "--tlscert",
            "/nope/cert.pem",
            "--tlskey",
            "/nope/key.pem",
        ])
        .output()
        .expect("run");
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("TLS client CA `/nope/ca.pem` does not exist"),
        "{}",
        text(&out)
    );
}

/// The DinD endpoint over TCP with TLS client certificates: a second daemon on this machine
/// (this machine refuses privileged containers, so a real docker:dind cannot run here; see
/// the README). Flags, `DOCKER_TLS_VERIFY` + `DOCKER_CERT_PATH`, and a profile's
/// `dind.endpoint` all reach it; a wrong CA and a plain-HTTP client get a TLS message.
fn tls_endpoint_of_a_second_daemon(s: &Scenario) {
    let port = free_port();
    let d = match daemon::SecondDaemon::start(s.h, port) {
        Ok(d) => d,
        Err(why) if why.starts_with("no dockerd") && std::env::var_os("CI").is_none() => {
            eprintln!("skipping the TLS endpoint scenario: {why}");
            return;
        }
        Err(why) => panic!("{why}"),
    };
    let certs = d.client_certs();
    let cert = |f: &str| certs.join(f).to_string_lossy().to_string();
    let web_port = free_port();
    s.write(
        "stack.yml",
        &format!(
            "{}{}",
            s.network(&s.net_name()),
            s.container(
                "web",
                &format!(
                    "  ports:\n    \"127.0.0.1:{web_port}\": \"8080\"\n  networks: [{}]\n{HEALTHY}",
                    s.net_name()
                )
            )
        ),
    );
    let tls_flags = [
        "--host".to_string(),
        d.tcp.clone(),
        "--tlscacert".into(),
        cert("ca.pem"),
        "--tlscert".into(),
        cert("cert.pem"),
        "--tlskey".into(),
        cert("key.pem"),
    ];
    let flags: Vec<&str> = tls_flags.iter().map(String::as_str).collect();
    let out = s.dindctl("apply", &flags);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("healthy"), "{}", text(&out));
    assert!(http_get(web_port, "/health").contains("ok"));
    // Nothing of it landed on the main daemon.
    assert_eq!(s.h.objects_of(&s.project), 0);

    // The same endpoint from the environment.
    let out = s
        .command("diff", &["--detailed-exitcode"])
        .env("DOCKER_HOST", &d.tcp)
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &certs)
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("No changes."), "{}", text(&out));

    // From a profile's dind.endpoint (the project is the profile's).
    let profile = s.write(
        "p.yaml",
        &format!(
            "name: tls-test\nextends: default\nproject: {}\ndind:\n  endpoint:\n    host: {}\n    cert_path: {}\n",
            s.project,
            d.tcp,
            certs.display()
        ),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dindctl"))
        .args(["status", "--format", "json", "--profile"])
        .arg(&profile)
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["containers"][0]["name"], s.name("web"), "{v}");

    // A client certificate from another CA: the handshake fails, and says so.
    let other = tempfile::tempdir().expect("tempdir");
    daemon::make_certs(other.path(), "another-ca");
    let wrong = other.path().join("client");
    let out = s
        .command("status", &[])
        .args(["--host", &d.tcp, "--tlscacert"])
        .arg(wrong.join("ca.pem"))
        .arg("--tlscert")
        .arg(wrong.join("cert.pem"))
        .arg("--tlskey")
        .arg(wrong.join("key.pem"))
        .output()
        .expect("run");
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains(&format!("TLS handshake with {} failed", d.tcp)),
        "{}",
        text(&out)
    );
    // Plain HTTP to the TLS port.
    let out = s
        .command("status", &["--host", &d.tcp])
        .output()
        .expect("run");
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("HTTPS") || text(&out).contains("TLS"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("hyper"), "{}", text(&out));
    // Nothing listening: the address, where it came from, what to do; no certificate advice
    // and no HTTP client internals.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let out = s
        .command("status", &["--host", &format!("tcp://127.0.0.1:{closed}")])
        .output()
        .expect("run");
    assert_eq!(code(&out), 2, "{}", text(&out));
    let t = text(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with(&format!("daemon: tcp://127.0.0.1:{closed} (from --host)"))
            && t.contains(&format!("cannot reach the Docker daemon at tcp://127.0.0.1:{closed} (from --host): connection refused: nothing listens there"))
            && t.contains("= help: the address came from --host"),
        "{t}"
    );
    assert!(!t.contains("hyper") && !t.contains("tlscacert"), "{t}");

    let out = s.dindctl("down", &flags);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let left = s.h.rt.block_on(async {
        d.client()
            .list_containers(Some(
                bollard::query_parameters::ListContainersOptionsBuilder::new()
                    .all(true)
                    .build(),
            ))
            .await
            .map(|l| l.len())
    });
    assert_eq!(left.ok(), Some(0));
}

/// The classic DinD failure, for real: a client outside the socket's group. The message names
/// the socket's owner, group and mode, the client's uid and groups, and the fix.
#[test]
fn permission_denied_names_owner_and_groups() {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let socket = std::path::Path::new("/var/run/docker.sock");
    let Ok(meta) = std::fs::metadata(socket) else {
        eprintln!("skipping: no /var/run/docker.sock");
        return;
    };
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("Uid:")
                    .map(|r| r.split_whitespace().next().unwrap_or("").to_string())
            })
        });
    if uid.as_deref() != Some("0") || meta.permissions().mode() & 0o006 != 0 {
        eprintln!(
            "skipping: needs root to run dindctl as another user, and a socket closed to others"
        );
        return;
    }
    // A copy of the binary that user `nobody` can execute.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let bin = dir.path().join("dindctl");
    std::fs::copy(env!("CARGO_BIN_EXE_dindctl"), &bin).expect("copy");
    let stack = dir.path().join("stack.yml");
    std::fs::write(
        &stack,
        "apiVersion: mcp/v1\nkind: MCPContainer\nmetadata:\n  name: x\nspec:\n  image: busybox:1\n",
    )
    .expect("write");
    std::fs::set_permissions(&stack, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .arg("status")
        .arg(&stack)
        .args(["--host", "unix:///var/run/docker.sock"])
        .current_dir(dir.path())
        .output()
        .expect("setpriv (util-linux)");
    assert_eq!(code(&out), 2, "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("permission denied on the Docker socket /var/run/docker.sock"),
        "{t}"
    );
    assert!(t.contains(&format!("and group {}", meta.gid())), "{t}");
    assert!(t.contains("this process runs as uid 65534"), "{t}");
    assert!(
        t.contains(&format!("group_add: [\"{}\"]", meta.gid())),
        "{t}"
    );
}

/// `diff --outer`: a compose project brought up by docker-compose on the host daemon, compared
/// read-only with its compose file.
fn outer_diff_against_a_compose_project(s: &Scenario) {
    let has_compose = std::process::Command::new("docker-compose")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_compose {
        assert!(
            std::env::var_os("CI").is_none(),
            "docker-compose is missing in CI"
        );
        eprintln!("skipping the outer diff scenario: no docker-compose");
        return;
    }
    let port = free_port();
    let compose = |greeting: &str| {
        format!(
            "services:\n  web:\n    image: {}\n    environment:\n      GREETING: {greeting}\n      API_TOKEN: {SECRET_ENV_VALUE}\n    ports:\n      - \"127.0.0.1:{port}:8080\"\n    labels:\n      {TEST_LABEL}: {run}\nnetworks:\n  default:\n    labels:\n      {TEST_LABEL}: {run}\n",
            s.h.image,
            run = s.h.run
        )
    };
    let file = s.write("compose.yml", &compose("hello"));
    let compose_cmd = |args: &[&str]| {
        std::process::Command::new("docker-compose")
            .args(["-p", &s.project, "-f"])
            .arg(&file)
            .args(args)
            .output()
            .expect("docker-compose")
    };
    let up = compose_cmd(&["up", "-d"]);
    assert!(up.status.success(), "{}", text(&up));
    let diff = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dindctl"))
            .args(["diff", "--outer"])
            .arg(&file)
            .args(["--project-name", &s.project])
            .args(extra)
            .output()
            .expect("run");
        assert_no_secrets(&out);
        out
    };
    let out = diff(&["--detailed-exitcode"]);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        assert_eq!(code(&out), 0, "{}", text(&out));
        assert!(text(&out).contains("No changes."), "{}", text(&out));
        s.write("compose.yml", &compose("bonjour"));
        let out = diff(&["--detailed-exitcode"]);
        assert_eq!(code(&out), 2, "{}", text(&out));
        let t = text(&out);
        assert!(t.contains("~ container web will be recreated"), "{t}");
        assert!(t.contains("# environment.GREETING differs"), "{t}");
        assert!(t.contains("API_TOKEN: \"***\""), "{t}");
        let stop = compose_cmd(&["stop", "-t", "1"]);
        assert!(stop.status.success(), "{}", text(&stop));
        s.write("compose.yml", &compose("hello"));
        let out = diff(&["--format", "json", "--detailed-exitcode"]);
        assert_eq!(code(&out), 2, "{}", text(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["resources"][0]["change"], "start", "{v}");
    }));
    let down = compose_cmd(&["down", "-t", "1"]);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    assert!(down.status.success(), "{}", text(&down));
}

/// Every example stack — `examples/fixed-stack` and the stacks rendered from the built-in
/// profiles — applied twice in a row: the first converges (healthy), the second prints
/// `No changes.` and exits 0, and `down --volumes` leaves nothing. The examples' images are
/// stood in for by a local busybox tagged with their names, so the manifests apply as
/// written. They publish the same host ports (13001…), so they run one after another.
fn example_stacks_apply_twice_to_no_changes(s: &Scenario) {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    s.h.build_standin(&[
        "ghcr.io/example/files-mcp:0.9.1",
        "ghcr.io/example/http-mcp:2.0.3",
        "ghcr.io/example/postgres-mcp:1.2.0",
        "ghcr.io/example/scratch-mcp:0.3.0",
    ]);
    // The dev profile binds `/workspace` (a path inside DinD); on this test daemon it is a
    // host path, made for the test and removed afterwards when the test made it.
    let workspace = std::path::Path::new("/workspace");
    let made_workspace = !workspace.exists() && std::fs::create_dir(workspace).is_ok();
    let run = |args: &[&str], dir: &std::path::Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dindctl"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .output()
            .expect("run dindctl");
        assert_no_secrets(&out);
        out
    };
    let mut stacks: Vec<(String, std::path::PathBuf)> = Vec::new();
    let fixed = s.dir.path().join("fixed-stack");
    copy_tree(&repo.join("examples/fixed-stack"), &fixed);
    stacks.push(("fixed".into(), fixed));
    for profile in ["default", "dev", "ci", "prod"] {
        let out_dir = s.dir.path().join(format!("profile-{profile}"));
        let r = run(
            &[
                "render",
                "--profile",
                profile,
                "--out",
                &out_dir.display().to_string(),
            ],
            s.dir.path(),
        );
        assert_eq!(code(&r), 0, "render {profile}: {}", text(&r));
        s.write(
            &format!("profile-{profile}/secrets/postgres_password"),
            "example-only\n",
        );
        stacks.push((profile.into(), out_dir));
    }
    let mut failures = Vec::new();
    for (name, dir) in &stacks {
        let project = format!("{}-ex-{name}", s.project);
        let path = dir.display().to_string();
        let common = ["--project-name", project.as_str()];
        let first = run(
            &[
                &[
                    "apply",
                    &path,
                    "--wait-timeout",
                    "2m",
                    "--stop-timeout",
                    "1s",
                ][..],
                &common[..],
            ]
            .concat(),
            dir,
        );
        if code(&first) != 0 || !text(&first).contains("healthy") {
            failures.push(format!("{name}: first apply: {}", text(&first)));
        } else {
            let second = run(&[&["apply", &path][..], &common[..]].concat(), dir);
            let t = text(&second);
            if code(&second) != 0 || !t.contains("No changes.") {
                failures.push(format!(
                    "{name}: second apply did not find No changes:\n{t}"
                ));
            }
        }
        let down = run(
            &[
                &["down", &path, "--volumes", "--stop-timeout", "1s"][..],
                &common[..],
            ]
            .concat(),
            dir,
        );
        if code(&down) != 0 {
            failures.push(format!("{name}: down: {}", text(&down)));
        }
        if s.h.objects_of(&project) != 0 {
            failures.push(format!("{name}: objects left after down"));
        }
    }
    if made_workspace {
        let _ = std::fs::remove_dir(workspace);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// MCP servers of both protocol eras on every transport, published and on inner networks
/// only: apply speaks to each once it is ready and shows what it found, `verify` does so on
/// demand (from this machine for published ports, through a relay container for inner-only
/// servers, through attach for stdio), `status` shows the last result; servers that are not
/// MCP, refuse `initialize`, pick a protocol version nobody speaks, hang, or offer less than
/// `expect` asks fail apply and verify with what came back. No probe container is left.
fn mcp_servers_are_verified(s: &Scenario) {
    let image = s.h.build_mcp_server();
    let (published_a, published_b) = (free_port(), free_port());
    let server = |short: &str, args: &str, extra: &str| {
        format!(
            "---\napiVersion: mcp/v1\nkind: MCPContainer\nmetadata:\n  name: {short}\nspec:\n  image: {image}\n  container_name: {}\n  command: [{args}]\n  networks: [{}]\n{extra}",
            s.name(short),
            s.net_name()
        )
    };
    let http = |port: u16| format!("  mcp: {{transport: streamable-http, port: {port}}}\n");
    let good = [
        s.network(&s.net_name()),
        server(
            "modern",
            "--transport, http, --era, modern, --port, \"8080\", --tools, \"3\"",
            &format!("  ports: {{\"127.0.0.1:{published_a}\": \"8080\"}}\n{}", http(8080)),
        ),
        server(
            "paged",
            "--transport, http, --era, dual, --port, \"8080\", --tools, \"7\", --page, \"2\"",
            &format!(
                "  ports: {{\"127.0.0.1:{published_b}\": \"8080\"}}\n  mcp:\n    transport: streamable-http\n    port: 8080\n    expect: {{tools: [tool0, tool6], min_tools: 7}}\n"
            ),
        ),
        server(
            "legacy",
            "--transport, http, --era, legacy, --port, \"9000\", --sse-replies",
            &http(9000),
        ),
        server(
            "sse",
            "--transport, sse, --era, legacy, --port, \"8080\"",
            "  mcp: {transport: sse, port: 8080}\n",
        ),
        server(
            "stdio-old",
            "--transport, stdio, --era, legacy",
            "  mcp: {transport: stdio}\n",
        ),
        server(
            "stdio-new",
            "--transport, stdio, --era, modern",
            "  mcp: {transport: stdio}\n",
        ),
    ]
    .concat();
    s.write("stack.yml", &good);
    let apply = s.dindctl("apply", &["--wait-timeout", "60s"]);
    let t = text(&apply);
    assert_eq!(code(&apply), 0, "{t}");
    for (short, protocol, tools) in [
        ("modern", "2026-07-28", "3"),
        ("paged", "2026-07-28", "7"),
        ("legacy", "2025-11-25", "5"),
        ("sse", "2025-11-25", "5"),
        ("stdio-old", "2025-11-25", "5"),
        ("stdio-new", "2026-07-28", "5"),
    ] {
        let row = t
            .lines()
            .find(|l| l.starts_with(&format!("{} ", s.name(short))))
            .unwrap_or_else(|| panic!("no row for {short}:\n{t}"));
        assert!(
            row.contains(protocol) && row.contains("mcp-test-server 1.2.3") && row.ends_with(tools),
            "{short}: {row}\n{t}"
        );
    }

    // verify: the published ones from here, the others from inside the daemon or by attach.
    let v = s.dindctl("verify", &[]);
    let t = text(&v);
    assert_eq!(code(&v), 0, "{t}");
    let row = |short: &str| {
        t.lines()
            .find(|l| l.starts_with(&format!("{} ", s.name(short))))
            .unwrap_or_else(|| panic!("no row for {short}:\n{t}"))
            .to_string()
    };
    assert!(
        row("modern").contains(&format!("127.0.0.1:{published_a}")),
        "{t}"
    );
    assert!(row("legacy").contains("(from inside the daemon)"), "{t}");
    assert!(row("sse").contains("(from inside the daemon)"), "{t}");
    assert!(row("stdio-old").contains("stdio (attached)"), "{t}");
    assert!(t.contains("6 of 6 MCP server(s) verified"), "{t}");
    let json = s.dindctl("verify", &["--format", "json", "--probe-from", "inside"]);
    assert_eq!(code(&json), 0, "{}", text(&json));
    let doc: serde_json::Value =
        serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&json)));
    let servers = doc["servers"].as_array().cloned().unwrap_or_default();
    assert_eq!(servers.len(), 6, "{doc}");
    for srv in &servers {
        assert_eq!(srv["ok"], true, "{srv}");
    }
    let modern = servers
        .iter()
        .find(|x| x["name"] == s.name("modern"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(modern["era"], "modern", "{modern}");
    assert!(
        modern["address"]
            .as_str()
            .is_some_and(|a| a.contains("from inside the daemon")),
        "--probe-from inside: {modern}"
    );
    let paged = servers
        .iter()
        .find(|x| x["name"] == s.name("paged"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(paged["tools"].as_array().map(Vec::len), Some(7), "{paged}");
    let status = s.dindctl("status", &[]);
    let st = text(&status);
    assert!(
        st.lines()
            .any(|l| l.starts_with(&s.name("modern")) && l.contains("2026-07-28")),
        "{st}"
    );

    // Servers that do not answer MCP as they should.
    let bad = [
        s.network(&s.net_name()),
        server(
            "not-mcp",
            "--transport, http, --behave, plain-http, --port, \"8080\"",
            &format!("  ports: {{\"127.0.0.1:{published_a}\": \"8080\"}}\n{}", http(8080)),
        ),
        server(
            "init-error",
            "--transport, http, --era, legacy, --behave, init-error, --port, \"8080\"",
            &http(8080),
        ),
        server(
            "bad-version",
            "--transport, http, --era, legacy, --behave, bad-version, --port, \"8080\"",
            &http(8080),
        ),
        server(
            "hangs",
            "--transport, http, --behave, hang, --port, \"8080\"",
            "  mcp: {transport: streamable-http, port: 8080, timeout: 2s}\n",
        ),
        server(
            "too-few",
            "--transport, http, --era, modern, --tools, \"2\", --port, \"8080\"",
            "  mcp:\n    transport: streamable-http\n    port: 8080\n    expect: {tools: [tool0, nope], min_tools: 5}\n",
        ),
    ]
    .concat();
    s.write("stack.yml", &bad);
    let apply = s.dindctl("apply", &["--prune", "--wait-timeout", "30s"]);
    let t = text(&apply);
    assert_eq!(code(&apply), 1, "{t}");
    for expected in [
        "got HTTP 200 text/html: `<html><body>hello, not MCP</body></html>`",
        "initialize failed on purpose",
        "the server chose protocol version `1999-01-01`",
        "in time",
        "missing tool(s) `nope`",
        "2 tool(s) listed, at least 5 expected",
        "last log lines",
    ] {
        assert!(t.contains(expected), "missing `{expected}`:\n{t}");
    }
    let v = s.dindctl("verify", &["--format", "json"]);
    assert_eq!(code(&v), 1, "{}", text(&v));
    let doc: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap_or_default();
    assert_eq!(doc["summary"]["failed"], 5, "{doc}");
    // A retry of the apply is no success either: the handshakes run again.
    let again = s.dindctl("apply", &[]);
    assert_eq!(code(&again), 1, "{}", text(&again));
    assert!(text(&again).contains("No changes."), "{}", text(&again));

    let probes = s.h.rt.block_on(
        s.h.docker.list_containers(Some(
            bollard::query_parameters::ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&std::collections::HashMap::from([(
                    "label",
                    vec![format!("io.dindctl.probe={}", s.project)],
                )]))
                .build(),
        )),
    );
    assert_eq!(
        probes.map(|p| p.len()).ok(),
        Some(0),
        "probe containers left"
    );
}
