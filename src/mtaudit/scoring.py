"""The MQM-style article score and the signature printed beside it."""
from __future__ import annotations

from dataclasses import dataclass

from . import defaults
from .model import Finding
from .version import __version__


@dataclass
class Score:
    mqm: float
    penalty: float
    signature: str
    fluency_bits_per_token: float | None = None

    def to_dict(self) -> dict:
        d = {"mqm": self.mqm, "penalty": self.penalty, "signature": self.signature}
        if self.fluency_bits_per_token is not None:
            d["fluency_bits_per_token"] = self.fluency_bits_per_token
        return d


def signature(glossary_digest: str, lm: str) -> str:
    w = defaults.SEVERITY_WEIGHTS
    return (f"mqm|weights:{w['minor']}/{w['major']}/{w['critical']}|per:{defaults.MQM_PER_WORDS}w"
            f"|glossary:{glossary_digest}|lm:{lm}|mtaudit:{__version__}")


def mqm_score(findings: list[Finding], words: int, sig: str) -> Score:
    """``100 x (1 - penalty / (words / per))``, floored at 0."""
    penalty = float(sum(defaults.SEVERITY_WEIGHTS[f.severity.value] for f in findings))
    units = max(words, 1) / defaults.MQM_PER_WORDS
    return Score(mqm=round(max(0.0, 100.0 * (1.0 - penalty / units)), 2), penalty=penalty, signature=sig)
