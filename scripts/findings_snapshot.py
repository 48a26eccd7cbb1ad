"""Snapshot every finding mtaudit reports on a fixed set of texts, and diff two snapshots.

    python scripts/findings_snapshot.py write OUT.jsonl [--lm on|off] [--mqm-limit N]
    python scripts/findings_snapshot.py diff OLD.jsonl NEW.jsonl [--ignore-field rule ...]

The texts: every file in ``samples/`` (and ``../shared/samples/``), every article of
``../shared/corpora/clean-news-wmt21/`` and ``clean-english-wmt23-24/``, and each distinct MQM
segment of ``../shared/corpora/mqm-zhen-wmt23.jsonl`` (``MTAUDIT_SHARED`` names
another shared folder). One line per text: its name and, per
finding, code, span, severity and suggestions (the fields a refactor must not change).

A behaviour-preserving change is checked by writing a snapshot on the old commit and one on the
new, then ``diff``: it prints each text whose findings differ and exits 1 when any does.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MTAUDIT_SHARED", ROOT.parent / "shared"))
FIELDS = ("code", "start", "end", "severity", "suggestions")


def texts(mqm_limit: int | None):
    """(name, text, input format) for every text in the snapshot, in a stable order."""
    from mtaudit.document import read_text

    for label, folder in (("samples", ROOT / "samples"), ("shared-samples", SHARED / "samples")):
        for p in sorted(folder.glob("*.txt")) if folder.is_dir() else ():
            if p.name.endswith(".ref.txt"):
                continue
            yield f"{label}/{p.name}", read_text(p), None
    for corpus in ("clean-news-wmt21", "clean-english-wmt23-24"):
        base = SHARED / "corpora" / corpus
        for p in sorted(base.rglob("*.txt")) if base.is_dir() else ():
            yield f"{corpus}/{p.relative_to(base)}", read_text(p), None
    mqm = SHARED / "corpora" / "mqm-zhen-wmt23.jsonl"
    if mqm.is_file():
        seen = set()
        with open(mqm, encoding="utf-8") as fh:
            for line in fh:
                o = json.loads(line)
                key = (o["doc"], o["target"])
                if key in seen or not o["target"].strip():
                    continue
                seen.add(key)
                if mqm_limit is not None and len(seen) > mqm_limit:
                    break
                yield f"mqm/{o['doc']}/{o['seg_id']}/{o['system']}", o["target"], "txt"


def write(out: Path, lm: str, mqm_limit: int | None) -> None:
    from mtaudit.api import Auditor

    auditor = Auditor(lm=lm)
    t0, n = time.perf_counter(), 0
    with open(out, "w", encoding="utf-8") as fh:
        for name, text, fmt in texts(mqm_limit):
            report = auditor.audit_text(text, name if fmt is None else None, fmt)
            rows = [{k: f.to_dict()[k] for k in FIELDS} | ({"rule": f.to_dict()["rule"]} if "rule" in f.to_dict() else {})
                    for f in report.findings]
            fh.write(json.dumps({"name": name, "findings": rows}, ensure_ascii=False) + "\n")
            n += 1
            if n % 200 == 0:
                print(f"{n} texts, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print(f"wrote {n} texts to {out} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def diff(old: Path, new: Path, ignore: list[str], common: bool = False) -> int:
    def load(p):
        out = {}
        for line in open(p, encoding="utf-8"):
            o = json.loads(line)
            out[o["name"]] = [{k: v for k, v in f.items() if k not in ignore} for f in o["findings"]]
        return out

    a, b = load(old), load(new)
    if common:  # compare only the texts both snapshots hold (a partial run against a full one)
        a = {k: v for k, v in a.items() if k in b}
        b = {k: v for k, v in b.items() if k in a}
    changed = 0
    for name in sorted(set(a) | set(b)):
        if a.get(name) != b.get(name):
            changed += 1
            print(f"--- {name}")
            fa = {json.dumps(f, sort_keys=True, ensure_ascii=False) for f in a.get(name, [])}
            fb = {json.dumps(f, sort_keys=True, ensure_ascii=False) for f in b.get(name, [])}
            for f in sorted(fa - fb):
                print(f"  - {f}")
            for f in sorted(fb - fa):
                print(f"  + {f}")
    total = sum(len(v) for v in a.values())
    print(f"{len(a)} texts, {total} findings before; {changed} texts differ", file=sys.stderr)
    return 1 if changed else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("--lm", default="off", choices=("on", "off"))
    w.add_argument("--mqm-limit", type=int, default=None)
    d = sub.add_parser("diff")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    d.add_argument("--ignore-field", action="append", default=["rule"])
    d.add_argument("--common", action="store_true", help="compare only the texts both snapshots hold")
    args = ap.parse_args(argv)
    if args.cmd == "write":
        write(args.out, args.lm, args.mqm_limit)
        return 0
    return diff(args.old, args.new, args.ignore_field, args.common)


if __name__ == "__main__":
    sys.exit(main())
