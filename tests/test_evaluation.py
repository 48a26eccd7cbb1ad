"""`mtaudit eval` must agree with the referee, ../shared/tools/score.py, on the same report."""
import io
import json
import subprocess
import sys

import pytest
from conftest import ROOT, SHARED

SCORE = SHARED / "tools" / "score.py"
needs_referee = pytest.mark.skipif(not SCORE.is_file(), reason="needs ../shared/tools/score.py")


def golds():
    return sorted((ROOT / "samples").glob("*.gold.yaml"))


@needs_referee
@pytest.mark.parametrize("gold", golds(), ids=lambda p: p.stem)
def test_eval_counts_equal_the_referee(auditor, gold, tmp_path):
    from mtaudit.evaluation import evaluate, load_gold

    g = load_gold(gold)
    report = auditor.audit_text(g.text, str(g.text_path))
    rp = tmp_path / "r.json"
    rp.write_text(json.dumps({"files": [report.to_dict()]}), encoding="utf-8")
    ref = json.loads(subprocess.run([sys.executable, str(SCORE), str(gold), str(rp), "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    ev = evaluate(auditor, [gold], baselines=False)
    mine = ev.files[0]
    for k in ("findings", "correct_findings", "gold", "found", "fixable", "fixed"):
        assert mine["counts"][k] == ref["counts"][k], k
    assert mine["counts"]["core"] == ref["counts"]["tier"] and mine["counts"]["core_found"] == ref["counts"]["tier_found"]
    for k in ("precision", "recall", "f1", "core_recall", "fix_accuracy"):
        assert mine[k] == ref[k], k


@needs_referee
def test_scorer_agrees_on_adversarial_findings(tmp_path):
    """Sprawling, duplicate, fix-less and wrong-fix findings: both scorers must count them the same way."""
    from mtaudit.evaluation import load_gold, score_spans

    gold = ROOT / "samples" / "kursk-withdrawal.gold.yaml"
    g = load_gold(gold)
    t = g.text
    i = t.index("Southzha")
    j = t.index("ceased the fire")
    finds = [
        {"start": 0, "end": 400, "suggestions": ["x"]},  # sprawls over a paragraph: false alarm
        {"start": i, "end": i + 8, "suggestions": ["Sudzha"]},
        {"start": i, "end": i + 8, "suggestions": ["Sudzha"]},  # duplicate: correct but unmatched
        {"start": i + 2, "end": i + 6, "suggestions": []},
        {"start": j, "end": j + 15, "suggestions": ["cease"]},  # wrong fix
        {"start": j + 4, "end": j + 20, "suggestions": ["ceasefire"]},
    ]
    rp = tmp_path / "r.json"
    rp.write_text(json.dumps({"files": [{"path": "kursk-withdrawal.txt", "findings": finds}]}), encoding="utf-8")
    ref = json.loads(subprocess.run([sys.executable, str(SCORE), str(gold), str(rp), "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    mine = score_spans(t, g.spans, finds)
    for k in ("findings", "correct_findings", "gold", "found", "fixable", "fixed"):
        assert mine[k] == ref["counts"][k], k


def test_reference_metrics_and_boilerplate_exclusion(auditor):
    from mtaudit.evaluation import load_gold, reference_metrics

    g = load_gold(ROOT / "samples" / "kursk-withdrawal.gold.yaml")
    assert g.ref_path is not None
    rep = auditor.audit_text(g.text)
    m = reference_metrics(g.text, g.ref_path.read_text(encoding="utf-8"), rep.findings)
    # fixing brings the article closer to the clean version, also without deleting page chrome
    assert m["chrf_gain"] > 0 and m["chrf_gain_no_boilerplate"] > 0
    assert m["fixed-safe+unsafe"]["ter"] < m["published"]["ter"]
    assert m["signatures"]["chrf"].startswith("nrefs:1")
    # the sample on disk is never modified by evaluation
    assert (ROOT / "samples" / "kursk-withdrawal.txt").read_text(encoding="utf-8") == g.text


def test_roc_auc():
    from mtaudit.evaluation import roc_auc

    assert roc_auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert roc_auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert roc_auc([0.5, 0.5], [0, 1]) == 0.5


def test_cli_eval_json_and_markdown(tmp_path):
    r = subprocess.run([sys.executable, "-m", "mtaudit.cli", "eval", str(ROOT / "samples"), "--no-lm",
                        "--format", "json", "--no-baselines"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["schema"] == "mtaudit.eval/1" and "match:half-inside" in d["signature"]
    assert d["micro"]["counts"]["gold"] >= 54
    r = subprocess.run([sys.executable, "-m", "mtaudit.cli", "eval", str(ROOT / "samples"), "--no-lm",
                        "--format", "markdown"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "| micro |" in r.stdout and "Signature:" in r.stdout


def test_eval_bad_gold_is_one_line_error(tmp_path):
    (tmp_path / "a.txt").write_text("Some text here.\n", encoding="utf-8")
    (tmp_path / "a.gold.yaml").write_text("id: a\ntext_file: a.txt\nspans:\n  - {quote: missing words}\n",
                                          encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "mtaudit.cli", "eval", str(tmp_path), "--no-lm"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.strip() == f"mtaudit: error: {tmp_path / 'a.gold.yaml'}: quote not found: 'missing words'"


@pytest.mark.skipif(__import__("shutil").which("hunspell") is None, reason="hunspell not installed")
def test_hunspell_baseline_offsets():
    from mtaudit.evaluation import hunspell_available, hunspell_findings

    if not hunspell_available():
        pytest.skip("no en_US dictionary")
    text = "The Ucraine troops\nretired from Southzha."
    got = [(text[f["start"]:f["end"]], f["suggestions"][:1]) for f in hunspell_findings(text)]
    assert [w for w, _ in got] == ["Ucraine", "Southzha"]
    assert got[0][1] == ["Ukraine"]


def test_gate_metrics_count_each_side_by_domain_and_threshold():
    from mtaudit.evaluation import gate_metrics

    pairs = [(0.9, 0.1, "news"), (0.6, 0.7, "news"), (0.3, 0.2, "speech")]
    m = gate_metrics(pairs, {"model": 0.8, "news": 0.5})
    assert m["texts"] == 3
    # 9 garbled/reference pairs: (0.9 > 0.1, 0.7, 0.2), (0.6 > 0.1, 0.2; < 0.7), (0.3 > 0.1, 0.2; < 0.7)
    assert m["roc_auc"] == round(7 / 9, 4)
    news = m["thresholds"]["news"]["by_domain"]
    assert news["news"] == {"texts": 2, "garbled_fail": 2, "reference_fail": 1}
    assert news["all"] == {"texts": 3, "garbled_fail": 2, "reference_fail": 1}
    assert m["thresholds"]["model"]["by_domain"]["all"] == {"texts": 3, "garbled_fail": 1, "reference_fail": 0}
    assert m["thresholds"]["model"]["threshold"] == 0.8


def test_gate_metrics_read_a_register_threshold_at_each_texts_register():
    from mtaudit.evaluation import gate_metrics
    from mtaudit.garble import RegisterThreshold

    # (text, reference, domain, text formal, reference formal)
    pairs = [(0.6, 0.55, "news", True, True), (0.6, 0.55, "social", False, False), (0.95, 0.2, "social", False, True)]
    m = gate_metrics(pairs, {"model": RegisterThreshold(formal=0.5, other=0.9)})
    d = m["thresholds"]["model"]
    assert d["threshold"] == {"formal": 0.5, "other": 0.9}
    assert d["by_domain"]["news"] == {"texts": 1, "garbled_fail": 1, "reference_fail": 1}
    assert d["by_domain"]["social"] == {"texts": 2, "garbled_fail": 1, "reference_fail": 0}


@pytest.mark.lm
def test_eval_scores_the_word_scorer_word_by_word(lm_auditor, auditor):
    """With the model on, `mtaudit eval` gives the word scorer's ROC AUC against the gold spans
    (the founding sample: a machine translation the scorer was never trained on word by word);
    rules-only runs have none."""
    from mtaudit.evaluation import evaluate
    from mtaudit.reporters.evaluation import render_eval

    gold = ROOT / "samples" / "kursk-withdrawal.gold.yaml"
    ev = evaluate(lm_auditor, [gold], baselines=False)
    assert ev.words["words"] > 500 and 0 < ev.words["bad"] < ev.words["words"]
    assert 0.5 < ev.words["roc_auc"] <= 1.0  # better than chance on an article it never saw word-labelled
    out = io.StringIO()
    render_eval("markdown", ev, out)
    assert "The word scorer, word by word" in out.getvalue()
    assert evaluate(auditor, [gold], baselines=False).words is None
