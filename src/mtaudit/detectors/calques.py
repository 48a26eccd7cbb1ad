"""CLQ: calques from the phrase book in the glossaries (rules as data)."""
from __future__ import annotations

from ..model import Category, Severity
from ..phrases import PatternRule, render, render_pattern
from ..rulebase import Context, LMPolicy, Rule

PREFIX = "CLQ"


class Calque(Rule):
    """
    ## What it does
    Flags a phrase that the phrase book (``glossaries/calques/*.yaml``) lists as
    a word-for-word rendering of a source-language idiom, matched on word
    forms (retired / retires / retiring from ...), optionally only when the
    sentence is about the rule's context (troops, diplomacy, ...).

    ## Why is this bad
    A calque keeps the words of the source and loses its meaning: Italian
    "cessate il fuoco" comes back as "ceased the fire", "hanno contribuito
    relazioni" as "contributed relationships".

    ## Example
    Ukraine agreed to a ceased the fire.

    ## Use instead
    Ukraine agreed to a ceasefire.
    """

    code = "CLQ001"
    name = "calque"
    category = Category.MISTRANSLATION
    severity = Severity.MAJOR
    lm_policy = LMPolicy(verify=True)
    supersedes = ("UNK",)
    narrow = True


class PatternCalque(Rule):
    """
    ## What it does
    Flags a source-language construction described by a general pattern in
    ``glossaries/patterns/*.yaml``: an age as "of 34 years", "in the minute 93",
    "the city Tver", "since centuries", an ordinal written "18.", "the
    Chinese side". With the language model on, the rewrite is scored in its
    sentence and the finding is dropped when the model rejects it.

    ## Why is this bad
    The words are English but the construction is not: it reads as a
    translation and sometimes changes the meaning.

    ## Example
    Griezmann, of 34 years, scored in the minute 93.

    ## Use instead
    Griezmann, 34, scored in the 93rd minute.
    """

    code = "CLQ002"
    name = "source-construction"
    category = Category.UNIDIOMATIC
    severity = Severity.MINOR
    lm_policy = LMPolicy(verify=True, drop_when_rejected=True)
    supersedes = ("UNK",)
    narrow = True


RULES = (Calque, PatternCalque)


def check(ctx: Context):
    text = ctx.text
    hits = []
    for order, (i, m) in enumerate(ctx.res.calque_index.finditer(text)):
        rule = ctx.res.calque_rules[i]
        if rule.context is not None:
            s, e = ctx.doc.sentence_at(m.start())
            if not rule.context.search(text[s:e]):
                continue
        hits.append((m.start(), -m.end(), order, rule, m))
    base = len(hits)
    for rule in ctx.res.pattern_rules:
        for m in rule.regex.finditer(text):
            if m.end() > m.start():
                hits.append((m.start(), -m.end(), base + len(hits), rule, m))
    # longest match wins where rules overlap (then the rule listed first)
    hits.sort(key=lambda h: h[:3])
    last_end = -1
    for start, neg_end, _order, rule, m in hits:
        if start < last_end:
            continue
        last_end = -neg_end
        if isinstance(rule, PatternRule):
            yield PatternCalque.finding(ctx, m.start(), m.end(), f"'{m.group()}' follows the source language"
                                        f"{rule.note_suffix}", [render_pattern(rule, m, ctx.res.countries)],
                                        severity=rule.severity, category=rule.category, confidence=0.7,
                                        evidence={"rule": rule.where}, rule=rule.id)
        else:
            yield Calque.finding(ctx, m.start(), m.end(), f"'{m.group()}' is a calque{rule.note_suffix}",
                                 render(rule, m, text), severity=rule.severity, category=rule.category,
                                 confidence=0.85, evidence={"rule": rule.where}, rule=rule.id)
