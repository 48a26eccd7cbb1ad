"""One run path for ``mtaudit audit``: options filled once, a source of reports, sinks.

``RunOptions`` holds what the command line and the configuration say. :func:`run` expands the
inputs, refuses outputs that are inputs, picks the source of reports (this process, a process
pool or a Ray cluster: the same ``Report`` objects either way) and sends each report through the
same sinks: a JSONL stream, the summary, a progress bar, and at the end the collected reports
for a baseline, the renderers and the exit code. The CLI only parses and prints.
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import baseline as bl
from . import defaults
from .corpus import Summary, audit_many, pending, read_done, truncate_partial_line
from .runner import RunError, Runner, Settings, check_not_input, expand_paths, fail_rank, gate

FORMATS = defaults.REPORT_FORMATS


@dataclass
class RunOptions:
    """Everything one ``audit`` run needs; None means 'as configured, else the default'."""

    paths: list[str]
    settings: Settings = field(default_factory=Settings)
    format: str = "text"
    fail_on: str | None = None
    fail_on_garble: str | float | None = None
    output: Path | None = None
    baseline: Path | None = None
    write_baseline: Path | None = None
    resume: Path | None = None
    jobs: int = 1
    threads: int | None = None
    ray: str | None = None

    def check(self) -> None:
        """Combinations that cannot run, as one-line RunErrors (before anything is read)."""
        if self.resume is not None:
            if self.output is not None and self.output.resolve() != self.resume.resolve():
                raise RunError("--resume FILE appends to FILE; leave out --output or give the same file")
            if self.format not in ("jsonl", "text"):  # text is the default: --resume implies jsonl
                raise RunError("--resume works with --format jsonl")
            self.format, self.output = "jsonl", self.resume
        if self.jobs < 1:
            raise RunError("--jobs must be at least 1")
        if self.format not in FORMATS:
            raise RunError(f"unknown format {self.format!r}")

    @property
    def streams(self) -> bool:
        """JSONL goes out line by line as reports arrive, unless a baseline must see them all."""
        return self.format == "jsonl" and self.write_baseline is None and self.baseline is None


class Progress:
    """A rich progress bar on stderr when stderr is a terminal; silent otherwise."""

    def __init__(self, total: int):
        self.total, self.bar, self.t0 = total, None, time.perf_counter()

    def __enter__(self):
        if self.total > 1 and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("auditing"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[rate]} articles/s"), TimeRemainingColumn(),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("audit", total=self.total, rate="-")
        return self

    def advance(self) -> None:
        if self.bar is not None:
            done = self.bar.tasks[0].completed + 1
            rate = done / max(1e-9, time.perf_counter() - self.t0)
            self.bar.update(self.task, advance=1, rate=f"{rate:.2f}")

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def warn(msg: str) -> None:
    print(f"mtaudit: warning: {msg}", file=sys.stderr)


def _source(opts: RunOptions, runner: Runner, files: list[str]) -> Iterator:
    """Reports as they finish, from this process, a process pool or Ray."""
    if opts.ray is not None:
        from .distributed import iter_reports_on_ray

        return iter_reports_on_ray(files, address=None if opts.ray == "local" else opts.ray,
                                   workers=opts.jobs, settings=runner.settings)
    if opts.jobs == 1:
        return (runner.audit(p) for p in files)
    if files and files[0] != "-":
        runner.config(files[0])  # a malformed config stops the run before workers start
    return audit_many(runner.settings, files, jobs=opts.jobs, threads=opts.threads)


def _open_stream(opts: RunOptions):
    if opts.resume is not None:
        truncate_partial_line(opts.resume)
        return open(opts.resume, "a", encoding="utf-8")
    if opts.output is not None:
        return open(opts.output, "w", encoding="utf-8")
    return sys.stdout


def _collect(opts: RunOptions, runner: Runner, files: list[str], summary: Summary) -> list:
    out_fh = _open_stream(opts) if opts.streams else None
    reports = []
    try:
        with Progress(len(files)) as progress:
            for r in _source(opts, runner, files):
                if r.error is None:
                    r.gate = _verdict(opts, runner, r)
                summary.add(r)
                if out_fh is not None:
                    out_fh.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
                    out_fh.flush()
                reports.append(r)
                progress.advance()
    finally:
        if out_fh not in (None, sys.stdout):
            out_fh.close()
    order = {p: i for i, p in enumerate(files)}
    reports.sort(key=lambda r: order.get(r.path, 0))
    return reports


def _render(opts: RunOptions, reports: list, rank: int) -> None:
    from .reporters import render

    def emit(out, color):
        if opts.format == "junit":
            from .reporters.ci import render_junit

            render_junit(reports, out, rank)
        else:
            render(opts.format, reports, out, color=color)

    if opts.output is None:
        emit(sys.stdout, None if opts.format == "text" else False)
        return
    try:
        with open(opts.output, "w", encoding="utf-8") as out:
            emit(out, False)
    except OSError as e:
        raise RunError(f"cannot write {opts.output}: {e.strerror}") from None


def _verdict(opts: RunOptions, runner: Runner, r) -> str:
    """The gate's verdict on one report under the run's --fail-on and --fail-on-garble."""
    return gate(r, fail_rank(runner.fail_on(r.path, opts.fail_on)), runner.garble_threshold(r.path, opts.fail_on_garble))


def _apply_baseline(opts: RunOptions, runner: Runner, reports: list) -> None:
    """Drop the findings the baseline accepts, warn of its stale entries, and take each verdict
    again on what is left (nothing was streamed: a baseline turns streaming off)."""
    try:
        stale = bl.apply(bl.load(opts.baseline), reports)
    except bl.BaselineError as e:
        raise RunError(str(e)) from None
    for e in stale:
        warn(f"baseline entry no longer matches: {e['path']}: {e['code']} {e['text']!r}")
    for r in reports:
        if r.error is None:
            r.gate = _verdict(opts, runner, r)


def run(opts: RunOptions) -> int:
    """Audit ``opts.paths``; print or write the report; return the exit code (0, 1 or 2).
    Raises RunError for a usage or configuration error (exit code 2)."""
    opts.check()
    files = expand_paths(opts.paths)
    if not files:
        raise RunError("no input files (folders are searched for .txt, .md and .html)")
    check_not_input(None if opts.resume else opts.output, files, "--output")
    check_not_input(opts.write_baseline, files, "--write-baseline")
    check_not_input(opts.resume, files, "--resume")
    opts.settings.threads = opts.threads
    runner = Runner(opts.settings, warn=warn)
    summary, skipped = Summary(), 0
    if opts.resume is not None:
        done = read_done(opts.resume)
        files, skipped = pending(files, done)
        for line in done.values():
            summary.add_line(json.loads(line))
    try:
        reports = _collect(opts, runner, files, summary)
        fail = {r.path: fail_rank(runner.fail_on(r.path, opts.fail_on)) for r in reports}
    except OSError as e:
        raise RunError(f"cannot write {e.filename}: {e.strerror}") from None
    if len(files) + skipped > 1 or opts.resume is not None:
        print(summary.render(skipped), file=sys.stderr)
    if opts.write_baseline is not None:
        n = bl.write(opts.write_baseline, reports)
        print(f"mtaudit: wrote {n} findings to baseline {opts.write_baseline}", file=sys.stderr)
        return 2 if any(r.error for r in reports) else 0
    if opts.baseline is not None:
        _apply_baseline(opts, runner, reports)
    for r in reports:
        for u in r.unused_suppressions:
            warn(f"{r.path}:{u['line']}: unused suppression {u['directive']}")
    if not opts.streams:
        _render(opts, reports, min(fail.values()) if fail else 99)
    for r in reports:
        if r.error:
            print(f"mtaudit: error: {r.error}", file=sys.stderr)
    if any(r.error for r in reports) or summary.failures:
        return 2
    return 1 if any(r.gate == "fail" for r in reports) else 0
