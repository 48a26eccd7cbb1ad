"""The Python API: ``audit``, ``audit_file`` and ``Auditor``; the CLI calls it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import defaults
from .detectors import DETECTORS, Context, Resources
from .document import Document, InputError, read_text
from .fixes import apply_fixes
from .glossary import load as load_glossary
from .model import Finding
from .scoring import Score, mqm_score, signature


@dataclass
class Report:
    """The audit of one document."""

    path: str | None
    text: str | None
    findings: list[Finding] = field(default_factory=list)
    score: Score | None = None
    error: str | None = None
    sentences: list[dict] | None = None
    words: int = 0

    @property
    def document(self) -> Document:
        return Document(self.text or "", self.path)

    def fixed_text(self, unsafe: bool = False) -> str:
        return apply_fixes(self.text or "", self.findings, unsafe=unsafe)[0]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path, "error": self.error}
        if self.error is not None:
            d["findings"] = []
            return d
        doc = self.document
        d["words"] = self.words
        d["score"] = self.score.to_dict() if self.score else None
        if self.sentences is not None:
            d["sentences"] = self.sentences
        d["findings"] = [f.to_dict(doc.line_col) for f in self.findings]
        return d

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)


class Auditor:
    """Loads glossaries (and, when on, the language model) once; audits many texts."""

    def __init__(self, *, lm: str | bool = defaults.LM_MODE, glossaries=(), config=None,
                 builtin_glossaries: bool = True, threads: int | None = None):
        if isinstance(lm, bool):
            lm = "on" if lm else "off"
        if lm not in ("on", "off", "auto"):
            raise ValueError(f"lm must be on, off or auto, not {lm!r}")
        self.glossary = load_glossary(list(glossaries), builtin=builtin_glossaries)
        self.res = Resources(self.glossary)
        self.lm_mode = lm
        self.lm = None
        self.lm_warning: str | None = None
        if lm != "off":
            from .lm import LMUnavailable, load

            try:
                self.lm = load(threads=threads)
            except LMUnavailable as e:
                if lm == "on":
                    raise
                self.lm_warning = f"{e}; auditing with rules only"

    @property
    def lm_label(self) -> str:
        if self.lm is None:
            return "off"
        return f"{self.lm.name}+excess:{defaults.LM_EXCESS_BITS:g}+reject:{defaults.LM_REJECT_BITS:g}"

    def signature(self) -> str:
        return signature(self.glossary.digest, self.lm_label)

    def check(self, doc: Document) -> tuple[list[Finding], list[dict] | None, float | None]:
        """All findings for one document, plus sentence fluency when the model is on."""
        ctx = Context(doc, self.res)
        findings: list[Finding] = []
        for mod in DETECTORS.values():
            findings.extend(mod.check(ctx))
        findings = _dedupe(findings)
        if self.lm is None:
            return findings, None, None
        from .fluency import Fluency

        flu = Fluency(self.lm)
        sentences, toks, bpt = flu.sentence_scores(doc)
        findings = flu.verify(doc, findings)
        taken = [(f.start, f.end) for f in findings]
        findings = sorted(findings + list(flu.detect(ctx, toks, taken, bpt)), key=Finding.sort_key)
        return findings, sentences, bpt

    def audit_text(self, text: str, path: str | None = None) -> Report:
        doc = Document(text, path)
        findings, sentences, bpt = self.check(doc)
        for f in findings:  # the offset invariant, checked once here for every detector
            assert text[f.start:f.end] == f.text, f
        score = mqm_score(findings, doc.words, self.signature())
        score.fluency_bits_per_token = bpt
        return Report(path=path, text=text, findings=findings, words=doc.words, score=score,
                      sentences=sentences)

    def audit_file(self, path: str | Path) -> Report:
        try:
            text = read_text(path)
        except InputError as e:
            return Report(path=str(path), text=None, error=str(e))
        return self.audit_text(text, str(path))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per span (the more severe, then the more confident), and none
    inside a boilerplate line (the line is deleted whole)."""
    best: dict[tuple[int, int], Finding] = {}
    for f in findings:
        k = (f.start, f.end)
        o = best.get(k)
        if o is None or (f.severity.rank, f.confidence) > (o.severity.rank, o.confidence):
            best[k] = f
    chrome = [(f.start, f.end) for f in best.values() if f.code.startswith("BPL")]
    out = [f for f in best.values()
           if f.code.startswith("BPL") or not any(s <= f.start and f.end <= e for s, e in chrome)]
    return sorted(out, key=Finding.sort_key)


def audit(text: str, *, lm: str | bool = defaults.LM_MODE, glossaries=(), config=None) -> Report:
    """Audit a string (never read as a path)."""
    return Auditor(lm=lm, glossaries=glossaries, config=config).audit_text(text)


def audit_file(path: str | Path, *, lm: str | bool = defaults.LM_MODE, glossaries=(), config=None) -> Report:
    """Audit a file, read exactly as the CLI reads it."""
    return Auditor(lm=lm, glossaries=glossaries, config=config).audit_file(path)
