"""The `mtaudit` command line: a thin layer over :mod:`mtaudit.api`."""
from __future__ import annotations

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
    from .model import Severity

    return 99 if fail_on == "never" else Severity(fail_on).rank


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


@app.command()
def audit(
    paths: List[Path] = typer.Argument(..., help="Articles to audit (UTF-8 text files).", show_default=False),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Report format."),
    lm: LMMode = typer.Option(LMMode(defaults.LM_MODE), "--lm", help="Language model: on, off, or auto (fall back to rules)."),
    no_lm: bool = typer.Option(False, "--no-lm", help="Rules only (same as --lm off)."),
    glossary: List[Path] = typer.Option([], "--glossary", "-g", help="Extra glossary file (TSV or YAML); repeatable."),
    fail_on: FailOn = typer.Option(FailOn(defaults.FAIL_ON), "--fail-on", help="Exit 1 when a finding is at least this severe."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout."),
):
    """Audit articles and report garbled spans, with fixes and a score.

    Exit codes: 0 no finding at or above --fail-on, 1 otherwise, 2 usage or input error.
    """
    mode = "off" if no_lm else lm.value
    if output is not None and any(output.resolve() == p.resolve() for p in paths):
        raise UsageError(f"--output {output} is one of the input files; refusing to overwrite it")
    auditor = _make_auditor(mode, glossary)
    reports = [auditor.audit_file(p) for p in paths]
    from .reporters import render

    if output is not None:
        try:
            with open(output, "w", encoding="utf-8") as out:
                render(format.value, reports, out, color=False)
        except OSError as e:
            raise UsageError(f"cannot write {output}: {e.strerror}") from None
    else:
        render(format.value, reports, sys.stdout, color=None if format == Format.text else False)
    for r in reports:
        if r.error:
            print(f"mtaudit: error: {r.error}", file=sys.stderr)
    if any(r.error for r in reports):
        raise typer.Exit(2)
    rank = _fail_rank(fail_on.value)
    failing = sum(1 for r in reports for f in r.findings if f.severity.rank >= rank)
    raise typer.Exit(1 if failing else 0)


class EvalFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command("eval")
def eval_(
    paths: List[Path] = typer.Argument(..., help="Labeled samples: folders, NAME.gold.yaml or NAME.txt files.",
                                       show_default=False),
    format: EvalFormat = typer.Option(EvalFormat.text, "--format", "-f", help="Output format."),
    lm: LMMode = typer.Option(LMMode(defaults.LM_MODE), "--lm", help="Language model: on, off, or auto."),
    no_lm: bool = typer.Option(False, "--no-lm", help="Rules only (same as --lm off)."),
    glossary: List[Path] = typer.Option([], "--glossary", "-g", help="Extra glossary file; repeatable."),
    clean: Optional[Path] = typer.Option(None, "--clean", help="Folder of clean human-written articles: false alarms per 1,000 words."),
    mqm: Optional[Path] = typer.Option(None, "--mqm", help="MQM JSONL (doc, target, label, spans): fluency ROC AUC and Major-span recall."),
    baselines: bool = typer.Option(True, "--baselines/--no-baselines", help="Also run hunspell and LM-surprisal-only on the same inputs."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
):
    """Score mtaudit against gold annotations (the rules of ../shared/tools/score.py), with sacrebleu
    metrics against NAME.ref.txt, corpus false alarms, MQM metrics and baselines."""
    from .document import InputError
    from .evaluation import GoldError, evaluate, find_golds
    from .reporters.evaluation import render_eval

    auditor = _make_auditor("off" if no_lm else lm.value, glossary)
    for extra, what in ((clean, "folder"), (mqm, "file")):
        if extra is not None and not extra.exists():
            raise UsageError(f"{extra}: no such {what}")
    progress = (lambda name: print(f"mtaudit: evaluated {name}", file=sys.stderr)) if sys.stderr.isatty() else None
    try:
        ev = evaluate(auditor, find_golds(paths), clean_dir=clean, mqm_path=mqm, baselines=baselines,
                      progress=progress)
    except (GoldError, InputError) as e:
        raise UsageError(str(e)) from None
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
