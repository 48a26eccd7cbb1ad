"""Corpus throughput: articles/s and per-article latency for workers x torch threads, LM on and off.

    python benchmarks/corpus_throughput.py [FOLDER] [--no-ray] [--lm on|off|both]

Runs `mtaudit audit FOLDER --format jsonl --jobs N --threads T` in a fresh
process for each setting (model cache already converted), checks that every
setting yields the same findings and scores, and prints a table. The
default setting (threads = cores / jobs) is marked.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "corpora" / "clean-news-wmt21"


def key(o):
    return (os.path.basename(o["path"]), round(o["score"]["mqm"], 6) if o.get("score") else None,
            tuple((f["code"], f["start"], f["end"], tuple(f["suggestions"])) for f in o["findings"]))


def run_cli(folder, jobs, threads, lm, timeout=None):
    cmd = [sys.executable, "-m", "mtaudit.cli", "audit", str(folder), "--format", "jsonl", "--jobs", str(jobs),
           "--lm", lm, "--fail-on", "never"]
    if threads:
        cmd += ["--threads", str(threads)]
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t, None  # stopped: far slower than the best setting
    wall = time.perf_counter() - t
    if p.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return wall, [json.loads(x) for x in p.stdout.splitlines()]


def run_ray(folder, workers, lm):
    import ray

    from mtaudit.distributed import audit_on_ray
    from mtaudit.runner import Settings

    ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    try:
        t = time.perf_counter()
        objs = audit_on_ray([folder], None, workers=workers, settings=Settings(lm=lm))
        return time.perf_counter() - t, objs
    finally:
        ray.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default=str(DEFAULT))
    ap.add_argument("--lm", choices=["on", "off", "both"], default="both")
    ap.add_argument("--no-ray", action="store_true")
    a = ap.parse_args()
    cores = os.cpu_count() or 1
    from mtaudit.lm import converted_dir

    if a.lm != "off":
        converted_dir()
    rows, keys = [], {}
    for lm in (["on", "off"] if a.lm == "both" else [a.lm]):
        grid = [(1, 1), (1, 2), (2, 1), (2, 2)] if lm == "on" else [(1, None), (2, None)]
        best_wall = None
        for jobs, threads in grid:
            limit = 4 * best_wall if best_wall else None
            wall, objs = run_cli(a.folder, jobs, threads, lm, timeout=limit)
            default = threads in (None, max(1, cores // jobs))
            name = f"local jobs={jobs} threads={threads or '-'}" + (" (default)" if default else "")
            if objs is None:
                rows.append((name + f" [stopped at {wall:.0f} s: >4x the best]", lm, 0, wall))
                continue
            best_wall = min(best_wall or wall, wall)
            rows.append((name, lm, len(objs), wall))
            print(f"  measured {name} lm={lm}: {len(objs)} articles in {wall:.1f} s", file=sys.stderr, flush=True)
            keys.setdefault(lm, []).append(sorted(map(key, objs)))
        if not a.no_ray:
            try:
                import ray  # noqa: F401
            except ImportError:
                rows.append(("ray local (skipped: ray not installed)", lm, 0, float("nan")))
            else:
                wall, objs = run_ray(a.folder, 2, lm)
                rows.append(("ray local, 2 actors", lm, len(objs), wall))
                keys[lm].append(sorted(map(key, objs)))
    print(f"corpus: {a.folder}; {cores} cores; wall includes process start and model load")
    print(f"{'setting':36}{'lm':>4}{'articles':>10}{'wall s':>9}{'articles/s':>12}{'s/article':>11}")
    best = {}
    for name, lm, n, wall in rows:
        if n:
            best[lm] = max(best.get(lm, 0), n / wall)
    for name, lm, n, wall in rows:
        rate = n / wall if n else float("nan")
        print(f"{name:36}{lm:>4}{n:>10}{wall:>9.1f}{rate:>12.2f}{(wall / n if n else float('nan')):>11.3f}"
              + (f"  {rate / best[lm]:.0%} of best" if n else ""))
    for lm, ks in keys.items():
        same = all(k == ks[0] for k in ks)
        print(f"lm {lm}: findings and scores identical across settings: {same}")


if __name__ == "__main__":
    main()
