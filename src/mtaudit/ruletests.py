"""Run the examples of data rules: each ``incorrect`` text must be flagged at its marked span by
its own rule, and each ``correct`` near miss must not be (as LanguageTool runs a rule's
examples). Used by the tests for the shipped rules and by ``mtaudit glossary check`` for a
user's rule files."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ExampleFailure:
    where: str  # file:line of the example
    selector: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.selector}: {self.message}"


def check_row(auditor, row) -> list[ExampleFailure]:
    """The failures of one rule's examples (empty when they all behave)."""
    out = []
    for ex in row.examples:
        where = f"{row.path}:{ex.line}"
        rep = auditor.audit_text(ex.incorrect, "example.txt")
        got = [f.matched or (f.start, f.end) for f in rep.findings if f.rule == row.selector]  # the phrase matched
        if tuple(ex.span) not in got:
            flagged = ex.incorrect[ex.span[0]:ex.span[1]]
            out.append(ExampleFailure(where, row.selector, f"does not flag {flagged!r} in {ex.incorrect!r}"
                                      + (f" (it flags {[ex.incorrect[a:b] for a, b in got]})" if got else "")))
        if ex.correct:
            near = [f.text for f in auditor.audit_text(ex.correct, "example.txt").findings
                    if f.rule == row.selector]
            if near:
                out.append(ExampleFailure(where, row.selector, f"flags {near} in the near miss {ex.correct!r}"))
    return out


def check_rows(auditor, rows, *, lm_rows: bool) -> tuple[list[ExampleFailure], list[str], int]:
    """(failures, selectors of rules without examples, examples run). Word-order rules need the
    model: they are run only when ``lm_rows`` (the auditor has it), else counted as not run."""
    failures, missing, n = [], [], 0
    for row in rows:
        if not row.examples:
            missing.append(row.selector)
            continue
        if row.kind == "order" and not lm_rows:
            continue
        failures += check_row(auditor, row)
        n += len(row.examples)
    return failures, missing, n
