"""Memory of one long-lived worker: RSS after the 100th and the last of N distinct articles.

    python benchmarks/worker_rss.py [--n 1000] [--lm on|off] [--max-words 0] [--corpus DIR ...]

One Auditor (as a corpus worker or the service holds it) audits N distinct texts: the clean
corpora's documents, each repeat mutated (a number in every paragraph and the words of one
sentence shuffled), so no text is seen twice and no cache answer is free. Prints RSS (MiB) at
checkpoints, the growth between the 100th and the last article (target: within 10%), and the LM
cache's size against its bound. ``--max-words`` cuts each document (0: whole documents).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def documents(folders: list[Path], max_words: int) -> list[str]:
    docs = []
    for folder in folders:
        for p in sorted(folder.rglob("*.txt")):
            text = p.read_text(encoding="utf-8-sig")
            if max_words:
                text = " ".join(text.split(" ")[:max_words])
            if text.strip():
                docs.append(text)
    return docs


def mutate(text: str, k: int, rng: random.Random) -> str:
    paras = text.split("\n")
    paras = [f"{p} ({k}.{i})" if p.strip() else p for i, p in enumerate(paras)]
    j = rng.randrange(len(paras))
    words = paras[j].split(" ")
    rng.shuffle(words)
    paras[j] = " ".join(words)
    return "\n".join(paras)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--lm", choices=("on", "off"), default="on")
    ap.add_argument("--max-words", type=int, default=0)
    ap.add_argument("--corpus", type=Path, action="append",
                    default=None, help="folders of clean text (default: the shared clean corpora)")
    args = ap.parse_args(argv)
    folders = args.corpus or [SHARED / "clean-news-wmt21", SHARED / "clean-english-wmt23-24"]
    docs = documents(folders, args.max_words)
    if not docs:
        print("no documents found", file=sys.stderr)
        return 2
    from mtaudit.api import Auditor

    auditor = Auditor(lm=args.lm)
    rng = random.Random(0)
    marks = {1, 10, 100, 250, 500, 750, args.n}
    at100 = None
    t0 = time.perf_counter()
    for k in range(1, args.n + 1):
        auditor.audit_text(mutate(docs[(k - 1) % len(docs)], k, rng))
        if k in marks:
            rss = rss_mib()
            at100 = rss if k == 100 else at100
            cache = ""
            if auditor.lm is not None:
                c = auditor.lm.cache
                cache = f", LM cache {c.tokens:,} tokens in {len(c):,} texts (bound {c.max_tokens:,})"
            print(f"article {k:>5}: RSS {rss:7.1f} MiB{cache}  [{time.perf_counter() - t0:.0f} s]", flush=True)
    if at100:
        print(f"growth from the 100th to the {args.n}th article: {100 * (rss_mib() / at100 - 1):+.1f}% (target within 10%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
