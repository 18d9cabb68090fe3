#!/usr/bin/env python3
"""Complexity benchmark: times `dindctl check` (and `render` for profiles) on generated hostile
inputs of size n, 2n and 4n for each input shape that once grew faster than linearly, and
prints wall time, peak memory and the growth factor per doubling (about 2 is linear, 4 is
quadratic). Usage:

    cargo build --release && python3 bench/complexity.py [--bin target/release/dindctl] [--scale 1]

Exit 1 when a shape grows faster than --max-growth (default 3.0) per doubling at the largest
sizes, or when a run takes longer than --max-seconds (default 10), or crashes (exit > 2).
"""
import argparse, os, resource, shutil, subprocess, sys, tempfile, time

def nested_interp(n):
    return 'services:\n  a:\n    image: "' + '${A:-' * n + 'x' + '}' * n + '"\n'

def nested_interp_open(n):
    return 'services:\n  a:\n    image: "' + '${A:-' * n + '"\n'

def unknown_keys(n):
    return 'services:\n  a:\n    image: x\n' + ''.join(f'k{i}: {i}\n' for i in range(n))

def merge_chain(n):
    # Each mapping merges the previous one, so the document itself holds n(n+1)/2 keys once
    # expanded: quadratic by construction, and bounded by the alias budget (1,000,000 nodes,
    # 64 MiB), which is what the row measures.
    out = ['x0: &a0 {k0: 0}\n']
    for i in range(1, n):
        out.append(f'x{i}: &a{i} {{<<: *a{i-1}, k{i}: {i}}}\n')
    out.append('services:\n  a:\n    image: x\n    labels: *a%d\n' % (n - 1))
    return ''.join(out)

def port_ranges(n):
    ports = ''.join(f'      - "127.0.{i // 250}.{i % 250 + 1}:1-65535:1-65535"\n' for i in range(n))
    return 'services:\n  a:\n    image: x\n    ports:\n' + ports

def cap_add(n):
    return 'services:\n  a:\n    image: x\n    cap_add:\n' + ''.join(f'      - CAP_{i}\n' for i in range(n))

def alias_bytes(n):
    big = 'x' * 1024
    return f'big: &b "{big}"\nservices:\n  a:\n    image: x\n    labels:\n' + ''.join(
        f'      l{i}: *b\n' for i in range(n))

def nested_anchors(n):
    items = ', '.join(str(i) for i in range(20000))
    return 'x: ' + ''.join(f'&n{i} [' for i in range(n)) + items + ']' * n + '\nservices:\n  a:\n    image: x\n'

def uniq_violations(n):
    return 'services:\n' + ''.join(f'  s{i}:\n    image: x\n    bogus: 1\n' for i in range(n))

OUTER = """services:
  dind:
    image: docker:27-dind
    privileged: true
    environment: {DOCKER_TLS_CERTDIR: ""}
    ports: ["127.0.0.1:2375:2375"]
"""

def inner_ranges(n):
    docs = []
    for i in range(n):
        docs.append(f'apiVersion: mcp/v1\nkind: MCPContainer\nmetadata: {{name: m{i}}}\n'
                    f'spec:\n  image: x\n  ports:\n    "127.0.{i // 250}.{i % 250 + 1}:1-65535": "1-65535"\n')
    return {'compose.yml': OUTER, 'mcp-manifests/all.yml': '---\n'.join(docs)}

def profile_unknown(n):
    return 'extends: default\n' + ''.join(f'u{i}: {i}\n' for i in range(n))

# name, generator, base n, command ('check' or 'render'), what the file is
SHAPES = [
    ('nested interpolation, closed', nested_interp, 5000, 'check'),
    ('nested interpolation, unclosed', nested_interp_open, 5000, 'check'),
    ('unknown top-level keys', unknown_keys, 5000, 'check'),
    ('schema violations in services', uniq_violations, 2000, 'check'),
    ('<< merge chain', merge_chain, 250, 'check'),
    ('port ranges on distinct IPs', port_ranges, 100, 'check'),
    ('inner containers publishing ranges', inner_ranges, 75, 'check'),
    ('cap_add items (uniqueItems)', cap_add, 15000, 'check'),
    ('1 KiB scalar aliased n times', alias_bytes, 2000, 'check'),
    ('nested anchors around a list', nested_anchors, 60, 'check'),
    ('profile with unknown keys', profile_unknown, 5000, 'render'),
]

def run(binary, shape, n, workdir, scale):
    gen, cmd = shape[1], shape[3]
    content = gen(n * scale)
    d = tempfile.mkdtemp(dir=workdir)
    files = content if isinstance(content, dict) else {
        ('profile.yaml' if cmd == 'render' else 'compose.yml'): content}
    size = 0
    for name, text in files.items():
        p = os.path.join(d, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'w') as f:
            f.write(text)
        size += len(text.encode())
    if cmd == 'render':
        argv = [binary, 'render', '--profile', os.path.join(d, 'profile.yaml'), '--out', os.path.join(d, 'out')]
    else:
        argv = [binary, 'check', d, '--format', 'json']
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=d)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(d, ignore_errors=True)
    # ru_maxrss of children is the largest child so far; record it per run via a fresh process.
    return wall, after.ru_maxrss, p.returncode, size, p.stderr.decode(errors='replace')[-300:]

def peak_rss(binary, shape, n, workdir, scale):
    # Measure each run's own peak in a child Python so RUSAGE_CHILDREN is fresh.
    code = ('import sys,json; sys.path.insert(0, %r); import complexity as c;' % os.path.dirname(os.path.abspath(__file__)) +
            'r = c.run(%r, c.SHAPES[%d], %d, %r, %d); print(json.dumps(r))' % (binary, SHAPES.index(shape), n, workdir, scale))
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    import json
    return json.loads(out)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', default='target/release/dindctl')
    ap.add_argument('--scale', type=int, default=1)
    ap.add_argument('--max-growth', type=float, default=3.0)
    ap.add_argument('--max-seconds', type=float, default=10.0)
    ap.add_argument('--only', default='')
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    workdir = tempfile.mkdtemp(prefix='dindctl-complexity-')
    bad = []
    print(f'{"shape":38} {"n":>7} {"bytes":>10} {"seconds":>8} {"MiB":>7} {"exit":>4} {"growth":>7}')
    try:
        for shape in SHAPES:
            if a.only and a.only not in shape[0]:
                continue
            prev = None
            for k in (1, 2, 4):
                n = shape[2] * k
                wall, rss_kib, rc, size, err = peak_rss(binary, shape, n, workdir, a.scale)
                growth = f'{wall / prev:.2f}' if prev else ''
                print(f'{shape[0]:38} {n * a.scale:>7} {size:>10} {wall:>8.3f} {rss_kib / 1024:>7.1f} {rc:>4} {growth:>7}', flush=True)
                if rc > 2 or rc < 0:
                    bad.append(f'{shape[0]} n={n}: exit {rc}: {err}')
                if wall > a.max_seconds:
                    bad.append(f'{shape[0]} n={n}: {wall:.1f}s')
                # Growth is judged only where runs are long enough to time reliably.
                if prev and prev > 0.2 and wall / prev > a.max_growth:
                    bad.append(f'{shape[0]} n={n}: {wall / prev:.2f}x per doubling')
                prev = wall
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for b in bad:
        print('FAIL', b)
    sys.exit(1 if bad else 0)

if __name__ == '__main__':
    main()
