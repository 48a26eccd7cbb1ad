"""Load-time checks of the regexes glossaries bring: no catastrophic backtracking, numeric captures.

A repeat whose body holds another unbounded repeat (``(a+)+b``) can take exponential time on a
line that almost matches; such a rule is refused when its glossary loads, with its file and line.
A possessive inner repeat (``\\s*+``) or an atomic group (``(?>...)``) cannot backtrack and is
allowed. A helper that needs a number (``#ord(\\1)``) must be given a group that matches only
digits.
"""
from __future__ import annotations

import re
import re._constants as C
import re._parser as P
from functools import lru_cache

_UNBOUNDED = 10  # a repeat with a larger maximum counts as unbounded


@lru_cache(maxsize=1024)
def _parsed(pattern: str):
    """The parse tree of ``pattern``, once for both checks (read, never changed)."""
    return P.parse(pattern)


def _nested_repeat(items, inside: bool) -> bool:
    for op, av in items:
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            big = av[1] == C.MAXREPEAT or av[1] > _UNBOUNDED
            if big and inside:
                return True
            if _nested_repeat(av[2], inside or big):
                return True
        elif op in (C.POSSESSIVE_REPEAT, C.ATOMIC_GROUP):
            if _nested_repeat(av[2] if op == C.POSSESSIVE_REPEAT else av, False):
                return True
        elif op == C.SUBPATTERN:
            if _nested_repeat(av[-1], inside):
                return True
        elif op == C.BRANCH:
            if any(_nested_repeat(b, inside) for b in av[1]):
                return True
        elif op in (C.ASSERT, C.ASSERT_NOT):
            if _nested_repeat(av[1], inside):
                return True
    return False


def backtracking_risk(pattern: str) -> str | None:
    """Why ``pattern`` may backtrack catastrophically, or None."""
    if _nested_repeat(_parsed(pattern), False):
        return ("a repeat inside a repeat (like '(a+)+') can take exponential time; make the inner "
                "repeat possessive ('\\s*+') or atomic ('(?>...)')")
    return None


def _digits_only(items) -> bool:
    for op, av in items:
        if op == C.LITERAL:
            if not chr(av).isdigit():
                return False
        elif op == C.IN:
            if not all(o == C.CATEGORY and a == C.CATEGORY_DIGIT or o == C.RANGE and chr(a[0]).isdigit()
                       and chr(a[1]).isdigit() or o == C.LITERAL and chr(a).isdigit() for o, a in av):
                return False
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            if not _digits_only(av[2]):
                return False
        elif op == C.SUBPATTERN:
            if not _digits_only(av[-1]):
                return False
        elif op == C.BRANCH:
            if not all(_digits_only(b) for b in av[1]):
                return False
        else:
            return False
    return True


def group_is_numeric(pattern: str, group: int) -> bool:
    """True when capture ``group`` of ``pattern`` matches digits only."""
    found = []

    def walk(items):
        for op, av in items:
            if op == C.SUBPATTERN:
                if av[0] == group:
                    found.append(av[-1])
                walk(av[-1])
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                walk(av[2])
            elif op == C.BRANCH:
                for b in av[1]:
                    walk(b)
            elif op in (C.ASSERT, C.ASSERT_NOT):
                walk(av[1])
            elif op == C.ATOMIC_GROUP:
                walk(av)

    walk(_parsed(pattern))
    return bool(found) and all(_digits_only(f) for f in found)


def compile_checked(pattern: str, flags: int = 0) -> re.Pattern:
    """Compile ``pattern``; ValueError names the problem (bad syntax or backtracking risk)."""
    try:
        rx = re.compile(pattern, flags)
    except re.error as e:
        raise ValueError(f"bad regex: {e}") from None
    risk = backtracking_risk(pattern)
    if risk:
        raise ValueError(f"unsafe regex: {risk}")
    return rx
