"""The `mtaudit` command line: a thin layer over :mod:`mtaudit.api`."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import defaults
from .cli_glossary import GlossaryCommandError, glossary_app
from .cli_serve import ServeCommandError, serve
from .version import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None, help="Audit machine-translated English before it is published.")


def _choices(name: str, values) -> type[Enum]:
    return Enum(name, {v: v for v in values}, type=str)


Format = _choices("Format", defaults.REPORT_FORMATS)
InputFormat = _choices("InputFormat", defaults.INPUT_FORMATS)
FailOn = _choices("FailOn", defaults.FAIL_ON_CHOICES)
LMMode = _choices("LMMode", defaults.LM_CHOICES)
EvalFormat = _choices("EvalFormat", ("text", "json", "markdown"))


class UsageError(Exception):
    """A one-line error for the user; exit code 2."""


app.add_typer(glossary_app, name="glossary")
app.command("serve")(serve)


def _make_auditor(lm: str, glossary: list[Path], deep: bool = False):
    from .api import Auditor
    from .glossary import GlossaryError
    from .lm import LMUnavailable

    try:
        auditor = Auditor(lm=lm, glossaries=[str(g) for g in glossary], deep=deep or None)
    except GlossaryError as e:
        raise UsageError(f"glossary error: {e}") from None
    except LMUnavailable as e:
        raise UsageError(str(e)) from None
    if auditor.lm_warning:
        print(f"mtaudit: warning: {auditor.lm_warning}", file=sys.stderr)
    return auditor


def _codes(value: Optional[str]) -> tuple[str, ...]:
    from .config import normal_selector

    return tuple(normal_selector(c) for c in (value or "").split(",") if c.strip())


def _settings(lm, no_lm, glossary, config, select, ignore, input_format, extend_select=None):
    from .runner import Settings

    if config is not None and not config.is_file():
        raise UsageError(f"--config {config}: no such file")
    return Settings(lm="off" if no_lm else (lm.value if lm else None), glossaries=list(glossary), config=config,
                    select=_codes(select), ignore=_codes(ignore), extend_select=_codes(extend_select),
                    input_format=None if input_format == InputFormat.auto else input_format.value)


def _runner(*args):
    from .run import warn
    from .runner import Runner

    return Runner(_settings(*args), warn=warn)


LM_OPT = typer.Option(None, "--lm", help="Language model: on, off, or auto (fall back to rules). Default: config, else on.")
NO_LM_OPT = typer.Option(False, "--no-lm", help="Rules only (same as --lm off).")
GLOSSARY_OPT = typer.Option([], "--glossary", "-g", help="Extra glossary file (TSV or YAML); repeatable.")
CONFIG_OPT = typer.Option(None, "--config", help="Config file (default: mtaudit.toml or [tool.mtaudit] in pyproject.toml, found upwards from each file).")
SELECT_OPT = typer.Option(None, "--select", help="Comma-separated code prefixes or rule ids (CLQ001/it-...) to report "
                          "(overrides config).")
IGNORE_OPT = typer.Option(None, "--ignore", help="Comma-separated code prefixes or rule ids to drop.")
EXTEND_OPT = typer.Option(None, "--extend-select", help="Comma-separated code prefixes or rule ids to report as well; "
                          "turns on an opt-in rule (LMF001).")
INPUT_OPT = typer.Option(InputFormat.auto, "--input-format", help="Input format (default: by extension).")
DEEP_OPT = typer.Option(False, "--deep", help="Also search garbled sentences for edits the model prefers (LMD001; "
                        "needs the LM; several times its cost).")
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
    extend_select: Optional[str] = EXTEND_OPT,
    input_format: InputFormat = INPUT_OPT,
    fail_on: Optional[FailOn] = FAIL_OPT,
    deep: bool = DEEP_OPT,
    fail_on_garble: Optional[str] = typer.Option(None, "--fail-on-garble", help="Fail an article whose garble score (with the LM) is at least this probability; 'model' (default: the calibrated thresholds, lower for formal prose), 'news' (the threshold calibrated on news alone) or 'never'."),
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
    import importlib.util

    from .run import RunOptions, run

    if ray is not None and importlib.util.find_spec("ray") is None:
        raise UsageError("--ray needs Ray: pip install 'mtaudit[ray]'")
    settings = _settings(lm, no_lm, glossary, config, select, ignore, input_format, extend_select)
    if deep:
        if no_lm or (lm is not None and lm.value == "off"):
            raise UsageError("--deep needs the language model: leave out --no-lm / --lm off")
        settings.deep = True
    opts = RunOptions(paths=list(paths), settings=settings,
                      format=format.value, fail_on=fail_on.value if fail_on else None,
                      fail_on_garble=_garble_option(fail_on_garble), output=output,
                      baseline=baseline, write_baseline=write_baseline, resume=resume, jobs=jobs, threads=threads,
                      ray=ray)
    raise typer.Exit(_guard(run, opts))


def _garble_option(value: Optional[str]):
    from .config import parse_garble_threshold

    if value is None:
        return None
    try:
        return parse_garble_threshold(value)
    except ValueError as e:
        raise UsageError(f"--fail-on-garble {e}") from None


def _guard(fn, *args) -> int:
    """Run ``fn``; its RunError becomes a one-line usage error (exit code 2)."""
    from .runner import RunError

    try:
        return fn(*args)
    except RunError as e:
        raise UsageError(str(e)) from None


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
    extend_select: Optional[str] = EXTEND_OPT,
    input_format: InputFormat = INPUT_OPT,
    fail_on: Optional[FailOn] = FAIL_OPT,
):
    """Apply safe fixes in place (atomically), or show them with --diff.

    Exit codes: 0 no finding at or above --fail-on remains, 1 otherwise, 2 errors.
    """
    from .runner import fix_files

    raise typer.Exit(_guard(fix_files, _runner(lm, no_lm, glossary, config, select, ignore, input_format, extend_select), paths,
                            unsafe_fixes, diff, fail_on.value if fail_on else None))


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
    deep: bool = DEEP_OPT,
    baselines: bool = typer.Option(True, "--baselines/--no-baselines", help="Also run hunspell and LM-surprisal-only on the same inputs."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
):
    """Score mtaudit against gold annotations (the rules of ../shared/tools/score.py), with sacrebleu
    metrics against NAME.ref.txt, corpus false alarms, MQM metrics and baselines."""
    from .document import InputError
    from .evaluation import GoldError, evaluate, find_golds
    from .reporters.evaluation import render_eval

    if deep and no_lm:
        raise UsageError("--deep needs the language model: leave out --no-lm")
    auditor = _make_auditor("off" if no_lm else (lm.value if lm else defaults.LM_MODE), glossary, deep)
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
    """List every rule code with its name, category and severity (opt-in rules marked: turn one on
    with --extend-select)."""
    from rich.console import Console
    from rich.table import Table

    from .detectors import all_rules

    table = Table("code", "name", "category", "severity", "default")
    for code, r in all_rules().items():
        when = "opt-in" if r.opt_in else "--deep" if "deep" in r.requires else "on"
        table.add_row(code, r.name, r.category.value, r.severity.value, when)
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
    except (UsageError, GlossaryCommandError, ServeCommandError) as e:
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
