//! A second Docker daemon for the endpoint tests: started on this machine with its own data
//! and exec roots, listening on a unix socket and on a loopback TCP port with TLS client
//! verification (certificates made with openssl, in docker:dind's `certs/client` layout). It
//! stands in for the DinD daemon; it is stopped and its directories removed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bollard::Docker;
use futures_util::StreamExt as _;

use super::harness::{Harness, eventually};

pub struct SecondDaemon {
    pub dir: tempfile::TempDir,
    /// The bridge interface made for it (never `--bridge=none`: dockerd then deletes the
    /// machine's `docker0`, which the main daemon uses).
    bridge: String,
    pub tcp: String,
    pub socket: PathBuf,
    child: Child,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, under `dir`:
/// `server/{ca,cert,key}.pem` and `client/{ca,cert,key}.pem`.
pub fn make_certs(dir: &Path, cn: &str) {
    for d in ["server", "client"] {
        std::fs::create_dir_all(dir.join(d)).expect("mkdir");
    }
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca-key.pem",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            &format!("/CN={cn}"),
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").expect("ext");
    for (who, cn) in [("server", "localhost"), ("client", "client")] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{who}/key.pem"),
                "-out",
                &format!("{who}.csr"),
                "-subj",
                &format!("/CN={cn}"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{who}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-out",
                &format!("{who}/cert.pem"),
                "-days",
                "2",
                "-extfile",
                &format!("{who}.ext"),
            ],
        );
        std::fs::copy(dir.join("ca.pem"), dir.join(who).join("ca.pem")).expect("copy ca");
    }
}

impl SecondDaemon {
    /// Starts the daemon with the test image, or returns why it cannot (no `dockerd` on this
    /// machine).
    pub fn start(h: &Harness, port: u16) -> Result<SecondDaemon, String> {
        let d = Self::start_empty(h, port)?;
        d.copy_image(h);
        Ok(d)
    }

    /// Starts the daemon with no image at all, as a fresh DinD daemon starts.
    pub fn start_empty(h: &Harness, port: u16) -> Result<SecondDaemon, String> {
        let dockerd = ["/usr/sbin/dockerd", "/usr/bin/dockerd"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .ok_or("no dockerd binary on this machine")?;
        let dir = tempfile::Builder::new()
            .prefix("dd")
            .tempdir_in("/tmp")
            .map_err(|e| e.to_string())?;
        let root = dir.path();
        make_certs(&root.join("certs"), "dindctl-test-ca");
        std::fs::write(root.join("daemon.json"), "{}").map_err(|e| e.to_string())?;
        let socket = root.join("docker.sock");
        let bridge = format!("dd{port}");
        let subnet_octet = 200 + (port % 50);
        for args in [
            vec!["link", "add", bridge.as_str(), "type", "bridge"],
            vec![
                "addr",
                "add",
                &format!("10.{subnet_octet}.254.1/24"),
                "dev",
                bridge.as_str(),
            ],
            vec!["link", "set", bridge.as_str(), "up"],
        ] {
            let out = Command::new("ip")
                .args(&args)
                .output()
                .map_err(|e| format!("ip (iproute2): {e}"))?;
            if !out.status.success() {
                let _ = Command::new("ip").args(["link", "del", &bridge]).status();
                return Err(format!(
                    "ip {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        let tcp = format!("tcp://127.0.0.1:{port}");
        let certs = root.join("certs/server");
        let child = Command::new(dockerd)
            .arg("--config-file")
            .arg(root.join("daemon.json"))
            .arg("--data-root")
            .arg(root.join("data"))
            .arg("--exec-root")
            .arg(root.join("exec"))
            .arg("--pidfile")
            .arg(root.join("docker.pid"))
            .arg("-H")
            .arg(format!("unix://{}", socket.display()))
            .args(["-H", &tcp, "--tlsverify"])
            .arg("--tlscacert")
            .arg(certs.join("ca.pem"))
            .arg("--tlscert")
            .arg(certs.join("cert.pem"))
            .arg("--tlskey")
            .arg(certs.join("key.pem"))
            .args([
                "--bridge",
                &bridge,
                "--iptables=false",
                "--ip-masq=false",
                "--storage-driver",
                "vfs",
            ])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(root.join("dockerd.log")).map_err(|e| e.to_string())?)
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                let _ = Command::new("ip").args(["link", "del", &bridge]).status();
                return Err(format!("cannot start dockerd: {e}"));
            }
        };
        let d = SecondDaemon {
            dir,
            bridge,
            tcp,
            socket,
            child,
        };
        let up = eventually(Duration::from_secs(60), || {
            d.socket.exists() && h.rt.block_on(async { d.client().ping().await.is_ok() })
        });
        if !up {
            let log = std::fs::read_to_string(d.dir.path().join("dockerd.log")).unwrap_or_default();
            return Err(format!("the second dockerd did not come up:\n{log}"));
        }
        Ok(d)
    }

    pub fn client(&self) -> Docker {
        Docker::connect_with_unix(
            &format!("unix://{}", self.socket.display()),
            60,
            bollard::API_DEFAULT_VERSION,
        )
        .expect("client")
    }

    pub fn unix(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    pub fn client_certs(&self) -> PathBuf {
        self.dir.path().join("certs/client")
    }

    /// Copies the test image from the main daemon (no registry: export, then load).
    fn copy_image(&self, h: &Harness) {
        h.rt.block_on(async {
            let mut bytes = Vec::new();
            let mut s = h.docker.export_image(&h.image);
            while let Some(chunk) = s.next().await {
                bytes.extend_from_slice(&chunk.expect("export image"));
            }
            let target = self.client().negotiate_version().await.expect("version");
            let mut load = target.import_image(
                bollard::query_parameters::ImportImageOptionsBuilder::new().build(),
                bollard::body_full(bytes::Bytes::from(bytes)),
                None,
            );
            while let Some(item) = load.next().await {
                item.expect("load image");
            }
        });
    }
}

impl Drop for SecondDaemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let pid = self.child.id();
        let stopped = eventually(Duration::from_secs(30), || {
            !Path::new(&format!("/proc/{pid}")).exists()
                || matches!(self.child.try_wait(), Ok(Some(_)))
        });
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = Command::new("ip")
            .args(["link", "del", &self.bridge])
            .status();
    }
}
