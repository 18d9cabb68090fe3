//! The first deploy onto an empty daemon: images pulled from a real registry (Debian's
//! `docker-registry`, distribution 2.8, on loopback; once open, once behind htpasswd basic
//! auth) or carried in from the main daemon, the lock taken with no image on the daemon, and
//! every failure said at the manifest line that names the image.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt as _;

use super::daemon::SecondDaemon;
use super::free_port;
use super::harness::*;

const PASSWORD: &str = "reg-SECRET-4r5t6y";

/// A registry process of the test's own, stopped on drop.
struct Registry {
    child: Child,
    _dir: tempfile::TempDir,
    addr: String,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn registry_binary() -> Option<PathBuf> {
    ["/usr/bin/docker-registry", "/usr/sbin/docker-registry"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

impl Registry {
    fn start(bin: &Path, htpasswd: Option<&str>) -> Registry {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
            dir.path().join("data").display()
        );
        if let Some(entry) = htpasswd {
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, entry).expect("htpasswd");
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: dindctl-test\n    path: {}\n",
                file.display()
            ));
        }
        std::fs::write(dir.path().join("config.yml"), config).expect("config");
        let child = Command::new(bin)
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).expect("log"))
            .spawn()
            .expect("start docker-registry");
        let up = eventually(Duration::from_secs(20), || {
            std::net::TcpStream::connect(&addr).is_ok()
        });
        assert!(up, "the registry on {addr} did not come up");
        Registry {
            child,
            _dir: dir,
            addr,
        }
    }
}

/// `user:bcrypt` from `htpasswd -nbB` (apache2-utils).
fn htpasswd_entry(user: &str, password: &str) -> String {
    let out = Command::new("htpasswd")
        .args(["-nbB", user, password])
        .output()
        .expect("htpasswd (apache2-utils)");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_string() + "\n"
}

/// Tags the test image as `reference` on the main daemon and pushes it.
fn push(h: &Harness, reference: &str, creds: Option<(&str, &str)>) {
    h.rt.block_on(async {
        let (repo, tag) = reference.rsplit_once(':').expect("tagged reference");
        h.docker
            .tag_image(
                &h.image,
                Some(
                    bollard::query_parameters::TagImageOptionsBuilder::new()
                        .repo(repo)
                        .tag(tag)
                        .build(),
                ),
            )
            .await
            .expect("tag");
        let auth = creds.map(|(u, p)| bollard::auth::DockerCredentials {
            username: Some(u.into()),
            password: Some(p.into()),
            ..Default::default()
        });
        let mut push = h.docker.push_image(
            repo,
            Some(
                bollard::query_parameters::PushImageOptionsBuilder::new()
                    .tag(tag)
                    .build(),
            ),
            auth,
        );
        while let Some(item) = push.next().await {
            item.expect("push");
        }
        // The main daemon keeps only its own test image.
        let _ = h
            .docker
            .remove_image(
                reference,
                None::<bollard::query_parameters::RemoveImageOptions>,
                None,
            )
            .await;
    });
}

fn manifest(s: &Scenario, short: &str, image: &str, extra: &str) -> String {
    format!(
        "---\napiVersion: mcp/v1\nkind: MCPContainer\nmetadata:\n  name: {short}\nspec:\n  image: {image}\n  container_name: {}\n  command: [\"sleep\", \"3600\"]\n{extra}",
        s.name(short)
    )
}

fn images_on(d: &SecondDaemon, h: &Harness) -> Vec<String> {
    h.rt.block_on(async {
        d.client()
            .list_images(None::<bollard::query_parameters::ListImagesOptions>)
            .await
            .expect("list images")
            .into_iter()
            .flat_map(|i| i.repo_tags)
            .collect()
    })
}

pub fn images_reach_an_empty_daemon(s: &Scenario) {
    let Some(bin) = registry_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have docker-registry"
        );
        eprintln!(
            "skipping the pull scenario: no docker-registry (apt-get install docker-registry)"
        );
        return;
    };
    let d = match SecondDaemon::start_empty(s.h, free_port()) {
        Ok(d) => d,
        Err(why) if why.starts_with("no dockerd") && std::env::var_os("CI").is_none() => {
            eprintln!("skipping the pull scenario: {why}");
            return;
        }
        Err(why) => panic!("{why}"),
    };
    let host = d.unix();
    assert!(images_on(&d, s.h).is_empty(), "the daemon starts empty");
    let open = Registry::start(&bin, None);
    let image = format!("{}/dindctl-test/pull:{}", open.addr, s.h.run);
    push(s.h, &image, None);

    // The open registry: apply pulls (with progress lines when piped) and converges; the
    // lock needed no image, and its own is gone afterwards.
    s.write("stack.yml", &manifest(s, "web", &image, ""));
    let out = s.dindctl("diff", &["--host", &host]);
    assert!(
        text(&out).contains(&format!("pull  {image} (not on the daemon)")),
        "{}",
        text(&out)
    );
    let out = s.dindctl("apply", &["--host", &host, "--skip-check"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains(&format!("pull {image}: done")),
        "{}",
        text(&out)
    );
    assert_eq!(images_on(&d, s.h), vec![image.clone()]);
    let out = s.dindctl("apply", &["--host", &host, "--skip-check"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("No changes"), "{}", text(&out));
    assert!(
        !text(&out).contains(&format!("pull {image}: started")),
        "{}",
        text(&out)
    );

    // `--pull never` with an image the daemon lacks: exit 2 at the manifest line, nothing
    // created.
    let absent = format!("{}/dindctl-test/absent:{}", open.addr, s.h.run);
    s.write("stack.yml", &manifest(s, "other", &absent, ""));
    let out = s.dindctl(
        "apply",
        &["--host", &host, "--skip-check", "--pull", "never"],
    );
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("stack.yml:7:10: error[apply]: image")
            && text(&out).contains("pull_policy is `never`"),
        "{}",
        text(&out)
    );
    // The same image asked for: the tag does not exist in the registry.
    let out = s.dindctl("apply", &["--host", &host, "--skip-check"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("stack.yml:7:10: error[pull]")
            && text(&out).contains("does not exist in its registry"),
        "{}",
        text(&out)
    );
    // A registry that is down: the pull ran on that daemon, which could not reach it.
    let down = format!("127.0.0.1:{}/dindctl-test/pull:1", free_port());
    s.write("stack.yml", &manifest(s, "other", &down, ""));
    let out = s.dindctl("apply", &["--host", &host, "--skip-check"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains(&format!("the daemon at {host} cannot reach the registry")),
        "{}",
        text(&out)
    );
    // None of the failures created or removed anything: `web` still runs.
    assert_eq!(
        s.h.rt.block_on(async {
            d.client()
                .list_containers(Some(
                    bollard::query_parameters::ListContainersOptionsBuilder::new()
                        .all(true)
                        .build(),
                ))
                .await
                .expect("list")
                .len()
        }),
        1
    );

    // Behind basic auth: no credentials → the login message; inline `auths` and a credential
    // helper both pull; the password appears in no output.
    let auth = Registry::start(&bin, Some(&htpasswd_entry("tester", PASSWORD)));
    let private = format!("{}/dindctl-test/private:{}", auth.addr, s.h.run);
    push(s.h, &private, Some(("tester", PASSWORD)));
    s.write("stack.yml", &manifest(s, "private", &private, ""));
    let config = s.dir.path().join("docker-config");
    std::fs::create_dir_all(&config).expect("mkdir");
    let out = s
        .command("apply", &["--host", &host, "--skip-check"])
        .env("DOCKER_CONFIG", &config)
        .output()
        .expect("run");
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "pull access denied for `{private}`: the image does not exist or needs `docker login {}`",
            auth.addr
        )),
        "{}",
        text(&out)
    );
    use base64::Engine as _;
    let inline = base64::engine::general_purpose::STANDARD.encode(format!("tester:{PASSWORD}"));
    std::fs::write(
        config.join("config.json"),
        format!(
            r#"{{"auths": {{"{}": {{"auth": "{inline}"}}}}}}"#,
            auth.addr
        ),
    )
    .expect("config.json");
    for format in ["human", "json"] {
        let out = s
            .command("diff", &["--host", &host, "--format", format])
            .env("DOCKER_CONFIG", &config)
            .output()
            .expect("run");
        assert!(!text(&out).contains(PASSWORD) && !text(&out).contains(&inline));
    }
    let out = s
        .command("apply", &["--host", &host, "--skip-check"])
        .env("DOCKER_CONFIG", &config)
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(!text(&out).contains(PASSWORD) && !text(&out).contains(&inline));
    // A credential helper on the PATH, for a second image.
    let helped = format!("{}/dindctl-test/helped:{}", auth.addr, s.h.run);
    push(s.h, &helped, Some(("tester", PASSWORD)));
    let bin_dir = s.dir.path().join("bin");
    std::fs::create_dir_all(&bin_dir).expect("mkdir");
    let helper = bin_dir.join("docker-credential-dindtest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = \"{}\" ] || exit 1\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"tester\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n",
            auth.addr
        ),
    )
    .expect("helper");
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(
        config.join("config.json"),
        format!(r#"{{"credHelpers": {{"{}": "dindtest"}}}}"#, auth.addr),
    )
    .expect("config.json");
    s.write("stack.yml", &manifest(s, "helped", &helped, ""));
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = s
        .command("apply", &["--host", &host, "--skip-check", "--prune"])
        .env("DOCKER_CONFIG", &config)
        .env("PATH", &path)
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(!text(&out).contains(PASSWORD), "{}", text(&out));

    // Carried in from the main daemon: no registry; the image ID is the source's.
    let carried = manifest(s, "carried", &s.h.image, "").replace(
        "[\"sleep\", \"3600\"]",
        "[\"sh\", \"-c\", \"echo carried-says-hello; echo to-stderr >&2; exec sleep 3600\"]",
    );
    s.write("stack.yml", &carried);
    let main =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let out = s.dindctl("diff", &["--host", &host, "--images-from", &main]);
    assert!(
        text(&out).contains(&format!("carry {} from {main}", s.h.image)),
        "{}",
        text(&out)
    );
    let out = s.dindctl(
        "apply",
        &[
            "--host",
            &host,
            "--skip-check",
            "--prune",
            "--images-from",
            &main,
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let ids = s.h.rt.block_on(async {
        let theirs = s.h.docker.inspect_image(&s.h.image).await.expect("main").id;
        let ours = d
            .client()
            .inspect_image(&s.h.image)
            .await
            .expect("carried")
            .id;
        (theirs, ours)
    });
    assert_eq!(ids.0, ids.1);
    // Its output, prefixed with the server's name, stdout and stderr both.
    let logs = |extra: &[&str]| {
        let mut args = vec!["logs", "--stack"];
        let stack = s.stack().display().to_string();
        args.push(&stack);
        args.extend(["-p", &s.project, "--host", &host]);
        args.extend(extra);
        let out = Command::new(env!("CARGO_BIN_EXE_dindctl"))
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run dindctl logs");
        (
            code(&out),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            text(&out),
        )
    };
    let seen = eventually(Duration::from_secs(10), || {
        logs(&[]).1.contains("carried | to-stderr")
    });
    let (c, stdout, all) = logs(&["carried"]);
    assert!(seen && c == 0, "{all}");
    assert!(stdout.contains("carried | carried-says-hello"), "{all}");
    let (_, tail, _) = logs(&["--tail", "1", "--no-prefix"]);
    assert_eq!(tail.lines().count(), 1, "{tail}");
    let (c, _, all) = logs(&["nosuchserver"]);
    assert_eq!(c, 2, "{all}");
    assert!(all.contains("no container of project"), "{all}");
    // A source that lacks the image is named at the manifest line.
    s.write(
        "stack.yml",
        &manifest(s, "carried", "dindctl-test/nowhere:1", ""),
    );
    let out = s.dindctl(
        "apply",
        &["--host", &host, "--skip-check", "--images-from", &main],
    );
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains(&format!("stack.yml:7:10: error[apply]: image `dindctl-test/nowhere:1` is not on the daemon at {host}, nor on")),
        "{}",
        text(&out)
    );
    // down takes the lock on this daemon too, and leaves no lock image behind.
    let out = s.dindctl("down", &["--host", &host]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        !images_on(&d, s.h)
            .iter()
            .any(|i| i.starts_with("dindctl-lock")),
        "{:?}",
        images_on(&d, s.h)
    );
}
