"""Baseline files: findings already accepted, so the gate fails only on new ones.

An entry is keyed by the file, the code, the flagged text and a little
context (up to three words either side), never by offsets: an accepted
finding stays accepted when text above it moves it down the file.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

SCHEMA = "mtaudit.baseline/1"


class BaselineError(Exception):
    pass


def _key_path(path) -> str:
    return Path(str(path)).as_posix()


def context(text: str, start: int, end: int) -> tuple[str, str]:
    """Up to three words either side, within the finding's own line: text added or
    removed on other lines does not change the key."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    before = " ".join(re.findall(r"\S+", text[max(ls, start - 80):start])[-3:])
    after = " ".join(re.findall(r"\S+", text[end:min(le, end + 80)])[:3])
    return before, after


def entry(report, f) -> dict:
    b, a = context(report.text, f.start, f.end)
    return {"path": _key_path(report.path), "code": f.code, "text": f.text, "before": b, "after": a}


def _k(e: dict) -> tuple:
    return e["path"], e["code"], e["text"], e["before"], e["after"]


#: The code of a baseline entry that accepts an article's garble score (its gate opts out).
GARBLE = "GARBLE"


def garble_entry(report) -> dict:
    return {"path": _key_path(report.path), "code": GARBLE, "text": "", "before": "", "after": ""}


def write(path: Path, reports) -> int:
    entries = [entry(r, f) for r in reports if not r.error for f in r.findings]
    entries += [garble_entry(r) for r in reports if not r.error and r.garble_failed]
    path.write_text(json.dumps({"schema": SCHEMA, "entries": entries}, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    return len(entries)


def load(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such baseline file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise BaselineError(f"{path}: malformed baseline ({e})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("entries"), list):
        raise BaselineError(f"{path}: not an mtaudit baseline (expected schema {SCHEMA!r})")
    for i, e in enumerate(data["entries"]):
        if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("path", "code", "text", "before", "after")):
            raise BaselineError(f"{path}: entry {i + 1} needs path, code, text, before and after")
    return data["entries"]


def apply(entries: list[dict], reports) -> list[dict]:
    """Drop baselined findings from each report (in place); return entries that matched nothing."""
    budget = Counter(_k(e) for e in entries)
    used = Counter()
    garble_ok = {e["path"] for e in entries if e["code"] == GARBLE}
    for r in reports:
        if r.error:
            continue
        if _key_path(r.path) in garble_ok and r.garble is not None:
            r.garble_ignored = True  # accepted: the garble score no longer gates this article
            used[_k(garble_entry(r))] += 1
        kept = []
        for f in r.findings:
            k = _k(entry(r, f))
            if used[k] < budget[k]:
                used[k] += 1
            else:
                kept.append(f)
        r.findings = kept
    audited = {_key_path(r.path) for r in reports}
    stale, seen = [], Counter()
    for e in entries:
        k = _k(e)
        seen[k] += 1
        if e["path"] in audited and seen[k] > used[k] and e["code"] != GARBLE:
            stale.append(e)
    return stale
