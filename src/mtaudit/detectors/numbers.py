"""NUM: numbers written in the source language's convention."""
from __future__ import annotations

import re

from ..model import Category, Severity
from ..rulebase import Context, LMPolicy, Rule

PREFIX = "NUM"


class DecimalComma(Rule):
    """
    ## What it does
    Flags a decimal comma ("3,75 %", "1,5 million") and a space before a
    per-cent sign left by the source locale.

    ## Why is this bad
    In English a comma groups thousands: "3,75" reads as a typo for 375 or
    3,750.

    ## Example
    Rates rose to 3,75 %.

    ## Use instead
    Rates rose to 3.75%.
    """

    code = "NUM001"
    name = "decimal-comma"
    category = Category.NUMBER_FORMAT
    severity = Severity.MAJOR
    lm_policy = LMPolicy(verify=True)


class DotThousands(Rule):
    """
    ## What it does
    Flags a dot used to group thousands ("4.000 civilians", "1.200.000").

    ## Why is this bad
    In English the dot is the decimal point: "4.000 civilians" reads as four.

    ## Example
    About 4.000 civilians fled.

    ## Use instead
    About 4,000 civilians fled.
    """

    code = "NUM002"
    name = "dot-thousands-separator"
    category = Category.NUMBER_FORMAT
    severity = Severity.MAJOR
    lm_policy = LMPolicy(verify=True)


RULES = (DecimalComma, DotThousands)

# 3,75 / 0,5 (one or two decimals after the comma: three would be a thousands group)
_DEC_COMMA = re.compile(r"(?<![\w.,])(\d+),(\d{1,2})(?![\d,])(\s?%)?")
_DOT_THOUSANDS = re.compile(r"(?<![\w.,])([1-9]\d{0,2})((?:\.\d{3})+)(?![\d.,]*\d)(?=\s+[^\W\d_]|[,;:)])")
_SPACE_PERCENT = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?) %")


def check(ctx: Context):
    text = ctx.text
    for m in _DEC_COMMA.finditer(text):
        # "1,5" after a list-like context ("pages 1,2") is rare in news; accept it
        rep = f"{m.group(1)}.{m.group(2)}" + ("%" if m.group(3) else "")
        yield DecimalComma.finding(ctx, m.start(), m.end(), f"decimal comma in '{m.group()}'", [rep], confidence=0.8)
    for m in _DOT_THOUSANDS.finditer(text):
        after = text[m.end():m.end() + 12].split()
        if after and after[0].lower().rstrip(".,;") in ("percent", "per", "pct", "%", "points", "pts"):
            continue
        rep = m.group(1) + m.group(2).replace(".", ",")
        yield DotThousands.finding(ctx, m.start(), m.end(), f"dot as thousands separator in '{m.group()}'", [rep],
                                   confidence=0.75)
    for m in _SPACE_PERCENT.finditer(text):
        yield DecimalComma.finding(ctx, m.start(), m.end(), "space before the per-cent sign",
                                   [m.group(1) + "%"], severity=Severity.MINOR, confidence=0.7)
