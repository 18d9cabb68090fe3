//! Premises of rules, tested on this machine rather than taken on faith.
//!
//! `socket-mount-readonly`: `connect()` on a unix socket works through a read-only bind mount,
//! for root and for an unprivileged user in the socket's group, while the same user without
//! the group is refused — so `:ro` on a Docker socket mount neither breaks a client nor limits
//! it, and "permission denied" is the group (`socket-group-mismatch`). Needs root, `unshare`
//! and `setpriv` (util-linux); skipped elsewhere, except in CI.

use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::process::Command;

const HELPER: &str = "DINDCTL_PREMISE_CONNECT";

/// Run by the test below as another user, in another mount namespace: connects to the socket
/// named by the environment and prints the outcome.
#[test]
fn connect_helper() {
    let Ok(path) = std::env::var(HELPER) else {
        return;
    };
    match UnixStream::connect(&path) {
        Ok(_) => println!("CONNECTED"),
        Err(e) => println!("REFUSED {}", e.raw_os_error().unwrap_or(0)),
    }
}

fn can_run(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn connect_works_through_a_read_only_mount_and_only_the_group_decides() {
    let root = is_root();
    if !root || !can_run("unshare") || !can_run("setpriv") {
        assert!(
            std::env::var_os("CI").is_none() || !root,
            "CI runs as root with util-linux: this premise must be tested there"
        );
        eprintln!("skipped: needs root, unshare and setpriv");
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("dindctl-premise")
        .tempdir()
        .unwrap_or_else(|e| panic!("{e}"));
    let src = dir.path().join("src");
    let ro = dir.path().join("ro");
    std::fs::create_dir_all(&src).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(&ro).unwrap_or_else(|e| panic!("{e}"));
    let socket = src.join("docker.sock");
    let listener = UnixListener::bind(&socket).unwrap_or_else(|e| panic!("{e}"));
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{e}"));
    // As the Docker daemon leaves it: root:2375, mode 660.
    let chown = Command::new("chown")
        .args(["0:2375", &socket.display().to_string()])
        .status();
    assert!(chown.is_ok_and(|s| s.success()));
    let chmod = Command::new("chmod")
        .args(["660", &socket.display().to_string()])
        .status();
    assert!(chmod.is_ok_and(|s| s.success()));
    for p in [dir.path(), &src, &ro] {
        let _ = Command::new("chmod")
            .args(["755", &p.display().to_string()])
            .status();
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let target = ro.join("docker.sock");
    let run = |identity: &[&str]| -> String {
        let script = format!(
            "mount --bind {src} {ro} && mount -o remount,ro,bind {ro} && {prefix} {exe} connect_helper --exact --nocapture --test-threads 1",
            src = src.display(),
            ro = ro.display(),
            prefix = identity.join(" "),
            exe = exe.display(),
        );
        let out = Command::new("unshare")
            .args(["-m", "sh", "-c", &script])
            .env(HELPER, &target)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    // The mount really is read-only: creating a file there fails with EROFS.
    let touch = Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            &format!(
                "mount --bind {} {} && mount -o remount,ro,bind {} && touch {}/x",
                src.display(),
                ro.display(),
                ro.display(),
                ro.display()
            ),
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        String::from_utf8_lossy(&touch.stderr).contains("Read-only file system"),
        "the bind mount is read-only: {}",
        String::from_utf8_lossy(&touch.stderr)
    );
    let as_root = run(&[]);
    assert!(
        as_root.contains("CONNECTED"),
        "root connects through `:ro`: {as_root}"
    );
    let in_group = run(&["setpriv", "--reuid=65534", "--regid=65534", "--groups=2375"]);
    assert!(
        in_group.contains("CONNECTED"),
        "a user in the socket's group connects through `:ro`: {in_group}"
    );
    let outside = run(&[
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ]);
    assert!(
        outside.contains("REFUSED 13"),
        "a user outside the group gets EACCES: {outside}"
    );
    drop(listener);
    assert!(Path::new(&socket).exists());
}

/// Whether this process runs as root (`/proc/self/status` Uid line).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// `socket-group-mismatch` reads a client's groups as the Engine computes them: `user: NAME`
/// or `user: UID` keeps the user's memberships from the image's `/etc/group`, `user: UID:GID`
/// drops them, and `group_add` adds to either. Run on the machine's Docker daemon with a
/// throw-away image (FROM scratch + the static busybox the engine tests use).
#[test]
fn supplementary_groups_as_the_engine_computes_them() {
    let busybox = std::path::Path::new("/bin/busybox");
    let docker_ok = Command::new("docker")
        .arg("info")
        .output()
        .is_ok_and(|o| o.status.success());
    if !docker_ok || !busybox.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI has a Docker daemon and busybox-static: this premise must be tested there"
        );
        eprintln!("skipped: needs a Docker daemon and /bin/busybox");
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("dindctl-premise-groups")
        .tempdir()
        .unwrap_or_else(|e| panic!("{e}"));
    let put = |name: &str, text: &[u8]| {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    put(
        "busybox",
        &std::fs::read(busybox).unwrap_or_else(|e| panic!("busybox: {e}")),
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(
            dir.path().join("busybox"),
            std::fs::Permissions::from_mode(0o755),
        );
    }
    put(
        "passwd",
        b"root:x:0:0::/:/bin/sh\nu:x:1000:1000::/:/bin/sh\n",
    );
    put("group", b"root:x:0:\nu:x:1000:\ndocker:x:2375:u\n");
    put(
        "Dockerfile",
        b"FROM scratch\nCOPY busybox /bin/busybox\nCOPY passwd /etc/passwd\nCOPY group /etc/group\n",
    );
    let tag = format!("dindctl-premise-groups:{}", std::process::id());
    struct Image(String);
    impl Drop for Image {
        fn drop(&mut self) {
            let _ = Command::new("docker").args(["rmi", "-f", &self.0]).output();
        }
    }
    let build = Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args([
            "build",
            "-q",
            "--label",
            "io.dindctl.test=premise",
            "-t",
            &tag,
        ])
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("docker build: {e}"));
    let _image = Image(tag.clone());
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let groups = |args: &[&str]| -> String {
        let o = Command::new("docker")
            .args(["run", "--rm", "--label", "io.dindctl.test=premise"])
            .args(args)
            .args([tag.as_str(), "/bin/busybox", "id", "-G"])
            .output()
            .unwrap_or_else(|e| panic!("docker run: {e}"));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    assert_eq!(groups(&["--user", "u"]), "1000 2375");
    assert_eq!(groups(&["--user", "1000"]), "1000 2375");
    assert_eq!(groups(&["--user", "1000:1000"]), "1000");
    assert_eq!(groups(&["--user", "u:u"]), "1000");
    assert_eq!(
        groups(&["--user", "1000:1000", "--group-add", "2375"]),
        "1000 2375"
    );
}
