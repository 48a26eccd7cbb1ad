"""CON: one entity spelled two ways in one article."""
from __future__ import annotations

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
    Glossary variants are left to NAM001, and a plural (Stylo ... Stylos) is
    not a second spelling.

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



def _plural(a: str, b: str) -> bool:
    """``b`` is ``a`` with an English plural ending: on training texts such pairs (Stylo/Stylos,
    Repnid/Repnids) made 18 CON001 findings, none in a gold span."""
    return b in (a + "s", a + "es")


def _capitalised(doc):
    """Capitalised words of four letters or more (any script's: Miszalski, Zełenski), as tokens."""
    for t in doc.bare_words():
        w = t.text
        if len(w) >= 4 and t.plain and w[0].isupper() and w[1:].islower():
            yield t


def check(ctx: Context):
    caps = list(_capitalised(ctx.doc))
    counts = Counter(t.text for t in caps)
    # only rare words are candidate names; frequent English words are not compared
    rare = [w for w in counts if lexicon.zipf(w) < 3.0 and ctx.names.variant.get(w) is None]
    pairs = {}
    for i, a in enumerate(rare):
        for b in rare[i + 1:]:
            fa, fb = fold(a), fold(b)  # accents aside: Zełenski ~ Zelenski
            if fa[0] != fb[0] or abs(len(a) - len(b)) > 2 or min(len(a), len(b)) < 5:
                continue
            if _plural(fa, fb) or _plural(fb, fa):  # the Stylo, the previous Stylos
                continue
            if fuzz.ratio(fa, fb) >= 85:
                # keep the glossary spelling; otherwise the more frequent one in the article
                ka, kb = ctx.names.is_known_name(a), ctx.names.is_known_name(b)
                if ka == kb and counts[a] == counts[b]:
                    continue
                keep, odd = (a, b) if (ka, counts[a]) > (kb, counts[b]) else (b, a)
                pairs[odd] = keep
    for t in caps:
        keep = pairs.get(t.text)
        if keep:
            yield InconsistentSpelling.finding(ctx, t.start, t.end,
                                               f"'{t.text}' is spelled '{keep}' elsewhere in the article",
                                               [keep], confidence=0.6)
