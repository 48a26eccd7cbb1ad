"""The garble score: how likely an article (or a sentence) is unedited machine translation.

Features come from the one language-model pass (:class:`mtaudit.fluency.LMOutput`): the raw
surprisal, and each word's *excess* surprisal, its bits in context minus the bits its frequency
alone predicts (a rare name is surprising anywhere; a common word in a garbled phrase is not),
summarised over the article; and three signs of informal human writing that the surprisal
summary cannot see (first and second person, hashtags and the like, sentences starting in lower
case), so that a chatty post is not read as garbled for its higher surprisal; and the rate of the
rules' findings (calques, half-translated names: what a light machine translation leaves); and
the shares of words the word scorer (:mod:`mtaudit.wordscore`) finds suspect and bad. A
logistic head trained by ``scripts/train_garble.py`` on Apertium
round trips of training documents (es, ca, eo) against the same documents' clean originals, and
on the team-written dev articles against their references, turns them into a probability; its weights, scaling, default threshold and the hash of its training
manifest ship as a JSON card (``garble.json`` beside this module), read without the training
library.
"""
from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from . import wordscore

MODEL_FILE = Path(__file__).with_name("garble.json")
#: The features, in the order the card's weights use.
FEATURES = ("bits_per_token", "excess_mean", "excess_p90", "high_excess_rate", "sentence_excess_p75",
            "log_words", "common_excess_mean", "common_excess_p90", "common_high_rate",
            "person_rate", "web_mark_rate", "lower_start_rate", "finding_rate",
            "suspect_word_rate", "bad_word_rate")
#: Features that do not come from the model's pass: zero when a caller does not give them.
TEXT_FEATURES = ("person_rate", "web_mark_rate", "lower_start_rate", "finding_rate", "suspect_word_rate",
                 "bad_word_rate")
#: The word scorer's bars for a suspect and a bad word (the shares of each are features).
SUSPECT_P, BAD_P = 0.3, 0.5
#: A word whose excess surprisal is at least this many bits counts as highly unexpected.
HIGH_EXCESS_BITS = 6.0
#: Common words (Zipf at least this): informal or rare vocabulary aside, a common word in a place
#: no writer would put it is the mark of machine translation.
COMMON_ZIPF = 4.5
COMMON_HIGH_BITS = 3.0
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: First- and second-person words (a contraction counts by its pronoun: I'm, we've).
PERSON = frozenset("i me my mine myself we us our ours ourselves you your yours yourself yourselves".split())
#: Hashtags, mentions, links, emoji, repeated ! or ?, ellipses: the marks of posts and chat.
_WEB_MARK = re.compile(r"(?:^|(?<=\s))[#@]\w|https?://|www\.|[\U0001F300-\U0001FAFF\u2600-\u27BF]|[!?]{2,}|\.{3,}|…")


def sentence_words(text: str, span: tuple[int, int], tokens: list[tuple[int, int, float]]) -> list[list[float]]:
    """``[excess bits, zipf]`` of each word of one sentence (``tokens`` in sentence offsets): its
    bits in context minus its bits by frequency, and its frequency. The first word is left out (it
    is conditioned on nothing but the start of text)."""
    return _excess_rows(wordscore.sentence_words(text, span, tokens), span[0])


_ZIPF, _UNIGRAM = wordscore.FEATURES.index("zipf"), wordscore.FEATURES.index("unigram_bits")


def _excess_rows(words: list[wordscore.Word], start: int) -> list[list[float]]:
    """:func:`sentence_words` from the word scorer's words of a sentence that starts at ``start``
    (one walk over the tokens serves both; the excess here takes the uncapped bits)."""
    return [[w.raw_bits - w.features[_UNIGRAM], w.features[_ZIPF]] for w in words if w.start != start]


def _quantile(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    ys = sorted(xs)
    return ys[min(len(ys) - 1, int(q * len(ys)))]


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def style_features(text: str, spans: list[tuple[int, int]]) -> dict[str, float]:
    """Signs of informal human writing in ``text`` (its sentences at ``spans``), per word and per
    sentence. Contractions are left out on purpose: round trips keep a quarter of them (Apertium
    expands them), so their weight would learn one engine's habit, not machine translation."""
    words = [m.group().lower() for m in _WORD.finditer(text)]
    n = max(1, len(words))
    starts = [text[a:b].lstrip()[:1] for a, b in spans]
    starts = [c for c in starts if c.isalpha()]
    return {
        "person_rate": sum(re.split(r"['’]", w, maxsplit=1)[0] in PERSON for w in words) / n,
        "web_mark_rate": len(_WEB_MARK.findall(text)) / n,
        "lower_start_rate": sum(c.islower() for c in starts) / len(starts) if starts else 0.0,
    }


def finding_rate(findings, start: int, end: int, words: int) -> float:
    """``log1p`` of the findings per 100 words in ``[start, end)``; ``findings``: those a
    rules-only run makes (the auditor leaves out the rules that need the model)."""
    return _rate(sorted(f.start for f in findings), start, end, words)


def text_features(text: str, spans: list[tuple[int, int]], findings) -> dict[str, float]:
    """The features of a whole text that do not come from the model: :func:`style_features` of
    its sentences at ``spans`` and its :func:`finding_rate`."""
    return {**style_features(text, spans), "finding_rate": finding_rate(findings, 0, len(text), _words(text))}


def _rate(starts: list[int], start: int, end: int, words: int) -> float:
    n = bisect.bisect_left(starts, end) - bisect.bisect_left(starts, start)  # linear in the text overall
    return math.log1p(100 * n / max(1, words))


def features_of(words: list[list[list[float]]], bits: float, n_tokens: int,
                extra: dict[str, float] | None = None) -> dict[str, float]:
    """The feature vector of a text from its sentences' ``[excess, zipf]`` words and total bits,
    and ``extra``: its :func:`style_features` and ``finding_rate`` (zeros when not given)."""
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
        **dict.fromkeys(TEXT_FEATURES, 0.0), **(extra or {}),
    }


def document_words(text: str, lm_output) -> tuple[list[list[list[float]]], list[float], list[int]]:
    """Per sentence: its words' ``[excess, zipf]``, its total bits and its token count."""
    words = [sentence_words(text, span, toks) for span, toks in zip(lm_output.spans, lm_output.tokens)]
    return words, [sum(b for _, _, b in t) for t in lm_output.tokens], [len(t) for t in lm_output.tokens]


def word_scores(text: str, spans, tokens) -> list[list[float]]:
    """Per sentence, the word scorer's probability for each word but the first (empty lists
    when no scorer is installed)."""
    return _scores([wordscore.sentence_words(text, tuple(span), toks) for span, toks in zip(spans, tokens)])


def _scores(words: list[list[wordscore.Word]]) -> list[list[float]]:
    scorer = wordscore.load_scorer()
    if scorer is None:
        return [[] for _ in words]
    return [[scorer.probability(w.features) for w in ws[1:]] for ws in words]


def word_score_features(ps: list[float]) -> dict[str, float]:
    """The shares of words the word scorer finds suspect (>= SUSPECT_P) and bad (>= BAD_P)."""
    n = max(1, len(ps))
    return {"suspect_word_rate": sum(p >= SUSPECT_P for p in ps) / n, "bad_word_rate": sum(p >= BAD_P for p in ps) / n}


def document_features(text: str, lm_output, findings=()) -> tuple[dict[str, float], list[dict[str, float]]]:
    """The article's features and each sentence's (the same features over that sentence);
    ``findings``: the findings a rules-only run makes on ``text``."""
    spans = list(lm_output.spans)
    scored = [wordscore.sentence_words(text, tuple(span), toks) for span, toks in zip(spans, lm_output.tokens)]
    words = [_excess_rows(ws, span[0]) for ws, span in zip(scored, spans)]  # one walk per sentence
    bits, ntok = [sum(b for _, _, b in t) for t in lm_output.tokens], [len(t) for t in lm_output.tokens]
    ps = _scores(scored)
    starts = sorted(f.start for f in findings)
    art = features_of(words, sum(bits), sum(ntok), {**text_features(text, spans, findings),
                                                    **word_score_features([p for s in ps for p in s])})
    sents = []
    for w, b, n, (a, e), p in zip(words, bits, ntok, spans, ps):
        extra = {**style_features(text[a:e], [(0, e - a)]), "finding_rate": _rate(starts, a, e, _words(text[a:e])),
                 **word_score_features(p)}
        sents.append(features_of([w], b, n, extra))
    return art, sents


def _words(text: str) -> int:
    return len(text.split())  # as Document.words counts them


#: The bars of the formal register, in the card's ``formal`` table: most of each informal-writing
#: rate (:func:`style_features`) and the fewest words.
FORMAL_BARS = ("person_rate", "web_mark_rate", "lower_start_rate", "words")


@dataclass(frozen=True)
class RegisterThreshold:
    """A garble threshold by register: ``formal`` for an article in the formal register, ``other``
    for the rest. Formal prose (news, reports) is read at a lower bar, because clean formal
    writing rarely reads as garbled; chat, talks and posts surprise the model by themselves."""

    formal: float
    other: float

    @classmethod
    def of(cls, t: RegisterThreshold | float | None) -> RegisterThreshold | None:
        """``t`` as a register threshold: a plain probability is one bar for both registers."""
        return t if t is None or isinstance(t, cls) else cls(float(t), float(t))

    def at(self, formal: bool | None) -> float:
        return self.formal if formal else self.other

    def to_dict(self) -> dict[str, float]:
        return {"formal": self.formal, "other": self.other}


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
    #: the threshold calibrated on news alone (``--fail-on-garble news``); the general one if absent
    news_threshold: float = 0.0
    #: the default gate's threshold for an article in the formal register (:meth:`is_formal`);
    #: the general one if absent
    formal_threshold: float = 0.0
    #: the bars an article meets to count as formal: at most ``person_rate``, ``web_mark_rate``
    #: and ``lower_start_rate`` and at least ``words`` words (none: no article is formal)
    formal: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_dict(cls, d: dict) -> GarbleModel:
        feats = tuple(d["features"])
        if set(feats) - set(FEATURES):
            raise ValueError(f"unknown features {sorted(set(feats) - set(FEATURES))}")
        for key in ("mean", "scale", "coef"):
            if len(d[key]) != len(feats):
                raise ValueError(f"{key} has {len(d[key])} values for {len(feats)} features")
        for key in ("threshold", "news_threshold", "formal_threshold"):
            if key in d and not 0 < float(d[key]) < 1:
                raise ValueError(f"{key} must lie between 0 and 1")
        formal = d.get("formal") or {}
        if not isinstance(formal, dict) or set(formal) - set(FORMAL_BARS) or \
                (formal and set(formal) != set(FORMAL_BARS)):
            raise ValueError(f"formal must give each of {', '.join(FORMAL_BARS)}")
        return cls(feats, tuple(map(float, d["mean"])), tuple(map(float, d["scale"])), tuple(map(float, d["coef"])),
                   float(d["intercept"]), float(d["threshold"]), str(d["manifest_sha256"]), d,
                   float(d.get("news_threshold", d["threshold"])),
                   float(d.get("formal_threshold", d["threshold"])),
                   tuple((k, float(formal[k])) for k in FORMAL_BARS if k in formal))

    @cached_property  # read on every audit (the report signature); the card is fixed
    def signature(self) -> str:
        formal = f"/{self.formal_threshold:g}" if self.formal else ""
        return f"garble:{self.manifest_sha256[:8]}.{wordscore.weights_digest(self.card)}@{self.threshold:g}{formal}"

    def is_formal(self, feats: dict[str, float], words: int) -> bool:
        """Whether an article with these features and ``words`` words is in the formal register:
        long enough, and at most the card's rates of first and second person, web marks and
        sentences starting in lower case."""
        if not self.formal:
            return False
        bars = dict(self.formal)
        return words >= bars["words"] and all(feats[k] <= bars[k] for k in FORMAL_BARS if k != "words")

    @property
    def default_threshold(self) -> RegisterThreshold:
        """The default gate (``--fail-on-garble model``): a formal article at
        ``formal_threshold``, any other at ``threshold``."""
        return RegisterThreshold(self.formal_threshold if self.formal else self.threshold, self.threshold)

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
