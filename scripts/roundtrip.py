"""Real machine translation, labelled: clean English round-tripped through Apertium pivots.

    python scripts/roundtrip.py manifest            # write samples/roundtrip/manifest.json (the split)
    python scripts/roundtrip.py mqm-manifest        # write samples/mqm/manifest.json (MQM document split)
    python scripts/roundtrip.py build [--out build/roundtrip] [--pivots es,ca,eo,gl] [--limit N]

``manifest`` fixes, once and before anything is trained, which documents of
``../shared/corpora/clean-news-wmt21/`` and ``clean-english-wmt23-24/`` are training documents
and which are held out: a document is held out when the first two hex digits of the SHA-256 of
its id fall below 0x4D (about 30%), so the split depends on nothing but the id. Training
documents go through the training pivots (es, ca, eo); held-out documents only through gl,
the held-out pivot, which is measured and never trained or tuned on.

``build`` translates each document en -> pivot -> en with Apertium (``apt-get install apertium
apertium-eng-spa apertium-eng-cat apertium-eo-en apertium-en-gl``), one process per direction
for all documents; each line travels as an HTML paragraph (``-f html``) so lines stay aligned,
unknown words unmarked (``-u``). The gaps a dropped word leaves ("but  is for you", "them , and")
are closed up (:func:`tidy`) unless the original line is spaced that way: an engine's typography
must not teach the scorers. For each document it writes, under ``OUT/PIVOT/``:
``ID.txt`` (the round trip), ``ID.ref.txt`` (the original) and ``ID.gold.yaml`` in the gold
format of ``../shared/docs/annotation-format.md``: a span for each run of round-trip words in a
non-equal opcode of a word alignment against the original line (as WMT derives word-level QE
labels from post-edits), its fix the original's words there. Pure deletions cannot be quoted
and are left out. Known noise: benign rewordings (quickly/swiftly), moved words read as an
insertion plus a deletion, spans narrower than the artefact.
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
MANIFEST = ROOT / "samples" / "roundtrip" / "manifest.json"
CORPORA = {"wmt21": "clean-news-wmt21", "wmt23-24": "clean-english-wmt23-24"}
TRAIN_PIVOTS = ("es", "ca", "eo")
HELDOUT_PIVOTS = ("gl",)
#: Apertium modes there and back
MODES = {"es": ("eng-spa", "spa-eng"), "ca": ("eng-cat", "cat-eng"), "eo": ("en-eo", "eo-en"),
         "gl": ("en-gl", "gl-en")}
HELDOUT_BELOW = 0x4D  # of 256: ~30% of documents are held out


def doc_id(corpus: str, rel: str) -> str:
    return f"{corpus}/{rel.removesuffix('.txt')}"


def split_of(did: str) -> str:
    return "heldout" if hashlib.sha256(did.encode()).digest()[0] < HELDOUT_BELOW else "train"


def documents() -> list[dict]:
    docs = []
    for short, folder in CORPORA.items():
        base = SHARED / folder
        meta = {}
        for line in (base / "MANIFEST.jsonl").read_text(encoding="utf-8").splitlines():
            o = json.loads(line)
            meta[o["file"]] = o
        for p in sorted(base.rglob("*.txt")):
            rel = p.relative_to(base).as_posix()
            text = p.read_text(encoding="utf-8-sig")
            did = doc_id(short, rel)
            docs.append({"id": did, "path": f"{folder}/{rel}", "domain": meta.get(rel, {}).get("domain", "news"),
                         "words": len(text.split()), "sha256": hashlib.sha256(text.encode()).hexdigest(),
                         "split": split_of(did)})
    return docs


def write_manifest() -> None:
    docs = documents()
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    out = {"description": "Round-trip documents: training documents go through es, ca, eo; held-out documents "
                          "only through gl. Written before any training; never edit a split by hand.",
           "split_rule": f"sha256(id)[0] < {HELDOUT_BELOW:#x} -> heldout",
           "train_pivots": list(TRAIN_PIVOTS), "heldout_pivots": list(HELDOUT_PIVOTS), "documents": docs}
    MANIFEST.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    n = sum(d["split"] == "heldout" for d in docs)
    print(f"{MANIFEST}: {len(docs)} documents, {n} held out", file=sys.stderr)


MQM = SHARED / "mqm-zhen-wmt23.jsonl"
MQM_MANIFEST = ROOT / "samples" / "mqm" / "manifest.json"


def write_mqm_manifest() -> None:
    """The MQM 2023 document split, by the same hash rule: held-out documents are only measured."""
    docs = {}
    for line in MQM.read_text(encoding="utf-8").splitlines():
        o = json.loads(line)
        d = docs.setdefault(o["doc"], {"doc": o["doc"], "segments": 0, "error_segments": 0})
        d["segments"] += 1
        d["error_segments"] += o["label"] == "error"
    rows = [{**d, "split": split_of(f"mqm/{d['doc']}")} for d in sorted(docs.values(), key=lambda d: d["doc"])]
    MQM_MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    MQM_MANIFEST.write_text(json.dumps({
        "description": "MQM zh-en 2023 documents: training documents may be trained on; held-out ones are only "
                       "measured. Written before any training; never edit a split by hand.",
        "split_rule": f"sha256('mqm/' + doc)[0] < {HELDOUT_BELOW:#x} -> heldout", "documents": rows},
        indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    n = sum(r["split"] == "heldout" for r in rows)
    print(f"{MQM_MANIFEST}: {len(rows)} documents, {n} held out", file=sys.stderr)


def translate(lines: list[str], mode: str) -> list[str]:
    """Each line through one Apertium mode, aligned: one paragraph in, one paragraph out."""
    src = "".join(f"<p>{html.escape(line, quote=False)}</p>\n" for line in lines)
    r = subprocess.run(["apertium", "-u", "-f", "html", mode], input=src, capture_output=True, text=True,
                       check=True)
    out = re.findall(r"<p>(.*?)</p>", r.stdout, flags=re.S)
    if len(out) != len(lines):
        raise RuntimeError(f"apertium {mode}: {len(lines)} paragraphs in, {len(out)} out")
    return [html.unescape(re.sub(r"<[^>]+>", "", o)).replace("\n", " ").strip() for o in out]


_TOKEN = re.compile(r"\S+")
_SPACES = re.compile(r" {2,}")
_SPACE_PUNCT = re.compile(r" +(?=[,.;:!?])")


def tidy(trip: str, orig: str) -> str:
    """The round trip with the spacing a word Apertium dropped leaves behind ("but  is for you",
    "them , and") closed up, as a publisher's detokeniser would, unless the original line itself is
    spaced that way. A typographic artefact of this engine must not teach the scorers or flatter the
    held-out figures: the words alone carry the labels."""
    if not _SPACES.search(orig):
        trip = _SPACES.sub(" ", trip)
    if not _SPACE_PUNCT.search(orig):
        trip = _SPACE_PUNCT.sub("", trip)
    return trip


def occurrence(text: str, quote: str, start: int) -> int | None:
    """The 1-based whole-word occurrence of ``quote`` at ``start``, as the referee counts them."""
    n, i = 0, text.find(quote)
    while i >= 0:
        before = text[i - 1] if i > 0 else " "
        after = text[i + len(quote)] if i + len(quote) < len(text) else " "
        if not (before.isalnum() or after.isalnum()):
            n += 1
            if i == start:
                return n
        i = text.find(quote, i + 1)
    return None


def align_spans(orig: str, trip: str, offset: int) -> list[dict]:
    """Spans of ``trip`` (offsets + ``offset``) whose words differ from ``orig``'s, with the fix."""
    a, b = list(_TOKEN.finditer(orig)), list(_TOKEN.finditer(trip))
    sm = difflib.SequenceMatcher(a=[m.group() for m in a], b=[m.group() for m in b], autojunk=False)
    spans = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or j1 == j2:
            continue  # a pure deletion has nothing in the round trip to quote
        fix = orig[a[i1].start():a[i2 - 1].end()] if i2 > i1 else ""
        spans.append({"start": offset + b[j1].start(), "end": offset + b[j2 - 1].end(), "fix": fix})
    return spans


def gold_for(did: str, pivot: str, domain: str, text: str, spans: list[dict]) -> dict:
    out = []
    for s in spans:
        quote = text[s["start"]:s["end"]]
        # trim punctuation the alignment carried at the edges, so the quote starts and ends on a word
        occ = occurrence(text, quote, s["start"])
        if occ is None:
            continue
        out.append({"quote": quote, "occurrence": occ, "category": "accuracy/mistranslation",
                    "severity": "major", "fixes": [s["fix"]], "tier": "core"})
    name = did.replace("/", "__")
    return {"id": f"{pivot}-{name}", "text_file": f"{name}.txt", "pivot": pivot, "domain": domain,
            "split": "heldout" if pivot in HELDOUT_PIVOTS else "dev", "source": "apertium round trip",
            "spans": out}


def build(out: Path, pivots: list[str], limit: int | None) -> None:
    import yaml

    if shutil.which("apertium") is None:
        sys.exit("apertium is not installed: apt-get install apertium apertium-eng-spa apertium-eng-cat "
                 "apertium-eo-en apertium-en-gl")
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    for pivot in pivots:
        split = "heldout" if pivot in HELDOUT_PIVOTS else "train"
        docs = [d for d in manifest["documents"] if d["split"] == split][:limit]
        texts = {d["id"]: (SHARED / d["path"]).read_text(encoding="utf-8-sig") for d in docs}
        lines = [(d["id"], i, line) for d in docs for i, line in enumerate(texts[d["id"]].split("\n"))]
        busy = [(k, line) for k, (_, _, line) in enumerate(lines) if line.strip()]
        there, back = MODES[pivot]
        trips = translate(translate([line for _, line in busy], there), back)
        result = {k: t for (k, _), t in zip(busy, trips)}
        folder = out / pivot
        folder.mkdir(parents=True, exist_ok=True)
        n_spans = 0
        for d in docs:
            own = [(k, line) for k, (did, _, line) in enumerate(lines) if did == d["id"]]
            new_lines, spans, pos = [], [], 0
            for k, line in own:
                trip = tidy(result.get(k, line), line)
                spans += align_spans(line, trip, pos)
                new_lines.append(trip)
                pos += len(trip) + 1
            text = "\n".join(new_lines)
            name = d["id"].replace("/", "__")
            (folder / f"{name}.txt").write_text(text, encoding="utf-8")
            (folder / f"{name}.ref.txt").write_text(texts[d["id"]], encoding="utf-8")
            gold = gold_for(d["id"], pivot, d["domain"], text, spans)
            n_spans += len(gold["spans"])
            (folder / f"{name}.gold.yaml").write_text(yaml.safe_dump(gold, allow_unicode=True, sort_keys=False),
                                                      encoding="utf-8")
        print(f"{pivot}: {len(docs)} documents, {n_spans} labelled spans -> {folder}", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("manifest")
    sub.add_parser("mqm-manifest")
    b = sub.add_parser("build")
    b.add_argument("--out", type=Path, default=ROOT / "build" / "roundtrip")
    b.add_argument("--pivots", default=",".join(TRAIN_PIVOTS + HELDOUT_PIVOTS))
    b.add_argument("--limit", type=int, default=None, help="documents per pivot (a quick look)")
    args = ap.parse_args(argv)
    if args.cmd == "mqm-manifest":
        if MQM_MANIFEST.exists():
            sys.exit(f"{MQM_MANIFEST} exists: the split is fixed once")
        write_mqm_manifest()
    elif args.cmd == "manifest":
        if MANIFEST.exists():
            sys.exit(f"{MANIFEST} exists: the split is fixed once (delete it only to start over)")
        write_manifest()
    else:
        build(args.out, args.pivots.split(","), args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
