"""The `mtaudit` command line: a thin layer over :mod:`mtaudit.api`."""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__, defaults

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None, help="Audit machine-translated English before it is published.")


class Format(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    sarif = "sarif"
    github = "github"
    junit = "junit"
    html = "html"


class InputFormat(str, Enum):
    auto = "auto"
    txt = "txt"
    md = "md"
    html = "html"


class FailOn(str, Enum):
    minor = "minor"
    major = "major"
    critical = "critical"
    never = "never"


class LMMode(str, Enum):
    on = "on"
    off = "off"
    auto = "auto"


class UsageError(Exception):
    """A one-line error for the user; exit code 2."""


def _fail_rank(fail_on: str) -> int:
    from .runner import fail_rank

    return fail_rank(fail_on)


def _make_auditor(lm: str, glossary: list[Path]):
    from .api import Auditor
    from .glossary import GlossaryError
    from .lm import LMUnavailable

    try:
        auditor = Auditor(lm=lm, glossaries=[str(g) for g in glossary])
    except GlossaryError as e:
        raise UsageError(f"glossary error: {e}") from None
    except LMUnavailable as e:
        raise UsageError(str(e)) from None
    if auditor.lm_warning:
        print(f"mtaudit: warning: {auditor.lm_warning}", file=sys.stderr)
    return auditor


class _progress:
    """A rich progress bar on stderr when stderr is a terminal; silent otherwise."""

    def __init__(self, total: int):
        self.total = total
        self.bar = None

    def __enter__(self):
        if self.total > 1 and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn)

            self.bar = Progress(TextColumn("auditing"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[rate]} articles/s"), TimeRemainingColumn(),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("audit", total=self.total, rate="-")
            import time

            self.t0 = time.perf_counter()
        return self.advance

    def advance(self, _name=None):
        if self.bar is not None:
            import time

            done = self.bar.tasks[0].completed + 1
            rate = done / max(1e-9, time.perf_counter() - self.t0)
            self.bar.update(self.task, advance=1, rate=f"{rate:.2f}")

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def _codes(value: Optional[str]) -> tuple[str, ...]:
    return tuple(c.strip().upper() for c in (value or "").split(",") if c.strip())


def _runner(lm, no_lm, glossary, config, select, ignore, input_format):
    from .runner import Runner, Settings

    if config is not None and not config.is_file():
        raise UsageError(f"--config {config}: no such file")
    return Runner(Settings(lm="off" if no_lm else (lm.value if lm else None), glossaries=list(glossary),
                           config=config, select=_codes(select), ignore=_codes(ignore),
                           input_format=None if input_format == InputFormat.auto else input_format.value))


def _check_paths(paths, **targets):
    """The input files; every option that writes (``output=``, ``write_baseline=``...) is refused
    when it names one of them, by identity (device and inode), not by path."""
    from .runner import RunError, check_not_input, expand_paths

    files = expand_paths(paths)
    if not files:
        raise UsageError("no input files (folders are searched for .txt, .md and .html)")
    try:
        for option, target in targets.items():
            check_not_input(target, files, "--" + option.replace("_", "-"))
    except RunError as e:
        raise UsageError(str(e)) from None
    return files


LM_OPT = typer.Option(None, "--lm", help="Language model: on, off, or auto (fall back to rules). Default: config, else on.")
NO_LM_OPT = typer.Option(False, "--no-lm", help="Rules only (same as --lm off).")
GLOSSARY_OPT = typer.Option([], "--glossary", "-g", help="Extra glossary file (TSV or YAML); repeatable.")
CONFIG_OPT = typer.Option(None, "--config", help="Config file (default: mtaudit.toml or [tool.mtaudit] in pyproject.toml, found upwards from each file).")
SELECT_OPT = typer.Option(None, "--select", help="Comma-separated code prefixes to report (overrides config).")
IGNORE_OPT = typer.Option(None, "--ignore", help="Comma-separated code prefixes to drop.")
INPUT_OPT = typer.Option(InputFormat.auto, "--input-format", help="Input format (default: by extension).")
FAIL_OPT = typer.Option(None, "--fail-on", help="Exit 1 when a finding is at least this severe (default: config, else minor).")


@app.command()
def audit(
    paths: List[str] = typer.Argument(..., help="Articles (.txt, .md, .html), folders, globs, or - for stdin.",
                                      show_default=False),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Report format."),
    lm: Optional[LMMode] = LM_OPT,
    no_lm: bool = NO_LM_OPT,
    glossary: List[Path] = GLOSSARY_OPT,
    config: Optional[Path] = CONFIG_OPT,
    select: Optional[str] = SELECT_OPT,
    ignore: Optional[str] = IGNORE_OPT,
    input_format: InputFormat = INPUT_OPT,
    fail_on: Optional[FailOn] = FAIL_OPT,
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Ignore findings recorded in this baseline file."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes (each loads the model once)."),
    threads: Optional[int] = typer.Option(None, "--threads", help="Torch threads per worker (default: cores / jobs)."),
    ray: Optional[str] = typer.Option(None, "--ray", help="Run on a Ray cluster at this address ('auto', 'local', or host:port); JSONL output."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Append JSONL results to FILE, skipping articles already in it (same path and content)."),
    write_baseline: Optional[Path] = typer.Option(None, "--write-baseline", help="Record every current finding in this baseline file and exit 0."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout."),
):
    """Audit articles and report garbled spans, with fixes and a score.

    Exit codes: 0 no finding at or above --fail-on, 1 otherwise, 2 usage or input error.
    """
    from . import baseline as bl
    from .corpus import Summary, audit_many, pending, read_done, truncate_partial_line
    from .reporters import render
    from .runner import RunError

    if resume is not None:
        if output is not None and output.resolve() != resume.resolve():
            raise UsageError("--resume FILE appends to FILE; leave out --output or give the same file")
        if format not in (Format.jsonl, Format.text):  # text is the default: --resume implies jsonl
            raise UsageError("--resume works with --format jsonl")
        format, output = Format.jsonl, resume
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if ray is not None:
        return _audit_on_ray(paths, ray, jobs, output, lm, no_lm, glossary, config, select, ignore, input_format,
                             fail_on)
    files = _check_paths(paths, output=None if resume else output, write_baseline=write_baseline, resume=resume)
    runner = _runner(lm, no_lm, glossary, config, select, ignore, input_format)
    runner.settings.threads = threads
    skipped, done = 0, {}
    if resume is not None:
        done = read_done(resume)
        files, skipped = pending(files, done)
    summary = Summary()
    for line in done.values():
        summary.add_line(json.loads(line))
    stream = format == Format.jsonl and write_baseline is None and baseline is None
    reports = []
    try:
        # check the configuration (and load the model) up front: a bad config stops the run at once
        if jobs == 1:
            results = (runner.audit(p) for p in files)
        else:
            if files and files[0] != "-":
                runner.config(files[0])  # a malformed config stops the run before workers start
            results = audit_many(runner.settings, files, jobs=jobs, threads=threads)
        out_fh = None
        if stream:
            if resume is not None:
                truncate_partial_line(resume)
                out_fh = open(resume, "a", encoding="utf-8")
            elif output is not None:
                out_fh = open(output, "w", encoding="utf-8")
            else:
                out_fh = sys.stdout
        with _progress(len(files)) as advance:
            for r in results:
                summary.add(r)
                if stream:
                    out_fh.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
                    out_fh.flush()
                reports.append(r)
                advance(r.path)
        if out_fh not in (None, sys.stdout):
            out_fh.close()
        order = {p: i for i, p in enumerate(files)}
        reports.sort(key=lambda r: order.get(r.path, 0))
        fail = {r.path: _fail_rank(runner.fail_on(r.path, fail_on.value if fail_on else None)) for r in reports}
    except RunError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot write {e.filename}: {e.strerror}") from None
    if len(files) + skipped > 1 or resume is not None:
        print(summary.render(skipped), file=sys.stderr)
    if write_baseline is not None:
        n = bl.write(write_baseline, reports)
        print(f"mtaudit: wrote {n} findings to baseline {write_baseline}", file=sys.stderr)
        raise typer.Exit(2 if any(r.error for r in reports) else 0)
    if baseline is not None:
        try:
            stale = bl.apply(bl.load(baseline), reports)
        except bl.BaselineError as e:
            raise UsageError(str(e)) from None
        for e in stale:
            print(f"mtaudit: warning: baseline entry no longer matches: {e['path']}: {e['code']} {e['text']!r}",
                  file=sys.stderr)
    for r in reports:
        for u in r.unused_suppressions:
            print(f"mtaudit: warning: {r.path}:{u['line']}: unused suppression {u['directive']}", file=sys.stderr)
    fail_rank = min(fail.values()) if fail else 99

    def emit(out, color):
        if format == Format.junit:
            from .reporters.ci import render_junit

            render_junit(reports, out, fail_rank)
        else:
            render(format.value, reports, out, color=color)

    if stream:
        pass  # already written, line by line
    elif output is not None:
        try:
            with open(output, "w", encoding="utf-8") as out:
                emit(out, False)
        except OSError as e:
            raise UsageError(f"cannot write {output}: {e.strerror}") from None
    else:
        emit(sys.stdout, None if format == Format.text else False)
    for r in reports:
        if r.error:
            print(f"mtaudit: error: {r.error}", file=sys.stderr)
    if any(r.error for r in reports) or summary.failures:
        raise typer.Exit(2)
    failing = sum(1 for r in reports for f in r.findings if f.severity.rank >= fail[r.path])
    raise typer.Exit(1 if failing else 0)


def _audit_on_ray(paths, address, jobs, output, lm, no_lm, glossary, config, select, ignore, input_format, fail_on):
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise UsageError("--ray needs Ray: pip install 'mtaudit[ray]'")
    from .distributed import audit_on_ray

    _check_paths(paths, output=output)
    runner = _runner(lm, no_lm, glossary, config, select, ignore, input_format)
    objs = audit_on_ray(paths, output, address=None if address == "local" else address, workers=jobs,
                        settings=runner.settings)
    if output is None:
        for o in objs:
            sys.stdout.write(json.dumps(o, ensure_ascii=False) + "\n")
    if any(o.get("error") for o in objs):
        raise typer.Exit(2)
    rank = _fail_rank(fail_on.value if fail_on else defaults.FAIL_ON)
    from .model import Severity

    bad = any(Severity(f["severity"]).rank >= rank for o in objs for f in o["findings"])
    raise typer.Exit(1 if bad else 0)


@app.command()
def fix(
    paths: List[str] = typer.Argument(..., help="Articles to fix in place (.txt, .md, .html), folders or globs.",
                                      show_default=False),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply unsafe fixes (calques, fuzzy names, word order)."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff and change nothing."),
    lm: Optional[LMMode] = LM_OPT,
    no_lm: bool = NO_LM_OPT,
    glossary: List[Path] = GLOSSARY_OPT,
    config: Optional[Path] = CONFIG_OPT,
    select: Optional[str] = SELECT_OPT,
    ignore: Optional[str] = IGNORE_OPT,
    input_format: InputFormat = INPUT_OPT,
    fail_on: Optional[FailOn] = FAIL_OPT,
):
    """Apply safe fixes in place (atomically), or show them with --diff.

    Exit codes: 0 no finding at or above --fail-on remains, 1 otherwise, 2 errors.
    """
    from .runner import RunError, fix_file

    files = _check_paths(paths)
    if "-" in files:
        raise UsageError("fix works on files, not standard input")
    runner = _runner(lm, no_lm, glossary, config, select, ignore, input_format)
    errors = remaining = changed = 0
    try:
        for p in files:
            res = fix_file(runner, p, unsafe=unsafe_fixes, diff=diff, out=sys.stdout,
                           fail_on=fail_on.value if fail_on else None)
            if res.error:
                print(f"mtaudit: error: {res.error}", file=sys.stderr)
            elif res.edits and not diff:
                print(f"mtaudit: fixed {p} ({res.edits} edits)", file=sys.stderr)
            errors += bool(res.error)
            changed += res.changed
            remaining += res.remaining
    except RunError as e:
        raise UsageError(str(e)) from None
    verb = "would change" if diff else "changed"
    print(f"mtaudit: {verb} {changed} of {len(files)} files; {remaining} findings at or above --fail-on remain",
          file=sys.stderr)
    raise typer.Exit(2 if errors else (1 if remaining else 0))


class EvalFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command("eval")
def eval_(
    paths: List[Path] = typer.Argument(..., help="Labeled samples: folders, NAME.gold.yaml or NAME.txt files.",
                                       show_default=False),
    format: EvalFormat = typer.Option(EvalFormat.text, "--format", "-f", help="Output format."),
    lm: Optional[LMMode] = LM_OPT,
    no_lm: bool = NO_LM_OPT,
    glossary: List[Path] = GLOSSARY_OPT,
    clean: Optional[Path] = typer.Option(None, "--clean", help="Folder of clean human-written articles: false alarms per 1,000 words."),
    mqm: Optional[Path] = typer.Option(None, "--mqm", help="MQM JSONL (doc, target, label, spans): fluency ROC AUC and Major-span recall."),
    split: Optional[str] = typer.Option(None, "--split", help="Only samples whose gold file says this split (dev, heldout)."),
    baselines: bool = typer.Option(True, "--baselines/--no-baselines", help="Also run hunspell and LM-surprisal-only on the same inputs."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
):
    """Score mtaudit against gold annotations (the rules of ../shared/tools/score.py), with sacrebleu
    metrics against NAME.ref.txt, corpus false alarms, MQM metrics and baselines."""
    from .document import InputError
    from .evaluation import GoldError, evaluate, find_golds
    from .reporters.evaluation import render_eval

    auditor = _make_auditor("off" if no_lm else (lm.value if lm else defaults.LM_MODE), glossary)
    for extra, what in ((clean, "folder"), (mqm, "file")):
        if extra is not None and not extra.exists():
            raise UsageError(f"{extra}: no such {what}")
    progress = (lambda name: print(f"mtaudit: evaluated {name}", file=sys.stderr)) if sys.stderr.isatty() else None
    try:
        golds = find_golds(paths)
        if split:
            from .evaluation import load_gold

            golds = [g for g in golds if (load_gold(g).meta.get("split") or "dev") == split]
            if not golds:
                raise UsageError(f"no samples with split: {split}")
        ev = evaluate(auditor, golds, clean_dir=clean, mqm_path=mqm, baselines=baselines,
                      progress=progress)
    except (GoldError, InputError) as e:
        raise UsageError(str(e)) from None
    import shlex

    ev.command = "mtaudit " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if output is not None:
        with open(output, "w", encoding="utf-8") as out:
            render_eval(format.value, ev, out)
    else:
        render_eval(format.value, ev, sys.stdout)


@app.command()
def rules():
    """List every rule code with its name, category and severity."""
    from rich.console import Console
    from rich.table import Table

    from .detectors import all_rules

    table = Table("code", "name", "category", "severity")
    for code, r in all_rules().items():
        table.add_row(code, r.name, r.category.value, r.severity.value)
    Console().print(table)


@app.command()
def explain(code: str = typer.Argument(..., help="A rule code, e.g. NAM001.")):
    """Print what a rule checks, why, an example and what to use instead."""
    from .detectors import all_rules

    r = all_rules().get(code.upper())
    if r is None:
        raise UsageError(f"unknown rule code {code!r} (see `mtaudit rules`)")
    print(f"{r.code} ({r.name}) - {r.category.value}, {r.severity.value}\n")
    print(r.doc())


def _version(value: bool):
    if value:
        print(f"mtaudit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")):
    pass


def main(argv: list[str] | None = None) -> int:
    """Entry point: every error is one line on stderr and exit code 2, never a traceback."""
    cmd = typer.main.get_command(app)
    try:
        rv = cmd.main(args=argv, prog_name="mtaudit", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        print("mtaudit: aborted", file=sys.stderr)
        return 130
    except typer.TyperException as e:  # typer's (vendored click) usage errors
        msg = e.format_message() if hasattr(e, "format_message") else str(e)
        if type(e).__name__ == "NoArgsIsHelpError":
            print(msg, file=sys.stderr)
            return 2
        print(f"mtaudit: error: {' '.join(msg.split())}", file=sys.stderr)
        return 2
    except UsageError as e:
        print(f"mtaudit: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("mtaudit: interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
