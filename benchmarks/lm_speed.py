"""Language-model speed: mtaudit's cold audit against a floor script, in one run.

    python benchmarks/lm_speed.py [ARTICLE] [--runs 2] [--against OLD_CHECKOUT]

Prints, for the sample article: tokens/s of the scorer, the article's scoring
wall time, the cold-start time (new process, converted model cache already
present), peak memory; and the same for the floor script (import
transformers, load the cached weights, one forward pass over the whole
article), with the ratio cold-audit / floor (acceptance: <= 1.2, target 0.6).
Each cold figure is the faster of --runs consecutive runs.

``--against DIR`` (a checkout of an older commit, e.g. from ``git worktree add``) times the
cold audit of this code and of DIR's by turns, --runs each (default 5), and prints both
medians and their ratio: a slow spell of a shared machine lands on both.
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

# Runs a snippet and reports its own wall time and peak RSS (MiB) as JSON on stderr's last line.
WRAP = r"""
import resource, sys, time, json
t0 = time.perf_counter()
{body}
print(json.dumps({{"wall": time.perf_counter() - t0,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}), file=sys.stderr)
"""

FLOOR = r"""
import os
os.environ["HF_HUB_OFFLINE"] = "1"
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from mtaudit.lm import converted_dir
d = converted_dir()
tok = AutoTokenizer.from_pretrained(d)
model = AutoModelForCausalLM.from_pretrained(d).eval()
text = open(sys.argv[1], encoding="utf-8-sig").read()
ids = tok(text, return_tensors="pt").input_ids
with torch.inference_mode():
    model(ids)
"""

AUDIT = r"""
from mtaudit.cli import main
sys.argv = ["mtaudit", "audit", sys.argv[1], "--format", "json", "--fail-on", "never", "--output", os.devnull]
import os
rc = main(sys.argv[1:])
assert rc in (0, 1), rc  # 1: the article fails the gate (the founding sample fails the garble gate)
"""


def run(body: str, article: str, src: Path | None = None) -> dict:
    """One child process; ``src``: import mtaudit from this source folder instead."""
    code = WRAP.format(body=body.replace("import os\nrc", "rc").replace("os.devnull", "'/dev/null'"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code, article], capture_output=True, text=True, env=env)
    outer = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"benchmark child failed:\n{p.stderr[-2000:]}")
    res = json.loads(p.stderr.strip().splitlines()[-1])
    res["process_wall"] = outer
    return res


def by_turns(article: str, old: Path, runs: int) -> None:
    """This code's cold audit and ``old``'s, alternately, ``runs`` each after one warm-up each."""
    from statistics import median

    src = old / "src"
    if not (src / "mtaudit").is_dir():
        sys.exit(f"--against: {old} has no src/mtaudit")
    run(AUDIT, article), run(AUDIT, article, src)  # warm-up: file cache, model conversion
    now, then = [], []
    for _ in range(runs):
        now.append(run(AUDIT, article)["process_wall"])
        then.append(run(AUDIT, article, src)["process_wall"])
    print(f"cold audit of {article}, {runs} runs each, by turns")
    print(f"  this code: {' '.join(f'{x:.2f}' for x in now)}  median {median(now):.2f} s")
    print(f"  {old}: {' '.join(f'{x:.2f}' for x in then)}  median {median(then):.2f} s")
    print(f"  ratio this / old: {median(now) / median(then):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("article", nargs="?", default=str(ROOT / "samples" / "kursk-withdrawal.txt"))
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--against", type=Path, default=None, metavar="OLD_CHECKOUT",
                    help="time this code's cold audit against an older checkout's, by turns")
    a = ap.parse_args()
    if a.against is not None:
        by_turns(a.article, a.against, a.runs or 5)
        return
    a.runs = a.runs or 2

    from mtaudit.document import Document, read_text
    from mtaudit.lm import SurprisalCache, converted_dir, load

    converted_dir()  # make sure the cache exists before timing cold starts
    text = read_text(a.article)
    doc = Document(text)
    sents = [text[s:e] for s, e in doc.sentences]

    t = time.perf_counter()
    model = load()
    load_s = time.perf_counter() - t
    model.cache = SurprisalCache(model.cache.max_tokens)  # score the article afresh
    t = time.perf_counter()
    toks = model.surprisal(sents)
    score_s = time.perf_counter() - t
    n_tok = sum(map(len, toks))

    audits = [run(AUDIT, a.article) for _ in range(a.runs)]
    floors = [run(FLOOR, a.article) for _ in range(a.runs)]
    best_a = min(audits, key=lambda r: r["process_wall"])
    best_f = min(floors, key=lambda r: r["process_wall"])

    print(f"article: {a.article} ({doc.words} words, {len(sents)} sentences, {n_tok} tokens)")
    print(f"torch threads: {__import__('torch').get_num_threads()}, model: {model.name}")
    print(f"{'':28}{'mtaudit audit':>16}{'floor script':>16}")
    print(f"{'cold wall, best of ' + str(a.runs) + ' (s)':28}{best_a['process_wall']:16.2f}{best_f['process_wall']:16.2f}")
    print(f"{'peak memory (MiB)':28}{best_a['rss_mib']:16.0f}{best_f['rss_mib']:16.0f}")
    print(f"scorer (warm, in process): {n_tok / score_s:.0f} tokens/s, article {score_s:.2f} s, model load {load_s:.2f} s")
    print(f"ratio cold audit / floor: {best_a['process_wall'] / best_f['process_wall']:.2f} (acceptance <= 1.2, target 0.6)")


if __name__ == "__main__":
    main()
