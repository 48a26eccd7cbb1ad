"""Evaluation: gold spans, span P/R/F1 and fix accuracy, sacrebleu metrics, corpus metrics, baselines.

The span matching follows ``../shared/tools/score.py`` exactly (a test runs
both on the same report):

* a finding is correct when at least half of it lies inside one gold span;
* each gold span is matched to at most one finding and each finding to at
  most one gold span, greedily by overlap;
* fix accuracy: of the matched gold spans that have fixes, the share whose
  matched finding's top suggestion changes the text and yields a region that
  contains one of the gold fixes (whitespace folded, first letter's case free).
"""
from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import defaults
from .document import Document, read_text
from .version import __version__

MATCHING = "half-inside|greedy-overlap|fix:top-suggestion"


class GoldError(Exception):
    pass


# --- gold ------------------------------------------------------------------------------
@dataclass
class Gold:
    id: str
    path: Path
    text_path: Path
    text: str
    spans: list[dict]
    meta: dict
    ref_path: Path | None


def load_gold(gold_path: str | Path) -> Gold:
    import yaml

    gold_path = Path(gold_path)
    try:
        gold = yaml.safe_load(read_text(gold_path))
    except yaml.YAMLError as e:
        raise GoldError(f"{gold_path}: malformed YAML: {e}") from None
    if not isinstance(gold, dict) or "text_file" not in gold or not isinstance(gold.get("spans"), list):
        raise GoldError(f"{gold_path}: a gold file needs text_file and spans")
    text_path = gold_path.parent / gold["text_file"]
    text = read_text(text_path)
    spans = []
    for s in gold["spans"]:
        q = s.get("quote")
        if not q:
            raise GoldError(f"{gold_path}: empty quote")
        hits, i = [], text.find(q)
        while i >= 0:
            before = text[i - 1] if i > 0 else " "
            after = text[i + len(q)] if i + len(q) < len(text) else " "
            if not (before.isalnum() or after.isalnum()):
                hits.append(i)
            i = text.find(q, i + 1)
        if not hits:
            raise GoldError(f"{gold_path}: quote not found: {q!r}")
        occ = s.get("occurrence", 1)
        if occ != "all" and not (isinstance(occ, int) and 1 <= occ <= len(hits)):
            raise GoldError(f"{gold_path}: occurrence {occ!r} of {q!r} (found {len(hits)})")
        for h in hits if occ == "all" else [hits[occ - 1]]:
            spans.append({**s, "start": h, "end": h + len(q)})
    spans.sort(key=lambda x: x["start"])
    ref = gold_path.parent / (gold_path.name.removesuffix(".gold.yaml") + ".ref.txt")
    return Gold(str(gold.get("id") or text_path.stem), gold_path, text_path, text, spans,
                {k: gold.get(k) for k in ("pivot", "domain", "split")}, ref if ref.is_file() else None)


def find_golds(paths) -> list[Path]:
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(p.glob("*.gold.yaml"))
        elif p.name.endswith(".gold.yaml"):
            out.append(p)
        elif p.suffix == ".txt" and p.with_name(p.stem + ".gold.yaml").is_file():
            out.append(p.with_name(p.stem + ".gold.yaml"))
        else:
            raise GoldError(f"{p}: not a folder, a NAME.gold.yaml, or a NAME.txt with a gold file beside it")
    if not out:
        raise GoldError("no gold files (NAME.gold.yaml) found")
    return out


# --- span scoring (score.py's rules) -------------------------------------------------------
def _overlap(a, b) -> int:
    return max(0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def _inside(f, g) -> bool:
    ov = _overlap(f, g)
    return ov > 0 and 2 * ov >= max(1, f["end"] - f["start"])


def _norm(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    return s[:1].lower() + s[1:]


def fixes_span(text: str, g: dict, f: dict) -> bool:
    """Whether finding ``f``'s top suggestion, put in place of its text, yields one of gold span
    ``g``'s fixes (the referee's rule: the patched region holds the fix, whitespace folded, the
    first letter's case aside)."""
    if not g.get("fixes"):
        return False
    sugg = (f.get("suggestions") or [None])[0]
    if sugg is None or sugg == text[f["start"]:f["end"]]:
        return False
    lo, hi = min(g["start"], f["start"]), max(g["end"], f["end"])
    patched = _norm(text[lo:f["start"]] + sugg + text[f["end"]:hi])
    return any((_norm(fx) in patched) if fx else patched == _norm(text[lo:f["start"]] + text[f["end"]:hi])
               for fx in g["fixes"])


def score_spans(text: str, spans: list[dict], finds: list[dict]) -> dict:
    """Counts and matches for one document; ``finds`` are JSON finding dicts."""
    pairs = sorted(((_overlap(g, f), gi, fi) for gi, g in enumerate(spans) for fi, f in enumerate(finds)
                    if _inside(f, g)), reverse=True)
    g_used, f_used, match = set(), set(), {}
    for _, gi, fi in pairs:
        if gi not in g_used and fi not in f_used:
            g_used.add(gi)
            f_used.add(fi)
            match[gi] = fi
    covered = {fi for fi, f in enumerate(finds) if any(_inside(f, g) for g in spans)}
    fixed = {gi for gi, fi in match.items() if fixes_span(text, spans[gi], finds[fi])}
    core = [i for i, g in enumerate(spans) if g.get("tier", "core") == "core"]
    return {
        "findings": len(finds), "correct_findings": len(covered), "gold": len(spans), "found": len(match),
        "core": len(core), "core_found": sum(1 for i in core if i in match),
        "fixable": sum(1 for gi in match if spans[gi].get("fixes")), "fixed": len(fixed),
        "_match": match, "_covered": covered, "_fixed": fixed,
    }


def prf(counts: dict) -> dict:
    p = counts["correct_findings"] / counts["findings"] if counts["findings"] else 0.0
    r = counts["found"] / counts["gold"] if counts["gold"] else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    out = {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f1, 3)}
    if "core" in counts:
        out["core_recall"] = round(counts["core_found"] / counts["core"], 3) if counts["core"] else 0.0
    if "fixable" in counts:
        out["fix_accuracy"] = round(counts["fixed"] / counts["fixable"], 3) if counts["fixable"] else None
    return out


COUNT_KEYS = ("findings", "correct_findings", "gold", "found", "core", "core_found", "fixable", "fixed")


def _sum(counts_list) -> dict:
    return {k: sum(c[k] for c in counts_list) for k in COUNT_KEYS}


# --- reference metrics -------------------------------------------------------------------------
def reference_metrics(text: str, ref: str, findings) -> dict:
    import sacrebleu

    from .fixes import apply_fixes

    variants = {
        "published": text,
        "fixed-safe": apply_fixes(text, findings)[0],
        "fixed-safe+unsafe": apply_fixes(text, findings, unsafe=True)[0],
        "fixed-safe+unsafe-no-boilerplate": apply_fixes(text, findings, unsafe=True,
                                                        skip_categories=["other/boilerplate"])[0],
    }
    chrf, bleu, ter = sacrebleu.metrics.CHRF(), sacrebleu.metrics.BLEU(), sacrebleu.metrics.TER()
    out = {}
    for k, h in variants.items():
        hyp_segs, ref_segs = align_paragraphs(h, ref)
        out[k] = {"chrf": round(chrf.corpus_score([h], [[ref]]).score, 2),
                  "bleu": round(bleu.corpus_score([h], [[ref]]).score, 2),
                  "ter": round(ter.corpus_score(hyp_segs, [ref_segs]).score, 2)}
    out["signatures"] = {"chrf": str(chrf.get_signature()) + "|seg:document",
                         "bleu": str(bleu.get_signature()) + "|seg:document",
                         "ter": str(ter.get_signature()) + "|seg:aligned-paragraphs"}
    pub = out["published"]["chrf"]
    out["chrf_gain"] = round(out["fixed-safe+unsafe"]["chrf"] - pub, 2)
    out["chrf_gain_no_boilerplate"] = round(out["fixed-safe+unsafe-no-boilerplate"]["chrf"] - pub, 2)
    return out


#: A block longer than this many words is cut into its lines for TER (a round trip keeps one
#: paragraph per line and no blank lines: TER over a 1,000-word block takes minutes).
TER_MAX_BLOCK_WORDS = 200


def _paragraphs(text: str) -> list[str]:
    out = []
    for p in re.split(r"\n\s*\n", text):
        if not p.strip():
            continue
        parts = p.split("\n") if len(p.split()) > TER_MAX_BLOCK_WORDS else [p]
        out += [" ".join(x.split()) for x in parts if x.strip()]
    return out


def align_paragraphs(hyp: str, ref: str) -> tuple[list[str], list[str]]:
    """Monotone alignment of paragraphs (dynamic programming on rapidfuzz similarity).

    TER's shift search is quadratic in segment length (15 s for one 800-word
    document here), so TER is computed over aligned paragraph pairs; a
    paragraph with no counterpart is paired with an empty string, so deleted or
    missing text still counts as edits.
    """
    from rapidfuzz import fuzz

    hp, rp = _paragraphs(hyp), _paragraphs(ref)
    n, m = len(hp), len(rp)
    sim = [[fuzz.ratio(a, b) / 100 for b in rp] for a in hp]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            pair = best[i + 1][j + 1] + sim[i][j] if sim[i][j] >= 0.4 else -1.0
            best[i][j] = max(pair, best[i + 1][j], best[i][j + 1])
    hs, rs, i, j = [], [], 0, 0
    while i < n or j < m:
        if i < n and j < m and sim[i][j] >= 0.4 and best[i][j] == best[i + 1][j + 1] + sim[i][j]:
            hs.append(hp[i]), rs.append(rp[j])
            i, j = i + 1, j + 1
        elif i < n and (j == m or best[i][j] == best[i + 1][j]):
            hs.append(hp[i]), rs.append("")
            i += 1
        else:
            hs.append(""), rs.append(rp[j])
            j += 1
    return hs, rs


# --- baselines ---------------------------------------------------------------------------------
def hunspell_available() -> bool:
    if shutil.which("hunspell") is None:
        return False
    return any(Path(d, "en_US.dic").is_file() for d in ("/usr/share/hunspell", "/usr/share/myspell"))


def hunspell_findings(text: str) -> list[dict]:
    """Every word hunspell (en_US) rejects, with its first suggestion."""
    lines = text.splitlines(keepends=True)
    inp = "".join("^" + ln.rstrip("\r\n") + "\n" for ln in lines)
    p = subprocess.run(["hunspell", "-a", "-i", "utf-8", "-d", "en_US"], input=inp, capture_output=True,
                       text=True, encoding="utf-8", check=True)
    out, li = [], 0
    line_starts = []
    pos = 0
    for ln in lines:
        line_starts.append(pos)
        pos += len(ln)
    cursor = 0
    for row in p.stdout.splitlines()[1:]:
        if row == "":
            li += 1
            cursor = 0
            continue
        if li >= len(lines) or row[0] not in "&#":
            continue
        parts = row.split(":", 1)
        head = parts[0].split()
        word = head[1]
        sugg = parts[1].split(",")[0].strip() if len(parts) > 1 else None
        ln = lines[li]
        i = ln.find(word, cursor)
        if i < 0:
            continue
        cursor = i + len(word)
        s = line_starts[li] + i
        out.append({"start": s, "end": s + len(word), "suggestions": [sugg] if sugg else []})
    return out


def lm_topk_findings(model, text: str, k: int) -> list[dict]:
    """The k most surprising whitespace words by the language model alone."""
    doc = Document(text)
    toks = model.surprisal([text[s:e] for s, e in doc.sentences])
    words = []
    for (s, e), tk in zip(doc.sentences, toks):
        for m in re.finditer(r"\S+", text[s:e]):
            bits = sum(b for a, z, b in tk if a < m.end() and m.start() < z)
            words.append((bits, s + m.start(), s + m.end()))
    words.sort(reverse=True)
    return [{"start": a, "end": b, "suggestions": []} for _, a, b in words[:k]]


# --- the evaluation ------------------------------------------------------------------------------
@dataclass
class Evaluation:
    signature: str
    files: list[dict] = field(default_factory=list)
    micro: dict = field(default_factory=dict)
    macro: dict = field(default_factory=dict)
    by_split: dict = field(default_factory=dict)
    by_category: dict = field(default_factory=dict)
    by_code: dict = field(default_factory=dict)
    by_pivot: dict = field(default_factory=dict)
    baselines: dict = field(default_factory=dict)
    clean: dict | None = None
    mqm: dict | None = None
    gate: dict | None = None
    #: the word scorer against the gold spans, word by word (ROC AUC), with the model on
    words: dict | None = None
    command: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def _tally(g, finds, c, cat_counts, code_counts) -> None:
    """Per category (gold side for recall, finding side for precision) and per code."""
    for gi, s in enumerate(g.spans):
        cat_counts[s["category"]]["gold"] += 1
        cat_counts[s["category"]]["found"] += gi in c["_match"]
    for fi, f in enumerate(finds):
        ok = fi in c["_covered"]
        cat_counts[f["category"]]["findings"] += 1
        cat_counts[f["category"]]["correct_findings"] += ok
        code_counts[f["code"]]["findings"] += 1
        code_counts[f["code"]]["correct_findings"] += ok
    for gi, fi in c["_match"].items():
        code_counts[finds[fi]["code"]]["found"] += 1
        if g.spans[gi].get("fixes"):
            code_counts[finds[fi]["code"]]["fixable"] += 1
            code_counts[finds[fi]["code"]]["fixed"] += gi in c["_fixed"]


def _run_baselines(auditor, g, n_findings: int, base_counts) -> None:
    """hunspell and the LM's top-k surprisal on the same text, where available."""
    if hunspell_available():
        hc = score_spans(g.text, g.spans, hunspell_findings(g.text))
        base_counts["hunspell"].append({k: hc[k] for k in COUNT_KEYS})
    if auditor.lm is not None:
        lc = score_spans(g.text, g.spans, lm_topk_findings(auditor.lm, g.text, n_findings))
        base_counts["lm-surprisal-top-k"].append({k: lc[k] for k in COUNT_KEYS})


def evaluate(auditor, gold_paths, *, clean_dir=None, mqm_path=None, baselines=True, progress=None) -> Evaluation:
    ev = Evaluation(signature=eval_signature(auditor))
    all_counts, cat_counts, code_counts = [], defaultdict(Counter), defaultdict(Counter)
    split_counts, pivot_counts = defaultdict(list), defaultdict(list)
    base_counts = defaultdict(list)
    pairs = []  # (garble of the text, of its reference, domain, each formal or not) for the gate
    word_rows: list[tuple[float, int]] = []  # (word score, in a gold span) for the word-level AUC
    for gp in gold_paths:
        g = load_gold(gp)
        rep = auditor.audit_text(g.text, str(g.text_path))
        word_rows += _word_rows(auditor, g)
        finds = [f.to_dict() for f in rep.findings]
        c = score_spans(g.text, g.spans, finds)
        counts = {k: c[k] for k in COUNT_KEYS}
        all_counts.append(counts)
        split_counts[g.meta.get("split") or "dev"].append(counts)
        pivot_counts[g.meta.get("pivot") or "?"].append(counts)
        entry = {"id": g.id, "path": str(g.text_path), **{k: g.meta[k] for k in g.meta if g.meta[k]},
                 "counts": counts, **prf(counts),
                 "missed": [g.spans[i]["quote"] for i in range(len(g.spans)) if i not in c["_match"]
                            and g.spans[i].get("tier", "core") == "core"],
                 "false_alarms": [f["text"] for i, f in enumerate(finds) if i not in c["_covered"]]}
        _tally(g, finds, c, cat_counts, code_counts)
        if g.ref_path is not None:
            ref_text = read_text(g.ref_path)
            entry["reference"] = reference_metrics(g.text, ref_text, rep.findings)
            if rep.garble is not None:
                entry["garble"] = rep.garble
                ref_rep = auditor.audit_text(ref_text, str(g.ref_path))
                entry["reference_garble"] = ref_rep.garble
                pairs.append((rep.garble, ref_rep.garble, g.meta.get("domain") or "?",
                              rep.garble_formal, ref_rep.garble_formal))
        ev.files.append(entry)
        if baselines:
            _run_baselines(auditor, g, len(finds), base_counts)
        if progress:
            progress(g.id)
    tot = _sum(all_counts)
    ev.micro = {"counts": tot, **prf(tot)}
    keys = ("precision", "recall", "f1", "core_recall")
    ev.macro = {k: round(sum(f[k] for f in ev.files) / len(ev.files), 3) for k in keys}
    fa = [f["fix_accuracy"] for f in ev.files if f["fix_accuracy"] is not None]
    ev.macro["fix_accuracy"] = round(sum(fa) / len(fa), 3) if fa else None
    ev.by_split = {k: {"files": len(v), **prf(_sum(v)), "counts": _sum(v)} for k, v in split_counts.items()}
    ev.by_pivot = {k: {"files": len(v), **prf(_sum(v))} for k, v in pivot_counts.items()}
    for cat, cc in sorted(cat_counts.items()):
        ev.by_category[cat] = {
            "gold": cc["gold"], "found": cc["found"], "findings": cc["findings"],
            "precision": round(cc["correct_findings"] / cc["findings"], 3) if cc["findings"] else None,
            "recall": round(cc["found"] / cc["gold"], 3) if cc["gold"] else None}
    for code, cc in sorted(code_counts.items()):
        ev.by_code[code] = {
            "findings": cc["findings"], "correct": cc["correct_findings"], "matched_gold": cc["found"],
            "precision": round(cc["correct_findings"] / cc["findings"], 3) if cc["findings"] else None,
            "fix_accuracy": round(cc["fixed"] / cc["fixable"], 3) if cc["fixable"] else None}
    ev.baselines["mtaudit"] = {"status": "ran", **prf(tot)}
    if baselines:
        if not hunspell_available():
            ev.baselines["hunspell"] = {"status": "skipped: hunspell with the en_US dictionary is not installed"}
        if auditor.lm is None:
            ev.baselines["lm-surprisal-top-k"] = {"status": "skipped: the language model is off"}
        for name, cl in base_counts.items():
            ev.baselines[name] = {"status": "ran", **prf(_sum(cl))}
    ev.words = _word_metrics(word_rows)
    if pairs and auditor.garble_model is not None:
        ev.gate = gate_metrics(pairs, {"model": auditor.garble_model.default_threshold,
                                       "news": auditor.garble_model.news_threshold})
    if clean_dir is not None:
        ev.clean = clean_corpus(auditor, clean_dir, with_hunspell=baselines and hunspell_available())
    if mqm_path is not None:
        ev.mqm = mqm_metrics(auditor, mqm_path, progress=progress)
    return ev


def _word_metrics(rows: list[tuple[float, int]]) -> dict | None:
    if len({b for _, b in rows}) < 2:
        return None
    return {"words": len(rows), "bad": sum(b for _, b in rows),
            "roc_auc": round(roc_auc([p for p, _ in rows], [b for _, b in rows]), 4),
            "label": "a word is bad when it overlaps a gold span; each sentence's first word left out"}


def _word_rows(auditor, g) -> list[tuple[float, int]]:
    """Each word's score from the word scorer (the audit's model pass, cached) and whether it
    overlaps a gold span; empty with the model off or no scorer."""
    from .wordscore import load_scorer, sentence_words

    scorer = load_scorer()
    if auditor.lm is None or scorer is None:
        return []
    from .document import Document
    from .inputs import detect_format, mask

    doc = Document(mask(g.text, detect_format(str(g.text_path), None)))
    lm_out = auditor.lm_pass(doc)
    spans = [(s["start"], s["end"]) for s in g.spans]
    out = []
    for span, toks in zip(lm_out.spans, lm_out.tokens):
        for w in sentence_words(doc.text, span, toks)[1:]:
            out.append((scorer.probability(w.features), int(any(a < w.end and w.start < b for a, b in spans))))
    return out


def gate_metrics(pairs: list[tuple], thresholds: dict) -> dict:
    """The garble gate on labelled texts and their references (``(garble, reference garble,
    domain[, text formal, reference formal])``): ROC AUC, and at each named threshold (a
    probability or a :class:`~mtaudit.garble.RegisterThreshold`, read at each text's register)
    how many of each side fail, by domain."""
    from .garble import RegisterThreshold

    pairs = [(g, r, dom, *(formal or (False, False))) for g, r, dom, *formal in pairs]
    scores = [p for g, r, *_ in pairs for p in (g, r)]
    labels = [y for _ in pairs for y in (1, 0)]
    out = {"texts": len(pairs), "roc_auc": round(roc_auc(scores, labels), 4), "thresholds": {}}
    for name, t in thresholds.items():
        at = RegisterThreshold.of(t).at
        by = {}
        for dom in sorted({p[2] for p in pairs}) + ["all"]:
            sel = [p for p in pairs if dom in ("all", p[2])]
            by[dom] = {"texts": len(sel), "garbled_fail": sum(g >= at(gf) for g, _, _, gf, _ in sel),
                       "reference_fail": sum(r >= at(rf) for _, r, _, _, rf in sel)}
        out["thresholds"][name] = {"threshold": t.to_dict() if isinstance(t, RegisterThreshold) else t,
                                   "by_domain": by}
    return out


def eval_signature(auditor) -> str:
    return (f"mtaudit:{__version__}|glossary:{auditor.glossary.digest}|lm:{auditor.lm_label}"
            f"|name-fuzzy:{defaults.NAME_FUZZY_MIN}|match:{MATCHING}")


def clean_corpus(auditor, folder, with_hunspell=False) -> dict:
    words, by_code, files, hun = 0, Counter(), 0, 0
    for p in sorted(Path(folder).glob("*.txt")):
        rep = auditor.audit_file(p)
        if rep.error:
            continue
        files += 1
        words += rep.words
        by_code.update(f.code for f in rep.findings)
        if with_hunspell:
            hun += len(hunspell_findings(rep.text))
    n = sum(by_code.values())
    out = {"folder": str(folder), "files": files, "words": words, "findings": n,
           "per_1000_words": round(n * 1000 / max(1, words), 2),
           "by_code_per_1000_words": {k: round(v * 1000 / max(1, words), 2) for k, v in sorted(by_code.items())}}
    if with_hunspell:
        out["hunspell_per_1000_words"] = round(hun * 1000 / max(1, words), 2)
    return out


MQM_CATEGORIES = ("Fluency", "Style", "Terminology")


def roc_auc(scores: list[float], labels: list[int]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    import bisect

    neg = sorted(s for s, lab in zip(scores, labels) if not lab)
    pos = [s for s, lab in zip(scores, labels) if lab]
    if not pos or not neg:
        return math.nan
    tot = 0.0
    for p in pos:
        lo, hi = bisect.bisect_left(neg, p), bisect.bisect_right(neg, p)
        tot += lo + (hi - lo) / 2
    return tot / (len(pos) * len(neg))


def mqm_metrics(auditor, path, progress=None) -> dict:
    """Clean vs Major-error segments: ROC AUC of the fluency score; span recall of Major spans."""
    segs = []
    for no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                segs.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise GoldError(f"{path}:{no}: malformed JSON ({e.msg})") from None

    def majors(s):
        out = {}
        for sp in s.get("spans", []):
            if sp.get("severity") == "Major" and str(sp.get("category", "")).startswith(MQM_CATEGORIES) \
                    and sp.get("start") is not None:
                out[(sp["start"], sp["end"])] = sp
        return list(out.values())

    sel = [(s, 0) for s in segs if s.get("label") == "clean"] + \
          [(s, 1) for s in segs if s.get("label") != "clean" and majors(s)]
    scores, labels, spans_total, spans_found = [], [], 0, 0
    found_by_cat = Counter()
    total_by_cat = Counter()
    for s, y in sel:
        rep = auditor.audit_text(s["target"], f"{s.get('doc')}#{s.get('seg_id')}")
        finds = [{"start": f.start, "end": f.end} for f in rep.findings]
        if rep.score.fluency_bits_per_token is not None:
            scores.append(rep.score.fluency_bits_per_token)
            labels.append(y)
        if y:
            for sp in majors(s):
                cat = sp["category"].split("/")[0]
                spans_total += 1
                total_by_cat[cat] += 1
                # a span is found when some finding overlaps it (MQM raters' spans are loose)
                if any(_overlap(f, sp) > 0 for f in finds):
                    spans_found += 1
                    found_by_cat[cat] += 1
    return {
        "path": str(path), "clean_segments": labels.count(0) if scores else sum(1 for _, y in sel if not y),
        "error_segments": sum(1 for _, y in sel if y),
        "fluency_auc": round(roc_auc(scores, labels), 3) if scores else None,
        "fluency_score": "mean bits per token of the segment (higher = less fluent)",
        "major_spans": spans_total, "major_spans_found": spans_found,
        "major_span_recall": round(spans_found / spans_total, 3) if spans_total else None,
        "major_span_recall_by_category": {k: round(found_by_cat[k] / v, 3) for k, v in sorted(total_by_cat.items())},
        "span_match": "a finding overlaps the span",
    }
