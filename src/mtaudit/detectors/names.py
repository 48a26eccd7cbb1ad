"""NAM: proper names garbled by translation, checked against the glossaries."""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from .. import lexicon
from ..model import Applicability, Category, Severity
from ..nameindex import skeleton
from ..rulebase import Context, LMPolicy, Rule
from ..spans import TakenMask

PREFIX = "NAM"


class GlossaryVariant(Rule):
    """
    ## What it does
    Flags a spelling that a glossary lists as a known variant of a canonical
    name or term (Kiev for Kyiv, Kharkov for Kharkiv, Russo-Ukraino for
    Russian-Ukrainian).

    ## Why is this bad
    Machine translation through a pivot language brings back that language's
    spelling or an outdated transliteration; newsrooms settled on one form.

    ## Example
    The retreat of the Kiev forces.

    ## Use instead
    The retreat of the Kyiv forces.
    """

    code = "NAM001"
    name = "glossary-variant"
    category = Category.NAME
    severity = Severity.MINOR
    fix_availability = "always"
    supersedes = ("UNK",)


class GarbledName(Rule):
    """
    ## What it does
    Flags an unknown capitalised word that is close to a canonical name: a
    half-translated name (Southzha, from Sudzha read as Italian "Sud" =
    south), a misspelt country (Ucraine) or another transliteration
    (Charkiw, Selenskyj). A word with a digit (a code, or a placeholder such
    as ORGANIZATION4) is not read as a name.

    ## Why is this bad
    A reader cannot look the place or person up, and the article looks
    machine-made.

    ## Example
    Ukrainian troops retired from Southzha.

    ## Use instead
    Ukrainian troops withdrew from Sudzha.
    """

    code = "NAM002"
    name = "garbled-name"
    category = Category.NAME
    severity = Severity.MAJOR
    lm_policy = LMPolicy(verify=True, never_overruled=True)
    supersedes = ("UNK",)


class MiscasedName(Rule):
    """
    ## What it does
    Flags a name or acronym whose letters match a glossary entry but whose
    capitalisation does not (Cnn for CNN, kyiv for Kyiv).

    ## Why is this bad
    Translation engines re-case acronyms as ordinary words.

    ## Example
    He told Cnn on Sunday.

    ## Use instead
    He told CNN on Sunday.
    """

    code = "NAM003"
    name = "miscased-name"
    category = Category.NAME
    severity = Severity.MINOR
    supersedes = ("UNK",)


class ReversedName(Rule):
    """
    ## What it does
    Flags a listed person's two names in the reverse order: the surname first,
    as Hungarian, Chinese, Japanese and Korean write them (Orbán Viktor,
    Kishida Fumio), where the glossary gives the English order.

    ## Why is this bad
    English news gives each name in one order; the reverse reads as two
    people or as a mistake.

    ## Example
    Orbán Viktor met the chancellor.

    ## Use instead
    Viktor Orbán met the chancellor.
    """

    code = "NAM004"
    name = "reversed-name"
    category = Category.WORD_ORDER
    severity = Severity.MAJOR
    supersedes = ("UNK",)


RULES = (GlossaryVariant, GarbledName, MiscasedName, ReversedName)

_CAP_WORD = re.compile(r"(?<![\w'’-])[^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)*")


def _replacement(found: str, entry) -> str:
    """The canonical form for a variant; a lone surname (Lawrow) gets the canonical
    part it spells (Lavrov), not the full name."""
    parts = entry.canonical.split()
    if entry.type != "person" or " " in found or len(parts) < 2:
        return entry.canonical
    return max(parts, key=lambda p: fuzz.ratio(p.lower(), found.lower()))


def _untaken(spans, taken: TakenMask):
    """The spans (start, end, ...) that overlap none already taken, each taken as it is yielded:
    a name found by an earlier, more specific check is not found again."""
    for span in spans:
        s, e = span[0], span[1]
        if not taken.overlaps(s, e):
            taken.add(s, e)
            yield span


def check(ctx: Context):
    idx, text = ctx.names, ctx.text
    taken = TakenMask(len(text))
    for s, e, entry in _untaken(idx.reversed_pairs(text), taken):
        yield ReversedName.finding(
            ctx, s, e, f"'{text[s:e]}' gives the {entry.type}'s names in the reverse order",
            [entry.canonical], confidence=0.9)
    for s, e, entry in _untaken(idx.find_variants(text), taken):
        if entry.type == "place" and " " not in text[s:e] and _other_first_name(ctx, text, s, entry):
            continue  # a surname that spells a place: Alyssa Milano, not Milan
        yield GlossaryVariant.finding(
            ctx, s, e, f"'{text[s:e]}' is a variant spelling of the {entry.type} '{entry.canonical}'",
            [_replacement(text[s:e], entry)], applicability=Applicability.SAFE, confidence=0.95)
    for s, e, entry, canonical in _untaken(idx.half_phrases(text), taken):
        yield GarbledName.finding(
            ctx, s, e, f"'{text[s:e]}' looks like a half-translated spelling of the {entry.type} '{canonical}'",
            [canonical], confidence=0.85, evidence={"method": "half-translated"})
    for m in _CAP_WORD.finditer(text):
        s, e, word = m.start(), m.end(), m.group()
        if taken.covers(s):
            continue
        if word[:1].isupper():
            entry = idx.casefold.get(word.casefold())
            if entry is not None and word != entry.canonical and word not in entry.accepted \
                    and entry.canonical.isupper() and not word.isupper() \
                    and lexicon.zipf(word) < 5.0 and not _shouting(text, s, e):
                yield MiscasedName.finding(ctx, s, e, f"'{word}' is written '{entry.canonical}'",
                                           [entry.canonical], applicability=Applicability.SAFE, confidence=0.9)
                continue
            parts = [word] if "-" not in word else [p for p in word.split("-")]
            offset = s
            for part in parts:
                # a word with a digit is a code or a placeholder (ORGANIZATION4), not a spelt name
                hit = idx.fuzzy(part) if part[:1].isupper() and not any(c.isdigit() for c in part) else None
                if hit is not None and hit.entry.type == "person" and _other_first_name(ctx, text, s, hit.entry):
                    hit = None  # Wang Yining is somebody else, not a garbled Xi Jinping
                if hit is not None:
                    what = "half-translated" if hit.method == "half-translated" else "garbled"
                    yield GarbledName.finding(
                        ctx, offset, offset + len(part),
                        f"'{part}' looks like a {what} spelling of the {hit.entry.type} '{hit.replacement}'",
                        [hit.replacement], confidence=0.85 if hit.method == "half-translated" else hit.score / 110,
                        evidence={"method": hit.method, "similarity": round(hit.score, 1)})
                offset += len(part) + 1


_PREV_WORD = re.compile(r"([^\W\d_][\w'’.-]*)\s+$")


_NOT_FIRST_NAMES = {"mr", "mrs", "ms", "dr", "sir", "dame", "lady", "lord", "gen", "col", "capt", "lt", "sgt",
                    "prof", "rev", "sen", "rep", "gov", "first", "monday", "tuesday", "wednesday", "thursday",
                    "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june",
                    "july", "august", "september", "october", "november", "december"}


def _other_first_name(ctx, text: str, s: int, entry) -> bool:
    """The word before ``s`` looks like a first name that is not ``entry``'s: capitalised, not a
    common English word (Yesterday, John), not a title, honorific, weekday or month (President,
    Mr., Monday), not a name the glossaries know (Moscow), and none of ``entry``'s own words
    (fuzzily: Volodimir still belongs to Volodymyr Zelenskyy)."""
    m = _PREV_WORD.search(text, max(0, s - 40), s)
    if m is None:
        return False
    prev = m.group(1).rstrip(".")
    low = prev.lower()
    if (not prev[:1].isupper() or low in _NOT_FIRST_NAMES or lexicon.zipf(low) >= 5.0
            or ctx.names.entry_for(prev) is not None
            or low in ctx.res.title_heads):
        return False
    sk = skeleton(prev)
    return not any(fuzz.ratio(sk, w) >= 80 for w in ctx.names.word_skeletons(entry))


def _shouting(text: str, s: int, e: int) -> bool:
    """An all-caps line (a headline) re-cases everything; do not flag inside one."""
    ls = text.rfind("\n", 0, s) + 1
    le = text.find("\n", e)
    line = text[ls: le if le >= 0 else len(text)]
    letters = [c for c in line if c.isalpha()]
    return len(letters) > 10 and sum(c.isupper() for c in letters) / len(letters) > 0.8
