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

Rules (calques, patterns, word-order hypotheses, page chrome) are YAML rule files, one per
kind and pivot language (``glossaries/calques/it.yaml``): a mapping with ``kind``, ``pivot``
and ``rules``, each rule a mapping with a stable ``id``, the fields of its kind (as the TSV
columns above; a long ``regex`` may be a list of pieces, joined as written; ``replacement``
and ``context`` of a calque may be lists of alternatives) and ``examples``: an ``incorrect``
text with the span the rule flags inside ``<marker>...</marker>``, and a ``correct`` near-miss
it must leave alone. The shipped rules each carry examples, which the tests run; see
``docs/rules/format.md``. Rule TSV files are still read, with a deprecation warning
(``mtaudit glossary convert`` writes the YAML).
Any error names the file and line.
"""
from __future__ import annotations

import hashlib
import re
import sys
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
#: The kinds of rule a YAML rule file may hold, with the fields of a rule of each (besides
#: ``id`` and ``examples``) and the code its findings carry.
RULE_FIELDS = {"calques": CALQUE_HEADER, "patterns": PATTERN_HEADER, "order": ORDER_HEADER,
               "chrome": CHROME_HEADER}
RULE_CODES = {"calques": "CLQ001", "patterns": "CLQ002", "order": "ORD003", "chrome": "BPL001"}
RULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PIVOT = re.compile(r"[a-z]{2,3}|any")
MARKER = re.compile(r"<marker>(.*?)</marker>", re.S)




@dataclass
class Example:
    """A rule's example: ``incorrect`` (markers removed) must be flagged at ``span``, by this rule;
    ``correct``, a near miss, must not be."""

    incorrect: str
    span: tuple[int, int]
    correct: str
    line: int


@dataclass
class Row:
    path: str
    line: int
    cells: dict[str, str]
    compiled: object = None  # the rule compiled once at load (calques, patterns, order, chrome)
    id: str = ""  # the stable rule id (YAML rule files); TSV rows: "<file stem>-<line>"
    pivot: str = "any"
    examples: list[Example] = field(default_factory=list)

    @property
    def selector(self) -> str:
        """``CODE/id``: what select, ignore and inline suppressions may name."""
        return f"{RULE_CODES[self.kind]}/{self.id}"

    kind: str = ""


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

    def rules(self):
        """Every data rule (calques, patterns, word order, chrome), as loaded rows."""
        for kind in RULE_FIELDS:
            yield from getattr(self, kind)

    def rule_ids(self) -> list[str]:
        """The ``CODE/id`` selector of every data rule."""
        return [r.selector for r in self.rules()]

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


def _parse_yaml(path: Path, text: str):
    """The YAML node tree (for line numbers) and the data of a glossary file; GlossaryError with
    the line of a syntax error."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml when present: 7x faster
    try:
        # one parse: the node tree, and the data constructed from it
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise GlossaryError(path, mark.line + 1 if mark else None, f"malformed YAML: {getattr(e, 'problem', e)}") from None
    finally:
        loader.dispose()


def _yaml_entries(path: Path, text: str):
    """The list node of a YAML names glossary (top level, or under ``names:``) and its data."""
    import yaml

    root, data = _parse_yaml(path, text)
    if isinstance(data, dict) and "names" in data:
        data = data["names"]
        root = next(v for k, v in root.value if k.value == "names")
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        line = root.start_mark.line + 1 if root is not None else 1
        raise GlossaryError(path, line, "a YAML glossary is a list of {canonical, type, variants} mappings")
    return data, [n.start_mark.line + 1 for n in root.value]


def _load_yaml(path: Path, text: str) -> Glossary:
    if re.search(r"(?m)^kind\s*:", text):
        return _load_rules_yaml(path, text)
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


def _node_get(node, key: str):
    """The value node under ``key`` of a YAML mapping node (None when absent)."""
    for k, v in getattr(node, "value", ()):
        if getattr(k, "value", None) == key:
            return v
    return None


def _line(node) -> int:
    return node.start_mark.line + 1


def _joined(path, line, rule: dict, key: str, sep: str) -> str:
    """A field that may be a string or a list of strings (joined with ``sep``)."""
    v = rule.get(key)
    if v is None:
        return ""
    if isinstance(v, (int, float)) and not isinstance(v, bool) and key == "min_gain":
        return repr(v)
    if isinstance(v, str):
        return v.strip() if key != "regex" else v
    if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
        return sep.join(v)
    raise GlossaryError(path, line, f"{key} must be a string or a list of strings")


def _examples(path, node, rule: dict, line: int) -> list[Example]:
    raw = rule.get("examples")
    if raw is None:
        return []
    nodes = _node_get(node, "examples")
    if not isinstance(raw, list):
        raise GlossaryError(path, line, "examples must be a list of {incorrect, correct} mappings")
    out = []
    for ex, exn in zip(raw, nodes.value):
        at = _line(exn)
        if not isinstance(ex, dict) or set(ex) - {"incorrect", "correct"} or "incorrect" not in ex:
            raise GlossaryError(path, at, "an example is a mapping with 'incorrect' (and 'correct')")
        bad, good = ex["incorrect"], ex.get("correct", "")
        if not isinstance(bad, str) or not isinstance(good, str):
            raise GlossaryError(path, at, "an example's texts must be strings")
        marks = list(MARKER.finditer(bad))
        if len(marks) != 1:
            raise GlossaryError(path, at, "an incorrect example marks exactly one span with <marker>...</marker>")
        if "<marker>" in good:
            raise GlossaryError(path, at, "a correct example has no <marker>")
        m = marks[0]
        text = bad[:m.start()] + m.group(1) + bad[m.end():]
        out.append(Example(text, (m.start(), m.start() + len(m.group(1))), good, at))
    return out


def _load_rules_yaml(path: Path, text: str) -> Glossary:
    """A YAML rule file: ``kind``, ``pivot``, ``rules`` (see the module docstring)."""
    root, data = _parse_yaml(path, text)
    if not isinstance(data, dict):
        raise GlossaryError(path, 1, "a rule file is a mapping with kind, pivot and rules")
    unknown = set(data) - {"kind", "pivot", "rules", "description"}
    if unknown:
        raise GlossaryError(path, 1, f"unknown key {sorted(unknown)[0]!r} (kind, pivot, rules, description)")
    kind, pivot = data.get("kind"), data.get("pivot", "any")
    if kind not in RULE_FIELDS:
        raise GlossaryError(path, _line(_node_get(root, "kind") or root),
                            f"kind must be one of {', '.join(RULE_FIELDS)}, not {kind!r}")
    if not isinstance(pivot, str) or not PIVOT.fullmatch(pivot):
        raise GlossaryError(path, 1, f"pivot must be a language code (it, es...) or 'any', not {pivot!r}")
    rules, rules_node = data.get("rules"), _node_get(root, "rules")
    if not isinstance(rules, list):
        raise GlossaryError(path, _line(rules_node or root), "rules must be a list of mappings")
    fields = RULE_FIELDS[kind]
    g = Glossary()
    seen: dict[str, int] = {}
    for rule, node in zip(rules, rules_node.value):
        line = _line(node)
        if not isinstance(rule, dict):
            raise GlossaryError(path, line, "each rule must be a mapping")
        unknown = [k for k in rule if k not in fields and k not in ("id", "examples")]
        if unknown:
            raise GlossaryError(path, line, f"unknown key {unknown[0]!r} for a {kind} rule "
                                f"(id, {', '.join(fields)}, examples)")
        rid = rule.get("id")
        if not isinstance(rid, str) or not RULE_ID.fullmatch(rid):
            raise GlossaryError(path, line, f"id must be lowercase words joined by '-', not {rid!r}")
        if rid in seen:
            raise GlossaryError(path, line, f"id {rid!r} is already used at line {seen[rid]}")
        seen[rid] = line
        cells = {k: _joined(path, line, rule, k, "" if k == "regex" else "|") for k in fields}
        row = Row(str(path), line, cells, id=rid, pivot=pivot, kind=kind,
                  examples=_examples(path, node, rule, line))
        _ROW_LOADERS[kind](g, path, line, row)
    return g


def _q(v: str) -> str:
    """A YAML single-quoted scalar (no escapes to read: a regex stays as written)."""
    return "'" + v.replace("'", "''") + "'"


def _pieces(regex: str, width: int = 88) -> list[str]:
    """A long regex cut into pieces that join back to it exactly, before a ``|`` or a group
    that starts near the width (never inside an escape or a character class)."""
    out, cur, i, in_class = [], "", 0, False
    while i < len(regex):
        c = regex[i]
        tok = regex[i:i + 2] if c == "\\" else c
        if not in_class and len(cur) >= width * 0.6 and (c == "|" or regex.startswith("(?", i)):
            out.append(cur)
            cur = ""
        if tok == "[" and not in_class:
            in_class = True
        elif tok == "]" and in_class:
            in_class = False
        cur += tok
        i += len(tok)
    return [*out, cur] if cur else out


def suggest_id(row: Row, pivot: str = "any") -> str:
    """An id for a converted rule: the pivot and the source phrase its note quotes
    ("Italian 'cessate il fuoco'" -> ``it-cessate-il-fuoco``), else the words of its pattern or
    note; at most five words, ASCII."""
    import unicodedata

    def words(s: str) -> list[str]:
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
        return re.findall(r"[a-z0-9]+", s)
    note = row.cells.get("note", "")
    quoted = re.search(r"['\u2018]([^'\u2019]{2,40})['\u2019]", note)
    w = words(quoted.group(1)) if quoted else []
    if sum(map(len, w)) < 3:
        w = words(re.sub(r"[<>{}|]", " ", row.cells.get("pattern", "")) or note.split(":")[0])
    w = w[:5] or ["rule"]
    return "-".join(w) if pivot == "any" else "-".join([pivot, *w])


def convert_tsv(path: Path, pivot: str = "any") -> tuple[str, str, int]:
    """A TSV rule file as YAML: (kind, YAML text, rules). Ids from :func:`suggest_id`, made unique;
    examples are left for the author to write (``mtaudit glossary check`` runs them)."""
    g = load_file(path)
    kinds = [k for k in RULE_FIELDS if getattr(g, k)]
    if not kinds:
        raise GlossaryError(path, None, "not a rule file (calques, patterns, word order or chrome); "
                            "names and word lists stay as they are")
    kind = kinds[0]
    rows, seen = getattr(g, kind), set()
    for r in rows:
        base = suggest_id(r, pivot)
        r.id, n = base, 2
        while r.id in seen:
            r.id, n = f"{base}-{n}", n + 1
        seen.add(r.id)
    return kind, dump_rules(kind, pivot, rows, f"Converted from {path.name} by `mtaudit glossary convert`; "
                            "add examples (incorrect with <marker>...</marker>, correct)."), len(rows)


def dump_rules(kind: str, pivot: str, rows: list[Row], description: str = "") -> str:
    """A YAML rule file for ``rows`` (what ``mtaudit glossary convert`` writes; the shipped rule
    files were written by it and reviewed). Empty fields are left out."""
    lines = [f"# {description}" for description in description.splitlines()] if description else []
    lines += [f"kind: {kind}", f"pivot: {pivot}", "rules:"]
    for r in rows:
        c = r.cells
        lines.append(f"- id: {r.id if r.id[0].isalpha() else _q(r.id)}")
        for key in RULE_FIELDS[kind]:
            v = c.get(key, "")
            if not v:
                continue
            if key == "regex" and len(v) > 88:
                lines.append(f"  {key}:")
                lines += [f"  - {_q(piece)}" for piece in _pieces(v)]
            elif key in ("replacement", "context") and kind == "calques" and "|" in v:
                lines.append(f"  {key}: [{', '.join(_q(x) for x in v.split('|'))}]")
            elif key == "min_gain":
                lines.append(f"  {key}: {v}")
            else:
                lines.append(f"  {key}: {_q(v)}")
        if r.examples:
            lines.append("  examples:")
            for ex in r.examples:
                s, e = ex.span
                marked = ex.incorrect[:s] + "<marker>" + ex.incorrect[s:e] + "</marker>" + ex.incorrect[e:]
                lines.append(f"  - incorrect: {_q(marked)}")
                if ex.correct:
                    lines.append(f"    correct: {_q(ex.correct)}")
    return "\n".join(lines) + "\n"


def load_file(path: str | Path) -> Glossary:
    path = Path(path)
    text = _read(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        g = _load_yaml(path, text)
    else:
        g = _load_tsv(path, text)
        if any(getattr(g, k) for k in RULE_FIELDS) and path.parent.resolve() != defaults.data_dir().resolve():
            print(f"mtaudit: {path}: TSV rule files are deprecated; convert with "
                  f"`mtaudit glossary convert {path}`", file=sys.stderr)
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


def _as_row(path: Path, no: int, row, kind: str) -> Row:
    """A TSV row's cells as a :class:`Row` (its id: the file's stem and line), or a YAML rule's Row."""
    if isinstance(row, Row):
        return row
    stem = "-".join(RULE_ID.findall(path.stem.lower())) or "rules"
    return Row(str(path), no, row, id=f"{stem}-{no}", kind=kind)


def _calque_row(g: Glossary, path: Path, no: int, row) -> None:
    from .phrases import compile_rule

    r = _as_row(path, no, row, "calques")
    r.compiled = compile_rule(r)  # validates it too
    r.compiled.id = r.selector
    g.calques.append(r)


def _chrome_row(g: Glossary, path: Path, no: int, row) -> None:
    from .regexguard import compile_checked

    r = _as_row(path, no, row, "chrome")
    try:
        compile_checked(r.cells["regex"])  # alone, so that an error speaks of the rule as written
    except ValueError as e:
        raise GlossaryError(path, no, str(e)) from None
    # a whole line, case-insensitive, surrounding blanks allowed
    r.compiled = re.compile(r"\s*(?:" + r.cells["regex"] + r")\s*", re.IGNORECASE)
    g.chrome.append(r)


def _pattern_row(kind: str):
    def load(g: Glossary, path: Path, no: int, row) -> None:
        from .phrases import compile_pattern

        r = _as_row(path, no, row, kind)
        r.compiled = compile_pattern(r)  # validates it too
        r.compiled.id = r.selector
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
        for p in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).parts):
            if p.is_file() and p.suffix.lower() in (".tsv", ".yaml", ".yml") \
                    and not any(part.startswith(".") for part in p.relative_to(folder).parts):
                g.extend(load_file(p))
    for p in extra:
        g.extend(load_file(p))
    _validate_names(g.names)
    _validate_ids(list(g.rules()))
    return g


def _validate_ids(rows: list[Row]) -> None:
    """A rule id names one rule: the same ``CODE/id`` in two files is an error naming both."""
    seen: dict[str, Row] = {}
    for r in rows:
        other = seen.setdefault(r.selector, r)
        if other is not r:
            raise GlossaryError(r.path, r.line, f"rule id {r.selector} is already defined at {other.path}:{other.line}")
