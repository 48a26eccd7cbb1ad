"""Input formats (.txt, .md, .html) and inline suppressions.

Markdown and HTML are audited through a *mask*: a copy of the file's text
of exactly the same length in which everything that is not article prose
(code blocks, front matter, URLs, link targets, tags, scripts, styles,
attributes, comments) is replaced by spaces, and block-level tags by line
breaks. Detectors read the mask; every offset therefore refers to the
original file, so line and column numbers land on the source.

Suppressions live in HTML comments (valid in both formats):

``<!-- mtaudit: ignore NAM001 CLQ -->``  codes (or prefixes) to ignore on the
    next non-blank line, or the rest of the line when the comment ends a line
    of text; ``ignore`` alone ignores every code
``<!-- mtaudit: off -->`` ... ``<!-- mtaudit: on -->``  no findings in between
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("txt", "md", "html")
_EXT = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}


def detect_format(path: str | None, explicit: str | None = None) -> str:
    if explicit and explicit != "auto":
        if explicit not in FORMATS:
            raise ValueError(f"unknown input format {explicit!r} (txt, md or html)")
        return explicit
    if path:
        return _EXT.get(Path(path).suffix.lower(), "txt")
    return "txt"


def _blank(text: str, s: int, e: int, out: list[str]) -> None:
    """Replace text[s:e] in the mask with spaces, keeping line breaks."""
    for i in range(s, e):
        if out[i] not in "\r\n":
            out[i] = " "


_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*\n.*?(?:^\1\2[`~]*[ \t]*$|\Z)", re.M | re.S)
_FRONT = re.compile(r"\A(?:---|\+\+\+)[ \t]*\r?\n.*?^(?:---|\+\+\+|\.\.\.)[ \t]*$", re.M | re.S)
_INLINE_CODE = re.compile(r"(`+)[^`\n].*?\1")
_LINK_TARGET = re.compile(r"(\]\()([^)\s]*(?:\s+\"[^\"]*\")?)(\))")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+.*$", re.M)
_URL = re.compile(r"<?\b(?:https?://|www\.)[^\s<>)\]]+>?")
_AUTOLINK = re.compile(r"<[a-z]+://[^>\s]+>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_MARKUP = re.compile(r"^ {0,3}(?:#{1,6}[ \t]|>[ \t]?|[-*+][ \t]|\d+[.)][ \t])|(?<!\w)[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?!\w)", re.M)
_INDENTED_CODE = re.compile(r"(?:(?<=\n\n)|\A)(?: {4}|\t)[^\n]*(?:\n(?: {4}|\t)[^\n]*)*")


def mask_markdown(text: str) -> str:
    out = list(text)
    for rx in (_FRONT, _FENCE, _INDENTED_CODE, _COMMENT, _INLINE_CODE, _REF_DEF, _AUTOLINK):
        for m in rx.finditer(text):
            _blank(text, m.start(), m.end(), out)
    for m in _LINK_TARGET.finditer(text):
        _blank(text, m.start(2) - 2, m.end(3), out)  # "](target)" -> spaces; the link text stays
    for m in re.finditer(r"!?\[(?=[^\]]*\]\()", text):
        _blank(text, m.start(), m.end(), out)
    for m in _URL.finditer(text):
        _blank(text, m.start(), m.end(), out)
    for m in _MD_MARKUP.finditer(text):
        _blank(text, m.start(), m.end(), out)
    return "".join(out)


_BLOCK_TAGS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "td", "th", "table",
               "section", "article", "header", "footer", "blockquote", "pre", "title", "body", "html", "head",
               "nav", "aside", "main", "figure", "figcaption", "hr", "dd", "dt", "dl", "form", "label", "button"}
_RAW = re.compile(r"<(script|style|noscript|template|svg)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"</?([a-zA-Z][\w:-]*)(?:\s[^<>]*)?/?>|<![^>]*>|<\?[^>]*\?>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def mask_html(text: str) -> str:
    out = list(text)
    for rx in (_COMMENT, _RAW):
        for m in rx.finditer(text):
            _blank(text, m.start(), m.end(), out)
    for m in _TAG.finditer(text):
        if out[m.start()] == " " and text[m.start()] != " ":
            continue  # inside a comment or script already blanked
        _blank(text, m.start(), m.end(), out)
        name = (m.group(1) or "").lower()
        if name in _BLOCK_TAGS and "\n" not in text[m.start():m.end()]:
            out[m.start()] = "\n"  # a block boundary ends a line: sentences and chrome lines stop here
    for m in _ENTITY.finditer(text):
        _blank(text, m.start(), m.end(), out)
    return "".join(out)


def mask(text: str, fmt: str) -> str:
    if fmt == "md":
        return mask_markdown(text)
    if fmt == "html":
        return mask_html(text)
    return text


# --- suppressions -------------------------------------------------------------------------------
_DIRECTIVE = re.compile(r"<!--\s*mtaudit:\s*(ignore-garble|ignore|off|on)\b([^>]*?)-->", re.I)
_ANY_DIRECTIVE = re.compile(r"<!--\s*mtaudit\b.*?-->", re.I | re.S)
_CODE = re.compile(r"[A-Z]{3}\d{0,3}(?:/[a-z0-9][a-z0-9-]*)?")


class SuppressionError(Exception):
    pass


@dataclass
class Suppression:
    kind: str  # "ignore" or "off"
    codes: tuple[str, ...]  # empty: every code
    start: int  # the region it covers
    end: int
    line: int  # where the comment is (1-based)
    directive: str
    used: bool = False

    def covers(self, selector: str, s: int, e: int) -> bool:
        """``selector``: the finding's code, or ``CODE/id`` of the data rule that fired."""
        return self.start <= s and e <= self.end and (not self.codes or selector.startswith(self.codes))


@dataclass
class Suppressions:
    items: list[Suppression] = field(default_factory=list)
    ignore_garble: bool = False  # <!-- mtaudit: ignore-garble -->: the garble score does not gate

    def filter(self, findings):
        kept = []
        for f in findings:
            hit = [s for s in self.items if s.covers(f.selector, f.start, f.end)]
            for s in hit:
                s.used = True
            if not hit:
                kept.append(f)
        return kept

    def unused(self) -> list[Suppression]:
        return [s for s in self.items if not s.used]


def parse_suppressions(text: str, path: str | None = None) -> Suppressions:
    """Parse the directives; a malformed one raises SuppressionError naming file and line."""
    for m in _ANY_DIRECTIVE.finditer(text):
        d = _DIRECTIVE.fullmatch(m.group())
        line = text.count("\n", 0, m.start()) + 1
        bad = d is None or (d.group(1).lower() != "ignore" and d.group(2).strip())
        if not bad and d.group(1).lower() == "ignore":
            bad = any(not _CODE.fullmatch(c) for c in d.group(2).replace(",", " ").split())
        if bad:
            raise SuppressionError(f"{path or '<text>'}:{line}: malformed suppression {m.group()!r} "
                                   "(expected 'mtaudit: ignore CODE...', 'mtaudit: off', 'mtaudit: on' or "
                                   "'mtaudit: ignore-garble')")
    items = []
    off_start = None
    ignore_garble = False
    for m in _DIRECTIVE.finditer(text):
        kind = m.group(1).lower()
        line = text.count("\n", 0, m.start()) + 1
        if kind == "ignore-garble":
            ignore_garble = True
            continue
        if kind == "off":
            if off_start is None:
                off_start = (m.end(), line, m.group())
            continue
        if kind == "on":
            if off_start is not None:
                items.append(Suppression("off", (), off_start[0], m.start(), off_start[1], off_start[2]))
                off_start = None
            continue
        codes = tuple(m.group(2).replace(",", " ").split())
        ls = text.rfind("\n", 0, m.start()) + 1
        before = text[ls:m.start()]
        if before.strip():  # trailing comment: the line it ends
            start, end = ls, m.start()
        else:  # the next block: from the next non-blank line to the next blank line
            nxt = re.compile(r"\S").search(text, m.end())
            start = nxt.start() if nxt else len(text)
            blank = re.compile(r"\n[ \t]*\r?\n").search(text, start)
            end = blank.start() if blank else len(text)
        items.append(Suppression("ignore", codes, start, end, line, m.group()))
    if off_start is not None:
        items.append(Suppression("off", (), off_start[0], len(text), off_start[1], off_start[2]))
    return Suppressions(items, ignore_garble)
