"""Word frequencies from wordfreq: English ("large" list), and the pivot languages
for telling an untranslated source word from a rare English one.

Both are read from read-only SQLite tables built once from wordfreq into the cache folder
(rebuilt when wordfreq or the table's recipe changes): importing wordfreq and unpacking its
English list costs about 0.35 s per process, a lookup in the table microseconds."""
from __future__ import annotations

import math
from functools import lru_cache


def _cached_table(name: str, recipe: tuple, columns: str, rows):
    """A read-only SQLite connection to table ``words`` (``columns``) in the cache folder,
    filled from ``rows()`` the first time. The file name carries a hash of wordfreq's version
    and ``recipe``; the table is built beside and renamed, so a reader never opens half a
    table; a read-only cache folder keeps it in memory instead."""
    import hashlib
    import os
    import sqlite3
    import tempfile
    from importlib.metadata import version

    from . import defaults

    key = hashlib.sha256(repr((version("wordfreq"), recipe)).encode()).hexdigest()[:12]
    path = defaults.cache_dir() / f"{name}-{key}.sqlite"
    if path.is_file():
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            db.execute("SELECT 1 FROM words LIMIT 1")
            return db
        except sqlite3.Error:
            pass
    data = rows()
    marks = ", ".join("?" * len(columns.split(",")))

    def fill(db):
        db.execute(f"CREATE TABLE words ({columns}) WITHOUT ROWID")
        db.executemany(f"INSERT INTO words VALUES ({marks})", data)
        db.commit()
        return db

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=path.parent)
        os.close(fd)
        fill(sqlite3.connect(tmp)).close()
        os.replace(tmp, path)
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    except (OSError, sqlite3.Error):
        return fill(sqlite3.connect(":memory:", check_same_thread=False))


@lru_cache(maxsize=1)
def _english_db():
    def rows():
        import wordfreq

        return list(wordfreq.get_frequency_dict("en", "large").items())

    return _cached_table("english-words", ("en", "large", 1), "word TEXT PRIMARY KEY, freq REAL", rows)


@lru_cache(maxsize=200_000)
def _freq(word: str) -> float | None:
    row = _english_db().execute("SELECT freq FROM words WHERE word = ?", (word,)).fetchone()
    return row[0] if row else None


@lru_cache(maxsize=100_000)
def zipf(word: str) -> float:
    """Zipf frequency (log10 per billion words) of ``word``, 0.0 when unseen.

    Hyphenated and apostrophe forms fall back to their rarest part, so
    "non-governmental" counts as known when both parts are.
    """
    w = word.lower().replace("’", "'")
    f = _freq(w)
    if f is None and ("-" in w or "'" in w):
        parts = [p for p in w.replace("'", "-").split("-") if p]
        if parts and all(_freq(p) is not None or len(p) <= 2 for p in parts):
            f = min((_freq(p) or 1.0 for p in parts), default=None)
    if not f:
        return 0.0
    return round(math.log10(f * 1e9), 2)


# Cyrillic pivots: an engine that leaves a word untranslated writes it in Latin letters, so
# these languages' words are stored romanised (BGN/PCGN-style, as news engines spell them:
# громада -> hromada, субботник -> subbotnik). "" drops the letter (soft and hard signs).
ROMANISE = {
    "ru": dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                   ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
                    "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"])),
    "uk": dict(zip("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'’",
                   ["a", "b", "v", "h", "g", "d", "e", "ye", "zh", "z", "y", "i", "yi", "y", "k", "l", "m", "n", "o",
                    "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "yu", "ya", "", ""])),
}


def romanise(word: str, lang: str) -> str | None:
    """``word`` in Latin letters for a Cyrillic ``lang``; None when a letter has no mapping."""
    table = ROMANISE[lang]
    out = []
    for ch in word:
        r = table.get(ch)
        if r is None:
            return None
        out.append(r)
    return "".join(out)


@lru_cache(maxsize=4)
def _pivot_db(langs: tuple[str, ...], min_zipf: float, max_en: float):
    """A read-only SQLite table word -> (language, Zipf, source spelling) of the words at
    least ``min_zipf`` common in one of ``langs`` and rarer than ``max_en`` in English, the
    commonest language kept; Cyrillic languages' words are keyed by their romanisation.
    Built once (a few seconds) into the cache folder."""

    def rows():
        import wordfreq

        best: dict[str, tuple[str, float, str]] = {}
        for lang in langs:
            wordlist = "large" if lang in wordfreq.available_languages("large") else "best"
            for src, f in wordfreq.get_frequency_dict(lang, wordlist).items():
                z = round(math.log10(f * 1e9), 2)
                if z < min_zipf:
                    continue
                w = romanise(src, lang) if lang in ROMANISE else src
                if w and (w not in best or z > best[w][1]) and zipf(w) < max_en:
                    best[w] = (lang, z, src)
        return [(w, lang, z, src) for w, (lang, z, src) in best.items()]

    recipe = (langs, min_zipf, max_en, 2, sorted((k, sorted(v.items())) for k, v in ROMANISE.items()))
    return _cached_table("pivot-words", recipe, "word TEXT PRIMARY KEY, lang TEXT, zipf REAL, source TEXT", rows)


@lru_cache(maxsize=100_000)
def source_language(word: str, langs: tuple[str, ...], min_zipf: float,
                    max_en: float) -> tuple[str, float, str] | None:
    """The pivot language in which ``word`` is commonest, with its Zipf frequency and its
    spelling there (громада for hromada), when that is at least ``min_zipf`` and the word is
    rarer than ``max_en`` in English."""
    row = _pivot_db(langs, min_zipf, max_en).execute(
        "SELECT lang, zipf, source FROM words WHERE word = ?", (word.lower(),)).fetchone()
    return (row[0], row[1], row[2]) if row else None
