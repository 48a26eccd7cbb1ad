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


@lru_cache(maxsize=4)
def _pivot_words(langs: tuple[str, ...], min_zipf: float, max_en: float) -> dict[str, tuple[str, float]]:
    """word -> (language, Zipf) for every word at least ``min_zipf`` common in one of
    ``langs`` and rarer than ``max_en`` in English, the commonest language kept. Built once from wordfreq (about 1 s for eight
    languages) and cached as a small TSV in the cache folder; rebuilt when wordfreq,
    the languages or the threshold change."""
    import hashlib
    import os
    import tempfile

    import wordfreq

    from . import defaults

    key = hashlib.sha256(repr((getattr(wordfreq, "__version__", "?"), langs, min_zipf, max_en)).encode()).hexdigest()[:12]
    path = defaults.cache_dir() / f"pivot-words-{key}.tsv"
    out: dict[str, tuple[str, float]] = {}
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            w, lang, z = line.split("\t")
            out[w] = (lang, float(z))
        return out
    except (OSError, ValueError):
        out = {}
    for lang in langs:
        wordlist = "large" if lang in wordfreq.available_languages("large") else "best"
        for w, f in wordfreq.get_frequency_dict(lang, wordlist).items():
            z = round(math.log10(f * 1e9), 2)
            if z >= min_zipf and (w not in out or z > out[w][1]) and zipf(w) < max_en:
                out[w] = (lang, z)
    try:  # write beside, then rename: a reader never sees half a file
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".pivot-words.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{w}\t{lang}\t{z}\n" for w, (lang, z) in out.items() if "\t" not in w and "\n" not in w))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache folder costs the rebuild next time, nothing else
    return out


def source_language(word: str, langs: tuple[str, ...], min_zipf: float, max_en: float) -> tuple[str, float] | None:
    """The pivot language in which ``word`` is commonest, with its Zipf frequency, when
    that is at least ``min_zipf`` and the word is rarer than ``max_en`` in English."""
    return _pivot_words(langs, min_zipf, max_en).get(word.lower())
