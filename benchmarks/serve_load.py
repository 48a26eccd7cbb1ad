"""A bounded load test of `mtaudit serve` on 127.0.0.1 only: latency and throughput of /v1/audit.

    python benchmarks/serve_load.py [--lm on|off] [--workers 1] [--concurrency 1,4,16]
                                    [--requests 40] [--max-seconds 300] [--article samples/kursk-withdrawal.txt]

Starts the service on a free loopback port, waits for /readyz, then for each concurrency sends
``--requests`` audits of distinct copies of the article (every sentence carries the request's
number, so no cached sentence helps) from that many client threads, stopping early after
``--max-seconds``. Prints per concurrency: answers by status, articles per second, p50/p95/p99
latency; and the service's RSS (all its processes) before and after. Targets on a 2-core machine
(issue 17): warm LM p50 <= 1.5 s at concurrency 1, rules-only p50 <= 0.15 s, at concurrency 16
at least 90% 2xx and the rest 503 only, at a throughput within 20% of concurrency 4.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mutate(article: str, n: int) -> str:
    """Every sentence of the article made unique to request ``n``."""
    return re.sub(r"([.!?])(\s)", lambda m: f" (r{n}){m.group(1)}{m.group(2)}", article)


def post(url: str, text: str, timeout: float) -> tuple[int, float]:
    req = urllib.request.Request(url, data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            code = r.status
    except urllib.error.HTTPError as e:
        code = e.code
    except OSError:
        code = 0  # connection error
    return code, time.perf_counter() - t0


def rss_mib(pid: int) -> float:
    """RSS of ``pid`` and its children (MiB), from /proc."""
    pids = [pid] + [int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit() and _ppid(d) == pid]
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _ppid(d: Path) -> int:
    try:
        return int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def run_level(url: str, article: str, conc: int, n: int, max_s: float, offset: int) -> dict:
    results, lock, next_i = [], threading.Lock(), [0]
    stop_at = time.time() + max_s

    def worker():
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= n or time.time() > stop_at:
                return
            code, dt = post(url, mutate(article, offset + i), timeout=120)
            with lock:
                results.append((code, dt))
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ok = sorted(dt for c, dt in results if 200 <= c < 300)
    q = statistics.quantiles(ok, n=100) if len(ok) >= 2 else [ok[0]] * 99 if ok else [float("nan")] * 99
    return {"concurrency": conc, "requests": len(results), "status": dict(Counter(c for c, _ in results)),
            "articles_per_s": round(len(ok) / wall, 3), "p50": round(q[49], 3), "p95": round(q[94], 3),
            "p99": round(q[98], 3)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lm", choices=("on", "off"), default="off")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--article", type=Path, default=ROOT / "samples" / "kursk-withdrawal.txt")
    args = ap.parse_args(argv)
    article = args.article.read_text(encoding="utf-8-sig")
    port = free_port()
    cmd = [sys.executable, "-m", "mtaudit.cli", "serve", "--port", str(port), "--workers", str(args.workers)]
    if args.lm == "off":
        cmd.append("--no-lm")
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("the service did not become ready")
        # every worker warm: a few requests so each has scored once
        for i in range(2 * args.workers):
            post(base + "/v1/audit", mutate(article, 10**6 + i), timeout=300)
        print(f"lm={args.lm} workers={args.workers}: RSS after warm-up {rss_mib(proc.pid):,.0f} MiB", flush=True)
        offset = 0
        for conc in [int(c) for c in args.concurrency.split(",")]:
            row = run_level(base + "/v1/audit", article, conc, args.requests, args.max_seconds, offset)
            offset += args.requests
            row["rss_mib"] = round(rss_mib(proc.pid))
            print(json.dumps(row), flush=True)
        print(f"RSS at the end {rss_mib(proc.pid):,.0f} MiB", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
