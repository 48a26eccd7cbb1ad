"""How audit time grows with the input: the founding sample repeated to 50k ... 1.6M characters.

    python benchmarks/scaling.py [--sizes 50000,100000,...] [--lm on|off|both] [--lm-sizes ...]
                                 [--runs 3] [--article samples/kursk-withdrawal.txt]

Each size is audited ``--runs`` times, by turns, in one process (the auditor, glossaries and model loaded
once beforehand, so start-up is not counted; the model's cache is emptied before each run) and
the median wall time printed, with the ratio to the size before it. Linear time means a ratio of
about 2 for each doubling (acceptance: <= 2.2). Each copy of the sample carries its own number, so
no two paragraphs are the same text. Peak RSS of the process is printed at the end.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = [50_000 * 2**i for i in range(6)]  # 50k ... 1.6M


def build(article: str, size: int) -> str:
    out, n, total = [], 0, 0
    paras = [p for p in article.split("\n\n") if p.strip()]
    while total < size:
        p = paras[n % len(paras)]
        piece = f"{p} ({n // len(paras)})\n\n"
        out.append(piece)
        total += len(piece)
        n += 1
    return "".join(out)[:size]


def measure_once(auditor, text: str) -> float:
    if auditor.lm is not None:
        from mtaudit.lm import SurprisalCache

        auditor.lm.cache = SurprisalCache(auditor.lm.cache.max_tokens)
    t0 = time.perf_counter()
    auditor.audit_text(text, "scaling.txt")
    return time.perf_counter() - t0


def series(label: str, auditor, article: str, sizes: list[int], runs: int) -> list[tuple[int, float]]:
    """Runs by turns (every size once, then every size again...), so a slow spell of a shared
    machine lands on one run of several sizes, and the median drops it, instead of on all
    the runs of one size."""
    print(f"\n{label}: size (chars), median seconds of {runs} runs taken by turns, ratio to the size before")
    texts = {size: build(article, size) for size in sizes}
    times: dict[int, list[float]] = {size: [] for size in sizes}
    for r in range(runs):
        for size in sizes:
            times[size].append(measure_once(auditor, texts[size]))
            print(f"  run {r + 1}: {size:>9,}  {times[size][-1]:8.2f} s", file=sys.stderr, flush=True)
    rows = []
    for size in sizes:
        t = statistics.median(times[size])
        ratio = f"{t / rows[-1][1]:.2f}x" if rows and rows[-1][1] > 0 else "-"
        rows.append((size, t))
        runs_s = ", ".join(f"{x:.2f}" for x in times[size])
        print(f"  {size:>9,}  {t:8.2f} s  {ratio:>6}   (runs: {runs_s})", flush=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--article", type=Path, default=ROOT / "samples" / "kursk-withdrawal.txt")
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    ap.add_argument("--lm-sizes", default=None, help="sizes for the LM series (default: --sizes)")
    ap.add_argument("--lm", choices=("on", "off", "both"), default="both")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    from mtaudit.api import Auditor

    article = args.article.read_text(encoding="utf-8-sig")
    sizes = [int(s) for s in args.sizes.split(",")]
    lm_sizes = [int(s) for s in args.lm_sizes.split(",")] if args.lm_sizes else sizes
    worst = 0.0
    for mode in (("off", "on") if args.lm == "both" else (args.lm,)):
        auditor = Auditor(lm=mode)
        auditor.audit_text(article)  # warm: lazy indexes, the first model call
        rows = series("rules-only" if mode == "off" else "with the LM", auditor, article,
                      sizes if mode == "off" else lm_sizes, args.runs)
        worst = max([worst] + [b[1] / a[1] for a, b in zip(rows, rows[1:]) if a[1] > 0])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nworst ratio per doubling: {worst:.2f}x (target <= 2.2); peak RSS {rss:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
