#!/usr/bin/env python3
"""`dindctl verify` of 20 live MCP servers, in parallel and one at a time, on the real daemon.

Two sets of 20 servers (the test MCP server of tests/servers/, in a FROM-scratch image with the
libraries it links): published on loopback (probed from this machine) and on an inner network
only (probed through a relay container each). Prints the median of N runs of
`verify --parallel 20` and `--parallel 1` for each set, and the ratio.

Usage: python3 bench/verify.py [--runs N]
Build first: cargo build --release --bins --example mcp-test-server (the release profile).
Everything it creates is labelled and removed at the end.
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
SERVER = os.path.join(ROOT, "target", "release", "examples", "mcp-test-server")
RUN = f"vbench{os.getpid()}"
IMAGE = f"dindctl-bench/mcp:{RUN}"


def build_image(work):
    ctx = os.path.join(work, "ctx")
    os.makedirs(ctx)
    shutil.copy(SERVER, os.path.join(ctx, "mcp-test-server"))
    ldd = subprocess.run(["ldd", SERVER], capture_output=True, text=True, check=True).stdout
    for line in ldd.splitlines():
        parts = line.split("=>")[-1].split()
        if parts and parts[0].startswith("/"):
            dest = os.path.join(ctx, parts[0].lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy(os.path.realpath(parts[0]), dest)
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write(f'FROM scratch\nCOPY . /\nENTRYPOINT ["/mcp-test-server"]\nLABEL dindctl-bench.run={RUN}\n')
    subprocess.run(["docker", "build", "-q", "-t", IMAGE, ctx], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "DOCKER_BUILDKIT": "0"})


def stack(path, published):
    docs = [f"apiVersion: mcp/v1\nkind: MCPNetwork\nmetadata:\n  name: {RUN}-net\nspec:\n  subnet: 10.219.{7 if published else 8}.0/24\n"]
    for i in range(20):
        ports = f'  ports: {{"127.0.0.1:{21300 + i}": "8080"}}\n' if published else ""
        docs.append(
            f"---\napiVersion: mcp/v1\nkind: MCPContainer\nmetadata:\n  name: s{i}\n"
            f"spec:\n  image: {IMAGE}\n  container_name: {RUN}-{'pub' if published else 'in'}-s{i}\n"
            f"  command: [--transport, http, --era, {'modern' if published else 'legacy'}, --port, \"8080\", --tools, \"10\"]\n"
            f"  networks: [{RUN}-net]\n{ports}  mcp: {{transport: streamable-http, port: 8080}}\n"
        )
    with open(path, "w") as f:
        f.write("".join(docs))


def dindctl(*args, check=True):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"dindctl {' '.join(args)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
    return p


def timed(args, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        dindctl(*args)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples), max(samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    for path in (BIN, SERVER):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: cargo build --release --bins --example mcp-test-server")
    work = tempfile.mkdtemp(prefix="dindctl-vbench")
    env_state = os.path.join(work, "state")
    os.environ["XDG_STATE_HOME"] = env_state
    projects = []
    try:
        build_image(work)
        for published in (True, False):
            name = "published" if published else "inner-only"
            path = os.path.join(work, f"{name}.yml")
            stack(path, published)
            project = f"{RUN}-{name}"
            projects.append((path, project))
            dindctl("apply", path, "-p", project, "--wait-timeout", "60s")
            par = timed(["verify", path, "-p", project, "--parallel", "20"], a.runs)
            seq = timed(["verify", path, "-p", project, "--parallel", "1"], a.runs)
            print(f"verify 20 {name:10} servers  --parallel 20: median {par[0]*1000:8.0f} ms (min {par[1]*1000:.0f}, max {par[2]*1000:.0f})"
                  f"   --parallel 1: median {seq[0]*1000:8.0f} ms (min {seq[1]*1000:.0f}, max {seq[2]*1000:.0f})"
                  f"   one at a time / parallel: {seq[0]/par[0]:.1f}x", flush=True)
            dindctl("down", path, "-p", project, "--volumes", "--stop-timeout", "1s")
    finally:
        for path, project in projects:
            dindctl("down", path, "-p", project, "--volumes", "--stop-timeout", "1s", check=False)
        subprocess.run(["docker", "image", "rm", "-f", IMAGE], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
