"""REP: words and phrases doubled by translation."""
from __future__ import annotations

import re

from ..model import Applicability, Category, Severity
from ..rulebase import Context, LMPolicy, Rule

PREFIX = "REP"


class DoubledWord(Rule):
    """
    ## What it does
    Flags the same word written twice in a row ("the the", "said said").

    ## Why is this bad
    A doubled word is a slip a reader notices at once; engines produce it when
    two source words map to one English word.

    ## Example
    The the ministry said.

    ## Use instead
    The ministry said.
    """

    code = "REP001"
    name = "doubled-word"
    category = Category.REPETITION
    severity = Severity.MINOR
    lm_policy = LMPolicy(verify=True)
    narrow = True


class SelfReference(Rule):
    """
    ## What it does
    Flags a word that modifies itself through a preposition: "drones of
    drones", "contrary to the contrary".

    ## Why is this bad
    The source had two different words (an attack "with drones" by "drone
    units"); the translation collapsed them into a loop that says nothing.

    ## Example
    They hit the roads with drones of drones.

    ## Use instead
    They hit the roads with drones.
    """

    code = "REP002"
    name = "self-referential-phrase"
    category = Category.REPETITION
    severity = Severity.MAJOR
    lm_policy = LMPolicy(verify=True, drop_when_rejected=True)


RULES = (DoubledWord, SelfReference)

_DOUBLE = re.compile(r"(?<![\w'’-])([^\W\d_]+)\s+(\1)(?![\w'’-])", re.IGNORECASE)
_LOOP = re.compile(r"(?<![\w'’-])([^\W\d_]{3,})\s+(of|to|for|from|with)\s+(the\s+)?(\1)(?![\w'’-])", re.IGNORECASE)


def check(ctx: Context):
    text = ctx.text
    ok = {w.lower() for w in ctx.res.words("repetition-exceptions")}
    for m in _DOUBLE.finditer(text):
        if f"{m.group(1)} {m.group(2)}".lower() in ok or "\n" in m.group() or len(m.group(1)) < 2 \
                or m.group(2)[:1].isupper():  # "Bora Bora", "Saba Saba" are names
            continue
        yield DoubledWord.finding(ctx, m.start(), m.end(), f"'{m.group(1)}' is doubled", [m.group(1)],
                                  applicability=Applicability.SAFE, confidence=0.9)
    for m in _LOOP.finditer(text):
        phrase = re.sub(r"\s+", " ", m.group()).lower()
        if phrase in ok or "\n" in m.group():
            continue
        word, prep, the = m.group(1), m.group(2).lower(), m.group(3)
        # "contrary to the contrary" keeps its idiom ("to the contrary"); "drones of drones" keeps the noun
        rep = f"{prep} {the or ''}{m.group(4)}".replace("  ", " ") if the else word
        yield SelfReference.finding(ctx, m.start(), m.end(), f"'{m.group()}' refers to itself", [rep],
                                    confidence=0.85)
