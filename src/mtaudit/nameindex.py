"""Resolve tokens to canonical glossary names: exact variants, casing, fuzzy.

Fuzzy matching compares transliteration-normalised "skeletons" (Charkiw and
Kharkiv both become ``harkiv``) with rapidfuzz, and undoes half-translated
name parts from the glossary (Southzha -> Sud+zha -> Sudzha).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from . import defaults, lexicon
from .glossary import Glossary, NameEntry
from .spans import TakenMask

# ordered rewrites that make spellings from different transliteration systems meet
_SKELETON_RULES = [
    ("shch", "sh"), ("tsch", "ch"), ("sch", "sh"), ("zh", "j"), ("kh", "h"), ("ch", "h"), ("sh", "s"),
    ("ph", "f"), ("ck", "k"), ("w", "v"), ("c", "k"), ("q", "k"), ("x", "ks"), ("z", "s"), ("j", "i"),
    ("y", "i"), ("ou", "u"),
]


# letters NFKD does not decompose: Polish l-stroke, Turkish dotless i, Nordic o-slash, ...
_FOLD_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                               "ß": "ss", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ð": "d", "þ": "th"})


@lru_cache(maxsize=50_000)
def fold(word: str) -> str:
    """The spelling without diacritics, case kept: Zełenski -> Zelenski, Charków -> Charkow."""
    if word.isascii():
        return word
    s = unicodedata.normalize("NFKD", word.translate(_FOLD_LETTERS))
    return unicodedata.normalize("NFC", "".join(ch for ch in s if not unicodedata.combining(ch)))


# letters whose sound a digraph spells in English-style transliteration (Czech š, Polish ż,
# Turkish ş): mapped before accents are dropped, so Šojgu meets Shoigu
_SOUND_LETTERS = str.maketrans({"š": "sh", "č": "ch", "ž": "zh", "ş": "sh", "ș": "sh", "ś": "sh", "ć": "ch",
                                "ż": "zh", "ź": "zh", "ř": "rzh", "ț": "ts"})
# Polish and Hungarian spellings, before the general rules: sz/cz/rz (Szojgu), gy (Medvegyev),
# ny before a vowel (Szobjanyin), ie after a consonant (Miedwiediew)
_PIVOT_SPELLINGS = [(re.compile(r"sz"), "sh"), (re.compile(r"cz"), "ch"), (re.compile(r"rz"), "zh"),
                    (re.compile(r"gy"), "d"), (re.compile(r"ny(?=[aeiou])"), "n"),
                    (re.compile(r"(?<=[^aeiouy])ie"), "e")]


@lru_cache(maxsize=50_000)
def skeleton(word: str) -> str:
    s = fold(word.lower().translate(_SOUND_LETTERS))
    s = "".join(ch for ch in s if ch.isalpha())
    for rx, b in _PIVOT_SPELLINGS:
        s = rx.sub(b, s)
    for a, b in _SKELETON_RULES:
        s = s.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", s)


# the romanised Arabic article, as GeoNames and engines spell it (a sun letter assimilates it:
# Ad-Dawha, Ar-Riyad, An-Najaf); scripts/build_gazetteer.py keeps place names written with it
ARABIC_ARTICLES = ("Al", "El", "Ad", "Ar", "As", "At", "Az", "An", "Ash", "Adh", "Ath")
_ARTICLE = re.compile(rf"^(?:{'|'.join(ARABIC_ARTICLES)})-(?=[A-Z])")


def _article_key(word: str) -> str | None:
    """The lookup key of a romanised Arabic name with its article: article, accents, case and a
    final h dropped (Al-Qāhirah, El-Qahira -> qahira); None for a word without the article."""
    m = _ARTICLE.match(word)
    if m is None:
        return None
    rest = fold(word[m.end():]).lower().replace("’", "'")
    return rest.removesuffix("h")


@dataclass(frozen=True)
class NameMatch:
    entry: NameEntry
    method: str  # "variant", "case", "fuzzy", "half-translated"
    score: float  # 0-100
    replacement: str


class NameIndex:
    def __init__(self, glossary: Glossary):
        self.entries = glossary.names
        self.variant: dict[str, NameEntry] = {}
        self.known: set[str] = set()  # every correct spelling (canonical, accepted), and their words
        self.casefold: dict[str, NameEntry] = {}
        self._by_spelling: dict[str, NameEntry] = {}
        self._word_skeletons: dict[int, frozenset[str]] = {}  # id(entry) -> word_skeletons(entry)
        targets: dict[str, tuple[NameEntry, str]] = {}
        for e in self.entries:
            self._index_entry(e, targets)
        self._targets = targets
        self._target_keys = list(targets)
        # variants with their accents dropped or changed (Charków for the listed Charkow), unless
        # the folded form is itself a correct spelling of some name (Krakow for Kraków)
        known_folds = {fold(k) for k in self.known}
        self._accentless: dict[str, NameEntry] = {}
        self.folded_variant: dict[str, NameEntry] = {}
        for v, e in self.variant.items():
            if " " not in v and fold(v) not in known_folds:
                self.folded_variant.setdefault(fold(v), e)
        # places and countries whose canonical spelling has no accents: the same letters with
        # accents added are a source-language spelling (es Berlín, tr İstanbul), unless accepted
        for e in self.entries:
            if e.type in ("place", "country") and " " not in e.canonical and fold(e.canonical) == e.canonical:
                self._accentless.setdefault(e.canonical, e)
        # romanised Arabic names with their article, however the article and the ending are
        # spelt: Al-Qahira, El-Qahira and Al-Qahirah are one key
        self.article_variant: dict[str, NameEntry] = {}
        for v, e in self.variant.items():
            if (k := _article_key(v)) is not None and not fold(e.canonical).lower().startswith(
                    fold(v.replace("-", " ")).lower()):  # Al-Aïn is Al Ain City's own name, hyphenated
                self.article_variant.setdefault(k, e)
        # two-word person names in the reverse order (Orbán Viktor, Zelensky Volodymyr): the
        # surname first, as Hungarian, Chinese, Japanese and Korean write it
        self.reversed_names: dict[tuple[str, str], NameEntry] = {}
        for e in self.entries:
            if e.type == "person":
                self._index_reversed(e)
        self.half_sources: dict[str, list[str]] = {}  # English part -> source forms (South -> Sud, Süd)
        for r in glossary.half:
            self.half_sources.setdefault(r.cells["english"], []).extend(
                s for s in r.cells["source"].split("|") if s.strip())
        self.half_re = (re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, self.half_sources))
                                   + r")[ -]([A-Z][\w'’-]+)") if self.half_sources else None)
        # single-word variants are looked up per token; only multi-word ones need a regex
        multi = sorted((v for v in self.variant if " " in v), key=len, reverse=True)
        self.variant_re = (re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, multi)) + r")(?![\w])")
                           if multi else None)

    def _index_reversed(self, e: NameEntry) -> None:
        for n in (e.canonical, *e.accepted, *e.variants):
            words = n.split()
            if len(words) == 2 and words[0] != words[1] and f"{words[1]} {words[0]}" not in self.known:
                self.reversed_names.setdefault((fold(words[1]).lower(), fold(words[0]).lower()), e)

    def _index_entry(self, e: NameEntry, targets: dict) -> None:
        """Index one entry's spellings; its fuzzy-match targets (surnames, long words) into ``targets``."""
        for v in e.variants:
            self.variant[v] = e
        for ok in [e.canonical, *e.accepted]:
            self._by_spelling.setdefault(ok, e)
            if e.type == "person":
                self._by_spelling.setdefault(ok.split()[-1], e)
            self.known.add(ok)
            self.known.update(re.findall(r"[\w'’-]+", ok))
        self.casefold.setdefault(e.canonical.casefold(), e)
        if e.note.startswith("gazetteer"):
            return  # thousands of places: exact variants only, no fuzzy matching against them
        words = re.findall(r"[\w'’-]+", e.canonical)
        if e.type == "person":
            words = words[-1:]  # surnames: first names are too common to fuzzy-match
        min_len = defaults.NAME_MIN_LEN if e.type == "country" else defaults.NAME_MIN_LEN + 1
        for w in words:
            if w[:1].isupper() and len(w) >= min_len:
                targets.setdefault(skeleton(w), (e, w))

    _TOKEN = re.compile(r"(?<![\w'’-])[^\W\d_][\w'’.]*(?:-[^\W\d_][\w'’]*)*")

    def variant_of(self, token: str) -> NameEntry | None:
        """The entry ``token`` is a listed variant of, accents aside (Zełenski as Zelenski)."""
        e = self.variant.get(token)
        if e is not None or token in self.known or not token[:1].isupper():
            return e
        if (k := _article_key(token)) is not None:
            return None if token.replace("-", " ") in self.known else self.article_variant.get(k)
        f = fold(token)
        if f == token and lexicon.zipf(token) > defaults.NAME_MAX_ZIPF:
            return None  # an accent-free English word that only matches a variant once folded
        return self.folded_variant.get(f) or (self._accentless.get(f) if f != token else None)

    def find_variants(self, text: str):
        """(start, end, entry) for every known variant spelling in ``text``, accents aside."""
        spans = []
        taken = TakenMask(len(text))
        if self.variant_re is not None:
            spans += [(m.start(), m.end(), self.variant[m.group()]) for m in self.variant_re.finditer(text)]
            for s, e, _ in spans:
                taken.add(s, e)
        for m in self._TOKEN.finditer(text):
            if taken.covers(m.start()):
                continue
            tok = m.group().rstrip(".")
            e = self.variant_of(tok)
            if e is not None:
                spans.append((m.start(), m.start() + len(tok), e))
                taken.add(m.start(), m.start() + len(tok))
            elif "-" in tok:  # Kiev-based, Kharkov-born; not the Korean given name Seol-ju
                pos = m.start()
                parts = tok.split("-")
                for i, part in enumerate(parts):
                    rest = parts[:i] + parts[i + 1:]
                    e = (self.variant_of(part)
                         if all(lexicon.zipf(r.lower()) >= defaults.NAME_COMPOUND_MIN_ZIPF for r in rest) else None)
                    if e is not None:
                        spans.append((pos, pos + len(part), e))
                        taken.add(pos, pos + len(part))
                    pos += len(part) + 1
        return sorted(spans, key=lambda x: x[0])

    _PAIR = re.compile(r"(?<![\w'’-])(?=([^\W\d_][\w'’-]*) ([^\W\d_][\w'’-]*)(?![\w'’-]))")

    def reversed_pairs(self, text: str):
        """(start, end, entry) for a listed person's two names in the reverse order."""
        for m in self._PAIR.finditer(text):
            a, b = m.group(1), m.group(2)
            if a[:1].isupper() and b[:1].isupper():
                e = self.reversed_names.get((fold(a).lower(), fold(b).lower()))
                if e is not None:
                    yield m.start(), m.start() + len(a) + 1 + len(b), e

    def half_phrases(self, text: str):
        """(start, end, entry, canonical) for two-word names with a translated first word:
        'Lower Novgorod' for Nizhny Novgorod, when 'Nizhny Novgorod' (or a listed spelling
        of it) is a known name and 'Lower Novgorod' is not."""
        if self.half_re is None:
            return
        for m in self.half_re.finditer(text):
            english, rest = m.group(1), m.group(2)
            if f"{english} {rest}" in self.known or self.entry_for(f"{english} {rest}") is not None:
                continue
            entry = next((e for src in self.half_sources[english] for sep in " -"
                          if (e := self.variant.get(src + sep + rest) or self._by_spelling.get(src + sep + rest))), None)
            if entry is not None:
                yield m.start(), m.end(), entry, entry.canonical

    def word_skeletons(self, entry: NameEntry) -> frozenset[str]:
        """The skeletons of every word in an entry's spellings (canonical, accepted, variants),
        computed once per entry."""
        got = self._word_skeletons.get(id(entry))
        if got is None:
            got = self._word_skeletons[id(entry)] = frozenset(
                skeleton(w) for n in (entry.canonical, *entry.accepted, *entry.variants)
                for w in re.findall(r"[\w'’-]+", n))
        return got

    def is_known_name(self, word: str) -> bool:
        return word in self.known

    def entry_for(self, word: str) -> NameEntry | None:
        """The entry a correct or variant spelling (or a surname) belongs to, if any."""
        return self.variant.get(word) or self._by_spelling.get(word)

    @lru_cache(maxsize=20_000)  # noqa: B019 - one index per process; the bound caps what it keeps
    def fuzzy(self, word: str) -> NameMatch | None:
        """A canonical name this unknown capitalised word is probably a garbling of."""
        word = re.sub(r"['’]s?$", "", word)
        if len(word) < defaults.NAME_MIN_LEN or word in self.known or word in self.variant:
            return None
        if word.endswith("s") and (word[:-1] in self.known or word[:-1] in self.variant):
            return None  # a plural of a known name: the Koreas
        if lexicon.zipf(word) > defaults.NAME_MAX_ZIPF:
            return None
        # 1. half-translated parts: South+zha -> Sud+zha
        for english, sources in self.half_sources.items():
            if word.startswith(english) and len(word) > len(english) + 1:
                rest = word[len(english):]
                for src in sources:
                    hit = self._targets.get(skeleton(src + rest))
                    if hit:
                        return NameMatch(hit[0], "half-translated", 100.0, hit[1])
        # 2. transliteration skeleton + edit similarity
        sk = skeleton(word)
        if len(sk) < defaults.NAME_MIN_LEN:
            return None
        best = process.extractOne(sk, self._target_keys, scorer=fuzz.ratio,
                                  score_cutoff=defaults.NAME_FUZZY_MIN)
        if best is None:
            return None
        key, score, _ = best
        entry, target = self._targets[key]
        # skeletons (Miedwiediew ~ Medvedev); country names are short and look like surnames
        # (Correia ~ Korea), so their spellings must be close in length too
        if abs(len(key) - len(sk)) > defaults.NAME_MAX_LEN_DIFF or (
                entry.type == "country" and (abs(len(target) - len(word)) > defaults.NAME_MAX_LEN_DIFF
                                             or key[:2] != sk[:2])):
            return None  # a country garbled keeps its opening (Ucraine, Rusia); Turkish Sayın is not Spain
        if target == word or target[0].lower() != word[0].lower() and skeleton(target)[0] != sk[0]:
            return None
        return NameMatch(entry, "fuzzy", float(score), target)

    def resolve(self, word: str) -> NameMatch | None:
        """Any resolution of a single token: variant, casing, then fuzzy."""
        if word in self.variant:
            e = self.variant[word]
            return NameMatch(e, "variant", 100.0, e.canonical)
        if word in self.known:
            e = self.entry_for(word)
            return NameMatch(e, "exact", 100.0, word) if e else None
        e = self.casefold.get(word.casefold())
        if e is not None and word != e.canonical and word not in e.accepted:
            return NameMatch(e, "case", 100.0, e.canonical)
        if word[:1].isupper():
            return self.fuzzy(word)
        return None
