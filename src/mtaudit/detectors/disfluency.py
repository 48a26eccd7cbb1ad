"""LMF: language-model fluency findings (a detector of the second stage: it reads the model's
pass over the document, ``ctx.lm``, and the spans that other rules' findings hold, ``ctx.taken``)."""
from __future__ import annotations

import bisect
import math

from .. import lexicon
from ..model import Category, Severity
from ..rulebase import Context, Rule

PREFIX = "LMF"
#: runs after LM verification, on the findings that stand (a word inside one is not judged again)
STAGE = "after-verify"
REQUIRES = frozenset({"lm"})


class DisfluentWord(Rule):
    """
    ## What it does
    Flags an ordinary word that the language model (SmolLM2-135M) finds far
    more surprising in its sentence than the word's own frequency predicts.
    The evidence gives the model's bits, the word's unigram bits and the
    article's mean bits per token. Opt-in (`--extend-select LMF001`): on
    training round trips about half its findings lie in a gold span (0.39 to
    0.52 by pivot) and it adds about 0.5 false alarms per 1,000 clean words;
    LMD001 (`--deep`) verifies an edit before it flags.

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
    fix_availability = "none"
    requires = frozenset({"lm"})
    opt_in = True


RULES = (DisfluentWord,)


def _unigram_bits(word: str) -> float:
    z = lexicon.zipf(word)
    return 9 * math.log2(10) - z * math.log2(10) if z > 0 else 30.0


def check(ctx: Context):
    lm, taken_spans = ctx.lm, ctx.taken
    excess_bits, article_bpt = lm.excess_bits, lm.bits_per_token
    for (s, e), tk in zip(lm.spans, lm.tokens):
        ends = [b + s for _, b, _ in tk]  # token offsets ascend: a word's tokens are one run
        for w in ctx.doc.bare_words(s, e):
            if not (w.text.isascii() and w.text.isalpha() and w.text.islower()):
                continue
            ws, we = w.start, w.end
            if ws == s or taken_spans.overlaps(ws, we):
                continue
            rel = []
            for k in range(bisect.bisect_right(ends, ws), len(tk)):  # no copy of the sentence's tail per word
                a, b, x = tk[k]
                if a + s >= we:
                    break
                rel.append((a + s, b + s, x))
            if not rel:
                continue
            bits = sum(x for _, _, x in rel)
            uni = _unigram_bits(w.text)
            excess = bits - uni
            if excess < excess_bits:
                continue
            conf = min(0.9, 0.4 + (excess - excess_bits) / 20)
            yield DisfluentWord.finding(
                ctx, ws, we, f"'{w.text}' is unexpected here ({bits:.1f} bits in context, "
                             f"{uni:.1f} bits by frequency)", (), confidence=conf,
                evidence={"bits": round(bits, 2), "unigram_bits": round(uni, 2), "excess_bits": round(excess, 2),
                          "article_bits_per_token": article_bpt})

