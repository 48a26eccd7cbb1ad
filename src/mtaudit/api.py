"""The Python API: ``audit``, ``audit_file`` and ``Auditor``; the CLI calls it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from . import defaults
from .detectors import Context, Resources, Rule, all_rules, stage
from .document import Document, InputError, content_hash, read_text
from .fixes import apply_fixes, narrow_finding
from .glossary import load as load_glossary
from .model import Finding
from .scoring import Score, mqm_score, signature
from .spans import Intervals


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
    unused_suppressions: list[dict] = field(default_factory=list)
    #: the probability that the article is unedited machine translation (None: the model is off)
    garble: float | None = None
    garble_ignored: bool = False  # <!-- mtaudit: ignore-garble --> in the article
    #: whether the article reads as formal prose, which the default garble gate holds to a lower
    #: bar (None: the model is off)
    garble_formal: bool | None = None
    #: "pass" or "fail": the verdict under the run's --fail-on and --fail-on-garble (set by the run)
    gate: str | None = None
    #: the garble score at which this article fails (set with the verdict; None: no garble gate)
    garble_threshold: float | None = None

    @property
    def garble_failed(self) -> bool:
        """Whether the garble score alone fails the article (the model on, a threshold, no opt-out)."""
        return (self.garble is not None and self.garble_threshold is not None and not self.garble_ignored
                and self.garble >= self.garble_threshold)

    def garble_why(self, n: int = defaults.GARBLE_WHY_SENTENCES) -> list[dict]:
        """The sentences that weigh most in the garble verdict: the ``n`` with the highest
        sentence garble score (start, end, garble, line), in article order."""
        scored = [s for s in (self.sentences or []) if s.get("garble") is not None]
        top = sorted(scored, key=lambda s: (-s["garble"], -s.get("bits_per_token", 0), s["start"]))[:n]
        doc = self.document
        return [{**s, "line": doc.line_col(s["start"])[0]} for s in sorted(top, key=lambda s: s["start"])]

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
        d["sha256"] = content_hash(self.text)
        d["words"] = self.words
        d["score"] = self.score.to_dict() if self.score else None
        d["garble"] = self.garble
        if self.garble_formal is not None:
            d["register"] = "formal" if self.garble_formal else "informal"
        if self.garble_ignored:
            d["garble_ignored"] = True
        if self.gate is not None:
            d["gate"] = self.gate
        if self.garble_failed:
            d["garble_why"] = [{k: s[k] for k in ("start", "end", "line", "garble")} for s in self.garble_why()]
        if self.sentences is not None:
            d["sentences"] = self.sentences
        d["findings"] = [f.to_dict(doc.line_col) for f in self.findings]
        if self.unused_suppressions:
            d["unused_suppressions"] = self.unused_suppressions
        return d

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)

    # --- notebooks ---------------------------------------------------------------------------
    def to_dataframe(self):
        """One row per finding (pandas is an optional dependency: pip install pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Report.to_dataframe needs pandas: pip install 'mtaudit[notebook]'") from None
        cols = ["code", "name", "category", "severity", "start", "end", "line", "column", "text", "message",
                "confidence", "suggestion", "applicability"]
        rows = []
        for f in self.to_dict().get("findings", []):
            fx = f["fixes"][0] if f["fixes"] else None
            rows.append({**{k: f[k] for k in cols[:11]}, "suggestion": fx["replacement"] if fx else None,
                         "applicability": fx["applicability"] if fx else None})
        return pd.DataFrame(rows, columns=cols)

    def _repr_html_(self) -> str:
        from .reporters.html import CSS, report_section

        return f"<div class=\"mtaudit\"><style>{CSS}</style>{report_section(self)}</div>"

    def plot_fluency(self, ax=None):
        """Bits per token of each sentence across the article (needs the language model)."""
        import matplotlib.pyplot as plt

        if not self.sentences:
            raise ValueError("no sentence fluency: audit with the language model on")
        ax = ax or plt.subplots(figsize=(9, 3))[1]
        ys = [s["bits_per_token"] for s in self.sentences]
        ax.plot(range(1, len(ys) + 1), ys, marker="o")
        if self.score and self.score.fluency_bits_per_token is not None:
            ax.axhline(self.score.fluency_bits_per_token, linestyle="--", color="grey", label="article mean")
            ax.legend()
        ax.set_xlabel("sentence")
        ax.set_ylabel("bits per token")
        ax.set_title(f"Fluency: {self.path or 'text'}")
        return ax

    def plot_categories(self, ax=None):
        """Findings per category, bars coloured by severity."""
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots(figsize=(7, 3))[1]
        cats = sorted({f.category.value for f in self.findings})
        bottom = [0] * len(cats)
        for sev, color in (("minor", "#e6c619"), ("major", "#f08a24"), ("critical", "#d62728")):
            vals = [sum(1 for f in self.findings if f.category.value == c and f.severity.value == sev) for c in cats]
            ax.barh(cats, vals, left=bottom, color=color, label=sev)
            bottom = [a + b for a, b in zip(bottom, vals)]
        ax.set_xlabel("findings")
        ax.legend()
        ax.set_title("Findings by category")
        return ax


class Auditor:
    """Loads glossaries (and, when on, the language model) once; audits many texts.

    ``config`` is a :class:`mtaudit.config.Config` or a path to a config file;
    explicit arguments override it (``lm=None`` means "as configured").
    """

    def __init__(self, *, lm: str | bool | None = None, glossaries=(), config=None,
                 builtin_glossaries: bool = True, threads: int | None = None, deep: bool | None = None):
        from .config import Config, load_config

        if config is None:
            config = Config()
        elif not isinstance(config, Config):
            config = load_config(Path(config))
        self.config = config
        if lm is None:
            lm = config.lm or defaults.LM_MODE
        if isinstance(lm, bool):
            lm = "on" if lm else "off"
        if lm not in defaults.LM_CHOICES:
            raise ValueError(f"lm must be on, off or auto, not {lm!r}")
        self.glossary = load_glossary([*config.glossaries, *glossaries], builtin=builtin_glossaries)
        check_codes(config, self.glossary.rule_ids())
        self.res = Resources(self.glossary)
        self.rules = all_rules()
        self.excess_bits = config.lm_excess_bits if config.lm_excess_bits is not None else defaults.LM_EXCESS_BITS
        self.reject_bits = config.lm_reject_bits if config.lm_reject_bits is not None else defaults.LM_REJECT_BITS
        self.lm_mode = lm
        #: the deep detector (LMD001) runs: propose-and-verify edits, several times the model's cost
        self.deep = bool(config.deep if deep is None else deep)
        self.lm = None
        self.garble_model = None
        self.lm_warning: str | None = None
        if lm != "off":
            from .lm import LMUnavailable, load

            try:
                self.lm = load(threads=threads)
            except LMUnavailable as e:
                if lm == "on":
                    raise
                self.lm_warning = f"{e}; auditing with rules only"
            if self.lm is not None:
                self.garble_model = self._load_cards()
        if self.deep and self.lm is None:
            self.deep = False
            if lm != "off":
                self.lm_warning = (self.lm_warning or "the language model is off") + "; --deep has no effect"

    def _load_cards(self):
        """The trained cards the model's path reads (garble head, word scorer and, under deep, the
        deep detector's), loaded and checked now: a broken card is one clear error naming the
        file, not a traceback mid-audit. Returns the garble head."""
        from .garble import load_model
        from .lm import LMUnavailable
        from .wordscore import load_scorer

        try:
            load_scorer()
            if self.deep:
                from .detectors.deep import load_card

                load_card()
            return load_model()
        except ValueError as e:
            raise LMUnavailable(str(e)) from None

    def with_options(self, *, config=None, lm: bool = True, deep: bool | None = None) -> "Auditor":
        """This auditor for one run's options, sharing its glossaries, rules and model: another
        ``config`` (a :class:`mtaudit.config.Config` whose selection was checked against the rule
        ids) and/or the model off. The service builds one per request this way."""
        import copy

        a = copy.copy(self)
        if config is not None:
            a.config = config
        if not lm:
            a.lm, a.garble_model = None, None
        if deep is not None:
            a.deep = deep
        for cached in ("_lm_outputs", "_stages"):  # they read the model and the configuration
            a.__dict__.pop(cached, None)
        return a

    @property
    def lm_label(self) -> str:
        if self.lm is None:
            return "off"
        label = f"{self.lm.name}+excess:{self.excess_bits:g}+reject:{self.reject_bits:g}"
        label += f"+{self.garble_model.signature}" if self.garble_model is not None else ""
        if self.deep:
            from .detectors.deep import load_card

            label += f"+{load_card().signature}"
        from .wordscore import load_scorer

        scorer = load_scorer()  # the garble head reads its scores, and the deep detector its marks
        if scorer is not None and (self.garble_model is not None or self.deep):
            label += f"+{scorer.signature}"
        return label

    def signature(self) -> str:
        return signature(self.glossary.digest, self.lm_label)

    def check(self, doc: Document) -> tuple[list[Finding], object | None]:
        """All findings for one document, and the model's pass over it (None with the model off).

        The passes, in order: the model's one pass over the sentences (``ctx.lm``) -> the
        detectors -> overlaps resolved (:func:`resolve_overlaps`) -> findings of rules whose
        requirements are missing dropped -> LM verification (each rule's ``lm_policy``) -> the
        second-stage detectors, which see what stands (``ctx.taken``). Configuration,
        suppressions and the baseline are applied after, by :meth:`audit_text` and the runner.
        """
        findings, lm_out, _, _ = self._check(doc)
        return findings, lm_out

    def _check(self, doc: Document) -> tuple[list[Finding], object | None, list[Finding], tuple | None]:
        """:meth:`check`, and also the findings a rules-only run makes, as they were before the
        model's verification dropped any (what the garble head's ``finding_rate`` was trained on),
        and the garble features when the deep detector needed them (else None: computed later)."""
        ctx = Context(doc, self.res)
        available = self._available
        ctx.lm = self.lm_pass(doc)
        findings = [f for mod in self._stage("detect") for f in mod.check(ctx)]
        findings = resolve_overlaps(findings, self.rules)
        findings = [f for f in findings if self.rules.get(f.code, Rule).requires <= available]
        unverified = list(findings)
        if self.lm is not None:
            findings = self._fluency_pass.verify(doc, findings, self.rules)
        ctx.taken = Intervals((f.start, f.end) for f in findings)
        garble = None
        if "deep" in available:
            ctx.model = self.lm
            garble = self._garble_features(doc, ctx.lm, self.rules_only(unverified))
            ctx.sentence_garble = self._sentence_garble(garble)
        after = [f for mod in self._stage("after-verify") for f in mod.check(ctx)]
        findings += after
        # the rules that say so report only the words their fixes change (the phrase they matched
        # stays in ``matched``); after verification, which scores the same edited text either way
        findings = [narrow_finding(doc.text, f) if self.rules.get(f.code, Rule).narrow else f for f in findings]
        findings.sort(key=Finding.sort_key)
        # the second stage adds only findings that need the model, so the garble features above
        # read the same rules-only findings as the audit's
        return findings, ctx.lm, self.rules_only(unverified + after), garble

    def lm_pass(self, doc: Document):
        """The model's one pass over ``doc``'s sentences (:class:`mtaudit.fluency.LMOutput`), as an
        audit runs it; None with the model off. Cached: after an audit of the same text it is free."""
        if self.lm is None:
            return None
        return self._fluency_pass.run(doc, self._lm_outputs)

    @cached_property
    def _fluency_pass(self):
        """The model's pass and fix verification (:class:`mtaudit.fluency.Fluency`), built once:
        the model and both thresholds are fixed for an auditor."""
        from .fluency import Fluency

        return Fluency(self.lm, excess_bits=self.excess_bits, reject_bits=self.reject_bits)

    def rules_only(self, findings: list[Finding]) -> list[Finding]:
        """The findings of rules that need nothing but the text (not the model: LMF001, ORD003)."""
        return [f for f in findings if not self.rules.get(f.code, Rule).requires]

    def _stage(self, name: str) -> list:
        """The detector modules of stage ``name`` that this run has what they need for, less those
        whose every rule is opt-in and unselected (their findings would be dropped unread)."""
        return self._stages[name]

    @cached_property
    def _stages(self) -> dict[str, list]:
        """:meth:`_stage` of each stage, worked out once per auditor (the model and the
        configuration are fixed; :meth:`with_options` drops it with the rest)."""
        return {name: [m for m in stage(name, self._available)
                       if any(not r.opt_in or self.config.wants(r.code, opt_in=True) for r in m.RULES)]
                for name in ("detect", "after-verify")}

    @property
    def _available(self) -> frozenset:
        """What the detectors may require that this run has: the model, and ``deep`` with it."""
        if self.lm is None:
            return frozenset()
        return frozenset({"lm", "deep"}) if self.deep else frozenset({"lm"})

    def _garble_features(self, doc: Document, lm_out, findings) -> tuple | None:
        """The article's and each sentence's garble features (None without a garble head);
        ``findings``: a rules-only run's."""
        if self.garble_model is None:
            return None
        from .garble import document_features

        return document_features(doc.text, lm_out, findings)

    def _sentence_garble(self, features: tuple | None) -> list[float] | None:
        """Each sentence's garble score from :meth:`_garble_features`."""
        return [self.garble_model.probability(f) for f in features[1]] if features is not None else None

    @cached_property
    def _lm_outputs(self) -> frozenset:
        """The union of what the running rules read of the model's pass (``Rule.lm_outputs``),
        worked out once per auditor (the model and the configuration are fixed)."""
        mods = self._stage("detect") + self._stage("after-verify")
        return frozenset().union(*(r.lm_outputs for m in mods for r in m.RULES))

    def audit_text(self, text: str, path: str | None = None, input_format: str | None = None) -> Report:
        """Audit ``text``; ``input_format`` (txt, md, html) defaults to the path's extension."""
        from .inputs import SuppressionError, detect_format, mask, parse_suppressions
        from .model import Severity

        fmt = detect_format(path, input_format)
        sup = None
        if fmt in ("md", "html"):
            try:
                sup = parse_suppressions(text, path)
            except SuppressionError as e:
                return Report(path=path, text=None, error=str(e))

        prose = mask(text, fmt)  # same length as text: offsets refer to the original
        doc = Document(prose, path)
        findings, lm_out, unverified, features = self._check(doc)
        sentences, bpt, garble, formal = self._fluency(doc, lm_out, unverified, features)
        for f in findings:
            f.text = text[f.start:f.end]
        findings = [f for f in findings if self.config.wants(f.selector, self.rules.get(f.code, Rule).opt_in)]
        for f in findings:
            if f.code in self.config.severity:
                f.severity = Severity(self.config.severity[f.code])
        unused = []
        if sup is not None:
            findings = sup.filter(findings)
            unused = [{"line": u.line, "directive": u.directive} for u in sup.unused()]
        for f in findings:  # the offset invariant, checked once here for every detector
            assert text[f.start:f.end] == f.text, f
        score = mqm_score(findings, doc.words, self.signature())
        score.fluency_bits_per_token = bpt
        return Report(path=path, text=text, findings=findings, words=doc.words, score=score,
                      sentences=sentences, unused_suppressions=unused, garble=garble, garble_formal=formal,
                      garble_ignored=bool(sup is not None and sup.ignore_garble))

    def _fluency(self, doc: Document, lm_out, findings, features=None) -> tuple[list[dict] | None, float | None,
                                                                               float | None, bool | None]:
        """Sentence fluency, the article's bits per token, its garble score and whether it reads
        as formal prose (None without the model); ``findings``: the detectors', before the model's
        verification and the configuration's selection (as the head was trained; a selection does
        not move the score); ``features``: their garble features when already computed."""
        if lm_out is None:
            return None, None, None, None
        if self.garble_model is None:
            return [dict(s) for s in lm_out.sentences], lm_out.bits_per_token, None, None
        art, sents = features or self._garble_features(doc, lm_out, findings)
        sentences = [{**s, "garble": round(self.garble_model.probability(f), 4)}
                     for s, f in zip(lm_out.sentences, sents)]
        return (sentences, lm_out.bits_per_token, round(self.garble_model.probability(art), 4),
                self.garble_model.is_formal(art, doc.words))

    def audit_file(self, path: str | Path, input_format: str | None = None) -> Report:
        try:
            text = read_text(path)
        except InputError as e:
            return Report(path=str(path), text=None, error=str(e))
        return self.audit_text(text, str(path), input_format)


def check_codes(config, rule_ids=None) -> None:
    """Every selector in ``select``, ``extend_select`` and ``ignore`` must select some rule, and every ``severity``
    key must be a rule's code (as ruff says of an unknown rule selector); ConfigError otherwise.
    A selector naming a data rule (``CODE/id...``) is checked against ``rule_ids`` when given
    (the loaded glossaries' ``CODE/id`` selectors), else by its code alone."""
    from .config import SELECTION_KEYS, ConfigError
    from .detectors import all_rules

    codes = list(all_rules())
    where = f"{config.path}: " if config.path else ""
    for key in SELECTION_KEYS:
        for sel in getattr(config, key):
            known = any(c.startswith(sel) for c in codes) if "/" not in sel else (
                sel.partition("/")[0] in codes if rule_ids is None else any(r.startswith(sel) for r in rule_ids))
            if not known:
                raise ConfigError(f"{where}{key.replace('_', '-')}: unknown rule selector {sel!r} (see `mtaudit rules`)")
    for code in config.severity:
        if code not in codes:
            raise ConfigError(f"{where}severity: unknown rule code {code!r} (see `mtaudit rules`)")


def resolve_overlaps(findings: list[Finding], rules: dict) -> list[Finding]:
    """One finding per span (the more severe, then the more confident); then a finding that lies
    inside a span of a rule that supersedes its code is dropped (a chrome line is deleted whole;
    an untranslated word inside a calque or name rewrite is that rewrite's). A rule never
    supersedes its own code."""
    best: dict[tuple[int, int], Finding] = {}
    for f in findings:
        k = (f.start, f.end)
        o = best.get(k)
        if o is None or (f.severity.rank, f.confidence) > (o.severity.rank, o.confidence):
            best[k] = f
    by_prefix: dict[str, tuple[list, set]] = {}
    for f in best.values():
        for prefix in rules.get(f.code, Rule).supersedes:
            spans, codes = by_prefix.setdefault(prefix, ([], set()))
            spans.append((f.start, f.end))
            codes.add(f.code)
    index = [(prefix, Intervals(spans), codes) for prefix, (spans, codes) in by_prefix.items()]
    out = [f for f in best.values()
           if not any(f.code.startswith(p) and f.code not in codes and iv.contains(f.start, f.end)
                      for p, iv, codes in index)]
    return sorted(out, key=Finding.sort_key)


def audit(text: str, *, lm: str | bool | None = None, glossaries=(), config=None) -> Report:
    """Audit a string (never read as a path)."""
    return Auditor(lm=lm, glossaries=glossaries, config=config).audit_text(text)


def audit_file(path: str | Path, *, lm: str | bool | None = None, glossaries=(), config=None) -> Report:
    """Audit a file, read exactly as the CLI reads it."""
    return Auditor(lm=lm, glossaries=glossaries, config=config).audit_file(path)
