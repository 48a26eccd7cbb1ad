"""Renderers: each reads the same list of reports and writes one format (after ruff)."""
from __future__ import annotations

from importlib import import_module

#: format -> (module, function): the one registry of report formats
RENDERERS = {
    "text": ("text", "render_text"),
    "json": ("json", "render_json"),
    "jsonl": ("json", "render_jsonl"),
    "sarif": ("ci", "render_sarif"),
    "github": ("ci", "render_github"),
    "junit": ("ci", "render_junit"),
    "html": ("html", "render_html"),
}
FORMATS = tuple(RENDERERS)


def garble_bar(r, lead: str = "; ") -> str:
    """``; formal prose; gate at 0.50``: the article's register and the bar the garble gate held it
    to, after ``lead``, as the terminal and HTML reports write them ("" when neither is known)."""
    register = {True: "formal prose", False: "informal or short"}.get(r.garble_formal, "")
    bar = f"gate at {r.garble_threshold:.2f}" if r.garble_threshold is not None else ""
    parts = [x for x in (register, bar) if x]
    return lead + "; ".join(parts) if parts else ""


def render(fmt: str, reports, out, *, color: bool | None = None) -> None:
    if fmt not in RENDERERS:  # the CLI validates formats; this is for API callers
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    mod, fn = RENDERERS[fmt]
    func = getattr(import_module(f"{__name__}.{mod}"), fn)
    if fmt == "text":
        func(reports, out, color=color)
    else:
        func(reports, out)
