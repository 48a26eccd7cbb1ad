"""`mtaudit glossary`: convert TSV rule files to YAML rule files, and check rule files' examples."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

glossary_app = typer.Typer(no_args_is_help=True, help="Work with glossary and rule files.")


class GlossaryCommandError(Exception):
    """A one-line error for the user (the CLI turns it into exit code 2)."""


@glossary_app.command("convert")
def convert(path: Path = typer.Argument(..., help="A TSV rule file (calques, patterns, word order or chrome)."),
            output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (default: stdout)."),
            pivot: str = typer.Option("any", "--pivot", help="The source language the rules come from (it, es...).")):
    """Convert a TSV rule file to a YAML rule file with stable ids (TSV rule files are deprecated)."""
    from .glossary import PIVOT, GlossaryError, convert_tsv

    if not PIVOT.fullmatch(pivot):
        raise GlossaryCommandError(f"--pivot must be a language code (it, es...) or 'any', not {pivot!r}")
    try:
        kind, text, n = convert_tsv(path, pivot)
    except GlossaryError as e:
        raise GlossaryCommandError(str(e)) from None
    if output is None:
        sys.stdout.write(text)
    else:
        from .runner import RunError, atomic_write, check_not_input

        try:
            check_not_input(output, [str(path)], "--output")
            atomic_write(output, text)
        except (RunError, OSError) as e:
            raise GlossaryCommandError(f"{output}: {getattr(e, 'strerror', None) or e}") from None
    print(f"mtaudit: converted {n} {kind} rule(s) from {path}; add an example to each and run "
          f"`mtaudit glossary check {output or 'FILE.yaml'}`", file=sys.stderr)


@glossary_app.command("check")
def check(paths: List[Path] = typer.Argument(..., help="YAML rule files."),
          lm: bool = typer.Option(False, "--lm", help="Also run word-order examples (needs the model).")):
    """Load rule files (every error names file and line) and run their examples: each incorrect
    text must be flagged at its marker by its rule, each correct text must not be."""
    from .api import Auditor
    from .glossary import GlossaryError, load_file
    from .ruletests import check_rows

    try:
        rows = [r for p in paths for r in load_file(p).rules()]
        auditor = Auditor(lm="on" if lm else "off", glossaries=[str(p) for p in paths])
    except GlossaryError as e:
        raise GlossaryCommandError(str(e)) from None
    failures, missing, n = check_rows(auditor, rows, lm_rows=lm)
    for f in failures:
        print(f, file=sys.stderr)
    for sel in missing:
        print(f"{sel}: no example", file=sys.stderr)
    print(f"{len(rows)} rule(s), {n} example(s) run, {len(failures)} failure(s), {len(missing)} without examples")
    raise typer.Exit(1 if failures or missing else 0)
