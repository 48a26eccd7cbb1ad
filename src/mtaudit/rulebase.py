"""The rule base: what every detector's rules share (core: nothing here imports a detector).

``Rule`` is the base of every rule class (stable code, name, category, severity, and a docstring
with four parts); ``Context`` is what a detector reads for one document: the document and the
shared :class:`mtaudit.resources.Resources`.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import ClassVar

from .document import Document
from .model import Applicability, Category, Finding, Severity, make_finding


@dataclass(frozen=True)
class LMPolicy:
    """What the language model may do with a rule's findings (the auditor's LM pass reads it)."""

    #: score each candidate fix in its sentence: re-rank (decisively only), set the confidence,
    #: and drop the fixes the model rejects
    verify: bool = False
    #: drop the finding itself when the model rejects every fix it proposes
    drop_when_rejected: bool = False
    #: keep every fix, in the rule's order, whatever the model says (the glossary wins)
    never_overruled: bool = False
    #: a hypothesis: reported only when the model gains at least the finding's ``min_lm_gain`` bits
    confirm: bool = False


class Rule:
    """Base of every rule; subclasses set the class attributes and a docstring.

    Besides its code, name, category and severity a rule declares, for the auditor's passes:
    ``fix_availability`` (``always``, ``sometimes`` or ``none``, as ruff says it), ``lm_policy``
    (:class:`LMPolicy`), ``supersedes`` (code prefixes whose findings inside one of this rule's
    spans are dropped, ``""`` for every other rule), ``requires`` (``{"lm"}``: reported only
    with the language model on), ``lm_outputs`` (what of the model's pass it reads) and
    ``narrow`` (report only the words the fix changes, not the whole phrase matched).
    """

    code: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[Category]
    severity: ClassVar[Severity]
    fix_availability: ClassVar[str] = "sometimes"
    lm_policy: ClassVar[LMPolicy] = LMPolicy()
    supersedes: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[frozenset[str]] = frozenset()
    #: what the rule reads of the model's pass beyond per-token surprisal: ``entropy``, ``rank``,
    #: ``topk``, ``hidden:N`` (the residual stream after layer N); the auditor asks the model for
    #: the union over the rules that run (``ctx.lm.stats``), and for nothing more by default
    lm_outputs: ClassVar[frozenset[str]] = frozenset()
    #: a finding of this rule spans only the words its fixes change ("one from the most" ->
    #: "one of the most" reports "from"); the phrase matched stays in ``Finding.matched``
    narrow: ClassVar[bool] = False
    #: reported only when a selection names it (``extend-select``, ``--extend-select``), like
    #: ruff's preview rules: for a rule below the precision of the default set
    opt_in: ClassVar[bool] = False

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def finding(cls, ctx: "Context", start: int, end: int, message: str, replacements=(), *,
                applicability=Applicability.UNSAFE, confidence=0.8, severity=None, category=None,
                evidence=None, min_lm_gain=None, rule=None) -> Finding:
        return make_finding(ctx.doc.text, code=cls.code, name=cls.name, category=category or cls.category,
                            severity=severity or cls.severity, message=message, start=start, end=end,
                            replacements=replacements, applicability=applicability,
                            confidence=confidence, evidence=evidence, min_lm_gain=min_lm_gain, rule=rule)


@dataclass
class Context:
    """What a detector reads for one document. ``lm`` is the one language-model pass over its
    sentences (:class:`mtaudit.fluency.LMOutput`; None with the model off); ``taken`` holds the
    spans of the findings that stand after LM verification, for detectors of the second stage."""

    doc: Document
    res: Resources  # noqa: F821 - mtaudit.resources.Resources (a higher layer; annotation only)
    lm: object | None = None
    taken: object | None = None
    #: under ``--deep``: the model itself (:class:`mtaudit.lm.SmolLM`), to score candidate edits,
    #: and each sentence's garble score (the sentences the deep detector searches)
    model: object | None = None
    sentence_garble: list | None = None

    @property
    def text(self) -> str:
        return self.doc.text

    @property
    def names(self):
        return self.res.names
