"""Applying findings' fixes to a text, in memory.

The ``fix`` command, the evaluation harness and the notebook API all call
:func:`apply_fixes`; it never touches a file.
"""
from __future__ import annotations

from collections.abc import Iterable

from .model import Applicability, Finding, Fix


def select_fixes(findings: Iterable[Finding], unsafe: bool = False,
                 skip_categories: Iterable[str] = ()) -> list[Fix]:
    """The best applicable fix of each finding, with overlaps resolved.

    Each finding contributes its first fix that is safe (or unsafe, when
    ``unsafe``); display-only fixes are never applied. Overlapping fixes are
    resolved deterministically: the earlier start wins, then the longer span,
    then the lower code; the loser is dropped (a later run can apply it).
    """
    allowed = {Applicability.SAFE} | ({Applicability.UNSAFE} if unsafe else set())
    skip = set(skip_categories)
    cands = []
    for f in findings:
        if f.category.value in skip:
            continue
        fx = next((x for x in f.fixes if x.applicability in allowed), None)
        if fx is not None:
            cands.append((fx.start, -fx.end, f.code, fx.replacement, fx))
    cands.sort(key=lambda c: c[:4])
    chosen: list[Fix] = []
    end = -1
    for start, _neg_end, _code, _rep, fx in cands:
        if start < end or (chosen and start == end == chosen[-1].start):
            continue
        chosen.append(fx)
        end = fx.end
    return chosen


def apply_fixes(text: str, findings: Iterable[Finding], unsafe: bool = False,
                skip_categories: Iterable[str] = ()) -> tuple[str, list[Fix]]:
    """Return ``(new_text, applied_fixes)``; ``text`` outside fixed spans is unchanged."""
    chosen = select_fixes(findings, unsafe=unsafe, skip_categories=skip_categories)
    out, pos = [], 0
    for fx in chosen:
        out.append(text[pos:fx.start])
        out.append(fx.replacement)
        pos = fx.end
    out.append(text[pos:])
    return "".join(out), chosen
