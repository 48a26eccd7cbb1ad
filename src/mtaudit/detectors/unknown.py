"""UNK: words that are not English and not a known name."""
from __future__ import annotations

import re

from .. import defaults, lexicon
from ..model import Category, Severity
from . import Context, Rule

PREFIX = "UNK"


class UnknownWord(Rule):
    """
    ## What it does
    Flags a lowercase word that is in neither the English word-frequency
    list (wordfreq, "large" list) nor a glossary: a source-language word the
    engine left untranslated, or a half-built compound.

    ## Why is this bad
    A reader of the English article cannot understand it.

    ## Example
    The tifosi celebrated the scudettto.

    ## Use instead
    The fans celebrated the league title.
    """

    code = "UNK001"
    name = "unknown-word"
    category = Category.UNTRANSLATED
    severity = Severity.MINOR


RULES = (UnknownWord,)

_WORD = re.compile(r"(?<![\w'’@/.#-])[^\W\d_]+(?:['’-][^\W\d_]+)*(?![\w'’@/-]|\.\w)")


def check(ctx: Context):
    text = ctx.text
    for m in _WORD.finditer(text):
        w = m.group()
        if not w[0].islower() or len(w) < defaults.UNKNOWN_MIN_LEN or ctx.names.is_known_name(w):
            continue
        if lexicon.zipf(w) >= defaults.UNKNOWN_MAX_ZIPF:
            continue
        yield UnknownWord.finding(ctx, m.start(), m.end(), f"'{w}' is not an English word", (),
                                  confidence=0.5, evidence={"zipf": lexicon.zipf(w)})
