#!/usr/bin/env python3
"""apply and re-plan against the real Docker daemon, with the release binary.

  1. apply one container to healthy (median of 3), then 20 from nothing to healthy (health
     check every 1 s) with the default --parallel and with 1, 4, 8 and 20; the 20-container
     time against twice the single container's (the target);
  2. re-plan (`dindctl diff`) with 100 live containers: median of N runs.

Usage: python3 bench/engine.py [--runs N]   (DINDCTL_BIN=path compares another build)
Build first: cargo build --release. Needs a Docker daemon and a static busybox
(Debian's busybox-static). Everything it creates is labelled and removed at the end.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DINDCTL_BIN") or os.path.join(ROOT, "target", "release", "dindctl")
RUN = f"bench{os.getpid()}"
IMAGE = f"dindctl-bench/busybox:{RUN}"

HEALTH = """  healthcheck:
    test: ["CMD", "/bin/busybox", "wget", "-q", "-O-", "http://127.0.0.1:8080/health"]
    interval: 1s
    timeout: 2s
    retries: 5
"""


def build_image(work):
    ctx = os.path.join(work, "ctx")
    os.makedirs(os.path.join(ctx, "www"))
    shutil.copy("/bin/busybox", os.path.join(ctx, "busybox"))
    with open(os.path.join(ctx, "www", "health"), "w") as f:
        f.write("ok\n")
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write(
            "FROM scratch\nCOPY busybox /bin/busybox\nCOPY www /www\n"
            'ENTRYPOINT ["/bin/busybox"]\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n'
            f"LABEL dindctl-bench.run={RUN}\n"
        )
    subprocess.run(["docker", "build", "-q", "-t", IMAGE, ctx], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "DOCKER_BUILDKIT": "0"})


def manifests(path, count, healthy):
    docs = []
    for i in range(count):
        body = HEALTH if healthy else '  command: ["sleep", "3600"]\n'
        docs.append(
            f"---\napiVersion: mcp/v1\nkind: MCPContainer\nmetadata:\n  name: c{i}\n"
            f"spec:\n  image: {IMAGE}\n  container_name: {RUN}-{os.path.basename(path)}-c{i}\n"
            f"  environment:\n    INDEX: \"{i}\"\n{body}"
        )
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "stack.yml"), "w") as f:
        f.write("".join(docs))


LAST_READY = []


def dindctl(*args, check=True):
    start = time.perf_counter()
    proc = subprocess.run([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    if check and proc.returncode != 0:
        sys.exit(f"dindctl {' '.join(args)}: exit {proc.returncode}\n{proc.stderr.decode()}")
    # The READY IN column of apply's table: each container's own start-to-ready time.
    LAST_READY[:] = []
    column = None
    for line in proc.stdout.decode().splitlines():
        words = line.split()
        if words[:4] == ["NAME", "STATE", "HEALTH", "READY"]:
            column = 3
        elif column is not None and len(words) > column and words[column].endswith("s"):
            try:
                LAST_READY.append(float(words[column].rstrip("s")))
            except ValueError:
                pass
    return took


def compose_up(work):
    """The same 20 containers with Docker Compose v2 (`up -d --wait`), if it is installed."""
    try:
        import compose  # noqa: PLC0415
    except ImportError:
        return None
    binary = os.path.join(os.path.dirname(compose.__file__), "docker-compose")
    d = os.path.join(work, "compose")
    os.makedirs(d, exist_ok=True)
    lines = [f"name: {RUN}-compose", "services:"]
    for i in range(20):
        lines += [f"  c{i}:", f"    image: {IMAGE}", f"    environment: {{INDEX: \"{i}\"}}",
                  "    healthcheck:",
                  '      test: ["CMD", "/bin/busybox", "wget", "-q", "-O-", "http://127.0.0.1:8080/health"]',
                  "      interval: 1s", "      timeout: 2s", "      retries: 5"]
    with open(os.path.join(d, "compose.yml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    start = time.perf_counter()
    up = subprocess.run([binary, "up", "-d", "--wait"], cwd=d, capture_output=True)
    took = time.perf_counter() - start
    subprocess.run([binary, "down", "-t", "1"], cwd=d, capture_output=True)
    if up.returncode != 0:
        print(f"(compose up failed: {up.stderr.decode()[-300:]})")
        return None
    return took


def cleanup():
    ids = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=dindctl-bench.run={RUN}"],
                         capture_output=True, text=True).stdout.split()
    if ids:
        subprocess.run(["docker", "rm", "-f", *ids], capture_output=True)
    subprocess.run(["docker", "rmi", "-f", IMAGE], capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    work = tempfile.mkdtemp(prefix="dindctl-bench-")
    try:
        build_image(work)
        singles = []
        for i in range(3):
            d = os.path.join(work, f"single{i}")
            manifests(d, 1, healthy=True)
            project = f"{RUN}-single{i}"
            singles.append(dindctl("apply", os.path.join(d, "stack.yml"), "--project-name", project,
                                   "--wait-timeout", "120s"))
            dindctl("down", os.path.join(d, "stack.yml"), "--project-name", project, "--stop-timeout", "1s")
        single = statistics.median(singles)
        print(f"apply 1 container to healthy                      {single:6.2f} s (median of 3)")
        times = {}
        for parallel in ("default", 1, 4, 8, 20):
            d = os.path.join(work, f"p{parallel}")
            manifests(d, 20, healthy=True)
            project = f"{RUN}-p{parallel}"
            flags = [] if parallel == "default" else ["--parallel", str(parallel)]
            took = dindctl("apply", os.path.join(d, "stack.yml"), "--project-name", project,
                           *flags, "--wait-timeout", "120s")
            times[parallel] = took
            slowest = max(LAST_READY) if LAST_READY else float("nan")
            dindctl("down", os.path.join(d, "stack.yml"), "--project-name", project, "--stop-timeout", "1s")
            print(f"apply 20 containers to healthy, --parallel {parallel:<7}  {took:6.2f} s"
                  f"  ({took / single:.1f}x one container alone; slowest READY IN {slowest:.1f} s,"
                  f" {took / slowest:.1f}x)")
            if parallel == "default":
                default_slowest = slowest
        took = compose_up(work)
        if took is not None:
            print(f"docker compose up -d --wait, the same 20 containers  {took:6.2f} s"
                  f"  (dindctl default: {times['default'] / took:.2f}x compose)")
        print(f"target: 20 containers within 2x the slowest container's time to healthy "
              f"({2 * default_slowest:.2f} s): {'met' if times['default'] <= 2 * default_slowest else 'NOT met'};"
              f" within 2x one container applied alone ({2 * single:.2f} s): "
              f"{'met' if times['default'] <= 2 * single else 'NOT met'}")

        d = os.path.join(work, "replan")
        manifests(d, 100, healthy=False)
        stack = os.path.join(d, "stack.yml")
        project = f"{RUN}-replan"
        took = dindctl("apply", stack, "--project-name", project, "--parallel", "20")
        print(f"apply 100 containers (no health check), --parallel 20  {took:6.2f} s")
        samples = [dindctl("diff", stack, "--project-name", project, "--detailed-exitcode")
                   for _ in range(args.runs)]
        print(f"re-plan (diff) with 100 live containers: median {statistics.median(samples) * 1000:7.1f} ms"
              f"   min {min(samples) * 1000:7.1f}   max {max(samples) * 1000:7.1f}   ({args.runs} runs)")
        dindctl("down", stack, "--project-name", project, "--stop-timeout", "1s")
    finally:
        cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
