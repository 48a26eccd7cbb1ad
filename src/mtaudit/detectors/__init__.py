"""Detectors: one module per detector, each with a stable code prefix.

``DETECTORS`` is the one registry: code prefix -> module. Each module defines
``RULES`` (rule classes whose docstrings have the four parts *What it does*,
*Why is this bad*, *Example*, *Use instead*) and ``check(ctx)`` that yields
findings. Detectors are stateless: everything they load lives in the
:class:`Context`, built once per audit run.
"""
from __future__ import annotations

from ..resources import Resources
from ..rulebase import Context, Rule

__all__ = ["DETECTORS", "STAGES", "Context", "Resources", "Rule", "all_rules", "stage"]


def _registry():
    """The shipped detectors, then any a package registers under the ``mtaudit.detectors`` entry
    point group (a module with PREFIX, RULES and check(ctx); optional STAGE and REQUIRES)."""
    from importlib.metadata import entry_points

    from . import (
        boilerplate,
        calques,
        consistency,
        deep,
        disfluency,
        names,
        numbers,
        repetition,
        typography,
        unknown,
        word_order,
    )

    mods = [names, calques, repetition, word_order, typography, numbers, unknown, consistency, boilerplate,
            disfluency, deep]
    for ep in entry_points(group="mtaudit.detectors"):
        mods.append(ep.load())
    return {m.PREFIX: m for m in mods}


DETECTORS = _registry()
#: The auditor's passes, in order; a detector module's STAGE says in which it runs.
STAGES = ("detect", "after-verify")


def stage(name: str, available: frozenset[str]) -> list:
    """The detector modules of one stage whose requirements (``REQUIRES``) are available."""
    return [m for m in DETECTORS.values()
            if getattr(m, "STAGE", "detect") == name and getattr(m, "REQUIRES", frozenset()) <= available]


def all_rules() -> dict[str, type[Rule]]:
    """code -> rule class, for every rule of every detector."""
    out = {}
    for mod in DETECTORS.values():
        for r in mod.RULES:
            out[r.code] = r
    return dict(sorted(out.items()))
