"""BPL: web-page chrome left in the article."""
from __future__ import annotations

from pathlib import Path

from ..model import Category, Severity
from ..rulebase import Context, Rule

PREFIX = "BPL"


class PageChrome(Rule):
    """
    ## What it does
    Flags a line that is web-page furniture rather than article text: comment
    forms ("Leave a Reply"), share and cookie prompts, newsletter sign-ups.
    The patterns live in ``glossaries/chrome/*.yaml``.

    ## Why is this bad
    Aggregators scrape the page around the article and republish it; the
    chrome tells readers the text was copied by a machine.

    ## Example
    Leave a Reply

    ## Use instead
    (delete the line)
    """

    code = "BPL001"
    name = "page-chrome"
    category = Category.BOILERPLATE
    severity = Severity.CRITICAL
    supersedes = ("",)  # a chrome line is deleted whole: nothing inside it is reported


RULES = (PageChrome,)


def check(ctx: Context):
    text = ctx.text
    for ls, le in ctx.doc.lines:
        line = text[ls:le]
        if not line.strip() or len(line) > 300:
            continue
        for rx, row in ctx.res.chrome_rules:
            if rx.fullmatch(line):
                s = ls + len(line) - len(line.lstrip())
                e = ls + len(line.rstrip())
                yield PageChrome.finding(ctx, s, e, "web-page chrome left in the article", [""],
                                         confidence=0.95, evidence={"rule": f"{Path(row.path).name}:{row.line}"}, rule=row.selector)
                break
