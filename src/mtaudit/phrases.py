"""Phrase rules (calques) as data: pattern syntax, word forms, matching.

A pattern is a sequence of space-separated items, matched case-insensitively
on whole words with any whitespace between them:

``word``         the literal word
``a|b``          either word (no spaces inside); the n-th such choice, counted from 0, is
                 {An} in the replacement ({A0} is the first)
``<lemma>``      any inflected form of a verb/noun: retire, retires, retired, retiring
``{NAME}``       one capitalised word (captured)
``{WORD}``       any one word (captured)

A replacement is a ``|``-separated list (best first). Inside it ``<lemma>``
is inflected to the form the n-th ``<...>`` of the pattern matched (past vs
participle decided by a preceding auxiliary), ``{NAME}``/``{WORD}`` insert
the captured word, and ``-`` alone means "delete".
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from . import defaults
from .errors import GlossaryError
from .model import Category, Severity
from .regexguard import compile_checked, group_is_numeric

_AUX = {"has", "have", "had", "having", "been", "be", "is", "are", "was", "were", "being", "get", "got"}
_VOWELS = "aeiou"
#: The forms ``<lemma>`` stands for, by the Penn tag lemminflect inflects to.
_TAGS = {"s": "VBZ", "past": "VBD", "pp": "VBN", "ing": "VBG"}


def _regular(w: str) -> dict[str, str]:
    """English's regular inflection, for a word lemminflect does not know."""
    if w.endswith(("s", "x", "z", "ch", "sh")):
        s = w + "es"
    elif w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS:
        s = w[:-1] + "ies"
    else:
        s = w + "s"
    if w.endswith("e"):
        past = w + "d"
    elif w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS:
        past = w[:-1] + "ied"
    else:
        past = w + "ed"
    if w.endswith("ie"):
        ing = w[:-2] + "ying"
    elif w.endswith("e") and not w.endswith("ee") and len(w) > 2:
        ing = w[:-1] + "ing"
    else:
        ing = w + "ing"
    return {"s": s, "past": past, "pp": past, "ing": ing}


def lemminflect_forms(lemma: str) -> dict[str, tuple[str, ...]]:
    """Every spelling lemminflect gives for each form, preferred first (its regular rules
    cover words it does not list: retire -> retires, retired, retiring)."""
    from lemminflect import getInflection

    w = lemma.lower()
    reg = _regular(w)
    return {k: tuple(getInflection(w, tag=t)) or (reg[k],) for k, t in _TAGS.items()}


#: The shipped rules' lemmas with lemminflect's forms, written by scripts/build_inflections.py
#: (a test fails when it is stale): reading it costs ~1 ms, importing lemminflect ~0.3 s.
INFLECTION_FILE = "inflections.json"


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, tuple[str, ...]]]:
    """The inflection table beside the shipped glossaries ({} when there is none)."""
    path = defaults.data_dir() / INFLECTION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise GlossaryError(str(path), None, f"unreadable inflection table: {e}") from None
    forms = data.get("forms") if isinstance(data, dict) else None
    if not isinstance(forms, dict):
        raise GlossaryError(str(path), None, "inflection table: 'forms' must be a mapping")
    out = {}
    for lemma, f in forms.items():
        if not (isinstance(f, dict) and set(f) == set(_TAGS)
                and all(isinstance(v, list) and v and all(isinstance(x, str) for x in v) for v in f.values())):
            raise GlossaryError(str(path), None, f"inflection table: {lemma!r} needs non-empty lists "
                                f"of strings for {', '.join(_TAGS)}")
        out[lemma] = {k: tuple(f[k]) for k in _TAGS}
    return out


@lru_cache(maxsize=None)
def _inflections(lemma: str) -> dict[str, tuple[str, ...]]:
    """A lemma's forms: from the shipped table, else from lemminflect."""
    w = lemma.lower()
    return _table().get(w) or lemminflect_forms(w)


def forms(lemma: str) -> dict[str, str]:
    """The preferred inflected forms of a verb (or noun: ``s`` is its plural), from lemminflect."""
    return {"base": lemma.lower(), **{k: v[0] for k, v in _inflections(lemma).items()}}


def all_forms(lemma: str) -> set[str]:
    """Every form ``<lemma>`` matches, variant spellings included (controlled, controled)."""
    return {lemma.lower(), *(x for v in _inflections(lemma).values() for x in v)}


_ITEM_RE = re.compile(r"<([a-z]+)>|\{(NAME|WORD)\}|([^\s<>{}]+)")


class _Origin:
    """Where a data rule came from and what its note says, as findings report them."""

    path: str
    line: int
    note: str
    id = ""  # the rule's selector, CODE/id (set by the glossary loader)

    @property
    def where(self) -> str:
        return f"{self.path.rsplit('/', 1)[-1]}:{self.line}"

    @property
    def note_suffix(self) -> str:
        return f": {self.note}" if self.note else ""


@dataclass
class Rule(_Origin):
    pattern: str
    regex: re.Pattern
    replacements: list[str]
    category: Category
    severity: Severity
    context: re.Pattern | None
    note: str
    lemmas: list[str]  # lemmas in the pattern, in order
    path: str
    line: int


def _category_severity(row, default_category: str, default_severity: str) -> tuple[Category, Severity]:
    """A rule row's category and severity (defaults where empty); GlossaryError names file and line."""
    c = row.cells
    try:
        cat = Category(c["category"] or default_category)
    except ValueError:
        raise GlossaryError(row.path, row.line, f"unknown category {c['category']!r}") from None
    try:
        sev = Severity.parse(c["severity"] or default_severity)
    except ValueError as e:
        raise GlossaryError(row.path, row.line, str(e)) from None
    return cat, sev


def _check_replacement(row, r: str, lemmas: list[str], nalt: int, regex: re.Pattern) -> None:
    """Every slot a replacement uses must exist in the pattern; GlossaryError otherwise."""
    for lem in re.findall(r"<([a-z]+)>", r):
        if len(lemmas) == 0:
            raise GlossaryError(row.path, row.line, f"replacement uses <{lem}> but the pattern has no <lemma>")
    for slot in re.findall(r"\{(A\d+|NAME|WORD)\}", r):
        if slot.startswith("A") and int(slot[1:]) >= nalt:
            raise GlossaryError(row.path, row.line, f"replacement uses {{{slot}}} but the pattern has "
                                f"{nalt} choice group(s), numbered from {{A0}}")
        if slot in ("NAME", "WORD") and not any(g.startswith(slot) for g in regex.groupindex):
            raise GlossaryError(row.path, row.line, f"replacement uses {{{slot}}} but the pattern has none")


def compile_rule(row) -> Rule:
    """Compile one calque row (``glossary.Row``); raise GlossaryError on a bad row."""
    c = row.cells
    pat = c["pattern"]
    if not pat:
        raise GlossaryError(row.path, row.line, "empty pattern")
    parts, lemmas, ncap, nalt = [], [], 0, 0
    for item in pat.split():
        m = _ITEM_RE.fullmatch(item)
        if not m:
            raise GlossaryError(row.path, row.line, f"bad pattern item {item!r}")
        if m.group(1):
            alts = sorted(all_forms(m.group(1)), key=len, reverse=True)
            parts.append(f"(?P<L{len(lemmas)}>{'|'.join(map(re.escape, alts))})")
            lemmas.append(m.group(1))
        elif m.group(2):
            sub = r"(?-i:[A-Z])[\w'’.-]*" if m.group(2) == "NAME" else r"[\w'’-]+"
            parts.append(f"(?P<{m.group(2)}{ncap}>{sub})")
            ncap += 1
        else:
            alts = m.group(3).split("|")
            if len(alts) > 1:  # an alternative is captured: {A0} in the replacement inserts the one matched
                parts.append(f"(?P<A{nalt}>" + "|".join(re.escape(a) for a in alts) + ")")
                nalt += 1
            else:
                parts.append(re.escape(alts[0]))
    regex = re.compile(r"(?<![\w-])" + r"\s+".join(parts) + r"(?![\w-])", re.IGNORECASE)
    reps = [r.strip() for r in c["replacement"].split("|") if r.strip()]
    if not reps:
        raise GlossaryError(row.path, row.line, "no replacement")
    reps = ["" if r == "-" else r for r in reps]
    for r in reps:
        _check_replacement(row, r, lemmas, nalt, regex)
    cat, sev = _category_severity(row, "accuracy/mistranslation", "major")
    ctx = None
    if c.get("context"):
        try:
            ctx = compile_checked(c["context"], re.IGNORECASE)
        except ValueError as e:
            raise GlossaryError(row.path, row.line, f"context: {e}") from None
    return Rule(pat, regex, reps, cat, sev, ctx, c.get("note", ""), lemmas, row.path, row.line)


def _form_of(word: str, lemma: str, prev: str) -> str:
    """Which form of ``lemma`` the matched ``word`` is (a participle after an auxiliary)."""
    inf, w, base = _inflections(lemma), word.lower(), lemma.lower()
    if w in inf["pp"]:
        if prev.lower() in _AUX:
            return "pp"
        if w == base:
            return "base"  # become, come, run: without an auxiliary the base form is the reading
        return "past" if w in inf["past"] else "pp"
    if w == base:
        return "base"
    for k in ("s", "past", "ing"):
        if w in inf[k]:
            return k
    return "base"


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c in "_'’"


def _word_before(text: str, pos: int) -> str:
    """The word (letters, digits, apostrophes) that ends before ``pos``, whitespace between them
    allowed; read backwards from ``pos`` so that the cost does not grow with the text before it."""
    i = pos
    while i > 0 and text[i - 1].isspace():
        i -= 1
    j = i
    while j > 0 and _is_word_char(text[j - 1]):
        j -= 1
    return text[j:i]


def render(rule: Rule, m: re.Match, text: str) -> list[str]:
    """The replacements for one match, inflected and with captures filled in."""
    out = []
    for rep in rule.replacements:
        lem_i = iter(range(len(rule.lemmas)))

        def sub_lemma(mm, lem_i=lem_i):
            i = next(lem_i, len(rule.lemmas) - 1)
            src = m.group(f"L{i}")
            # the word before the matched verb decides past vs participle
            prev = _word_before(text, m.start(f"L{i}"))
            return forms(mm.group(1))[_form_of(src, rule.lemmas[i], prev)]

        r = re.sub(r"<([a-z]+)>", sub_lemma, rep)
        for key in ("NAME", "WORD"):
            for i in range(4):
                g = f"{key}{i}"
                if g in m.re.groupindex:
                    r = r.replace("{" + key + "}", m.group(g), 1)
        for i in range(6):
            if f"A{i}" in m.re.groupindex:
                r = r.replace("{A%d}" % i, _choice_case(m, f"A{i}"))
        out.append(_match_case(m, r))
    return out


def _choice_case(m: re.Match, group: str) -> str:
    """A matched choice as the rewrite should spell it: an acronym (EU) or a capitalised word
    inside the match (from entire Germany) as written; the match's first word lowercased (Its
    homologue -> its counterpart), for _match_case to capitalise again at a sentence start."""
    s = m.group(group)
    return s.lower() if m.start(group) == m.start() and not s.isupper() else s


# --- regex pattern rules ------------------------------------------------------------------
@dataclass
class PatternRule(_Origin):
    regex: re.Pattern
    replacement: str
    category: Category
    severity: Severity
    note: str
    path: str
    line: int
    min_gain: float | None = None  # bits the model must gain from the rewrite (word-order rules)


def compile_pattern(row) -> PatternRule:
    c = row.cells
    try:
        rx = compile_checked(c["regex"])
    except ValueError as e:
        raise GlossaryError(row.path, row.line, str(e)) from None
    if not c["replacement"]:
        raise GlossaryError(row.path, row.line, "no replacement")
    cat, sev = _category_severity(row, "style/unidiomatic", "minor")
    for name in _HELPER_CALL.findall(c["replacement"]):
        if name not in HELPERS:
            raise GlossaryError(row.path, row.line, f"unknown helper #{name}(); known: "
                                + ", ".join(f"#{h}()" for h in HELPERS))
    for g in re.findall(r"\\(\d+)", c["replacement"]):
        if int(g) > rx.groups:
            raise GlossaryError(row.path, row.line, f"replacement uses group \\{g}; the regex has {rx.groups}")
    for name, g in re.findall(r"#(\w+)\(\\(\d+)\)", c["replacement"]):
        if name in NUMERIC_HELPERS and not group_is_numeric(c["regex"], int(g)):
            raise GlossaryError(row.path, row.line, f"#{name}() needs a number, but group \\{g} can match "
                                "other characters")
    min_gain = None
    if "min_gain" in c:
        try:
            min_gain = float(c["min_gain"])
        except ValueError:
            raise GlossaryError(row.path, row.line, f"min_gain must be a number of bits, not {c['min_gain']!r}") from None
        if not 0 < min_gain < 100:
            raise GlossaryError(row.path, row.line, f"min_gain must lie between 0 and 100 bits, not {min_gain:g}")
    return PatternRule(rx, c["replacement"], cat, sev, c.get("note", ""), row.path, row.line, min_gain)


def ordinal(n: str) -> str:
    if not n.isdigit():
        return n
    i = int(n)
    suffix = "th" if 10 <= i % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(i % 10, "th")
    return f"{i}{suffix}"


def comparative(adj: str) -> str:
    a = adj.lower()
    if a.endswith("e"):
        return a + "r"
    if a.endswith("y") and len(a) > 2 and a[-2] not in _VOWELS:
        return a[:-1] + "ier"
    if len(a) <= 4 and a[-1] not in _VOWELS + "wy" and a[-2] in _VOWELS and a[-3] not in _VOWELS:
        return a + a[-1] + "er"  # big -> bigger, hot -> hotter
    return a + "er"


def english_number(n: str) -> str:
    """A number in English notation: 5,2 -> 5.2 (decimal comma), 11.000 -> 11,000 (dot thousands),
    5 000 000 -> 5,000,000 (space, narrow space), 1'250 -> 1,250 (Swiss apostrophe)."""
    if re.fullmatch(r"\d{1,3}(?:[.\u00a0\u202f '’]\d{3})+", n):
        return re.sub(r"[.\u00a0\u202f '’]", ",", n)
    if re.fullmatch(r"\d+,\d{1,2}", n):
        return n.replace(",", ".")
    return n


def past_of_participle(word: str) -> str:
    """The simple past for a past participle: announced -> announced, taken -> took, won -> won."""
    from lemminflect import getInflection, getLemma

    low = word.lower()
    for lemma in getLemma(low, upos="VERB") or ():
        inf = _inflections(lemma)
        if low in inf["pp"] and low not in inf["past"]:
            past = getInflection(lemma, tag="VBD")
            if past:
                return past[0]
    return word


def scaled(n: str, factor: int) -> str:
    """``n`` (English or source notation) times ``factor``, written the English way: 4.5 x 10,000 ->
    45,000; 3.2 x 100,000,000 -> 320 million; 12 x 100,000,000 -> 1.2 billion. A source unit that
    English has no word for (zh 万 = ten thousand, 亿 = a hundred million)."""
    try:
        value = float(english_number(n).replace(",", "")) * factor
    except ValueError:
        return n
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if value >= size and factor >= 1e6:
            return f"{value / size:.10g} {word}"
    return f"{value:,.10g}" if value != int(value) else f"{int(value):,}"


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
# replacement helpers: #name(\\1) in a pattern's replacement; "country" also needs the demonym table
_TOGETHER = {"reunites": "brings", "reunited": "brought", "reunite": "bring", "reuniting": "bringing"}
_PERFECT = {"is": "has been", "are": "have been", "Is": "Has been", "Are": "Have been"}
HELPERS = {
    "ord": ordinal,
    "comparative": comparative,
    "num": english_number,
    "past": past_of_participle,
    "perfect": lambda a: _PERFECT.get(a, a),
    "have": lambda a: "had" if a.lower().endswith("ed") else "has",
    "scale": lambda a: "million" if a.lower() in ("mio", "mln") else "billion",
    "together": lambda a: _TOGETHER.get(a.lower(), "bring") + " together",
    "tookplace": lambda a: "takes place" if a.lower().endswith("es") else "took place",
    "country": None,  # filled per call from demonyms.tsv
    "cap": lambda a: a[:1].upper() + a[1:],
    "wan": lambda a: scaled(a, 10_000),
    "yi": lambda a: scaled(a, 100_000_000),
    "month": lambda a: _MONTHS[int(a) - 1] if a.isdigit() and 1 <= int(a) <= 12 else a,
}
_HELPER_CALL = re.compile(r"#(\w+)\(")
#: helpers whose argument must be a capture group of digits only (checked at load)
NUMERIC_HELPERS = ("ord",)


def render_pattern(rule: PatternRule, m: re.Match, countries: dict[str, str]) -> str:
    # mark the helpers, expand the groups, then evaluate each helper on its expanded argument
    if rule.replacement == "-":
        return ""  # as in the calque files: "-" alone deletes the match
    r = m.expand(_HELPER_CALL.sub(lambda h: "\x00" + h.group(1) + "(", rule.replacement))

    def helper(mm):
        name, arg = mm.group(1), mm.group(2)
        return countries.get(arg, arg) if name == "country" else HELPERS[name](arg)

    r = re.sub(r"\x00(\w+)\(([^)]*)\)", helper, r)
    return _match_case(m, r)


_OPENERS = " \t\"'“‘«(["
_SENTENCE_END = ".!?:\n…"


def _match_case(m: re.Match, r: str) -> str:
    """Capitalise a lowercase replacement where the match begins a sentence or a line ('The
    Viminale ordered' -> 'The Interior Ministry ordered'); a capitalised name mid-sentence
    ('criticised Palazzo Chigi') does not make the rewrite ('the prime minister's office') capital."""
    if not (r and m.group()[:1].isupper() and r[:1].islower()):
        return r
    i = m.start()
    while i > 0 and m.string[i - 1] in _OPENERS:
        i -= 1
    if i > 0 and m.string[i - 1] not in _SENTENCE_END:
        return r
    return r[0].upper() + r[1:]


# --- matching many phrase rules in one pass ---------------------------------------------------
_RUN = re.compile(r"[^\W_]+")


def _first_runs(rule: Rule) -> list[str] | None:
    """The leading letter/digit run of each word the rule's first pattern item can be (``None``
    when the item is ``{NAME}``/``{WORD}`` or a word that does not open with a letter or digit)."""
    m = _ITEM_RE.fullmatch(rule.pattern.split()[0])
    if m is None or m.group(2):
        return None
    words = all_forms(m.group(1)) if m.group(1) else m.group(3).split("|")
    runs = []
    for w in words:
        r = _RUN.match(w)
        if r is None:
            return None
        runs.append(r.group())
    return runs


class PhraseIndex:
    """Finds the matches of many phrase rules in one scan of the text instead of one scan a rule.

    The text's words are read once; a rule is tried (``regex.match`` at that position, skipping
    positions inside its own previous match, as ``finditer`` does) only where a word it can begin
    with starts. A rule whose first item can be any word is scanned in full. The matches are
    exactly those of each rule's ``finditer``: ASCII words are looked up lowercased, and any other
    word is compared as the rules' case-insensitive regexes compare it.
    """

    _WORD_START = re.compile(r"(?<![\w-])[^\W_]+")

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self._scan: list[int] = []  # rules scanned in full
        self._ascii: dict[str, list[int]] = {}  # lowercased ASCII first word -> rules
        by_key: dict[str, list[int]] = {}  # every first word -> rules
        for i, rule in enumerate(rules):
            runs = _first_runs(rule)
            if runs is None:
                self._scan.append(i)
                continue
            for r in runs:
                by_key.setdefault(r.lower(), []).append(i)
                if r.isascii():
                    self._ascii.setdefault(r.lower(), []).append(i)
        # compared with a regex: non-ASCII keys (with any word), and any key (with a non-ASCII word)
        self._folded = [(re.compile(re.escape(k), re.IGNORECASE), rs) for k, rs in by_key.items()]
        self._non_ascii = [(rx, rs) for rx, rs in self._folded if not rx.pattern.isascii()]

    def _rules_at(self, word: str) -> list[int]:
        if word.isascii():
            out = list(self._ascii.get(word.lower(), ()))
            cands = self._non_ascii
        else:
            out, cands = [], self._folded
        for rx, rs in cands:
            if rx.fullmatch(word):
                out += rs
        return out

    def finditer(self, text: str):
        """``(rule index, match)`` for every match of every rule, ordered by rule, then position."""
        found: dict[int, list[re.Match]] = {i: list(self.rules[i].regex.finditer(text)) for i in self._scan}
        last_end: dict[int, int] = {}
        for word in self._WORD_START.finditer(text):
            pos = word.start()
            for i in dict.fromkeys(self._rules_at(word.group())):
                if pos < last_end.get(i, 0):
                    continue
                m = self.rules[i].regex.match(text, pos)
                if m is not None:
                    found.setdefault(i, []).append(m)
                    last_end[i] = m.end() if m.end() > m.start() else m.end() + 1
        for i in sorted(found):
            yield from ((i, m) for m in found[i])
