"""Renderers: each reads the same list of reports and writes one format."""
from __future__ import annotations

FORMATS = ("text", "json", "jsonl", "sarif", "github", "junit", "html")


def render(fmt: str, reports, out, *, color: bool | None = None) -> None:
    if fmt == "json":
        from .json import render_json

        render_json(reports, out)
    elif fmt == "jsonl":
        from .json import render_jsonl

        render_jsonl(reports, out)
    elif fmt == "html":
        from .html import render_html

        render_html(reports, out)
    elif fmt == "sarif":
        from .ci import render_sarif

        render_sarif(reports, out)
    elif fmt == "github":
        from .ci import render_github

        render_github(reports, out)
    elif fmt == "junit":
        from .ci import render_junit

        render_junit(reports, out)
    elif fmt == "text":
        from .text import render_text

        render_text(reports, out, color=color)
    else:  # the CLI validates formats; this is for API callers
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
