"""LMF: language-model fluency, and fix verification for every detector.

Three uses of the model's per-token surprisal (bits), sentence by sentence:

* a fluency score per sentence and per article (mean bits per token);
* the LMF001 detector: an ordinary lowercase word far more surprising in
  its context than its own frequency predicts (excess surprisal = the
  model's bits minus the word's unigram bits from wordfreq), so rare but
  correct names, which are surprising everywhere, are not flagged;
* fix verification (after LM-Critic): each candidate fix is scored in its
  sentence; the gain in bits ranks the suggestions, sets the confidence and
  drops candidates the model rejects. Glossary variants (safe name fixes)
  are never overruled: the model prefers Kiev to Kyiv.
"""
from __future__ import annotations

import bisect
import math
import re

from . import defaults, lexicon
from .model import Applicability, Category, Finding, Severity
from .rulebase import Context, Rule
from .spans import Intervals

PREFIX = "LMF"


class DisfluentWord(Rule):
    """
    ## What it does
    Flags an ordinary word that the language model (SmolLM2-135M) finds far
    more surprising in its sentence than the word's own frequency predicts.
    The evidence gives the model's bits, the word's unigram bits and the
    article's mean bits per token.

    ## Why is this bad
    A common word in a context where no English writer would put it is the
    mark of a wrong word sense picked by the engine (a false friend).

    ## Example
    The army used hilly land to obtain better fire control on the approaching.

    ## Use instead
    The army used the high ground to get better fire control over the
    approaches.
    """

    code = "LMF001"
    name = "disfluent-word"
    category = Category.UNIDIOMATIC
    severity = Severity.MINOR


RULES = (DisfluentWord,)

# codes whose fixes the model may re-rank and reject; names from the glossary are not among them
VERIFIED_PREFIXES = ("CLQ", "ORD", "REP", "NAM002", "CON", "TYP", "NUM")
_WORD = re.compile(r"(?<![\w'’-])[a-z]+(?![\w'’-])")


def _unigram_bits(word: str) -> float:
    z = lexicon.zipf(word)
    return 9 * math.log2(10) - z * math.log2(10) if z > 0 else 30.0


def _window(text: str, s: int, e: int, start: int, end: int) -> tuple[int, int]:
    """The part of sentence [s, e) around [start, end) that a fix is judged in:
    up to LM_WINDOW_BEFORE words before it and LM_WINDOW_AFTER words after."""
    before = [m.start() for m in re.finditer(r"\S+", text[s:start])]
    if len(before) > defaults.LM_WINDOW_BEFORE:
        s = s + before[-defaults.LM_WINDOW_BEFORE]
    after = [m.end() for m in re.finditer(r"\S+", text[end:e])]
    if len(after) > defaults.LM_WINDOW_AFTER:
        e = end + after[defaults.LM_WINDOW_AFTER - 1]
    return s, e


class Fluency:
    """Runs the model over a document's sentences and applies its three uses."""

    def __init__(self, model, excess_bits: float = defaults.LM_EXCESS_BITS,
                 reject_bits: float = defaults.LM_REJECT_BITS):
        self.model = model
        self.excess_bits = excess_bits
        self.reject_bits = reject_bits

    def sentence_scores(self, doc) -> tuple[list[dict], list[list[tuple[int, int, float]]], float | None]:
        spans = doc.sentences
        toks = self.model.surprisal([doc.text[s:e] for s, e in spans])
        out, total_bits, total_n = [], 0.0, 0
        for (s, e), tk in zip(spans, toks):
            bits = sum(b for _, _, b in tk)
            out.append({"start": s, "end": e, "bits_per_token": round(bits / max(1, len(tk)), 3)})
            total_bits += bits
            total_n += len(tk)
        return out, toks, (round(total_bits / total_n, 3) if total_n else None)

    def detect(self, ctx: Context, toks, taken: list[tuple[int, int]], article_bpt: float | None):
        text = ctx.text
        taken_spans = Intervals(taken)
        for (s, e), tk in zip(ctx.doc.sentences, toks):
            ends = [b + s for _, b, _ in tk]  # token offsets ascend: a word's tokens are one run
            for m in _WORD.finditer(text, s, e):
                ws, we = m.span()
                if ws == s or taken_spans.overlaps(ws, we):
                    continue
                rel = []
                for a, b, x in tk[bisect.bisect_right(ends, ws):]:
                    if a + s >= we:
                        break
                    rel.append((a + s, b + s, x))
                if not rel:
                    continue
                bits = sum(x for _, _, x in rel)
                uni = _unigram_bits(m.group())
                excess = bits - uni
                if excess < self.excess_bits:
                    continue
                conf = min(0.9, 0.4 + (excess - self.excess_bits) / 20)
                yield DisfluentWord.finding(
                    ctx, ws, we, f"'{m.group()}' is unexpected here ({bits:.1f} bits in context, "
                                 f"{uni:.1f} bits by frequency)", (), confidence=conf,
                    evidence={"bits": round(bits, 2), "unigram_bits": round(uni, 2), "excess_bits": round(excess, 2),
                              "article_bits_per_token": article_bpt})

    def verify(self, doc, findings: list[Finding]) -> list[Finding]:
        """Score each candidate fix in its sentence; re-rank, set confidence, drop rejected ones."""
        text = doc.text
        jobs = []  # (finding, sentence span, [variant texts])
        for f in findings:
            if not f.fixes or not f.code.startswith(VERIFIED_PREFIXES) \
                    or all(fx.applicability == Applicability.SAFE for fx in f.fixes):
                continue
            s, e = doc.sentence_at(f.start)
            if f.end > e or s == e:
                continue
            s, e = _window(text, s, e, f.start, f.end)
            variants = [text[s:f.start] + fx.replacement + text[f.end:e] for fx in f.fixes]
            jobs.append((f, (s, e), variants))
        if not jobs:
            return findings
        batch = []
        for _, (s, e), variants in jobs:
            batch.append(text[s:e])
            batch.extend(variants)
        totals = iter(self.model.total_bits(batch))
        drop = set()
        for f, _span, variants in jobs:
            base = next(totals)
            gains = [base - next(totals) for _ in variants]
            # the rule's order stands unless the model prefers another suggestion decisively
            ranked = list(zip(gains, f.fixes))
            best_i = max(range(len(gains)), key=lambda i: gains[i])
            if gains[best_i] - gains[0] >= defaults.LM_RERANK_BITS:
                ranked.insert(0, ranked.pop(best_i))
            if f.min_lm_gain is not None and max(gains) < f.min_lm_gain:  # a hypothesis the model does not confirm
                drop.add(id(f))
                continue
            keep_all = f.code.startswith("NAM")  # the glossary wins over the model for names
            kept = [(g, fx) for g, fx in ranked if keep_all or g >= -self.reject_bits]
            if not kept and f.code.startswith(defaults.LM_DROP_WHEN_REJECTED):
                drop.add(id(f))
                continue
            if not keep_all:
                # the model may reject every rewrite of a kept finding; the rule's own
                # first suggestion then stands (a 135M model is no authority on idiom)
                f.fixes = [fx for _, fx in kept] or [f.fixes[0]]
            best = max(gains)
            f.confidence = round(min(0.99, max(0.05, f.confidence + best / 40)), 3)
            f.evidence = {**(f.evidence or {}), "lm_gain_bits": [round(g, 2) for g in gains]}
        return [f for f in findings if id(f) not in drop]
