"""The rule base: what every detector's rules share (core: nothing here imports a detector).

``Rule`` is the base of every rule class (stable code, name, category, severity, and a docstring
with four parts); ``Context`` is what a detector reads for one document: the document and the
shared :class:`mtaudit.resources.Resources`.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import ClassVar

from .document import Document
from .model import Applicability, Category, Finding, Severity, make_finding


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
class Context:
    doc: Document
    res: Resources  # noqa: F821 - mtaudit.resources.Resources (a higher layer; annotation only)
    cache: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.doc.text

    @property
    def names(self):
        return self.res.names
