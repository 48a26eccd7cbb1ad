"""TYP: spacing, hyphenation and casing of ordinary words."""
from __future__ import annotations

import re

from ..model import Applicability, Category, Severity
from ..rulebase import Context, LMPolicy, Rule

PREFIX = "TYP"


class SpaceBeforeHyphen(Rule):
    """
    ## What it does
    Flags a hyphenated word split by a space before the hyphen ("mid
    -February", "non -governmental").

    ## Why is this bad
    Engines re-tokenise hyphens as separate tokens and join them back
    wrongly; the result is not English typography.

    ## Example
    In mid -February the talks resumed.

    ## Use instead
    In mid-February the talks resumed.
    """

    code = "TYP001"
    name = "space-before-hyphen"
    category = Category.TYPOGRAPHY
    severity = Severity.MINOR
    lm_policy = LMPolicy(verify=True)


class ShoutedFunctionWord(Rule):
    """
    ## What it does
    Flags a function word in capitals ("AND", "THE", "OF") beside a
    capitalised word (a name or title) inside a sentence that is otherwise in
    ordinary case. Between lowercase words a capital is emphasis ("you HAVE
    to") and is left alone.

    ## Why is this bad
    It is copied from a source-language byline or a markup label and reads
    as shouting.

    ## Example
    Nataliya Vasilyeva AND Tyler Pager contributed reporting.

    ## Use instead
    Nataliya Vasilyeva and Tyler Pager contributed reporting.
    """

    code = "TYP002"
    name = "capitalised-function-word"
    category = Category.TYPOGRAPHY
    severity = Severity.MINOR
    lm_policy = LMPolicy(verify=True)


RULES = (SpaceBeforeHyphen, ShoutedFunctionWord)

_SPACE_HYPHEN = re.compile(r"(?<![\w-])([^\W\d_]+) -([^\W\d_]{2,})(?![\w-])")
_FUNCTION = {"AND", "THE", "OF", "OR", "BUT", "WITH", "FOR", "FROM", "IN", "ON", "TO", "BY", "AT", "THAT", "THIS",
             "WHICH", "ARE", "WAS", "WERE", "HAS", "HAVE", "HAD", "NOT", "ITS", "HIS", "HER", "THEIR", "AS"}


def check(ctx: Context):
    text = ctx.text
    for m in _SPACE_HYPHEN.finditer(text):
        rep = f"{m.group(1)}-{m.group(2)}"
        yield SpaceBeforeHyphen.finding(ctx, m.start(), m.end(), f"space before the hyphen in '{rep}'", [rep],
                                        applicability=Applicability.SAFE, confidence=0.9)
    for s, e in ctx.doc.sentences:
        words = [(t.start, t.text) for t in ctx.doc.bare_words(s, e) if t.text.isascii() and t.text.isalpha()]
        upper = sum(1 for _, w in words if w.isupper() and len(w) > 1)
        if upper * 3 > len(words):  # a headline or label in capitals
            continue
        for i, (pos, w) in enumerate(words):
            if w in _FUNCTION and 0 < i < len(words) - 1:
                neighbours = (words[i - 1][1], words[i + 1][1])
                if any(n.isupper() and len(n) > 1 for n in neighbours):  # part of an acronym run
                    continue
                # between lowercase words a capital is emphasis ("you HAVE to"; on training texts
                # 9 findings, none in a gold span); the copied label sits beside a name or title
                if not any(n[:1].isupper() for n in neighbours):
                    continue
                yield ShoutedFunctionWord.finding(ctx, pos, pos + len(w), f"'{w}' in capitals", [w.lower()],
                                                  applicability=Applicability.SAFE, confidence=0.85)
