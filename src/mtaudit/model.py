"""The one finding type every detector produces and every reporter renders.

Positions are 0-based, half-open character offsets (Python ``str`` indices)
into the decoded document text; lines and columns are derived only when a
report is rendered.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self.value]

    @classmethod
    def parse(cls, value: str) -> "Severity":
        try:
            return cls(value.lower())
        except ValueError:
            raise ValueError(f"unknown severity {value!r} (expected minor, major or critical)") from None


_SEVERITY_RANK = {"minor": 1, "major": 2, "critical": 3}


class Category(str, Enum):
    """The error typology of docs/annotation-format.md (after MQM)."""

    NAME = "terminology/name"
    MISTRANSLATION = "accuracy/mistranslation"
    UNTRANSLATED = "accuracy/untranslated"
    WORD_ORDER = "fluency/word-order"
    REPETITION = "fluency/repetition"
    GRAMMAR = "fluency/grammar"
    TYPOGRAPHY = "fluency/typography"
    UNIDIOMATIC = "style/unidiomatic"
    NUMBER_FORMAT = "locale/number-format"
    BOILERPLATE = "other/boilerplate"


class Applicability(str, Enum):
    """How safe a fix is to apply without a human looking (after ruff)."""

    SAFE = "safe"  # applied by `mtaudit fix`
    UNSAFE = "unsafe"  # applied only with --unsafe-fixes
    DISPLAY_ONLY = "display-only"  # shown, never applied


@dataclass(frozen=True)
class Fix:
    """One replacement edit of ``text[start:end]``."""

    start: int
    end: int
    replacement: str
    applicability: Applicability = Applicability.UNSAFE

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "replacement": self.replacement,
                "applicability": self.applicability.value}


@dataclass
class Finding:
    code: str
    name: str
    category: Category
    severity: Severity
    message: str
    start: int
    end: int
    text: str
    confidence: float = 0.8
    fixes: list[Fix] = field(default_factory=list)
    evidence: dict[str, Any] | None = None
    #: a hypothesis (ORD003): reported only when the language model gains at least this many
    #: bits from a suggested rewrite; dropped when the model is off
    min_lm_gain: float | None = None
    #: the data rule that fired, as ``CODE/id`` (calques, patterns, word order, chrome); None for
    #: rules written in code. ``select``, ``ignore`` and inline suppressions may name it.
    rule: str | None = None
    #: the span the rule matched, when the finding reports only the part its fixes change
    #: (:func:`mtaudit.fixes.narrow_finding`); None when the two are the same
    matched: tuple[int, int] | None = None

    @property
    def selector(self) -> str:
        """What select/ignore/suppressions match against: the rule id, else the code."""
        return self.rule or self.code

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end):
            raise ValueError(f"{self.code}: empty or negative span {self.start}:{self.end}")
        for fx in self.fixes:
            if (fx.start, fx.end) != (self.start, self.end):
                raise ValueError(f"{self.code}: a fix must replace the finding's own span")

    @property
    def suggestions(self) -> list[str]:
        return [f.replacement for f in self.fixes]

    def sort_key(self) -> tuple:
        return (self.start, self.end, self.code)

    def to_dict(self, line_col=None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "category": self.category.value,
            "severity": self.severity.value,
            "start": self.start,
            "end": self.end,
        }
        if line_col is not None:
            (l1, c1), (l2, c2) = line_col(self.start), line_col(self.end)
            d.update(line=l1, column=c1, end_line=l2, end_column=c2)
        d.update(
            text=self.text,
            message=self.message,
            confidence=round(self.confidence, 3),
            suggestions=self.suggestions,
            fixes=[f.to_dict() for f in self.fixes],
        )
        if self.rule:
            d["rule"] = self.rule
        if self.evidence:
            d["evidence"] = self.evidence
        return d


def make_finding(doc_text: str, *, code: str, name: str, category: Category, severity: Severity,
                 message: str, start: int, end: int, replacements=(), applicability=Applicability.UNSAFE,
                 confidence: float = 0.8, evidence: dict | None = None,
                 min_lm_gain: float | None = None, rule: str | None = None) -> Finding:
    """Build a finding whose ``text`` is exactly ``doc_text[start:end]``.

    ``replacements`` are plain strings (best first) that all share one
    applicability, or (string, Applicability) pairs. Replacements equal to the
    flagged text, and duplicates, are dropped.
    """
    flagged = doc_text[start:end]
    fixes: list[Fix] = []
    seen = set()
    for r in replacements:
        rep, app = (r if isinstance(r, tuple) else (r, applicability))
        if rep == flagged or rep in seen:
            continue
        seen.add(rep)
        fixes.append(Fix(start, end, rep, app))
    return Finding(code=code, name=name, category=category, severity=severity, message=message,
                   start=start, end=end, text=flagged, confidence=confidence, fixes=fixes,
                   evidence=evidence, min_lm_gain=min_lm_gain, rule=rule)
