//! A real Docker daemon for the engine tests: a test image built locally (no registry), a run
//! id on everything the tests create, and removal of all of it when the run ends, whatever the
//! outcome.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::{
    BuildImageOptionsBuilder, ListContainersOptionsBuilder, ListNetworksOptionsBuilder,
    ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder, RemoveImageOptionsBuilder,
};
use futures_util::StreamExt as _;

/// Label put on every object a test creates itself (besides dindctl's own labels).
pub const TEST_LABEL: &str = "dindctl-test.run";

/// Strings that must never appear in dindctl's output.
pub const SECRET_ENV_VALUE: &str = "tok-SECRET-1a2b3c";
pub const SECRET_FILE_VALUE: &str = "file-SECRET-9z8y7x";
/// The password inside a URL of an environment variable whose name is no credential's.
pub const SECRET_URL_PASSWORD: &str = "url-SECRET-5q6w7e";

pub struct Harness {
    pub run: String,
    pub image: String,
    pub rt: tokio::runtime::Runtime,
    pub docker: Docker,
}

/// Finds a statically linked busybox (Debian's `busybox-static`).
fn busybox() -> PathBuf {
    let candidates = [
        std::env::var("DINDCTL_TEST_BUSYBOX")
            .ok()
            .map(PathBuf::from),
        Some(PathBuf::from("/bin/busybox")),
        Some(PathBuf::from("/usr/bin/busybox")),
    ];
    for c in candidates.into_iter().flatten() {
        if let Ok(bytes) = std::fs::read(&c) {
            let head = &bytes[..bytes.len().min(4096)];
            let dynamic = head.windows(3).any(|w| w == b"ld-");
            if !dynamic {
                return c;
            }
        }
    }
    panic!(
        "the engine tests need a statically linked busybox: `apt-get install busybox-static` \
         (or set DINDCTL_TEST_BUSYBOX)"
    );
}

fn tar_context(run: &str) -> Vec<u8> {
    let dockerfile = format!(
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY www /www\n\
         ENTRYPOINT [\"/bin/busybox\"]\n\
         CMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n\
         LABEL {TEST_LABEL}=\"{run}\"\n"
    );
    let bb = std::fs::read(busybox()).expect("read busybox");
    tar_of(&[
        ("Dockerfile", dockerfile.as_bytes(), 0o644),
        ("busybox", &bb, 0o755),
        ("www/health", b"ok\n", 0o644),
        ("www/index.html", b"dindctl test server\n", 0o644),
    ])
}

/// A build context: each file's path, content and mode.
fn tar_of(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data, mode) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(*mode);
        h.set_mtime(0);
        b.append_data(&mut h, path, *data).expect("tar entry");
    }
    b.into_inner().expect("tar")
}

/// The build context of a stand-in for the example stacks' images: a static busybox that
/// serves `/health` over HTTP on 3000 and 8080 whatever command it is given (the extra words
/// become the shell's positional parameters), with `wget` and `sh` where the examples' health
/// checks look for them.
fn standin_context(run: &str) -> Vec<u8> {
    let dockerfile = format!(
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/wget\nCOPY busybox /bin/sh\n\
         COPY www /www\n\
         ENTRYPOINT [\"/bin/busybox\", \"sh\", \"-c\", \"busybox httpd -p 3000 -h /www && busybox httpd -p 8080 -h /www && exec busybox sleep 2147483647\", \"stand-in\"]\n\
         LABEL {TEST_LABEL}=\"{run}\"\n"
    );
    let bb = std::fs::read(busybox()).expect("read busybox");
    tar_of(&[
        ("Dockerfile", dockerfile.as_bytes(), 0o644),
        ("busybox", &bb, 0o755),
        ("www/health", b"ok\n", 0o644),
    ])
}

/// The test MCP server (`tests/servers/mcp_test_server.rs`, built by `cargo test` as an
/// example) with the shared libraries it links, as `ldd` lists them, for a FROM-scratch image.
fn mcp_server_context(run: &str) -> Vec<u8> {
    let exe = std::env::current_exe().expect("current_exe");
    let server = exe
        .parent()
        .and_then(std::path::Path::parent)
        .map(|p| p.join("examples").join("mcp-test-server"))
        .expect("target directory");
    assert!(
        server.exists(),
        "{} is missing: `cargo test` builds it (or `cargo build --example mcp-test-server`)",
        server.display()
    );
    let ldd = Command::new("ldd").arg(&server).output().expect("ldd");
    let libs: Vec<PathBuf> = String::from_utf8_lossy(&ldd.stdout)
        .lines()
        .filter_map(|l| {
            let path = match l.split_once("=>") {
                Some((_, rest)) => rest.split_whitespace().next()?,
                None => l.split_whitespace().next()?,
            };
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect();
    let dockerfile = format!(
        "FROM scratch\nCOPY . /\nENTRYPOINT [\"/mcp-test-server\"]\nLABEL {TEST_LABEL}=\"{run}\"\n"
    );
    let binary = std::fs::read(&server).expect("read the server");
    let libs: Vec<(String, Vec<u8>)> = libs
        .iter()
        .map(|lib| {
            let real = std::fs::canonicalize(lib).unwrap_or(lib.clone());
            let data = std::fs::read(&real).unwrap_or_else(|e| panic!("{}: {e}", real.display()));
            (
                lib.to_string_lossy().trim_start_matches('/').to_string(),
                data,
            )
        })
        .collect();
    let mut files: Vec<(&str, &[u8], u32)> = vec![
        ("Dockerfile", dockerfile.as_bytes(), 0o644),
        ("mcp-test-server", &binary, 0o755),
    ];
    files.extend(libs.iter().map(|(p, d)| (p.as_str(), d.as_slice(), 0o755)));
    tar_of(&files)
}

impl Harness {
    /// Builds the image of the test MCP server; returns its tag.
    pub fn build_mcp_server(&self) -> String {
        let tag = format!("dindctl-test/mcp-server:{}", self.run);
        self.build(mcp_server_context(&self.run), &tag);
        tag
    }

    /// Connects and builds the test image. Without a daemon: in CI (`CI` set) the run fails
    /// loudly; elsewhere the engine tests are skipped with a message.
    pub fn new() -> Option<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let docker = match Docker::connect_with_local_defaults() {
            Ok(d) => d,
            Err(e) => return no_daemon(&e.to_string()),
        };
        let docker = match rt.block_on(async {
            docker.ping().await?;
            docker.negotiate_version().await
        }) {
            Ok(d) => d,
            Err(e) => return no_daemon(&e.to_string()),
        };
        let run = format!(
            "t{}{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() % 100_000)
                .unwrap_or(0)
        );
        let image = format!("dindctl-test/busybox:{run}");
        let h = Harness {
            run,
            image,
            rt,
            docker,
        };
        h.build_image();
        Some(h)
    }

    fn build_image(&self) {
        self.build(tar_context(&self.run), &self.image);
    }

    /// Builds the example stand-in (see [`standin_context`]) and tags it with each of `names`
    /// (the example stacks' image references), so their manifests apply unchanged without a
    /// registry. [`Harness::cleanup`] removes it by its label, with every tag.
    pub fn build_standin(&self, names: &[&str]) {
        let tag = format!("dindctl-test/standin:{}", self.run);
        self.build(standin_context(&self.run), &tag);
        self.rt.block_on(async {
            for name in names {
                let (repo, version) = name.rsplit_once(':').unwrap_or((name, "latest"));
                self.docker
                    .tag_image(
                        &tag,
                        Some(
                            bollard::query_parameters::TagImageOptionsBuilder::new()
                                .repo(repo)
                                .tag(version)
                                .build(),
                        ),
                    )
                    .await
                    .unwrap_or_else(|e| panic!("tag {name}: {e}"));
            }
        });
    }

    fn build(&self, context: Vec<u8>, tag: &str) {
        let opts = BuildImageOptionsBuilder::new()
            .t(tag)
            .rm(true)
            .forcerm(true)
            .build();
        let errors: Vec<String> = self.rt.block_on(async {
            let mut stream = self.docker.build_image(
                opts,
                None,
                Some(bollard::body_full(bytes::Bytes::from(context))),
            );
            let mut errors = Vec::new();
            while let Some(item) = stream.next().await {
                match item {
                    Ok(info) => {
                        if let Some(e) = info.error_detail.and_then(|d| d.message) {
                            errors.push(e);
                        }
                    }
                    Err(e) => errors.push(e.to_string()),
                }
            }
            errors
        });
        assert!(
            errors.is_empty(),
            "building the test image failed: {errors:?}"
        );
    }

    /// Removes every container, network, volume and image of this run.
    pub fn cleanup(&self) {
        let run = self.run.clone();
        let d = &self.docker;
        self.rt.block_on(async {
            let ours = |labels: &HashMap<String, String>| {
                labels.get(TEST_LABEL) == Some(&run)
                    || ["io.dindctl.project", "io.dindctl.lock", "io.dindctl.probe"]
                        .iter()
                        .any(|k| labels.get(*k).is_some_and(|p| p.starts_with(&run)))
            };
            if let Ok(list) = d
                .list_containers(Some(ListContainersOptionsBuilder::new().all(true).build()))
                .await
            {
                for c in list {
                    if ours(&c.labels.unwrap_or_default()) {
                        let _ = d
                            .remove_container(
                                &c.id.unwrap_or_default(),
                                Some(RemoveContainerOptionsBuilder::new().force(true).build()),
                            )
                            .await;
                    }
                }
            }
            if let Ok(list) = d
                .list_networks(Some(ListNetworksOptionsBuilder::new().build()))
                .await
            {
                for n in list {
                    if ours(&n.labels.unwrap_or_default()) {
                        let _ = d.remove_network(&n.id.unwrap_or_default()).await;
                    }
                }
            }
            if let Ok(list) = d
                .list_volumes(Some(ListVolumesOptionsBuilder::new().build()))
                .await
            {
                for v in list.volumes.unwrap_or_default() {
                    if ours(&v.labels) {
                        let _ = d
                            .remove_volume(
                                &v.name,
                                None::<bollard::query_parameters::RemoveVolumeOptions>,
                            )
                            .await;
                    }
                }
            }
            let _ = d
                .remove_image(
                    &self.image,
                    Some(RemoveImageOptionsBuilder::new().force(true).build()),
                    None,
                )
                .await;
            // The stand-in, with every tag it was given.
            let labelled = HashMap::from([("label", vec![format!("{TEST_LABEL}={run}")])]);
            if let Ok(list) = d
                .list_images(Some(
                    bollard::query_parameters::ListImagesOptionsBuilder::new()
                        .filters(&labelled)
                        .build(),
                ))
                .await
            {
                for image in list {
                    for tag in image.repo_tags.iter().chain(std::iter::once(&image.id)) {
                        let _ = d
                            .remove_image(
                                tag,
                                Some(RemoveImageOptionsBuilder::new().force(true).build()),
                                None,
                            )
                            .await;
                    }
                }
            }
        });
    }

    /// Names of this project's containers on the daemon.
    pub fn containers_of(&self, project: &str) -> Vec<(String, String)> {
        self.rt.block_on(async {
            let list = self
                .docker
                .list_containers(Some(
                    ListContainersOptionsBuilder::new()
                        .all(true)
                        .filters(&HashMap::from([(
                            "label",
                            vec![format!("io.dindctl.project={project}")],
                        )]))
                        .build(),
                ))
                .await
                .expect("list containers");
            let mut out: Vec<(String, String)> = list
                .into_iter()
                .map(|c| {
                    (
                        c.names
                            .and_then(|n| n.first().cloned())
                            .unwrap_or_default()
                            .trim_start_matches('/')
                            .to_string(),
                        c.id.unwrap_or_default(),
                    )
                })
                .collect();
            out.sort();
            out
        })
    }

    /// Every object (container, network, volume) carrying this project's label.
    pub fn objects_of(&self, project: &str) -> usize {
        let filter = HashMap::from([("label", vec![format!("io.dindctl.project={project}")])]);
        self.rt.block_on(async {
            let c = self
                .docker
                .list_containers(Some(
                    ListContainersOptionsBuilder::new()
                        .all(true)
                        .filters(&filter)
                        .build(),
                ))
                .await
                .map(|l| l.len())
                .unwrap_or(0);
            let n = self
                .docker
                .list_networks(Some(
                    ListNetworksOptionsBuilder::new().filters(&filter).build(),
                ))
                .await
                .map(|l| l.len())
                .unwrap_or(0);
            let v = self
                .docker
                .list_volumes(Some(
                    ListVolumesOptionsBuilder::new().filters(&filter).build(),
                ))
                .await
                .map(|l| l.volumes.unwrap_or_default().len())
                .unwrap_or(0);
            c + n + v
        })
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.cleanup();
    }
}

fn no_daemon(why: &str) -> Option<Harness> {
    if std::env::var_os("CI").is_some() {
        panic!("no Docker daemon reachable ({why}); the engine tests must run against one in CI");
    }
    eprintln!("skipping the engine tests: no Docker daemon reachable ({why})");
    None
}

/// One scenario's project, directory and dindctl runs.
pub struct Scenario<'h> {
    pub h: &'h Harness,
    pub project: String,
    pub dir: tempfile::TempDir,
    /// A /24 of its own for its inner network.
    pub subnet: String,
}

impl<'h> Scenario<'h> {
    pub fn new(h: &'h Harness, name: &str, index: u8) -> Self {
        Scenario {
            h,
            project: format!("{}-{name}", h.run),
            dir: tempfile::tempdir().expect("tempdir"),
            subnet: format!(
                "10.{}.{}.0/24",
                200 + (std::process::id() % 50) as u8,
                index
            ),
        }
    }

    /// A container name unique to this scenario.
    pub fn name(&self, short: &str) -> String {
        format!("{}-{short}", self.project)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        p
    }

    pub fn stack(&self) -> PathBuf {
        self.dir.path().join("stack.yml")
    }

    /// `dindctl CMD STACK --project-name P ARGS…`; asserts no secret leaks into the output.
    pub fn dindctl(&self, cmd: &str, args: &[&str]) -> Output {
        let out = self.command(cmd, args).output().expect("run dindctl");
        assert_no_secrets(&out);
        out
    }

    pub fn command(&self, cmd: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dindctl"));
        c.arg(cmd)
            .arg(self.stack())
            .args(["--project-name", &self.project])
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            // The record of verified MCP servers stays in the scenario's directory.
            .env("XDG_STATE_HOME", self.dir.path().join("state"));
        if matches!(cmd, "apply" | "down") && !args.contains(&"--stop-timeout") {
            c.args(["--stop-timeout", "1s"]);
        }
        c
    }

    /// A manifest document for one container.
    pub fn container(&self, short: &str, body: &str) -> String {
        format!(
            "---\napiVersion: mcp/v1\nkind: MCPContainer\nmetadata:\n  name: {short}\nspec:\n  image: {}\n  container_name: {}\n{body}",
            self.h.image,
            self.name(short)
        )
    }

    pub fn network(&self, name: &str) -> String {
        format!(
            "---\napiVersion: mcp/v1\nkind: MCPNetwork\nmetadata:\n  name: {name}\nspec:\n  subnet: {}\n",
            self.subnet
        )
    }

    pub fn net_name(&self) -> String {
        format!("{}-net", self.project)
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn assert_no_secrets(o: &Output) {
    let t = text(o);
    for s in [SECRET_ENV_VALUE, SECRET_FILE_VALUE, SECRET_URL_PASSWORD] {
        assert!(
            !t.contains(s),
            "a secret value leaked into dindctl's output:\n{t}"
        );
    }
}

/// Waits until `f` holds, up to `limit`.
pub fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Reads a file out of a container (through the archive endpoint): content, owner uid, mode.
pub fn read_file(h: &Harness, container: &str, path: &str) -> (Vec<u8>, u64, u32) {
    let bytes: Vec<u8> = h.rt.block_on(async {
        let mut s = h.docker.download_from_container(
            container,
            Some(
                bollard::query_parameters::DownloadFromContainerOptionsBuilder::new()
                    .path(path)
                    .build(),
            ),
        );
        let mut out = Vec::new();
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk.expect("download"));
        }
        out
    });
    let mut archive = tar::Archive::new(bytes.as_slice());
    let mut entry = archive
        .entries()
        .expect("tar")
        .next()
        .expect("one entry")
        .expect("entry");
    let owner = entry.header().uid().expect("uid");
    let mode = entry.header().mode().expect("mode") & 0o7777;
    let mut content = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut content).expect("read entry");
    (content, owner, mode)
}
