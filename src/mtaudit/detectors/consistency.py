"""CON: one entity spelled two ways in one article."""
from __future__ import annotations

import re
from collections import Counter

from rapidfuzz import fuzz

from .. import lexicon
from ..model import Category, Severity
from ..nameindex import fold
from ..rulebase import Context, LMPolicy, Rule

PREFIX = "CON"


class InconsistentSpelling(Rule):
    """
    ## What it does
    Flags a rare capitalised word that is spelled almost like another name in
    the same article, at its less frequent spelling (Paroinen ... Parinen).
    Glossary variants are left to NAM001.

    ## Why is this bad
    One person or place spelled two ways makes a reader wonder whether they
    are two; translation through a pivot often garbles only some
    occurrences.

    ## Example
    Pasi Paroinen, a military analyst ... Parinen said.

    ## Use instead
    Pasi Paroinen, a military analyst ... Paroinen said.
    """

    code = "CON001"
    name = "inconsistent-spelling"
    category = Category.NAME
    severity = Severity.MINOR
    lm_policy = LMPolicy(verify=True)


RULES = (InconsistentSpelling,)

_WORD = re.compile(r"(?<![\w'’-])[^\W\d_]{4,}(?![\w'’-])")


def _capitalised(text: str):
    """Capitalised words (any script's letters: Miszalski, Zełenski), with their matches."""
    for m in _WORD.finditer(text):
        w = m.group()
        if w[0].isupper() and w[1:].islower():
            yield m


def check(ctx: Context):
    text = ctx.text
    caps = list(_capitalised(text))
    counts = Counter(m.group() for m in caps)
    # only rare words are candidate names; frequent English words are not compared
    rare = [w for w in counts if lexicon.zipf(w) < 3.0 and ctx.names.variant.get(w) is None]
    pairs = {}
    for i, a in enumerate(rare):
        for b in rare[i + 1:]:
            fa, fb = fold(a), fold(b)  # accents aside: Zełenski ~ Zelenski
            if fa[0] != fb[0] or abs(len(a) - len(b)) > 2 or min(len(a), len(b)) < 5:
                continue
            if fuzz.ratio(fa, fb) >= 85:
                # keep the glossary spelling; otherwise the more frequent one in the article
                ka, kb = ctx.names.is_known_name(a), ctx.names.is_known_name(b)
                if ka == kb and counts[a] == counts[b]:
                    continue
                keep, odd = (a, b) if (ka, counts[a]) > (kb, counts[b]) else (b, a)
                pairs[odd] = keep
    for m in caps:
        keep = pairs.get(m.group())
        if keep:
            yield InconsistentSpelling.finding(ctx, m.start(), m.end(),
                                               f"'{m.group()}' is spelled '{keep}' elsewhere in the article",
                                               [keep], confidence=0.6)
