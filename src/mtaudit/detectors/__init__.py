"""Detectors: one module per detector, each with a stable code prefix.

``DETECTORS`` is the one registry: code prefix -> module. Each module defines
``RULES`` (rule classes whose docstrings have the four parts *What it does*,
*Why is this bad*, *Example*, *Use instead*) and ``check(ctx)`` that yields
findings. Detectors are stateless: everything they load lives in the
:class:`Context`, built once per audit run.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

from ..document import Document
from ..glossary import Glossary
from ..model import Applicability, Category, Finding, Severity, make_finding


class Rule:
    """Base of every rule; subclasses set the class attributes and a docstring."""

    code: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[Category]
    severity: ClassVar[Severity]

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def finding(cls, ctx: "Context", start: int, end: int, message: str, replacements=(), *,
                applicability=Applicability.UNSAFE, confidence=0.8, severity=None, category=None,
                evidence=None, min_lm_gain=None) -> Finding:
        return make_finding(ctx.doc.text, code=cls.code, name=cls.name, category=category or cls.category,
                            severity=severity or cls.severity, message=message, start=start, end=end,
                            replacements=replacements, applicability=applicability,
                            confidence=confidence, evidence=evidence, min_lm_gain=min_lm_gain)


@dataclass
class Resources:
    """What detectors share across documents: glossaries and indexes, built once."""

    glossary: Glossary

    @cached_property
    def names(self):
        from ..nameindex import NameIndex

        return NameIndex(self.glossary)

    @cached_property
    def calque_rules(self):
        return [r.compiled for r in self.glossary.calques]  # compiled when the glossary was loaded

    @cached_property
    def calque_index(self):
        from ..phrases import PhraseIndex

        return PhraseIndex(self.calque_rules)

    @cached_property
    def pattern_rules(self):
        return [r.compiled for r in self.glossary.patterns]

    @cached_property
    def order_rules(self):
        return [r.compiled for r in self.glossary.order]

    @cached_property
    def countries(self) -> dict[str, str]:
        """Demonym -> country (from demonyms.tsv: "Chinese=China")."""
        out = {}
        for w in self.words("demonyms"):
            if "=" in w:
                a, b = w.split("=", 1)
                out[a.strip()] = b.strip()
        return out

    @cached_property
    def title_heads(self) -> set[str]:
        """The last word of each title, lowercase (minister for "prime minister")."""
        return {t.split()[-1].lower() for t in self.words("titles")}

    @cached_property
    def chrome_rules(self):
        return [(r.compiled, r) for r in self.glossary.chrome]  # whole-line regexes, compiled at load

    def words(self, stem: str) -> set[str]:
        return self.glossary.words.get(stem, set())


@dataclass
class Context:
    doc: Document
    res: Resources
    cache: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.doc.text

    @property
    def names(self):
        return self.res.names


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
