"""The terminal report: the article with flagged spans highlighted, a table, the score."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import garble_bar

STYLES = {"minor": "black on yellow", "major": "white on dark_orange3", "critical": "bold white on red"}


def render_text(reports, out, *, color: bool | None = None) -> None:
    console = Console(file=out, force_terminal=color, no_color=color is False, highlight=False,
                      width=None if color else 100, soft_wrap=False)
    for r in reports:
        console.rule(Text(str(r.path or "<text>"), style="bold"))
        if r.error:
            console.print(Text(f"error: {r.error}", style="bold red"))
            continue
        body = Text(r.text)
        for f in sorted(r.findings, key=lambda f: f.end - f.start, reverse=True):
            body.stylize(STYLES[f.severity.value], f.start, f.end)
        console.print(body)
        console.print()
        doc = r.document
        table = Table(show_lines=False, expand=False)
        for col in ("line:col", "code", "severity", "text", "suggestion", "message"):
            table.add_column(col, overflow="fold")
        for f in r.findings:
            line, col = doc.line_col(f.start)
            sugg = f.fixes[0] if f.fixes else None
            sugg_txt = "" if sugg is None else (repr(sugg.replacement) if sugg.replacement == "" else
                                               sugg.replacement) + f" ({sugg.applicability.value})"
            table.add_row(f"{line}:{col}", f.code, Text(f.severity.value, style=STYLES[f.severity.value]),
                          f.text if len(f.text) <= 60 else f.text[:57] + "...", sugg_txt, f.message)
        if r.findings:
            console.print(table)
        by = {}
        for f in r.findings:
            by[f.severity.value] = by.get(f.severity.value, 0) + 1
        counts = ", ".join(f"{by.get(k, 0)} {k}" for k in ("critical", "major", "minor"))
        s = r.score
        line = f"{len(r.findings)} findings ({counts}) in {r.words} words. MQM score {s.mqm:.2f} (penalty {s.penalty:g})"
        if s.fluency_bits_per_token is not None:
            line += f", fluency {s.fluency_bits_per_token:.2f} bits/token"
        console.print(Text(line, style="bold"))
        if r.garble is not None:
            console.print(_garble_line(r))
        console.print(Text(s.signature, style="dim"))


def _garble_line(r) -> Text:
    """The article's garble score, the verdict, and the sentences that weigh most in it."""
    verdict = {"fail": " - fails the gate", "pass": " - passes the gate"}.get(r.gate or "", "")
    if r.garble_ignored:
        verdict = " - ignored (mtaudit: ignore-garble)"
    t = Text(f"garble {r.garble:.2f} (probability of unedited machine translation{garble_bar(r)}){verdict}",
             style="bold red" if r.gate == "fail" and r.garble_failed else "bold")
    worst = sorted((s for s in r.sentences or () if "garble" in s), key=lambda s: -s["garble"])[:3]
    for s in worst:
        snippet = " ".join(r.text[s["start"]:s["end"]].split())
        t.append(f"\n  {s['garble']:.2f}  {snippet[:90]}{'...' if len(snippet) > 90 else ''}", style="dim")
    return t
