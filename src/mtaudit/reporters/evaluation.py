"""Renderers for `mtaudit eval`: rich tables, JSON, Markdown (for docs/evaluation.md)."""
from __future__ import annotations

import json


def _f(x, digits=2):
    if x is None:
        return "-"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def tables(ev) -> list[tuple[str, list[str], list[list[str]]]]:
    """The evaluation as (title, header, rows) tables; every renderer prints these."""
    out = []
    rows = []
    for f in ev.files:
        ref = f.get("reference") or {}
        rows.append([f["id"], f.get("split", "dev"), f.get("pivot", "-"), str(f["counts"]["findings"]),
                     str(f["counts"]["gold"]), _f(f["precision"]), _f(f["recall"]), _f(f["f1"]),
                     _f(f["core_recall"]), _f(f["fix_accuracy"]), _f(ref.get("chrf_gain")),
                     _f(ref.get("chrf_gain_no_boilerplate"))])
    out.append(("Per file", ["file", "split", "pivot", "findings", "gold", "P", "R", "F1", "core R", "fix acc",
                             "chrF gain", "chrF gain w/o chrome"], rows))
    agg = [["micro", _f(ev.micro["precision"]), _f(ev.micro["recall"]), _f(ev.micro["f1"]),
            _f(ev.micro["core_recall"]), _f(ev.micro["fix_accuracy"])],
           ["macro", _f(ev.macro["precision"]), _f(ev.macro["recall"]), _f(ev.macro["f1"]),
            _f(ev.macro["core_recall"]), _f(ev.macro["fix_accuracy"])]]
    for split, d in sorted(ev.by_split.items()):
        agg.append([f"micro, split={split} ({d['files']} files)", _f(d["precision"]), _f(d["recall"]),
                    _f(d["f1"]), _f(d["core_recall"]), _f(d["fix_accuracy"])])
    out.append(("Averages", ["", "P", "R", "F1", "core R", "fix acc"], agg))
    out.append(("Per pivot language (micro)", ["pivot", "files", "P", "R", "F1", "core R"],
                [[k, str(d["files"]), _f(d["precision"]), _f(d["recall"]), _f(d["f1"]), _f(d["core_recall"])]
                 for k, d in sorted(ev.by_pivot.items())]))
    out.append(("Per category", ["category", "gold", "found", "findings", "P", "R"],
                [[k, str(d["gold"]), str(d["found"]), str(d["findings"]), _f(d["precision"]), _f(d["recall"])]
                 for k, d in ev.by_category.items()]))
    out.append(("Per rule code", ["code", "findings", "correct", "matched gold", "P", "fix acc"],
                [[k, str(d["findings"]), str(d["correct"]), str(d["matched_gold"]), _f(d["precision"]),
                  _f(d["fix_accuracy"])] for k, d in ev.by_code.items()]))
    brow = []
    for name, d in ev.baselines.items():
        if d["status"] == "ran":
            brow.append([name, _f(d["precision"]), _f(d["recall"]), _f(d["f1"]), _f(d["core_recall"]),
                         _f(d["fix_accuracy"])])
        else:
            brow.append([name, d["status"], "", "", "", ""])
    clean = ev.clean
    out.append(("Baselines on the labeled samples (same inputs, same matching)",
                ["system", "P", "R", "F1", "core R", "fix acc"], brow))
    ref_rows = []
    for f in ev.files:
        ref = f.get("reference")
        if not ref:
            continue
        for k in ("published", "fixed-safe", "fixed-safe+unsafe", "fixed-safe+unsafe-no-boilerplate"):
            ref_rows.append([f["id"], k, _f(ref[k]["chrf"]), _f(ref[k]["bleu"]), _f(ref[k]["ter"])])
    if ref_rows:
        out.append(("Against the reference (sacrebleu)", ["file", "text", "chrF", "BLEU", "TER"], ref_rows))
    if clean:
        rows = [["mtaudit", str(clean["files"]), str(clean["words"]), str(clean["findings"]),
                 _f(clean["per_1000_words"])]]
        if "hunspell_per_1000_words" in clean:
            rows.append(["hunspell", str(clean["files"]), str(clean["words"]), "-", _f(clean["hunspell_per_1000_words"])])
        rows += [[f"  {code}", "", "", "", _f(v)] for code, v in clean["by_code_per_1000_words"].items()]
        out.append((f"False alarms on clean news ({clean['folder']})",
                    ["system / code", "files", "words", "findings", "per 1,000 words"], rows))
    gate = getattr(ev, "gate", None)
    if gate:
        rows = []
        for name, d in gate["thresholds"].items():
            for dom, c in d["by_domain"].items():
                t = d["threshold"]
                t = f"formal {t['formal']:g}, other {t['other']:g}" if isinstance(t, dict) else f"{t:g}"
                rows.append([f"{name} ({t})", dom, str(c["texts"]),
                             f"{c['garbled_fail']}/{c['texts']}", f"{c['reference_fail']}/{c['texts']}"])
        out.append((f"The garble gate: each text against its reference (ROC AUC {gate['roc_auc']:.3f})",
                    ["--fail-on-garble", "domain", "texts", "texts failing", "references failing"], rows))
    out += _words_table(getattr(ev, "words", None))
    if ev.mqm:
        m = ev.mqm
        rows = [["clean / Major-error segments", f"{m['clean_segments']} / {m['error_segments']}"],
                ["fluency ROC AUC (" + m["fluency_score"] + ")", _f(m["fluency_auc"], 3)],
                ["Major Fluency/Style/Terminology span recall", f"{_f(m['major_span_recall'], 3)} "
                                                                f"({m['major_spans_found']}/{m['major_spans']})"]]
        rows += [[f"  span recall, {k}", _f(v, 3)] for k, v in m["major_span_recall_by_category"].items()]
        out.append((f"MQM segments ({m['path']})", ["metric", "value"], rows))
    return out


def _words_table(words: dict | None) -> list:
    if not words:
        return []
    return [("The word scorer, word by word", ["words", "in a gold span", "ROC AUC"],
             [[str(words["words"]), str(words["bad"]), f"{words['roc_auc']:.4f}"]])]


MARKDOWN_HEADER = """# Evaluation

How often is mtaudit right? This page is regenerated, whole, by:

```sh
{command}
```

Span matching is exactly `../shared/tools/score.py`'s (a test checks that the two
agree): a finding is correct when at least half of it lies inside a gold span; gold
spans and findings are matched one to one, greedily by overlap; fix accuracy takes
the top suggestion. chrF and BLEU are document-level; TER runs on paragraph-aligned
segments (document-level TER costs 15 s per text). References (`NAME.ref.txt`) are
clean English versions written by the team. Baselines run on the same inputs with
the same matching: hunspell (en_US; every rejected word is a finding with its first
suggestion) and "LM surprisal only" (the k most surprising words, k = mtaudit's
finding count). Samples marked `split: dev` are what the rules were written
against; only `split: heldout` figures measure generalisation.

"""


def render_eval(fmt: str, ev, out) -> None:
    if fmt == "json":
        json.dump({"schema": "mtaudit.eval/1", **ev.to_dict()}, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    if fmt == "markdown":
        out.write(MARKDOWN_HEADER.format(command=ev.command or "mtaudit eval ..."))
        for title, header, rows in tables(ev):
            out.write(f"### {title}\n\n| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n")
            for r in rows:
                out.write("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |\n")
            out.write("\n")
        sigs = {s for f in ev.files for s in (f.get("reference") or {}).get("signatures", {}).values()}
        out.write(f"Signature: `{ev.signature}`\n")
        for s in sorted(sigs):
            out.write(f"\nsacrebleu: `{s}`\n")
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=160)
    for title, header, rows in tables(ev):
        t = Table(*header, title=title, title_justify="left")
        for r in rows:
            t.add_row(*r)
        console.print(t)
    console.print(f"signature: {ev.signature}", style="dim", soft_wrap=True)
