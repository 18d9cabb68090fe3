#!/usr/bin/env python3
"""Whole-process timings of the release binary: median, min and max of N runs.

Usage: python3 bench/bench.py [--runs N] [--only NAME]
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


def report(name, samples):
    print(f"{name:<40} median {statistics.median(samples):8.2f} ms   min {min(samples):8.2f}   max {max(samples):8.2f}   ({len(samples)} runs)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only")
    opts = parser.parse_args()
    if not os.path.exists(BIN):
        sys.exit("build the release binary first: cargo build --release")
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "render default (write)": ["render", "--out", os.path.join(tmp, "out")],
            "render default --stdout": ["render", "--stdout"],
            "render default --check": ["render", "--out", os.path.join(tmp, "out"), "--check"],
            "render prod --stdout": ["render", "--profile", "prod", "--stdout"],
        }
        for name, args in cases.items():
            if opts.only and opts.only not in name:
                continue
            timed(args, tmp, 3)  # warm-up
            report(name, timed(args, tmp, opts.runs))


if __name__ == "__main__":
    main()
