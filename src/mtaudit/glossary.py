"""Glossaries: names, terms, calques and page chrome, as plain data files.

Every glossary is a UTF-8 file under ``glossaries/`` (or passed with
``--glossary``). Lines starting with ``#`` and blank lines are ignored. A
TSV file's first other line is a header that says which kind it is:

``canonical  type  variants  accepted  note``
    Names and terms. ``type`` is one of place, country, person,
    organisation, term. ``variants`` (``|``-separated) are spellings machine
    translation produces, fixed safely to ``canonical``; ``accepted`` are other
    spellings newsrooms use that must not be flagged.
``pattern  replacement  category  severity  context  note``
    Calques (see ``mtaudit.phrases`` for the pattern syntax).
``regex  note``
    Web-page chrome: a line matching ``regex`` (case-insensitive, whole line)
    is boilerplate.
``regex  replacement  category  severity  note``
    Pattern calques (general source-language constructions): a Python regex
    and a replacement with ``\\1`` groups and the helpers of ``phrases.HELPERS``
    (``#ord(\\1)``: 93 -> 93rd; ``#country(\\1)``: Chinese -> China, from
    ``demonyms.tsv``; an unknown helper is a load error).
``regex  replacement  min_gain  category  severity  note``
    Word-order hypotheses (ORD003): like pattern calques, but reported only
    when the language model is on and scores the rewrite at least
    ``min_gain`` bits more probable than the text; rules-only audits skip them.
``english  source``
    Half-translated name parts: an English word (South) and the
    ``|``-separated source-language forms it was translated from (Sud|Süd).
``words  note``
    Word lists (repetition exceptions, titles...): one entry per line.

Names may also be given in YAML: a list of mappings with the keys
``canonical``, ``type``, ``variants``, ``accepted``, ``note``.
Any error names the file and line.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from . import defaults
from .errors import GlossaryError

NAME_TYPES = ("place", "country", "person", "organisation", "term")
NAME_HEADER = ("canonical", "type", "variants", "accepted", "note")
CALQUE_HEADER = ("pattern", "replacement", "category", "severity", "context", "note")
CHROME_HEADER = ("regex", "note")
PATTERN_HEADER = ("regex", "replacement", "category", "severity", "note")
ORDER_HEADER = ("regex", "replacement", "min_gain", "category", "severity", "note")
HALF_HEADER = ("english", "source")
WORDS_HEADER = ("words", "note")
KINDS = {NAME_HEADER: "names", CALQUE_HEADER: "calques", CHROME_HEADER: "chrome", HALF_HEADER: "half",
         WORDS_HEADER: "words", PATTERN_HEADER: "patterns", ORDER_HEADER: "order"}




@dataclass
class Row:
    path: str
    line: int
    cells: dict[str, str]
    compiled: object = None  # the rule compiled once at load (calques, patterns, order, chrome)


@dataclass
class NameEntry:
    canonical: str
    type: str
    variants: list[str]
    accepted: list[str]
    note: str
    path: str
    line: int


@dataclass
class Glossary:
    """Everything loaded from glossary files, by kind."""

    names: list[NameEntry] = field(default_factory=list)
    calques: list[Row] = field(default_factory=list)
    chrome: list[Row] = field(default_factory=list)
    patterns: list[Row] = field(default_factory=list)
    order: list[Row] = field(default_factory=list)  # word-order hypotheses the model must confirm
    half: list[Row] = field(default_factory=list)
    words: dict[str, set[str]] = field(default_factory=dict)  # file stem -> entries
    sources: list[str] = field(default_factory=list)
    digest_input: list[bytes] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """A short hash over all loaded glossary files: part of every signature."""
        h = hashlib.sha256()
        for b in self.digest_input:
            h.update(hashlib.sha256(b).digest())
        return h.hexdigest()[:8]

    def extend(self, other: "Glossary") -> None:
        self.names += other.names
        self.calques += other.calques
        self.chrome += other.chrome
        self.patterns += other.patterns
        self.order += other.order
        self.half += other.half
        for k, v in other.words.items():
            self.words.setdefault(k, set()).update(v)
        self.sources += other.sources
        self.digest_input += other.digest_input


def _split(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("|") if v.strip()]


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GlossaryError(path, None, "no such glossary file") from None
    except OSError as e:
        raise GlossaryError(path, None, f"cannot read glossary ({e.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise GlossaryError(path, line, "glossary is not valid UTF-8") from None


def _text_field(path, line, d: dict, key: str) -> str:
    v = d.get(key)
    if v is None:
        return ""
    if not isinstance(v, str):
        raise GlossaryError(path, line, f"{key} must be a string, not {type(v).__name__}")
    return v.strip()


def _name_entry(path, line, d: dict) -> NameEntry:
    canonical = _text_field(path, line, d, "canonical")
    if not canonical:
        raise GlossaryError(path, line, "missing canonical form")
    typ = _text_field(path, line, d, "type")
    if typ not in NAME_TYPES:
        raise GlossaryError(path, line, f"type {typ!r} is not one of {', '.join(NAME_TYPES)}")

    def lst(key):
        v = d.get(key) or []
        if isinstance(v, str):
            return _split(v)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise GlossaryError(path, line, f"{key} must be a list of strings")
        return [x.strip() for x in v if x.strip()]
    variants, accepted = lst("variants"), lst("accepted")
    for v in variants + accepted:
        if v == canonical:
            raise GlossaryError(path, line, f"{v!r} is listed as a variant of itself")
    return NameEntry(canonical, typ, variants, accepted, _text_field(path, line, d, "note"), str(path), line)


def _yaml_entries(path: Path, text: str):
    """The list node of a YAML names glossary (top level, or under ``names:``) and its data."""
    import yaml

    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise GlossaryError(path, mark.line + 1 if mark else None, f"malformed YAML: {getattr(e, 'problem', e)}") from None
    if isinstance(data, dict) and "names" in data:
        data = data["names"]
        root = next(v for k, v in root.value if k.value == "names")
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        line = root.start_mark.line + 1 if root is not None else 1
        raise GlossaryError(path, line, "a YAML glossary is a list of {canonical, type, variants} mappings")
    return data, [n.start_mark.line + 1 for n in root.value]


def _load_yaml(path: Path, text: str) -> Glossary:
    data, lines = _yaml_entries(path, text)
    g = Glossary()
    for item, line in zip(data, lines):
        if not isinstance(item, dict):
            raise GlossaryError(path, line, "each entry must be a mapping")
        unknown = [k for k in item if k not in NAME_HEADER]
        if unknown:
            raise GlossaryError(path, line, f"unknown key {unknown[0]!r}")
        g.names.append(_name_entry(path, line, item))
    return g


def load_file(path: str | Path) -> Glossary:
    path = Path(path)
    text = _read(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        g = _load_yaml(path, text)
    else:
        g = _load_tsv(path, text)
    g.sources.append(str(path))
    g.digest_input.append(text.encode())
    _validate_names(g.names)
    return g


def _load_tsv(path: Path, text: str) -> Glossary:
    g = Glossary()
    header = None
    for no, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = raw.split("\t")
        if header is None:
            header = tuple(c.strip().lower() for c in cells)
            if header not in KINDS:
                raise GlossaryError(path, no, "unknown header; expected one of: "
                                    + "; ".join("\\t".join(h) for h in KINDS))
            kind = KINDS[header]
            continue
        if len(cells) > len(header):
            raise GlossaryError(path, no, f"{len(cells)} tab-separated fields; the header has {len(header)}")
        row = dict(zip(header, (c.strip() for c in cells)))
        for k in header:
            row.setdefault(k, "")
        _ROW_LOADERS[kind](g, path, no, row)
    if header is None:
        raise GlossaryError(path, None, "glossary has no header line")
    return g


def _names_row(g: Glossary, path: Path, no: int, row: dict) -> None:
    g.names.append(_name_entry(path, no, row))


def _calque_row(g: Glossary, path: Path, no: int, row: dict) -> None:
    from .phrases import compile_rule

    r = Row(str(path), no, row)
    r.compiled = compile_rule(r)  # validates it too
    g.calques.append(r)


def _chrome_row(g: Glossary, path: Path, no: int, row: dict) -> None:
    import re

    from .regexguard import compile_checked

    try:
        compile_checked(row["regex"])  # alone, so that an error speaks of the rule as written
    except ValueError as e:
        raise GlossaryError(path, no, str(e)) from None
    # a whole line, case-insensitive, surrounding blanks allowed
    chrome = re.compile(r"\s*(?:" + row["regex"] + r")\s*", re.IGNORECASE)
    g.chrome.append(Row(str(path), no, row, chrome))


def _pattern_row(kind: str):
    def load(g: Glossary, path: Path, no: int, row: dict) -> None:
        from .phrases import compile_pattern

        r = Row(str(path), no, row)
        r.compiled = compile_pattern(r)  # validates it too
        getattr(g, kind).append(r)
    return load


def _half_row(g: Glossary, path: Path, no: int, row: dict) -> None:
    if not row["english"] or not _split(row["source"]):
        raise GlossaryError(path, no, "need an English part and at least one source form")
    g.half.append(Row(str(path), no, row))


def _words_row(g: Glossary, path: Path, no: int, row: dict) -> None:
    if not row["words"]:
        raise GlossaryError(path, no, "empty entry")
    g.words.setdefault(path.stem, set()).add(row["words"])


#: How a row of each kind of TSV glossary is loaded (validated, compiled, added).
_ROW_LOADERS = {"names": _names_row, "calques": _calque_row, "chrome": _chrome_row,
                "patterns": _pattern_row("patterns"), "order": _pattern_row("order"), "half": _half_row,
                "words": _words_row}


def _validate_names(entries: list[NameEntry]) -> None:
    seen: dict[str, NameEntry] = {}
    for e in entries:
        for v in e.variants:
            other = seen.get(v)
            if other is not None and other.canonical != e.canonical:
                raise GlossaryError(e.path, e.line, f"variant {v!r} is also a variant of "
                                    f"{other.canonical!r} ({other.path}:{other.line})")
            seen[v] = e


def load(extra: list[str | Path] = (), builtin: bool = True) -> Glossary:
    """Load the shipped glossaries (all files in the data folder) plus ``extra`` files."""
    g = Glossary()
    if builtin:
        folder = defaults.data_dir()
        if not folder.is_dir():
            raise GlossaryError(folder, None, "shipped glossary folder not found")
        for p in sorted(folder.iterdir()):
            if p.suffix.lower() in (".tsv", ".yaml", ".yml") and not p.name.startswith("."):
                g.extend(load_file(p))
    for p in extra:
        g.extend(load_file(p))
    _validate_names(g.names)
    return g
