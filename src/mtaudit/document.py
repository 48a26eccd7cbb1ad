"""A document: decoded text plus paragraphs, sentences and word tokens.

All spans are 0-based, half-open ``(start, end)`` character offsets into
``Document.text``. Lines and columns (1-based, columns in code points, end
column exclusive) are computed on demand for rendering only.
"""
from __future__ import annotations

import bisect
import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import defaults


def content_hash(text: str) -> str:
    """The SHA-256 of a text's UTF-8 bytes: what resume and baselines recognise an article by."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class InputError(Exception):
    """An input that cannot be audited (missing, empty, binary, undecodable...)."""


def decode_bytes(data: bytes, name: str = "<input>") -> str:
    """Decode as score.py does: UTF-8, a leading BOM removed, line endings untouched."""
    if len(data) > defaults.MAX_INPUT_BYTES:
        raise InputError(f"{name}: file is too large ({len(data):,} bytes; limit {defaults.MAX_INPUT_BYTES:,})")
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks like a binary file (NUL bytes), not UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})") from None
    if not text.strip():
        raise InputError(f"{name}: file is empty")
    return text


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def read_text(path: str | Path) -> str:
    """A regular file's text (links followed); anything else is an InputError, never a hang: a
    FIFO, device or socket is refused before it is opened, and opened without blocking."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise InputError(f"{path}: symbolic link loop") from None
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        kind = _kind(st.st_mode)
        raise InputError(f"{path}: is {kind}" if kind.startswith("a") else f"{path}: {kind}")
    if st.st_size > defaults.MAX_INPUT_BYTES:
        raise InputError(f"{path}: file is too large ({st.st_size:,} bytes; limit {defaults.MAX_INPUT_BYTES:,})")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the stat
                raise InputError(f"{path}: {_kind(os.fstat(fh.fileno()).st_mode)}")
            data = fh.read(defaults.MAX_INPUT_BYTES + 1)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    return decode_bytes(data, str(path))


@dataclass(frozen=True)
class Token:
    """A word of :attr:`Document.tokens`: a maximal run of letters and digits, runs joined by one
    inner hyphen or apostrophe (well-known, O'Brien, Zelensky’s)."""

    start: int
    end: int
    text: str

    @property
    def letters_only(self) -> bool:
        """Letters (and inner joiners) only: no digit anywhere (``[^\\W\\d_]`` in a regex)."""
        return all(c.isalnum() and not c.isdecimal() or c in JOINERS for c in self.text)

    @property
    def plain(self) -> bool:
        """One run of letters, no joiner, no digit."""
        return all(c.isalnum() and not c.isdecimal() for c in self.text)


#: What joins two runs into one token, and what a "bare" word may not touch.
JOINERS = "-'’"


# A word: letters/digits joined by inner hyphens or apostrophes.
_WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# Sentence end: . ! ? (plus closing quotes/brackets), then whitespace, then an
# opening quote, capital or digit.
_SENT_END_RE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt", "maj",
    "jr", "sr", "no", "vs", "etc", "inc", "co", "corp", "ltd", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m", "mt", "ft",
}


@dataclass
class Document:
    text: str
    path: str | None = None
    _line_starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", self.text)]

    # --- rendering positions ------------------------------------------------
    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count code points."""
        i = bisect.bisect_right(self._line_starts, offset) - 1
        return i + 1, offset - self._line_starts[i] + 1

    # --- structure -------------------------------------------------------------
    @cached_property
    def words(self) -> int:
        """Whitespace-separated token count: the denominator of per-word rates."""
        return len(self.text.split())

    @cached_property
    def lines(self) -> list[tuple[int, int]]:
        """Each line's span without its line ending."""
        out = []
        for m in re.finditer(r"[^\r\n]*", self.text):
            if m.start() == m.end() and out and out[-1][1] == m.start():
                continue
            out.append((m.start(), m.end()))
        return out

    @cached_property
    def paragraphs(self) -> list[tuple[int, int]]:
        """Blocks separated by blank lines, trimmed of surrounding whitespace."""
        out = []
        for m in re.finditer(r"\S(?:.|\n(?![ \t]*\r?\n))*", self.text):
            s, e = m.start(), m.end()
            while e > s and self.text[e - 1].isspace():
                e -= 1
            out.append((s, e))
        return out

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """Sentences; none crosses a line break (headlines and chrome lines stand alone)."""
        out: list[tuple[int, int]] = []
        for ls, le in self.lines:
            line = self.text[ls:le]
            pieces, pos = [], 0
            for m in _SENT_END_RE.finditer(line):
                before = line[pos:m.start()].split()
                last = before[-1].lower().lstrip("\"'“‘(") if before else ""
                if m.group().startswith(".") and (last in _ABBREV or (len(last) == 1 and last.isalpha())):
                    continue
                pieces.append((pos, m.end()))
                pos = m.end()
            pieces.append((pos, len(line)))
            for s, e in pieces:
                seg = line[s:e]
                if seg.strip():
                    lead = len(seg) - len(seg.lstrip())
                    out.append((ls + s + lead, ls + s + len(seg.rstrip())))
        return out

    @cached_property
    def tokens(self) -> list[Token]:
        """Word tokens (letters and digits with inner hyphens/apostrophes): the one tokenizer the
        detectors share, each filtering by what it looks at (:meth:`bare_words`)."""
        return [Token(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(self.text)]

    @cached_property
    def _token_starts(self) -> list[int]:
        return [t.start for t in self.tokens]

    def bare_words(self, start: int = 0, end: int | None = None, *, shield_before: str = "", shield_after: str = "",
              no_dot_word: bool = False):
        """The tokens inside [start, end) that stand alone: not touching an underscore, hyphen or
        apostrophe (``-ing``, ``'n'``), nor a character of ``shield_before`` before them or of
        ``shield_after`` after them (``@handle``, ``/path``), nor, with ``no_dot_word``, a dot
        followed by a word character (``example.com``). The text after ``end`` is not looked at."""
        text, toks = self.text, self.tokens
        end = len(text) if end is None else end
        before, after = "_" + JOINERS + shield_before, "_" + JOINERS + shield_after
        for i in range(bisect.bisect_left(self._token_starts, start), len(toks)):
            t = toks[i]
            if t.end > end:
                break
            if t.start > 0 and text[t.start - 1] in before:
                continue
            if t.end < end:
                nxt = text[t.end]
                if nxt in after or (no_dot_word and nxt == "." and t.end + 1 < end
                                    and (text[t.end + 1].isalnum() or text[t.end + 1] == "_")):
                    continue
            yield t

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s for s, _ in self.sentences]

    def sentence_at(self, offset: int) -> tuple[int, int]:
        """The sentence holding ``offset`` (sentences are sorted and disjoint), else ``(offset, offset)``."""
        i = bisect.bisect_right(self._sentence_starts, offset) - 1
        if i >= 0:
            s, e = self.sentences[i]
            if s <= offset < e:
                return s, e
        return offset, offset

    def is_sentence_start(self, offset: int) -> bool:
        """True when only opening quotes/brackets stand between the sentence start and ``offset``."""
        s, _ = self.sentence_at(offset)
        return not re.search(r"[^\s\"'“‘(\[]", self.text[s:offset])
