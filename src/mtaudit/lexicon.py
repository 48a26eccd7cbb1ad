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


@lru_cache(maxsize=None)
def _pivot_freqs(lang: str) -> dict[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict(lang, "large" if lang in wordfreq.available_languages("large") else "best")


@lru_cache(maxsize=100_000)
def source_language(word: str, langs: tuple[str, ...]) -> tuple[str, float] | None:
    """The pivot language in which ``word`` is commonest, with its Zipf frequency,
    or None when it occurs in none of ``langs``."""
    w = word.lower()
    best = None
    for lang in langs:
        f = _pivot_freqs(lang).get(w)
        if f:
            z = round(math.log10(f * 1e9), 2)
            if best is None or z > best[1]:
                best = (lang, z)
    return best
