"""Corpus mode: many articles per call, worker processes, streaming, resume, summary."""
from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from .document import content_hash
from .runner import Runner, Settings

_WORKER: Runner | None = None




def default_threads(jobs: int) -> int:
    from .lm import default_threads as dt

    return dt(jobs)


def _init_worker(settings: Settings, threads: int) -> None:
    global _WORKER
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass
    settings.threads = threads
    _WORKER = Runner(settings)


def _audit_one(path: str):
    from .runner import RunError

    try:
        return _WORKER.audit(path)
    except RunError as e:  # a config or glossary error: the same for every file, reported per file
        from .api import Report

        return Report(path=path, text=None, error=str(e))


def audit_many(settings: Settings, files: list[str], jobs: int = 1, threads: int | None = None) -> Iterator:
    """Yield one Report per file as each finishes. ``jobs`` > 1 uses worker processes, each loading
    glossaries and the model once, with ``threads`` torch threads each (default: cores / jobs)."""
    threads = threads or default_threads(jobs)
    if jobs <= 1:
        settings.threads = threads
        runner = Runner(settings)
        for p in files:
            yield runner.audit(p)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = mp.get_context("spawn")  # never fork a process that may hold torch threads
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(settings, threads)) as ex:
        futs = [ex.submit(_audit_one, p) for p in files]
        for fut in as_completed(futs):
            yield fut.result()


def read_done(path: Path) -> dict[tuple[str, str], str]:
    """(path, sha256) -> the JSONL line, for every complete line of an earlier run."""
    done = {}
    if not path.exists():
        return done
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.endswith("\n"):
                break  # a line cut off by an interrupted run: audit that file again
            try:
                d = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(d, dict) and d.get("sha256") and d.get("error") is None:
                done[(d.get("path"), d["sha256"])] = line
    return done


def truncate_partial_line(path: Path) -> None:
    """Drop a trailing partial line (left by a killed run) so appended lines stay well-formed."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with open(path, "r+b") as fh:
            fh.truncate(cut)


def pending(files: Iterable[str], done: dict) -> tuple[list[str], int]:
    """Files whose (path, content hash) is not already in ``done``."""
    from .document import InputError, read_text

    todo, skipped = [], 0
    for p in files:
        try:
            h = content_hash(read_text(p)) if p != "-" else None
        except InputError:
            h = None
        if h is not None and (p, h) in done:
            skipped += 1
        else:
            todo.append(p)
    return todo, skipped


class Summary:
    def __init__(self):
        self.articles = 0
        self.failures: list[str] = []
        self.by_category = Counter()
        self.scores: list[float] = []
        self.findings = 0

    def add(self, report) -> None:
        self.articles += 1
        if report.error:
            self.failures.append(report.error)
            return
        self.findings += len(report.findings)
        self.by_category.update(f.category.value for f in report.findings)
        if report.score:
            self.scores.append(report.score.mqm)

    def add_line(self, d: dict) -> None:
        self.articles += 1
        if d.get("error"):
            self.failures.append(d["error"])
            return
        self.findings += len(d.get("findings", []))
        self.by_category.update(f["category"] for f in d.get("findings", []))
        if d.get("score"):
            self.scores.append(d["score"]["mqm"])

    def render(self, skipped: int = 0) -> str:
        mean = sum(self.scores) / len(self.scores) if self.scores else float("nan")
        cats = ", ".join(f"{k} {v}" for k, v in self.by_category.most_common()) or "none"
        lines = [f"mtaudit: {self.articles} articles ({skipped} already done), {self.findings} findings, "
                 f"mean MQM score {mean:.2f}, {len(self.failures)} failures",
                 f"mtaudit: findings by category: {cats}"]
        lines += [f"mtaudit: failed: {e}" for e in self.failures[:20]]
        return "\n".join(lines)
