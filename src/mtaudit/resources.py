"""What detectors share across documents: glossaries and the indexes built from them, once."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .glossary import Glossary


@dataclass
class Resources:
    """What detectors share across documents: glossaries and indexes, built once."""

    glossary: Glossary

    @cached_property
    def names(self):
        from .nameindex import NameIndex

        return NameIndex(self.glossary)

    @cached_property
    def calque_rules(self):
        return [r.compiled for r in self.glossary.calques]  # compiled when the glossary was loaded

    @cached_property
    def calque_index(self):
        from .phrases import PhraseIndex

        return PhraseIndex(self.calque_rules)

    @cached_property
    def pattern_rules(self):
        return [r.compiled for r in self.glossary.patterns]

    @cached_property
    def order_rules(self):
        return [r.compiled for r in self.glossary.order]

    @cached_property
    def countries(self) -> dict[str, str]:
        """Demonym -> country (from demonyms.tsv: "Chinese=China")."""
        out = {}
        for w in self.words("demonyms"):
            if "=" in w:
                a, b = w.split("=", 1)
                out[a.strip()] = b.strip()
        return out

    @cached_property
    def title_heads(self) -> set[str]:
        """The last word of each title, lowercase (minister for "prime minister")."""
        return {t.split()[-1].lower() for t in self.words("titles")}

    @cached_property
    def chrome_rules(self):
        return [(r.compiled, r) for r in self.glossary.chrome]  # whole-line regexes, compiled at load

    def words(self, stem: str) -> set[str]:
        return self.glossary.words.get(stem, set())
