"""The HTML report: one self-contained page (inline CSS, no scripts, no network).

The article is shown with each flagged span highlighted by severity; hovering
shows the code, message and suggestion. Every piece of article text is
HTML-escaped, so a ``<script>`` in an article is shown as text.
"""
from __future__ import annotations

from html import escape

from . import garble_bar

CSS = """
body{font:16px/1.6 Georgia,'Times New Roman',serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.15rem;border-bottom:1px solid #ddd;margin-top:2.5rem}
.article{white-space:pre-wrap;background:#fafafa;border:1px solid #e5e5e5;padding:1rem 1.25rem;border-radius:6px}
mark{border-radius:3px;padding:0 1px;cursor:help}
mark.minor{background:#fff3a3}mark.major{background:#ffc28a}mark.critical{background:#ff8f8f}
.summary{font-family:system-ui,sans-serif;font-size:.95rem;margin:.5rem 0 1rem}
.sig{font-family:ui-monospace,monospace;font-size:.8rem;color:#666}
table{border-collapse:collapse;font-family:system-ui,sans-serif;font-size:.85rem;width:100%}
th,td{border-bottom:1px solid #eee;padding:.3rem .4rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.sev{font-weight:600}.sev.minor{color:#8a6d00}.sev.major{color:#b35900}.sev.critical{color:#c00}
.error{color:#c00;font-family:system-ui,sans-serif}
.legend mark{margin-right:.5rem}
span.garble{border-bottom:2px dotted #7a2ea0}
"""

_RANK = {"minor": 1, "major": 2, "critical": 3}


def _tooltip(f) -> str:
    s = f"{f.code} {f.name} ({f.severity.value}): {f.message}"
    if f.suggestions:
        s += f" | suggestion: {f.suggestions[0]!r}"
    return s


def _shaded(sentences) -> list[dict]:
    """Sentences whose garble score is worth shading (the model's view of raw MT)."""
    from .. import defaults

    return [s for s in sentences or () if (s.get("garble") or 0) >= defaults.GARBLE_SHADE_MIN]


def highlight(text: str, findings, sentences=None) -> str:
    """The article as escaped HTML with <mark> elements over flagged spans, and sentences the
    garble score marks shaded (a purple background as strong as the score).

    Overlapping findings split the text into segments; each segment is marked
    with every finding that covers it (``data-findings``) and coloured by the
    most severe one."""
    shade = _shaded(sentences)
    cuts = sorted({0, len(text), *(f.start for f in findings), *(f.end for f in findings),
                   *(s["start"] for s in shade), *(s["end"] for s in shade)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        seg = escape(text[a:b])
        cover = [i for i, f in enumerate(findings) if f.start <= a and b <= f.end]
        if cover:
            top = max(cover, key=lambda i: _RANK[findings[i].severity.value])
            tip = "\n".join(_tooltip(findings[i]) for i in cover)
            seg = (f'<mark class="{findings[top].severity.value}" data-findings="{" ".join(map(str, cover))}" '
                   f'title="{escape(tip, quote=True)}">{seg}</mark>')
        g = next((s["garble"] for s in shade if s["start"] <= a and b <= s["end"]), None)
        if g is not None:
            seg = (f'<span class="garble" style="background-color:rgba(150,70,200,{0.08 + 0.32 * g:.2f})" '
                   f'title="garble {g:.2f}: reads as unedited machine translation">{seg}</span>')
        out.append(seg)
    return "".join(out)


def report_section(r, idx: int = 0) -> str:
    title = escape(str(r.path or "text"))
    if r.error:
        return f'<section id="file-{idx}"><h1>{title}</h1><p class="error">error: {escape(r.error)}</p></section>'
    counts = {k: sum(1 for f in r.findings if f.severity.value == k) for k in ("critical", "major", "minor")}
    s = r.score
    flu = f", fluency {s.fluency_bits_per_token:.2f} bits/token" if s and s.fluency_bits_per_token is not None else ""
    summary = (f"{len(r.findings)} findings ({counts['critical']} critical, {counts['major']} major, "
               f"{counts['minor']} minor) in {r.words} words. MQM score {s.mqm:.2f}{flu}.")
    if r.garble is not None:
        verdict = " - fails the gate" if r.garble_failed else (" - ignored" if r.garble_ignored else "")
        summary += (f" Garble {r.garble:.2f} (probability of unedited machine translation{garble_bar(r)}){verdict}; "
                    "shaded sentences read as raw MT.")
    doc = r.document
    rows = []
    for i, f in enumerate(r.findings):
        line, col = doc.line_col(f.start)
        sugg = escape(f.suggestions[0]) if f.suggestions else ""
        if f.suggestions and f.suggestions[0] == "":
            sugg = "<i>(delete)</i>"
        rows.append(f'<tr data-finding="{i}"><td>{line}:{col}</td><td>{escape(f.code)}</td>'
                    f'<td class="sev {f.severity.value}">{f.severity.value}</td><td>{escape(f.text)}</td>'
                    f'<td>{sugg}</td><td>{escape(f.message)}</td></tr>')
    table = ("<table><thead><tr><th>line:col</th><th>code</th><th>severity</th><th>text</th><th>suggestion</th>"
             "<th>message</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>") if rows else "<p>No findings.</p>"
    return (f'<section id="file-{idx}"><h1>{title}</h1><p class="summary">{escape(summary)}</p>'
            f'<div class="article">{highlight(r.text, r.findings, r.sentences)}</div>'
            f"<h2>Findings</h2>{table}<p class=\"sig\">{escape(s.signature)}</p></section>")


def render_html(reports, out) -> None:
    reports = list(reports)
    toc = ""
    if len(reports) > 1:
        toc = "<nav><ul>" + "".join(f'<li><a href="#file-{i}">{escape(str(r.path))}</a></li>'
                                    for i, r in enumerate(reports)) + "</ul></nav>"
    legend = ('<p class="legend summary"><mark class="critical">critical</mark><mark class="major">major</mark>'
              '<mark class="minor">minor</mark> hover a highlight for the code, message and suggestion</p>')
    body = "".join(report_section(r, i) for i, r in enumerate(reports))
    out.write(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
              f'<meta name="viewport" content="width=device-width, initial-scale=1">'
              f"<title>mtaudit report</title><style>{CSS}</style></head>"
              f"<body>{legend}{toc}{body}</body></html>\n")
