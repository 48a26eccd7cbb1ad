"""ORD: words left in the source language's order."""
from __future__ import annotations

import re
from functools import lru_cache

from .. import lexicon
from ..model import Category, Severity
from ..phrases import render_pattern
from ..rulebase import Context, LMPolicy, Rule

PREFIX = "ORD"


class TitleAfterName(Rule):
    """
    ## What it does
    Flags a title written after the person's name ("Trump president",
    "Macron president"), the order of Italian, Spanish or French.

    ## Why is this bad
    English puts a title before the name; after it, the title reads as a
    separate noun and the sentence stumbles.

    ## Example
    Claims made by Putin and Trump president.

    ## Use instead
    Claims made by Putin and President Trump.
    """

    code = "ORD001"
    name = "title-after-name"
    category = Category.WORD_ORDER
    severity = Severity.MAJOR
    lm_policy = LMPolicy(verify=True, drop_when_rejected=True)


class PlaceAfterRegion(Rule):
    """
    ## What it does
    Flags a region named with its country in the wrong place: "the Kursk
    Russia region" (Italian "la regione russa di Kursk"), "the Ukraine Sumy
    region".

    ## Why is this bad
    English says whose region it is with a possessive before the name.

    ## Example
    Fighting in the Kursk Russia region.

    ## Use instead
    Fighting in Russia's Kursk region.
    """

    code = "ORD002"
    name = "country-inside-region-name"
    category = Category.WORD_ORDER
    severity = Severity.MAJOR
    lm_policy = LMPolicy(verify=True, drop_when_rejected=True)


class SourceOrder(Rule):
    """
    ## What it does
    Flags words left in the source language's order where a pattern in
    ``glossaries/word-order/*.yaml`` proposes the English order ("gave already
    the", "the policy monetary") and the language model scores the reordered
    words at least the rule's ``min_gain`` bits more probable than the text.
    Without the model these hypotheses are not reported.

    ## Why is this bad
    German, Romance and Slavic sources put adverbs after the verb and
    adjectives after the noun; kept in English, the order reads as
    translation and can blur the meaning.

    ## Example
    The company employs today 4,000 people and raised already its forecast.

    ## Use instead
    The company today employs 4,000 people and has already raised its
    forecast.
    """

    code = "ORD003"
    name = "source-word-order"
    category = Category.WORD_ORDER
    severity = Severity.MINOR
    lm_policy = LMPolicy(verify=True, drop_when_rejected=True, confirm=True)
    requires = frozenset({"lm"})


RULES = (TitleAfterName, PlaceAfterRegion, SourceOrder)

_CAP = r"[A-Z][\w'’.-]*"
_REGION = re.compile(rf"(?<![\w-])(?:(the)\s+)?({_CAP})\s+({_CAP})\s+(region|province|oblast|district)(?![\w-])")


_A_AN = re.compile(r"\b([Aa])n? (?=[AEIOUaeiou])(?!(?:[Ee]u|[Uu]ni|[Uu]s[aeiu]|[Oo]ne\b|[Uu]kr|[Uu]ru|[Uu]zb))")


def _article(s: str) -> str:
    """'a Egyptian source' -> 'an Egyptian source' after a reordering moved a vowel next to 'a'."""
    return _A_AN.sub(lambda m: m.group(1) + "n ", s)


def _country(ctx: Context, word: str):
    m = ctx.names.resolve(word)
    if m is not None and m.entry.type == "country":
        return m.entry.canonical
    return None


_SAFE_NEXT = re.compile(r"\s*[.,;:!?)”\"]|\s+(?:and|or|but|said|says|told|who|has|had|is|was|will|would|"
                        r"on|in|at|to|for|with|during|after|before|last|this|since)\b|\s*$")
_PARTICIPLE_NEXT = re.compile(r"\s+[a-z]+ed\b")


@lru_cache(maxsize=8)
def _title_re(titles: frozenset[str]) -> re.Pattern:
    """A capitalised word followed by one of ``titles`` (longest first), built once per list."""
    alts = "|".join(map(re.escape, sorted(titles, key=len, reverse=True)))
    return re.compile(rf"(?<![\w-])({_CAP})\s+({alts})(?![\w-])")


def check(ctx: Context):
    text = ctx.text
    titles = frozenset(ctx.res.words("titles"))
    if titles:
        for m in _title_re(titles).finditer(text):
            name, title = m.group(1), m.group(2)
            entry = ctx.names.entry_for(name)
            if entry is not None:
                if entry.type != "person":
                    continue
                # a known person: "Lula president celebrated" is wrong whatever follows, unless a noun
                # phrase continues ("the Trump president's" is not English either)
                if not (_SAFE_NEXT.match(text, m.end()) or _PARTICIPLE_NEXT.match(text, m.end())):
                    continue
            elif ctx.doc.is_sentence_start(m.start()) or lexicon.zipf(name) >= 4.0 \
                    or not _SAFE_NEXT.match(text, m.end()):
                continue
            rep = f"{title[:1].upper()}{title[1:]} {name}"
            yield TitleAfterName.finding(ctx, m.start(), m.end(), f"title '{title}' after the name '{name}'",
                                         [rep], confidence=0.85)
    for m in _REGION.finditer(text):
        the, a, b, kind = m.groups()
        ca, cb = _country(ctx, a), _country(ctx, b)
        if cb and not ca:
            rep = f"{cb}'s {a} {kind}"
        elif ca and not cb:
            rep = f"{ca}'s {b} {kind}"
        else:
            continue
        if the and the[0].isupper():
            rep = rep[0].upper() + rep[1:]
        yield PlaceAfterRegion.finding(ctx, m.start(), m.end(), f"country name inside the region name '{m.group()}'",
                                       [rep], confidence=0.85)
    for rule in ctx.res.order_rules:
        for m in rule.regex.finditer(text):
            if m.end() <= m.start():
                continue
            yield SourceOrder.finding(ctx, m.start(), m.end(), f"'{m.group()}' keeps the source word order"
                                      f"{rule.note_suffix}", [_article(render_pattern(rule, m, ctx.res.countries))],
                                      severity=rule.severity, category=rule.category, confidence=0.6,
                                      evidence={"rule": rule.where, "min_gain_bits": rule.min_gain},
                                      min_lm_gain=rule.min_gain, rule=rule.id)
