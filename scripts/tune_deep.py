"""Calibrate the deep detector (src/mtaudit/deep.json) on round trips of training documents only.

    python scripts/tune_deep.py [--docs 72] [--out src/mtaudit/deep.json]
    python scripts/tune_deep.py --measure PIVOT_DIR ...   # precision per edit type, held-out: measured only

Every candidate edit of a permissive search (every sentence, words the word scorer scores at least
``PERMISSIVE["word_p"]``, ``PERMISSIVE["max_words"]`` per sentence) is scored once and kept in
``build/deep-candidates.jsonl`` with whether it lies in a gold span (the referee's rule: at least
half the finding inside the span) on ``--docs`` of the manifest's training documents (one pivot in
turn: es, ca, eo) and with the clean originals of every training document (every candidate there is
a false alarm). The grid then picks the sentence garble bar, word score bar, words per sentence and
a gain bar per edit type that find the most gold spans while the kept edits stay at precision >=
``MIN_PRECISION`` and add at most ``MAX_CLEAN_PER_1000`` findings per 1,000 clean words, and at most
``MAX_CLEAN_DOMAIN_PER_1000`` in each domain. Deterministic.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from roundtrip import MANIFEST, SHARED, TRAIN_PIVOTS  # noqa: E402

CACHE = ROOT / "build" / "deep-candidates.jsonl"
PERMISSIVE = {"sentence_garble": 0.0, "word_p": 0.1, "max_words": 3, "topk": 2, "confusions": 2,
              "context_tokens": 4, "min_gain": {"delete": 0, "swap": 0, "replace": 0, "confusion": 0}}
MIN_PRECISION, MAX_CLEAN_PER_1000 = 0.85, 0.4
#: The clean-text bar in each domain (read on the clean originals of every training document): the
#: acceptance bar is per domain, and a domain's own chat or verse must not hide in the mean.
MAX_CLEAN_DOMAIN_PER_1000 = 0.5
GRID = {"sentence_garble": (0.0, 0.3, 0.5, 0.7, 0.9), "word_p": (0.1, 0.2, 0.3, 0.4),
        "max_words": (1, 2, 3), "gain": tuple(range(2, 31, 2))}


def _audit_pass(auditor, doc):
    """The audit's findings, the model's pass and each sentence's garble score for ``doc``."""
    findings, lm_out, unverified, _ = auditor._check(doc)
    return findings, lm_out, auditor._sentence_garble(auditor._garble_features(doc, lm_out, unverified))


def run_candidates(text: str, auditor, card) -> list[dict]:
    """The permissive candidates of one text, as the audit's deep pass would see them."""
    from mtaudit.detectors.deep import candidates
    from mtaudit.document import Document
    from mtaudit.rulebase import Context
    from mtaudit.spans import Intervals

    doc = Document(text)
    findings, lm_out, garble = _audit_pass(auditor, doc)
    ctx = Context(doc, auditor.res, lm=lm_out, taken=Intervals((f.start, f.end) for f in findings),
                  model=auditor.lm, sentence_garble=garble)
    cands = candidates(ctx, card)
    out = []
    for c in cands:
        out.append({"start": c.start, "end": c.end, "edit": c.edit, "adjusted": round(c.adjusted, 3),
                    "word_p": round(c.word_p, 4), "sentence_garble": round(c.sentence_garble, 4), "sentence": c.sentence,
                    "word": c.word, "replacement": c.replacement})
    return out


def _garble_head() -> str:
    """The garble head the candidates' sentence scores came from (its signature)."""
    from mtaudit.garble import load_model

    m = load_model()
    return m.signature if m is not None else "none"


def _rescore_sentences(text: str, auditor, cands: list[dict]) -> list[dict]:
    """``cands`` with each sentence's garble score from the current head (one model pass; the
    candidates' own gains do not depend on the head)."""
    from mtaudit.document import Document

    _, lm_out, garble = _audit_pass(auditor, Document(text))
    by_start = {a: round(g, 4) for (a, _), g in zip(lm_out.spans, garble)}
    return [{**c, "sentence_garble": by_start[c["sentence"]]} for c in cands]


def _inside(c, spans) -> int:
    """The index of the gold span that holds at least half of the candidate, or -1."""
    for i, (a, b) in enumerate(spans):
        ov = min(b, c["end"]) - max(a, c["start"])
        if ov > 0 and 2 * ov >= max(1, c["end"] - c["start"]):
            return i
    return -1


def collect(n_docs: int) -> list[dict]:
    from mtaudit.api import Auditor
    from mtaudit.detectors.deep import DeepCard
    from mtaudit.evaluation import load_gold

    card = DeepCard.from_dict(PERMISSIVE)
    key = hashlib.sha256(json.dumps(PERMISSIVE, sort_keys=True).encode()).hexdigest()[:12]
    cached = {}
    if CACHE.is_file():
        for line in CACHE.read_text(encoding="utf-8").splitlines():
            o = json.loads(line)
            if o.get("card") == key:
                cached[o["id"]] = o
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    docs = [d for d in manifest["documents"] if d["split"] == "train"]
    step = max(1, len(docs) // n_docs)
    chosen = docs[::step][:n_docs]
    picked = {d["id"] for d in chosen}
    others = [d for d in docs if d["id"] not in picked]  # their clean originals only
    auditor = None
    rows = []
    head = _garble_head()
    jobs = [(TRAIN_PIVOTS[n % len(TRAIN_PIVOTS)], d, ("rt", "clean")) for n, d in enumerate(chosen)]
    jobs += [("-", d, ("clean",)) for d in others]
    for n, (pivot, d, kinds) in enumerate(jobs):
        base = ROOT / "build" / "roundtrip" / pivot / d["id"].replace("/", "__")
        for kind in kinds:
            rid = f"{pivot}:{d['id']}:{kind}"
            if rid not in cached or cached[rid].get("garble") != head:
                if auditor is None:
                    auditor = Auditor(lm="on")
                if kind == "rt":
                    g = load_gold(base.with_name(base.name + ".gold.yaml"))
                    text, spans = g.text, [(s["start"], s["end"]) for s in g.spans]
                else:
                    text, spans = (SHARED / d["path"]).read_text(encoding="utf-8-sig"), []
                if rid in cached:  # the garble head changed: only the sentences' scores move
                    cands = _rescore_sentences(text, auditor, cached[rid]["candidates"])
                else:
                    cands = run_candidates(text, auditor, card)
                    for c in cands:
                        c["gold"] = _inside(c, spans)
                cached[rid] = {"card": key, "garble": head, "id": rid, "kind": kind, "words": len(text.split()),
                               "gold": len(spans), "candidates": cands}
                CACHE.parent.mkdir(parents=True, exist_ok=True)
                with open(CACHE, "a", encoding="utf-8") as fh:  # a later line of an id wins
                    fh.write(json.dumps(cached[rid]) + "\n")
            row = {**cached[rid], "domain": d["domain"]}
            if kind == "rt" and any("fix_ok" not in c for c in row["candidates"]):
                _mark_fixes(row, base.with_name(base.name + ".gold.yaml"))
            rows.append(row)
        print(f"  {n + 1}/{len(jobs)} documents", file=sys.stderr, flush=True)
    return rows


def _mark_fixes(row: dict, gold_path: Path) -> None:
    """Mark each candidate of a round trip whose edit, as the finding's fix, is right by the
    referee's rule for the gold span that holds it (no model needed)."""
    from mtaudit.evaluation import fixes_span, load_gold

    g = load_gold(gold_path)
    for c in row["candidates"]:
        f = {"start": c["start"], "end": c["end"], "suggestions": [c["replacement"]]}
        c["fix_ok"] = c["gold"] >= 0 and fixes_span(g.text, g.spans[c["gold"]], f)


def _ranked(rows, sg: float, wp: float, mw: int):
    """Per document, the candidates that pass the search bars (top ``mw`` words per sentence)."""
    for r in rows:
        by_sent: dict = {}
        for c in r["candidates"]:
            if c["sentence_garble"] >= sg and c["word_p"] >= wp:
                by_sent.setdefault(c["sentence"], {}).setdefault((c["word_p"], c["word"]), []).append(c)
        keep = []
        for words in by_sent.values():
            for _, cs in sorted(words.items(), key=lambda kv: -kv[0][0])[:mw]:
                keep += cs
        yield r, keep


def evaluate(rows, sg, wp, mw, gains: dict) -> dict:
    """Gold spans found, kept edits and their precision, the share of found spans whose edit is
    the right fix (the detector's own: the rules' findings are not in the candidates), clean false
    alarms per 1,000 words overall and by domain, with the detector's own selection (best edit per
    word over its bar, no overlaps)."""
    tp = fp = clean_fa = 0
    found = 0
    fixed: set = set()
    clean_words = sum(r["words"] for r in rows if r["kind"] == "clean")
    dom_words: dict = {}
    dom_fa: dict = {}
    for r in rows:
        if r["kind"] == "clean":
            dom_words[r["domain"]] = dom_words.get(r["domain"], 0) + r["words"]
    by_type: dict = {}
    for r, cands in _ranked(rows, sg, wp, mw):
        ok = sorted((c for c in cands if c["adjusted"] >= gains[c["edit"]]),
                    key=lambda c: -(c["adjusted"] - gains[c["edit"]]))
        kept = []
        for c in ok:
            if all(c["end"] <= k["start"] or k["end"] <= c["start"] for k in kept):
                kept.append(c)
        if r["kind"] == "clean":
            clean_fa += len(kept)
            dom_fa[r["domain"]] = dom_fa.get(r["domain"], 0) + len(kept)
            continue
        spans = set()
        for c in kept:
            if c["gold"] >= 0 and c.get("fix_ok"):
                fixed.add((id(r), c["gold"]))
            t = by_type.setdefault(c["edit"], [0, 0])
            if c["gold"] >= 0:
                tp += 1
                t[0] += 1
                spans.add(c["gold"])
            else:
                fp += 1
                t[1] += 1
        found += len(spans)
    gold = sum(r["gold"] for r in rows if r["kind"] == "rt")
    return {"found": found, "gold": gold, "recall": found / gold if gold else 0.0, "kept": tp + fp,
            "fix_accuracy": len(fixed) / found if found else 0.0,
            "precision": tp / (tp + fp) if tp + fp else 0.0, "clean_findings": clean_fa,
            "clean_per_1000": 1000 * clean_fa / max(1, clean_words),
            "clean_per_1000_by_domain": {k: round(1000 * dom_fa.get(k, 0) / w, 3) for k, w in sorted(dom_words.items())},
            "by_type": by_type}


def _too_loose(m: dict) -> bool:
    """Whether a setting breaks the precision bar or a clean-text bar."""
    return m["precision"] < MIN_PRECISION or m["clean_per_1000"] > MAX_CLEAN_PER_1000 or \
        max(m["clean_per_1000_by_domain"].values(), default=0.0) > MAX_CLEAN_DOMAIN_PER_1000


def tune(rows) -> tuple[dict, dict]:
    """The grid's best setting: per edit type a gain bar chosen on its own (the type's kept edits at
    the precision bar), then the combination checked with the real selection."""
    from mtaudit.detectors.deep import EDITS

    best, best_m = None, None
    for sg, wp, mw in itertools.product(GRID["sentence_garble"], GRID["word_p"], GRID["max_words"]):
        pool = list(_ranked(rows, sg, wp, mw))
        gains = {}
        for e in EDITS:  # the lowest bar at which this type alone keeps the precision
            gains[e] = 99.0
            for g in GRID["gain"]:
                t = [c for r, cs in pool if r["kind"] == "rt" for c in cs if c["edit"] == e and c["adjusted"] >= g]
                if len(t) >= 5 and sum(c["gold"] >= 0 for c in t) / len(t) >= MIN_PRECISION + 0.02:
                    gains[e] = float(g)
                    break
        m = evaluate(rows, sg, wp, mw, gains)
        while _too_loose(m):
            e = max(EDITS, key=lambda e: gains[e] if gains[e] < 99 else -1)  # raise the loosest bar
            if gains[e] >= 99:
                break
            gains[e] += 2.0
            m = evaluate(rows, sg, wp, mw, gains)
        if _too_loose(m):
            continue
        if best_m is None or (m["found"], -mw, -m["kept"]) > (best_m["found"], -best["max_words"], -best_m["kept"]):
            best, best_m = {"sentence_garble": sg, "word_p": wp, "max_words": mw, "min_gain": gains}, m
    return best, best_m


def measure(pivot_dir: Path, limit: int | None = None) -> dict:
    """Held-out figures, measured only: span precision, recall and fix accuracy with the referee's
    rules (rules alone and with the deep detector; one deep audit gives both, the deep findings
    come after every other detector's), precision per edit type, clean false alarms per 1,000 words
    of the round trips' originals by domain, and the deep pass's cost per 1,000 words."""
    import time
    from collections import Counter, defaultdict

    from mtaudit.api import Auditor
    from mtaudit.evaluation import load_gold, score_spans

    manifest = {d["id"].replace("/", "__"): d for d in json.loads(MANIFEST.read_text(encoding="utf-8"))["documents"]}
    golds = sorted(pivot_dir.glob("*.gold.yaml"))[:limit]
    deep, plain = Auditor(lm="on", deep=True), Auditor(lm="on")
    tot = {m: Counter() for m in ("default", "deep")}
    types: dict = defaultdict(Counter)
    clean = defaultdict(Counter)
    secs = {"default": 0.0, "deep": 0.0}
    words = 0
    for n, gp in enumerate(golds):
        g = load_gold(gp)
        words += len(g.text.split())
        t0 = time.perf_counter()
        plain.audit_text(g.text, str(g.text_path))
        t1 = time.perf_counter()
        r = deep.audit_text(g.text, str(g.text_path))
        secs["default"] += t1 - t0
        secs["deep"] += time.perf_counter() - t0  # the model's pass is cached: default + the deep search
        finds = [f.to_dict() for f in r.findings]
        for mode, fs in (("default", [f for f in finds if f["code"] != "LMD001"]), ("deep", finds)):
            c = score_spans(g.text, g.spans, fs)
            tot[mode].update({k: v for k, v in c.items() if not k.startswith("_")})
            if mode == "deep":
                for fi, f in enumerate(fs):
                    if f["code"] == "LMD001":
                        types[f["evidence"]["edit"]]["findings"] += 1
                        types[f["evidence"]["edit"]]["correct"] += fi in c["_covered"]
        ref = g.ref_path.read_text(encoding="utf-8") if g.ref_path else ""
        dom = manifest.get(gp.name.removesuffix(".gold.yaml"), {}).get("domain", "?")
        rr = deep.audit_text(ref, str(g.ref_path))
        clean[dom]["words"] += len(ref.split())
        clean[dom]["default"] += sum(f.code != "LMD001" for f in rr.findings)
        clean[dom]["deep"] += len(rr.findings)
        print(f"  {n + 1}/{len(golds)}", file=sys.stderr, flush=True)
    out = {"documents": len(golds), "words": words}
    for mode, c in tot.items():
        out[mode] = {"precision": round(c["correct_findings"] / max(1, c["findings"]), 3),
                     "recall": round(c["found"] / max(1, c["gold"]), 3),
                     "fix_accuracy": round(c["fixed"] / max(1, c["fixable"]), 3),
                     "findings": c["findings"], "correct": c["correct_findings"], "found": c["found"],
                     "gold": c["gold"], "fixed": c["fixed"], "fixable": c["fixable"],
                     "seconds_per_1000_words": round(1000 * secs[mode] / max(1, words), 2)}
    out["deep_by_edit"] = {e: {**c, "precision": round(c["correct"] / max(1, c["findings"]), 3)} for e, c in types.items()}
    out["clean_per_1000_words"] = {d: {"words": c["words"], "default": round(1000 * c["default"] / max(1, c["words"]), 2),
                                       "deep": round(1000 * c["deep"] / max(1, c["words"]), 2)} for d, c in sorted(clean.items())}
    return out


def measure_mqm(limit: int | None = None) -> dict:
    """Held-out MQM 2023 documents (samples/mqm/manifest.json), measured only: each distinct
    segment audited alone (default and ``--deep``) and by hunspell. Recall of Major Fluency /
    Style / Terminology spans (found: a finding overlaps the span, as ``mtaudit eval --mqm``
    counts); finding precision: findings that overlap any span the raters marked in the segment."""
    from collections import Counter

    from roundtrip import MQM, MQM_MANIFEST

    from mtaudit.api import Auditor
    from mtaudit.evaluation import MQM_CATEGORIES, hunspell_available, hunspell_findings

    held = {d["doc"] for d in json.loads(MQM_MANIFEST.read_text(encoding="utf-8"))["documents"] if d["split"] == "heldout"}
    seen, segs = set(), []
    for line in MQM.read_text(encoding="utf-8").splitlines():
        o = json.loads(line)
        if o["doc"] in held and o["target"].strip() and o["target"] not in seen:
            seen.add(o["target"])
            segs.append(o)
    segs = segs[:limit]
    deep = Auditor(lm="on", deep=True)
    c = {m: Counter() for m in ("default", "deep", "hunspell")}
    for n, o in enumerate(segs):
        majors = {(sp["start"], sp["end"]) for sp in o["spans"] if sp.get("severity") == "Major"
                  and str(sp.get("category", "")).startswith(MQM_CATEGORIES) and sp.get("start") is not None}
        marked = [(sp["start"], sp["end"]) for sp in o["spans"] if sp.get("start") is not None]
        r = deep.audit_text(o["target"], f"{o['doc']}#{o['seg_id']}")
        found = {"deep": [(f.start, f.end) for f in r.findings]}
        found["default"] = [(f.start, f.end) for f in r.findings if f.code != "LMD001"]
        if hunspell_available():
            found["hunspell"] = [(f["start"], f["end"]) for f in hunspell_findings(o["target"])]
        for m, fs in found.items():
            c[m]["spans"] += len(majors)
            c[m]["found"] += sum(any(a < e and s < b for a, b in fs) for s, e in majors)
            c[m]["findings"] += len(fs)
            c[m]["correct"] += sum(any(a < e and s < b for s, e in marked) for a, b in fs)
        if (n + 1) % 100 == 0:
            print(f"  {n + 1}/{len(segs)} segments", file=sys.stderr, flush=True)
    return {"documents": len(held), "segments": len(segs), **{
        m: {"major_fst_spans": x["spans"], "found": x["found"], "recall": round(x["found"] / max(1, x["spans"]), 3),
            "findings": x["findings"], "precision": round(x["correct"] / max(1, x["findings"]), 3)}
        for m, x in c.items() if x["spans"]}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=72, help="training documents (one pivot each, in turn)")
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "mtaudit" / "deep.json")
    ap.add_argument("--measure", type=Path, metavar="PIVOT_DIR", help="measure on a round-trip folder; change nothing")
    ap.add_argument("--measure-mqm", action="store_true", help="measure on the held-out MQM documents; change nothing")
    ap.add_argument("--limit", type=int, help="with --measure / --measure-mqm: the first N documents / segments")
    a = ap.parse_args(argv)
    if a.measure or a.measure_mqm:
        print(json.dumps(measure(a.measure, a.limit) if a.measure else measure_mqm(a.limit), indent=1))
        return 0
    rows = collect(a.docs)
    best, m = tune(rows)
    if best is None:
        sys.exit("no setting reaches the precision and clean-text bars")
    card = {**PERMISSIVE, **best, "manifest_sha256": hashlib.sha256(MANIFEST.read_bytes()).hexdigest(),
            "tuning": {"script": "scripts/tune_deep.py", "documents": a.docs, "pivots": list(TRAIN_PIVOTS),
                       "min_precision": MIN_PRECISION, "max_clean_per_1000": MAX_CLEAN_PER_1000,
                       "max_clean_domain_per_1000": MAX_CLEAN_DOMAIN_PER_1000,
                       "permissive_search": PERMISSIVE, **{k: (round(v, 4) if isinstance(v, float) else v)
                                                            for k, v in m.items()}}}
    a.out.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({**best, **{k: v for k, v in m.items()}}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
