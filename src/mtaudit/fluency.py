"""The language model's one pass over a document, and fix verification for every detector.

* :meth:`Fluency.run` scores every sentence once (:class:`LMOutput`: per-token surprisal in bits,
  the sentence and article bits per token); detectors read it as ``ctx.lm`` (LMF001 in
  ``detectors/disfluency.py``, the garble score in ``garble.py``);
* :meth:`Fluency.verify` (after LM-Critic) scores each candidate fix in its sentence; the gain in
  bits ranks the suggestions, sets the confidence and drops candidates the model rejects, as each
  rule's ``lm_policy`` allows (glossary variants are never overruled: the model prefers Kiev to
  Kyiv).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import defaults
from .model import Applicability, Finding
from .rulebase import LMPolicy

PREFIX = "LMF"




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


@dataclass
class LMOutput:
    """The language model's pass over one document, which detectors read as ``ctx.lm``."""

    spans: list[tuple[int, int]]  # the sentences scored
    tokens: list[list[tuple[int, int, float]]]  # per sentence: (start, end, bits), offsets in the sentence
    sentences: list[dict]  # per sentence: start, end, bits_per_token (the JSON report's)
    bits_per_token: float | None  # the article's mean
    excess_bits: float = defaults.LM_EXCESS_BITS  # LMF001's threshold for this run
    #: per sentence, :class:`mtaudit.lm.TokenStats` with the extras the running rules declared
    #: (``Rule.lm_outputs``: entropy, rank, top-k, hidden states); None when none asked
    stats: list | None = None


class Fluency:
    """Runs the model over a document's sentences and applies its three uses."""

    def __init__(self, model, excess_bits: float = defaults.LM_EXCESS_BITS,
                 reject_bits: float = defaults.LM_REJECT_BITS):
        self.model = model
        self.excess_bits = excess_bits
        self.reject_bits = reject_bits

    def run(self, doc, outputs: frozenset = frozenset()) -> LMOutput:
        """The one pass of the model over the document's sentences; ``outputs``: the extras the
        running rules read (their ``lm_outputs``), computed in the same pass."""
        spans = doc.sentences
        texts = [doc.text[s:e] for s, e in spans]
        stats = None
        if outputs:
            stats = self.model.analyse(texts, outputs)
            toks = [[(a, e, b) for (a, e), b in zip(st.offsets, st.bits)] for st in stats]
        else:
            toks = self.model.surprisal(texts)
        out, total_bits, total_n = [], 0.0, 0
        for (s, e), tk in zip(spans, toks):
            bits = sum(b for _, _, b in tk)
            out.append({"start": s, "end": e, "bits_per_token": round(bits / max(1, len(tk)), 3)})
            total_bits += bits
            total_n += len(tk)
        return LMOutput(spans, toks, out, round(total_bits / total_n, 3) if total_n else None, self.excess_bits,
                        stats)

    def verify(self, doc, findings: list[Finding], rules: dict) -> list[Finding]:
        """Score each candidate fix in its sentence; re-rank, set confidence, drop rejected ones,
        as each finding's rule's ``lm_policy`` allows (``rules``: code -> rule class)."""
        text = doc.text
        jobs = []  # (finding, sentence span, [variant texts])
        for f in findings:
            if not f.fixes or not _policy(rules, f).verify \
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
            policy = _policy(rules, f)
            if policy.confirm and f.min_lm_gain is not None and max(gains) < f.min_lm_gain:
                drop.add(id(f))  # a hypothesis the model does not confirm
                continue
            keep_all = policy.never_overruled  # the glossary wins over the model for names
            kept = [(g, fx) for g, fx in ranked if keep_all or g >= -self.reject_bits]
            if not kept and policy.drop_when_rejected:
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


def _policy(rules: dict, f: Finding) -> LMPolicy:
    rule = rules.get(f.code)
    return rule.lm_policy if rule is not None else LMPolicy()
