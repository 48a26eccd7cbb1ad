"""UNK: words that are not English and not a known name."""
from __future__ import annotations

import re

from .. import defaults, lexicon
from ..model import Category, Severity
from ..rulebase import Context, Rule

PREFIX = "UNK"


class UnknownWord(Rule):
    """
    ## What it does
    Flags a lowercase word that is in neither the English word-frequency
    list (wordfreq, "large" list) nor a glossary: a source-language word the
    engine left untranslated, or a half-built compound. A word with a letter
    three times in a row ("noooo", an expressive spelling no engine writes),
    a ticker after "$", and English word formation from common English words
    (a prefix: "postediting", "reshore"; a compound of two words:
    "saucemaking"; an inflection: "cheesier", "cardinally") are left alone.

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


class SourceWord(Rule):
    """
    ## What it does
    Flags a lowercase word that is rare in English but common in one of the
    pivot languages (Spanish, German, French, Italian, Portuguese, Dutch,
    Polish, Turkish word lists from wordfreq; Russian and Ukrainian words in
    their romanised spelling, hromada for громада): a source word the engine
    left untranslated. The evidence names the language.

    ## Why is this bad
    An English reader cannot understand "the afición" or "the rentrée"; the
    engine passed the word through instead of translating it.

    ## Example
    The afición celebrated the goleada in the derbi.

    ## Use instead
    The fans celebrated the rout in the derby.
    """

    code = "UNK002"
    name = "source-language-word"
    category = Category.UNTRANSLATED
    severity = Severity.MAJOR


RULES = (UnknownWord, SourceWord)
#: A letter three times in a row: an expressive spelling (written by people, not engines; on the
#: training round trips and dev articles it never lay in a gold span, on clean text it was 5 of 51
#: UNK001 false alarms).
_ELONGATED = re.compile(r"([^\W\d_])\1\1", re.IGNORECASE)
#: Prefixes English writers attach freely (coinages such as "postbacklash" are not MT: on the
#: training round trips and dev articles UNK001 on them never lay in a gold span).
PREFIXES = ("counter", "post", "pre", "re", "un", "non", "anti", "over", "under", "mis", "co", "sub",
            "super", "inter", "multi", "semi", "out", "de", "dis", "hyper", "micro", "mega", "mini",
            "ultra", "cross", "self")


#: Inflectional endings, each with what it replaced at the end of the stem (chees-ier: -y).
#: With the compounds below, decided on training texts: on the training round trips and dev
#: articles they cover 3 of 990 UNK001 findings in a gold span (UNK002 is checked first), on the
#: training clean originals 9 of 37 UNK001 false alarms.
SUFFIXES = (("ies", "y"), ("ier", "y"), ("iest", "y"), ("ied", "y"), ("s", ""), ("es", ""), ("er", ""),
            ("ers", ""), ("ed", ""), ("ing", ""), ("ly", ""), ("ed", "e"), ("ing", "e"), ("er", "e"),
            ("ers", "e"))


def _prefixed(w: str) -> bool:
    """An English prefix on an English word of at least 4 letters that is common enough."""
    return any(w.startswith(p) and len(w) - len(p) >= 4
               and lexicon.zipf(w[len(p):]) >= defaults.UNKNOWN_PREFIXED_MIN_ZIPF for p in PREFIXES)


def _compound(w: str) -> bool:
    """Two common English words of at least ``UNKNOWN_COMPOUND_MIN_PART`` letters written as one."""
    k, z = defaults.UNKNOWN_COMPOUND_MIN_PART, defaults.UNKNOWN_COMPOUND_MIN_ZIPF
    return any(lexicon.zipf(w[:i]) >= z and lexicon.zipf(w[i:]) >= z for i in range(k, len(w) - k + 1))


def _inflected(w: str) -> bool:
    """An inflectional ending on a common English stem of at least 4 letters."""
    return any(w.endswith(end) and len(w) - len(end) >= 4
               and lexicon.zipf(w[:-len(end)] + stem) >= defaults.UNKNOWN_INFLECTED_MIN_ZIPF
               for end, stem in SUFFIXES)


def _compound_or_inflected(word: str) -> bool:
    """Whether ``word`` is built from common English words as a compound or an inflection (the
    prefixes are checked before UNK002, these after it)."""
    w = word.lower()
    return _compound(w) or _inflected(w)



def check(ctx: Context):
    loans = ctx.res.words("loanwords")
    for m in ctx.doc.bare_words(shield_before="@/.#$", shield_after="@/", no_dot_word=True):
        if not m.letters_only:
            continue
        w = m.text
        if not w[0].islower() or len(w) < defaults.UNKNOWN_MIN_LEN or ctx.names.is_known_name(w) \
                or w.lower() in loans or _ELONGATED.search(w) or _prefixed(w.lower()):
            continue
        en = lexicon.zipf(w)
        if en < defaults.SOURCE_WORD_MAX_EN_ZIPF:
            src = lexicon.source_language(w, defaults.SOURCE_WORD_LANGS, defaults.SOURCE_WORD_MIN_PIVOT_ZIPF,
                                         defaults.SOURCE_WORD_MAX_EN_ZIPF)
            if src is not None:
                spelt = f" ({src[2]})" if src[2].lower() != w.lower() else ""
                yield SourceWord.finding(ctx, m.start, m.end, f"'{w}' is a {src[0]} word{spelt}, not English", (),
                                         confidence=0.7, evidence={"zipf": en, "language": src[0], "language_zipf": src[1],
                                                                   "source_spelling": src[2]})
                continue
        if en >= defaults.UNKNOWN_MAX_ZIPF or _compound_or_inflected(w):  # after UNK002: "mafias"
            continue
        yield UnknownWord.finding(ctx, m.start, m.end, f"'{w}' is not an English word", (),
                                  confidence=0.5, evidence={"zipf": en})
