"""CLQ: calques from the phrase book in the glossaries (rules as data)."""
from __future__ import annotations

from ..model import Category, Severity
from ..phrases import render
from . import Context, Rule

PREFIX = "CLQ"


class Calque(Rule):
    """
    ## What it does
    Flags a phrase that the phrase book (``glossaries/calques.tsv``) lists as
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


RULES = (Calque,)


def check(ctx: Context):
    text = ctx.text
    hits = []
    for rule in ctx.res.calque_rules:
        for m in rule.regex.finditer(text):
            if rule.context is not None:
                s, e = ctx.doc.sentence_at(m.start())
                if not rule.context.search(text[s:e]):
                    continue
            hits.append((m.start(), -m.end(), rule, m))
    # longest match wins where rules overlap
    hits.sort(key=lambda h: (h[0], h[1]))
    last_end = -1
    for start, neg_end, rule, m in hits:
        if start < last_end:
            continue
        last_end = -neg_end
        reps = render(rule, m, text)
        note = f": {rule.note}" if rule.note else ""
        yield Calque.finding(ctx, m.start(), m.end(), f"'{m.group()}' is a calque{note}", reps,
                             severity=rule.severity, category=rule.category, confidence=0.85,
                             evidence={"rule": f"{rule.path.rsplit('/', 1)[-1]}:{rule.line}"})
