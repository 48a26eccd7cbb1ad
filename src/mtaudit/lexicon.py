"""Word frequencies from wordfreq: English ("large" list), and the pivot languages
for telling an untranslated source word from a rare English one; loaded once."""
from __future__ import annotations

import math
from functools import lru_cache


@lru_cache(maxsize=1)
def _freqs() -> dict[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict("en", "large")


@lru_cache(maxsize=100_000)
def zipf(word: str) -> float:
    """Zipf frequency (log10 per billion words) of ``word``, 0.0 when unseen.

    Hyphenated and apostrophe forms fall back to their rarest part, so
    "non-governmental" counts as known when both parts are.
    """
    w = word.lower().replace("’", "'")
    f = _freqs().get(w)
    if f is None and ("-" in w or "'" in w):
        parts = [p for p in w.replace("'", "-").split("-") if p]
        if parts and all(p in _freqs() or len(p) <= 2 for p in parts):
            f = min((_freqs().get(p, 1.0) for p in parts), default=None)
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
    Built once from wordfreq (a few seconds) in the cache folder and rebuilt when wordfreq,
    the languages, the thresholds or the table's layout change; a lookup then costs
    microseconds instead of loading the word lists per process."""
    import hashlib
    import os
    import sqlite3
    import tempfile
    from importlib.metadata import version

    from . import defaults

    layout = (2, sorted((k, sorted(v.items())) for k, v in ROMANISE.items()))  # word, lang, zipf, source
    key = hashlib.sha256(repr((version("wordfreq"), langs, min_zipf, max_en, layout)).encode()).hexdigest()[:12]
    path = defaults.cache_dir() / f"pivot-words-{key}.sqlite"
    if path.is_file():
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            db.execute("SELECT 1 FROM words LIMIT 1")
            return db
        except sqlite3.Error:
            pass
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
    rows = [(w, lang, z, src) for w, (lang, z, src) in best.items()]

    def fill(db):
        db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, lang TEXT, zipf REAL, source TEXT) WITHOUT ROWID")
        db.executemany("INSERT INTO words VALUES (?, ?, ?, ?)", rows)
        db.commit()
        return db

    try:  # build beside, then rename: a reader never opens half a table
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".pivot-words.", dir=path.parent)
        os.close(fd)
        fill(sqlite3.connect(tmp)).close()
        os.replace(tmp, path)
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    except (OSError, sqlite3.Error):  # a read-only cache folder: keep the table in memory
        return fill(sqlite3.connect(":memory:", check_same_thread=False))


@lru_cache(maxsize=100_000)
def source_language(word: str, langs: tuple[str, ...], min_zipf: float,
                    max_en: float) -> tuple[str, float, str] | None:
    """The pivot language in which ``word`` is commonest, with its Zipf frequency and its
    spelling there (громада for hromada), when that is at least ``min_zipf`` and the word is
    rarer than ``max_en`` in English."""
    row = _pivot_db(langs, min_zipf, max_en).execute(
        "SELECT lang, zipf, source FROM words WHERE word = ?", (word.lower(),)).fetchone()
    return (row[0], row[1], row[2]) if row else None
