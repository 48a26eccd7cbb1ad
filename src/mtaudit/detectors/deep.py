"""LMD: edits the language model prefers (propose, then verify; ``--deep``).

A detector of the second stage that runs only under ``--deep`` (the auditor makes ``deep``
available): in each sentence the garble score marks, at the words the word scorer
(:mod:`mtaudit.wordscore`) finds most suspicious, it proposes local edits (delete the word, swap it
with the next, replace it with one of the model's own likeliest words there or, for a function
word, with another of its class) and keeps an edit when the model reads the changed tokens and the
few after them with fewer bits by a calibrated margin. The sentence runs through the model once;
each candidate runs only its changed tokens and their continuation over the kept keys and values
(:meth:`mtaudit.lm.SmolLM.continuation_bits`). Thresholds come from ``deep.json`` (written by
``scripts/tune_deep.py`` on training round trips only); fixes are display-only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import lexicon
from ..model import Applicability, Category, Severity
from ..rulebase import Context, Rule
from ..wordscore import CONFUSIONS, load_scorer, sentence_words, unigram_bits

PREFIX = "LMD"
STAGE = "after-verify"
REQUIRES = frozenset({"lm", "deep"})
CARD_FILE = Path(__file__).resolve().parents[1] / "deep.json"
EDITS = ("delete", "swap", "replace", "confusion")
_CLASS_OF = {w: c for c, ws in CONFUSIONS.items() for w in ws}


class ModelPreferredEdit(Rule):
    """
    ## What it does
    Under `--deep`, in sentences the garble score marks, tries small edits
    at the words that look most machine-made (delete a word, swap two
    neighbours, replace a word with one the model expects there or a
    function word with another) and flags the word when the language model
    reads the edited sentence with clearly fewer bits. The evidence gives the
    edit, its gain in bits and the word's suspicion score.

    ## Why is this bad
    Machine translation leaves words no writer would choose: a preposition
    carried over from the source, a doubled article, two words in the source
    language's order. Each new article brings artefacts no rule names.

    ## Example
    The government swears not to use the army against the civil.

    ## Use instead
    The government swears not to use the army against civilians.
    """

    code = "LMD001"
    name = "model-preferred-edit"
    category = Category.UNIDIOMATIC
    severity = Severity.MINOR
    fix_availability = "always"
    requires = frozenset({"lm", "deep"})


RULES = (ModelPreferredEdit,)


@dataclass(frozen=True)
class DeepCard:
    """The detector's calibrated settings (``deep.json``)."""

    sentence_garble: float  # search sentences whose garble score is at least this
    word_p: float  # ... at words the word scorer scores at least this
    max_words: int  # ... at most this many per sentence, the most suspicious first
    topk: int  # the model's likeliest words tried as replacements
    confusions: int  # other members of a function word's class tried
    context_tokens: int  # tokens after the edit that its gain is measured over
    min_gain: dict  # edit type -> bits the adjusted gain must reach
    card: dict

    @classmethod
    def from_dict(cls, d: dict) -> DeepCard:
        gains = d["min_gain"]
        if set(gains) != set(EDITS):
            raise ValueError(f"min_gain needs the edit types {list(EDITS)}")
        if not 0 <= float(d["sentence_garble"]) <= 1 or not 0 <= float(d["word_p"]) <= 1:
            raise ValueError("sentence_garble and word_p must lie between 0 and 1")
        ints = {k: int(d[k]) for k in ("max_words", "topk", "confusions", "context_tokens")}
        if any(v < 0 for v in ints.values()):
            raise ValueError("max_words, topk, confusions and context_tokens must be 0 or more")
        return cls(float(d["sentence_garble"]), float(d["word_p"]), **ints,
                   min_gain={k: float(v) for k, v in gains.items()}, card=d)

    @property
    def signature(self) -> str:
        g = ",".join(f"{k}:{self.min_gain[k]:g}" for k in EDITS)
        return f"deep:{self.sentence_garble:g}/{self.word_p:g}/{self.max_words}/{g}"


@lru_cache(maxsize=2)
def load_card(path: Path = CARD_FILE) -> DeepCard:
    try:
        return DeepCard.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ValueError(f"{path}: the deep detector's card is missing (scripts/tune_deep.py)") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}: invalid deep card: {e.msg}") from None
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: invalid deep card: {e}") from None


@dataclass
class Candidate:
    """One proposed edit of a sentence: ``[start, end)`` in the document becomes ``replacement``."""

    start: int
    end: int
    replacement: str
    edit: str
    word: str
    word_p: float
    sentence_garble: float
    sentence: int = 0  # the start of its sentence
    gain: float = 0.0  # bits the model saves over the changed tokens and their continuation
    adjusted: float = 0.0  # the gain less what the words' frequencies alone explain


def _propose(model, sent: str, offsets, prefix, words, card: DeepCard, base: int, sg: float) -> list:
    """Candidates at ``words`` ((word, p) of one sentence, at ``base`` in the document; ``offsets``:
    its tokens' offsets in the sentence) with the sentence each would make."""
    out = []
    tok = model.tok
    for w, p in words:
        a, b = w.start - base, w.end - base
        if a < 1 or sent[a - 1] != " ":
            continue
        k = next((i for i, (_s, e) in enumerate(offsets) if e > a), None)
        if k is None or k == 0:
            continue
        lower = w.text.lower()
        edits = [(a - 1, b, "", "delete")]
        nxt = sent[b:b + 1] == " " and _next_word(sent, b + 1)
        if nxt:
            n_end = b + 1 + len(nxt)
            edits.append((a, n_end, f"{nxt} {w.text}", "swap"))
        logp = None
        if card.topk or (card.confusions and lower in _CLASS_OF):
            logp = model.next_logprobs(prefix, k)
        if card.topk:
            got = 0
            for i in logp.topk(64).indices.tolist():
                piece = tok.id_to_token(i)
                r = piece[1:] if piece.startswith("Ġ") else ""
                if r.isascii() and r.isalpha() and r.islower() and r != lower:
                    edits.append((a, b, r, "replace"))
                    got += 1
                    if got == card.topk:
                        break
        if card.confusions and lower in _CLASS_OF:
            members = [m for m in CONFUSIONS[_CLASS_OF[lower]] if m != lower and all(m != e[2] for e in edits)]
            first = {m: tok.encode(" " + m, add_special_tokens=False).ids[0] for m in members}
            members.sort(key=lambda m: -float(logp[first[m]]))
            edits += [(a, b, m, "confusion") for m in members[:card.confusions]]
        for s, e, rep, kind in edits:
            # a deletion takes the space before the word with it; its finding is the word alone
            start = base + (a if kind == "delete" else s)
            out.append((Candidate(start, base + e, rep, kind, w.text, p, sg, base), sent[:s] + rep + sent[e:]))
    return out


def _next_word(sent: str, i: int) -> str:
    j = i
    while j < len(sent) and (sent[j].isalpha() or sent[j] in "'’-"):
        j += 1
    word = sent[i:j]
    return word if word and word.isascii() and word[0].islower() and word.replace("-", "").replace("'", "").isalpha() else ""


def _marked(ctx: Context, card: DeepCard, scorer) -> list[tuple[int, int, float, list]]:
    """The sentences to search and their words: ``(start, end, sentence garble, [(word, p)])``,
    the ``max_words`` most suspicious plain lower-case words at or above the word bar that no
    other finding holds (not the first word: it follows nothing but the start of text)."""
    lm, text = ctx.lm, ctx.doc.text
    garble = ctx.sentence_garble or [1.0] * len(lm.spans)
    jobs = []
    for (s, e), toks, sg in zip(lm.spans, lm.tokens, garble):
        if sg < card.sentence_garble:
            continue
        words = []
        for w in sentence_words(text, (s, e), toks):
            if w.start == s or not (w.text.isascii() and w.text.isalpha() and w.text.islower()):
                continue
            if ctx.taken is not None and ctx.taken.overlaps(w.start, w.end):
                continue
            p = scorer.probability(w.features)
            if p >= card.word_p:
                words.append((w, p))
        words = sorted(words, key=lambda x: -x[1])[:card.max_words]
        if words:
            jobs.append((s, e, sg, sorted(words, key=lambda x: x[0].start)))
    return jobs


def _changed(ids: list[int], vids: list[int]) -> tuple[int, int]:
    """The common prefix and (then) common suffix lengths of two token lists."""
    p = 0
    while p < min(len(ids), len(vids)) and ids[p] == vids[p]:
        p += 1
    q = 0
    while q < min(len(ids), len(vids)) - p and ids[-1 - q] == vids[-1 - q]:
        q += 1
    return p, q


def _rows(model, prefix, ids, proposals, card: DeepCard) -> list[tuple[Candidate, tuple]]:
    """Each proposal with the row that scores it: the changed tokens and ``context_tokens``
    after them, run over the prefix's kept keys and values; the candidate's ``gain`` holds the
    same tokens' bits before the edit until :func:`candidates` subtracts the after side."""
    out = []
    for cand, variant in proposals:
        vids = model.encode(variant)[0]
        p, q = _changed(ids, vids)
        cont = ids[len(ids) - q:len(ids) - q + card.context_tokens]
        suffix = vids[p:len(vids) - q] + cont
        if p == 0 or not suffix:
            continue
        cand.gain = sum(prefix.bits[p:len(ids) - q + len(cont)])
        out.append((cand, (prefix, p, suffix)))
    return out


def candidates(ctx: Context, card: DeepCard) -> list[Candidate]:
    """Every candidate edit of the marked sentences with its gains (before the thresholds)."""
    from .. import defaults

    model, scorer, text = ctx.model, load_scorer(), ctx.doc.text
    if scorer is None or model is None:
        return []
    jobs = _marked(ctx, card, scorer)
    encs = [model.encode(text[s:e]) for s, e, _, _ in jobs]
    keep = [i for i, (ids, _) in enumerate(encs) if 2 <= len(ids) < defaults.LM_MAX_TOKENS]
    prefixes = model.prefix_pass([encs[i][0] for i in keep])
    rows = []
    for i, prefix in zip(keep, prefixes):
        s, e, sg, words = jobs[i]
        ids, offsets = encs[i]
        rows += _rows(model, prefix, ids, _propose(model, text[s:e], offsets, prefix, words, card, s, sg), card)
    for (cand, _), bits in zip(rows, model.continuation_bits([r for _, r in rows])):
        cand.gain -= sum(bits)
        cand.adjusted = cand.gain - _frequency_credit(cand)
    return [c for c, _ in rows]


def _frequency_credit(c: Candidate) -> float:
    """The part of a gain the words' frequencies alone explain: a more frequent replacement is
    cheaper anywhere; deleting a word saves its own bits, of which its frequency predicts this much."""
    ub = unigram_bits(lexicon.zipf(c.word.lower()))
    if c.edit == "delete":
        return ub
    if c.edit in ("replace", "confusion"):
        return max(0.0, ub - unigram_bits(lexicon.zipf(c.replacement)))
    return 0.0


def select(cands: list[Candidate], card: DeepCard) -> list[Candidate]:
    """The best edit per word over its threshold; edits that overlap a better one are dropped."""
    ok = [c for c in cands if c.adjusted >= card.min_gain[c.edit]]
    ok.sort(key=lambda c: -(c.adjusted - card.min_gain[c.edit]))
    kept: list[Candidate] = []
    for c in ok:
        if all(c.end <= k.start or k.end <= c.start for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def check(ctx: Context):
    card = load_card()
    text = ctx.doc.text
    for c in select(candidates(ctx, card), card):
        span = text[c.start:c.end]
        how = {"delete": f"without '{span}'", "swap": f"as '{c.replacement}'"}.get(c.edit, f"with '{c.replacement}'")
        yield ModelPreferredEdit.finding(
            ctx, c.start, c.end, f"the model reads this more easily {how} ({c.adjusted:.1f} bits)",
            (c.replacement,), applicability=Applicability.DISPLAY_ONLY,
            category=Category.WORD_ORDER if c.edit == "swap" else None,
            confidence=round(min(0.9, 0.5 + (c.adjusted - card.min_gain[c.edit]) / 20), 3),
            evidence={"edit": c.edit, "gain_bits": round(c.gain, 2), "adjusted_bits": round(c.adjusted, 2),
                      "word_score": round(c.word_p, 3), "sentence_garble": round(c.sentence_garble, 3)})
