"""Applying findings' fixes to a text, in memory.

The ``fix`` command, the evaluation harness and the notebook API all call
:func:`apply_fixes`; it never touches a file.
"""
from __future__ import annotations

import dataclasses
import re
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


_WORD_CHAR = re.compile(r"[\w'’-]")


def _boundary(s: str, p: int) -> bool:
    """Whether position ``p`` of ``s`` is not inside a word or a number (``5,2``, ``11.000``)."""
    if p == 0 or p == len(s):
        return True
    if _WORD_CHAR.match(s[p - 1]) and _WORD_CHAR.match(s[p]):
        return False
    in_number = (s[p] in ".," and s[p - 1].isdigit() and p + 1 < len(s) and s[p + 1].isdigit()) or \
                (s[p - 1] in ".," and p >= 2 and s[p - 2].isdigit() and s[p].isdigit())
    return not in_number


def _common(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def narrowest_edit(orig: str, replacements: list[str]) -> tuple[int, int, list[str]]:
    """``(a, b, parts)``: the smallest ``orig[a:b]`` whose replacement by each of ``parts`` gives
    each of ``replacements`` exactly, cut between words only (``one from the most`` -> ``one of
    the most`` is ``from`` -> ``of``). ``(0, len(orig), replacements)`` when nothing is shared
    or only an insertion would be left."""
    n = len(orig)
    if not replacements:
        return 0, n, list(replacements)
    lcp = min(_common(orig, r) for r in replacements)
    a = next(k for k in range(lcp, -1, -1) if _boundary(orig, k) and all(_boundary(r, k) for r in replacements))
    lcs = min(_common(orig[a:][::-1], r[a:][::-1]) for r in replacements)
    m = next(m for m in range(lcs, -1, -1)
             if _boundary(orig, n - m) and all(_boundary(r, len(r) - m) for r in replacements))
    if n - m <= a:
        return 0, n, list(replacements)
    return a, n - m, [r[a:len(r) - m] for r in replacements]


def narrow_finding(text: str, f: Finding) -> Finding:
    """``f`` reporting only the words its fixes change (the fixes give the same text), with the
    span the rule matched kept in ``matched``; ``f`` itself when the fixes change it all."""
    if not f.fixes:
        return f
    a, b, parts = narrowest_edit(text[f.start:f.end], [fx.replacement for fx in f.fixes])
    if (a, b) == (0, f.end - f.start):
        return f
    start, end = f.start + a, f.start + b
    fixes = [dataclasses.replace(fx, start=start, end=end, replacement=r) for fx, r in zip(f.fixes, parts)]
    return dataclasses.replace(f, start=start, end=end, text=text[start:end], fixes=fixes,
                               matched=(f.start, f.end))
