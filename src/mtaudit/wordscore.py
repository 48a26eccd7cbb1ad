"""The word scorer: how likely each word of a sentence is a machine-translation artefact.

Features come from the one language-model pass (per-token surprisal, :class:`mtaudit.fluency.LMOutput`)
and the word's English frequency: its bits in context, the bits its frequency alone predicts and
their difference (the *excess*), the same for its neighbours, its sentence's mean excess, and its
shape (capitalised mid-sentence, a function word, out of the lexicon). A logistic head trained by
``scripts/train_scorer.py`` on Apertium round trips of training documents (es, ca, eo), words
labelled by alignment with the original, turns them into a probability. Its weights, scaling and
the hash of its training manifest ship as a JSON card (``wordscore.json`` beside this module),
read without the training library. The deep detector (``detectors/deep.py``) proposes its edits
at the words this scorer marks.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from . import lexicon

MODEL_FILE = Path(__file__).with_name("wordscore.json")
#: The features, in the order the card's weights use.
FEATURES = ("bits", "unigram_bits", "excess", "zipf", "tokens", "max_token_bits", "prev_excess",
            "next_excess", "prev_bits", "next_bits", "sentence_excess", "sentence_bits_per_token",
            "capitalised_mid", "first", "function_word", "out_of_lexicon")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: Closed-class English words: articles, prepositions, pronouns, auxiliaries, conjunctions. The
#: word scorer reads membership as a feature; the deep detector's confusion sets are drawn from it.
CONFUSIONS = {
    "article": ("a", "an", "the"),
    "preposition": ("of", "in", "on", "at", "to", "for", "with", "by", "from", "about", "into", "over",
                    "against", "between", "through", "during", "under", "after", "before", "since"),
    "pronoun": ("he", "she", "it", "they", "we", "him", "her", "them", "us", "his", "its", "their", "our",
                "this", "that", "these", "those", "which", "who", "whom", "whose"),
    "auxiliary": ("is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does",
                  "did", "will", "would", "can", "could", "may", "might", "should", "must"),
    "conjunction": ("and", "or", "but", "as", "if", "than", "so", "because", "while", "when", "where"),
}
FUNCTION_WORDS = frozenset(w for ws in CONFUSIONS.values() for w in ws)
#: A word's surprisal is counted up to this many bits (a broken token run is no more "wrong" past it).
MAX_BITS = 30.0


def weights_digest(card: dict) -> str:
    """Six hex digits of the SHA-256 of a logistic card's weights and scaling: two cards trained on
    the same manifest but on different data (a rebuilt round trip, a new feature) sign apart."""
    keys = ("features", "mean", "scale", "coef", "intercept")
    blob = json.dumps({k: card.get(k) for k in keys}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:6]


def unigram_bits(zipf: float) -> float:
    """The surprisal of a word from its English frequency alone (Zipf scale -> bits)."""
    return (9 - zipf) * math.log2(10) if zipf > 0 else MAX_BITS


@dataclass(frozen=True)
class Word:
    """A word of a sentence with its features (offsets into the document)."""

    start: int
    end: int
    text: str
    features: tuple[float, ...]
    #: its tokens' bits, not capped at MAX_BITS (the garble features read them so)
    raw_bits: float = 0.0


def sentence_words(text: str, span: tuple[int, int], tokens: list[tuple[int, int, float]]) -> list[Word]:
    """Each word of the sentence ``text[span]`` and its :data:`FEATURES`; ``tokens``: the model's
    ``(start, end, bits)`` in sentence offsets."""
    s, e = span
    ends = [b for _, b, _ in tokens]
    raw = []
    for m in WORD.finditer(text, s, e):
        ws, we = m.start() - s, m.end() - s
        bits, mx, n = 0.0, 0.0, 0
        for k in range(bisect.bisect_right(ends, ws), len(tokens)):
            a, _b, x = tokens[k]
            if a >= we:
                break
            bits, mx, n = bits + x, max(mx, x), n + 1
        w = m.group()
        z = lexicon.zipf(w.lower())
        ub = unigram_bits(z)
        raw.append((m.start(), m.end(), w, min(bits, MAX_BITS), ub, z, n, min(mx, MAX_BITS), bits))
    if not raw:
        return []
    excess = [r[3] - r[4] for r in raw]
    mean_excess = sum(excess) / len(excess)
    bpt = sum(min(x, MAX_BITS) for _, _, x in tokens) / max(1, len(tokens))
    out = []
    for i, (a, b, w, bits, ub, z, n, mx, uncapped) in enumerate(raw):
        first = i == 0
        feats = (bits, ub, excess[i], z, float(n), mx,
                 excess[i - 1] if i else 0.0, excess[i + 1] if i + 1 < len(raw) else 0.0,
                 raw[i - 1][3] if i else 0.0, raw[i + 1][3] if i + 1 < len(raw) else 0.0,
                 mean_excess, bpt, float(not first and w[:1].isupper()), float(first),
                 float(w.lower() in FUNCTION_WORDS), float(z == 0))
        out.append(Word(a, b, w, feats, uncapped))
    return out


@dataclass(frozen=True)
class WordScorer:
    """A logistic head over standardised word features, as trained by scripts/train_scorer.py."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    manifest_sha256: str
    card: dict

    @classmethod
    def from_dict(cls, d: dict) -> WordScorer:
        feats = tuple(d["features"])
        if feats != FEATURES:
            raise ValueError(f"features {list(feats)} differ from this version's {list(FEATURES)}")
        for key in ("mean", "scale", "coef"):
            if len(d[key]) != len(feats):
                raise ValueError(f"{key} has {len(d[key])} values for {len(feats)} features")
        if any(float(x) <= 0 for x in d["scale"]):
            raise ValueError("scale values must be positive")
        return cls(feats, tuple(map(float, d["mean"])), tuple(map(float, d["scale"])), tuple(map(float, d["coef"])),
                   float(d["intercept"]), str(d["manifest_sha256"]), d)

    @cached_property  # read on every audit (the report signature); the card is fixed
    def signature(self) -> str:
        return f"words:{self.manifest_sha256[:8]}.{weights_digest(self.card)}"

    def probability(self, feats: tuple[float, ...]) -> float:
        z = self.intercept + sum(c * (x - m) / s for x, m, s, c in zip(feats, self.mean, self.scale, self.coef))
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


@lru_cache(maxsize=2)
def load_scorer(path: Path = MODEL_FILE) -> WordScorer | None:
    """The shipped word scorer, or None when none has been trained yet."""
    if not path.is_file():
        return None
    try:
        return WordScorer.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}: invalid word scorer card: {e.msg}") from None
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: invalid word scorer card: {e}") from None
