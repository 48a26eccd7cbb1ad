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

__all__ = ["DETECTORS", "Context", "Resources", "Rule", "all_rules"]


def _registry():
    from . import boilerplate, calques, consistency, names, numbers, repetition, typography, unknown, word_order

    return {m.PREFIX: m for m in (names, calques, repetition, word_order, typography, numbers, unknown,
                                  consistency, boilerplate)}


DETECTORS = _registry()


def all_rules() -> dict[str, type[Rule]]:
    """code -> rule class, for every rule of every detector (the LM's included)."""
    out = {}
    for mod in DETECTORS.values():
        for r in mod.RULES:
            out[r.code] = r
    from .. import fluency

    for r in fluency.RULES:
        out[r.code] = r
    return dict(sorted(out.items()))
