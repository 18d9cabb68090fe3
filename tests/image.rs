//! The container image: `scripts/build-image` builds the static binary and an image FROM
//! scratch; the image checks a real stack from a mounted directory, with the exit codes of
//! the binary. The image is removed afterwards, whatever the outcome.

mod common;

use common::*;

struct Image(String);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker")
            .args(["image", "rm", "-f", &self.0])
            .output();
    }
}

#[test]
fn the_image_checks_a_mounted_stack() {
    let tag = format!("dindctl-test/image:{}", std::process::id());
    let image = Image(tag.clone());
    let o = std::process::Command::new("bash")
        .arg(repo().join("scripts/build-image"))
        .arg(&tag)
        .output()
        .unwrap_or_else(|e| panic!("scripts/build-image: {e}"));
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let run = |stack: &str| {
        std::process::Command::new("docker")
            .args(["run", "--rm", "-v"])
            .arg(format!("{}:/work:ro", repo().join(stack).display()))
            .arg(&image.0)
            .args(["check", "--format", "json"])
            .output()
            .unwrap_or_else(|e| panic!("docker run: {e}"))
    };
    let fixed = run("examples/fixed-stack");
    assert_eq!(
        fixed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    let broken = run("examples/broken-stack");
    assert_eq!(
        broken.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&broken.stdout).unwrap_or_default();
    assert!(
        v["summary"]["errors"].as_u64().is_some_and(|n| n > 0),
        "{v}"
    );
    // Nothing but the binary and the CA bundle: no shell, no libc.
    let o = std::process::Command::new("docker")
        .args([
            "run",
            "--rm",
            "--entrypoint",
            "/bin/sh",
            &image.0,
            "-c",
            "true",
        ])
        .output()
        .unwrap_or_else(|e| panic!("docker run: {e}"));
    assert!(!o.status.success(), "the image has a shell");
}
