"""The garble score: how likely an article (or a sentence) is unedited machine translation.

Features come from the one language-model pass (:class:`mtaudit.fluency.LMOutput`): the raw
surprisal, and each word's *excess* surprisal, its bits in context minus the bits its frequency
alone predicts (a rare name is surprising anywhere; a common word in a garbled phrase is not),
summarised over the article. A logistic head trained by ``scripts/train_garble.py`` on Apertium
round trips of training documents (es, ca, eo) against the same documents' clean originals turns
them into a probability; its weights, scaling, default threshold and the hash of its training
manifest ship as a JSON card (``garble.json`` beside this module), read without the training
library.
"""
from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import lexicon

MODEL_FILE = Path(__file__).with_name("garble.json")
#: The features, in the order the card's weights use.
FEATURES = ("bits_per_token", "excess_mean", "excess_p90", "high_excess_rate", "sentence_excess_p75",
            "log_words", "common_excess_mean", "common_excess_p90", "common_high_rate")
#: A word whose excess surprisal is at least this many bits counts as highly unexpected.
HIGH_EXCESS_BITS = 6.0
#: Common words (Zipf at least this): informal or rare vocabulary aside, a common word in a place
#: no writer would put it is the mark of machine translation.
COMMON_ZIPF = 4.5
COMMON_HIGH_BITS = 3.0
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def unigram_bits(zipf: float) -> float:
    """The surprisal of a word from its English frequency alone (Zipf scale -> bits)."""
    return (9 - zipf) * math.log2(10) if zipf > 0 else 30.0


def sentence_words(text: str, span: tuple[int, int], tokens: list[tuple[int, int, float]]) -> list[list[float]]:
    """``[excess bits, zipf]`` of each word of one sentence (``tokens`` in sentence offsets): its
    bits in context minus its bits by frequency, and its frequency. The first word is left out (it
    is conditioned on nothing but the start of text)."""
    s, e = span
    ends = [b for _, b, _ in tokens]
    out = []
    for m in _WORD.finditer(text, s, e):
        ws, we = m.start() - s, m.end() - s
        if ws == 0:
            continue
        bits = 0.0
        for k in range(bisect.bisect_right(ends, ws), len(tokens)):  # no copy of the tail per word
            a, _end, x = tokens[k]
            if a >= we:
                break
            bits += x
        z = lexicon.zipf(m.group().lower())
        out.append([bits - unigram_bits(z), z])
    return out


def _quantile(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    ys = sorted(xs)
    return ys[min(len(ys) - 1, int(q * len(ys)))]


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def features_of(words: list[list[list[float]]], bits: float, n_tokens: int) -> dict[str, float]:
    """The feature vector of a text from its sentences' ``[excess, zipf]`` words and total bits."""
    flat = [x for ws in words for x, _ in ws]
    common = [x for ws in words for x, z in ws if z >= COMMON_ZIPF]
    sent = [_mean([x for x, _ in ws]) for ws in words if ws]
    return {
        "bits_per_token": bits / n_tokens if n_tokens else 0.0,
        "excess_mean": _mean(flat),
        "excess_p90": _quantile(flat, 0.9),
        "high_excess_rate": sum(x >= HIGH_EXCESS_BITS for x in flat) / len(flat) if flat else 0.0,
        "sentence_excess_p75": _quantile(sent, 0.75),
        "log_words": math.log1p(len(flat)),
        "common_excess_mean": _mean(common),
        "common_excess_p90": _quantile(common, 0.9),
        "common_high_rate": sum(x >= COMMON_HIGH_BITS for x in common) / len(common) if common else 0.0,
    }


def document_words(text: str, lm_output) -> tuple[list[list[list[float]]], list[float], list[int]]:
    """Per sentence: its words' ``[excess, zipf]``, its total bits and its token count."""
    words = [sentence_words(text, span, toks) for span, toks in zip(lm_output.spans, lm_output.tokens)]
    return words, [sum(b for _, _, b in t) for t in lm_output.tokens], [len(t) for t in lm_output.tokens]


def document_features(text: str, lm_output) -> tuple[dict[str, float], list[dict[str, float]]]:
    """The article's features and each sentence's (the same features over that sentence)."""
    words, bits, ntok = document_words(text, lm_output)
    art = features_of(words, sum(bits), sum(ntok))
    return art, [features_of([w], b, n) for w, b, n in zip(words, bits, ntok)]


@dataclass(frozen=True)
class GarbleModel:
    """A logistic head over standardised features, as trained and saved by scripts/train_garble.py."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    manifest_sha256: str
    card: dict

    @classmethod
    def from_dict(cls, d: dict) -> GarbleModel:
        feats = tuple(d["features"])
        if set(feats) - set(FEATURES):
            raise ValueError(f"unknown features {sorted(set(feats) - set(FEATURES))}")
        for key in ("mean", "scale", "coef"):
            if len(d[key]) != len(feats):
                raise ValueError(f"{key} has {len(d[key])} values for {len(feats)} features")
        if not 0 < float(d["threshold"]) < 1:
            raise ValueError("threshold must lie between 0 and 1")
        return cls(feats, tuple(map(float, d["mean"])), tuple(map(float, d["scale"])), tuple(map(float, d["coef"])),
                   float(d["intercept"]), float(d["threshold"]), str(d["manifest_sha256"]), d)

    @property
    def signature(self) -> str:
        return f"garble:{self.manifest_sha256[:8]}@{self.threshold:g}"

    def probability(self, feats: dict[str, float]) -> float:
        z = self.intercept + sum(c * (feats[f] - m) / s for f, m, s, c in
                                 zip(self.features, self.mean, self.scale, self.coef))
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


@lru_cache(maxsize=2)
def load_model(path: Path = MODEL_FILE) -> GarbleModel | None:
    """The shipped garble head, or None when none has been trained yet."""
    if not path.is_file():
        return None
    try:
        return GarbleModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: invalid garble model card: {e}") from None
