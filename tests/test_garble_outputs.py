"""The garble verdict as an article-level result in every output (SARIF, GitHub, JUnit, JSON,
HTML), with the sentences that weigh most; and its baseline opt-out. The reports are real
rules-only audits with a garble score set as the model's pass would set it."""
from __future__ import annotations

import io
import json

import pytest
from conftest import ROOT

from mtaudit import baseline as bl
from mtaudit.reporters.ci import render_github, render_junit, render_sarif
from mtaudit.reporters.html import render_html
from mtaudit.runner import fail_rank, gate

TEXT = ("The council met on Monday.\nTroops retired from the town of the east yesterday in the night.\n"
        "The mayor spoke after.\n")


@pytest.fixture
def report(auditor):
    r = auditor.audit_text(TEXT, "article.txt")
    starts = [0, 27, 92]
    ends = [26, 91, 114]
    r.sentences = [{"start": s, "end": e, "bits_per_token": 5.0, "garble": g}
                   for s, e, g in zip(starts, ends, (0.1, 0.97, 0.6))]
    r.garble = 0.95
    r.gate = gate(r, fail_rank("never"), 0.9)
    return r


def test_the_gate_fails_on_garble_and_names_the_sentences(report):
    assert report.gate == "fail" and report.garble_failed
    why = report.garble_why()
    assert [s["line"] for s in why] == [1, 2, 3] and why[1]["garble"] == 0.97
    assert report.to_dict()["garble_why"][1] == {"start": 27, "end": 91, "line": 2, "garble": 0.97}
    assert [s["line"] for s in report.garble_why(1)] == [2]


def test_sarif_has_an_article_level_result(report):
    out = io.StringIO()
    render_sarif([report], out)
    log = json.loads(out.getvalue())
    run = log["runs"][0]
    res = [x for x in run["results"] if x["ruleId"] == "GARBLE"]
    assert len(res) == 1 and res[0]["level"] == "error"
    assert res[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert "garble 0.950 >= 0.900" in res[0]["message"]["text"] and "line 2 (0.97)" in res[0]["message"]["text"]
    assert run["tool"]["driver"]["rules"][res[0]["ruleIndex"]]["id"] == "GARBLE"
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(log, schema)


def test_github_and_junit(report):
    out = io.StringIO()
    render_github([report], out)
    line = [x for x in out.getvalue().splitlines() if "GARBLE" in x]
    assert line and line[0].startswith("::error file=article.txt,line=2,title=GARBLE garbled-article::")
    out = io.StringIO()
    render_junit([report], out, fail_rank("never"))
    xml = out.getvalue()
    assert 'failures="1"' in xml and "garble 0.950 &gt;= 0.900" in xml


def test_html_shades_the_sentences(report):
    out = io.StringIO()
    render_html([report], out)
    html = out.getvalue()
    # segments cut by findings are shaded one by one; the 0.10 sentence is not shaded
    assert html.count('<span class="garble"') >= 2 and 'title="garble 0.97' in html and 'title="garble 0.60' in html
    assert 'title="garble 0.10' not in html and "fails the gate" in html


def test_a_passing_article_has_no_garble_result(report):
    report.gate = gate(report, fail_rank("never"), 0.99)
    assert report.gate == "pass" and not report.garble_failed and "garble_why" not in report.to_dict()
    out = io.StringIO()
    render_sarif([report], out)
    assert not [x for x in json.loads(out.getvalue())["runs"][0]["results"] if x["ruleId"] == "GARBLE"]


def test_a_baseline_entry_accepts_the_garble_score(report, tmp_path):
    p = tmp_path / "baseline.json"
    bl.write(p, [report])
    entries = bl.load(p)
    assert {"path": "article.txt", "code": "GARBLE", "text": "", "before": "", "after": ""} in entries
    stale = bl.apply(entries, [report])
    assert not stale and report.garble_ignored
    assert gate(report, fail_rank("never"), 0.9) == "pass"


def test_a_formal_article_is_held_to_the_formal_bar_and_the_outputs_say_so(auditor):
    """The default gate reads the register: the same score fails formal prose at its lower bar
    and passes an informal text; the terminal report and the CI message name the bar."""
    from mtaudit.garble import RegisterThreshold
    from mtaudit.reporters.text import render_text

    t = RegisterThreshold(formal=0.5, other=0.9)
    verdicts = {}
    for formal in (True, False):
        r = auditor.audit_text(TEXT, "article.txt")
        r.garble, r.garble_formal = 0.7, formal
        r.sentences = [{"start": 0, "end": 26, "bits_per_token": 5.0, "garble": 0.7}]
        verdicts[formal] = gate(r, fail_rank("never"), t)
        out = io.StringIO()
        render_text([r], out, color=False)
        assert ("formal prose; gate at 0.50" if formal else "informal or short; gate at 0.90") in out.getvalue()
        assert r.to_dict()["register"] == ("formal" if formal else "informal")
        if formal:
            gh = io.StringIO()
            render_github([r], gh)
            assert "garble 0.700 >= 0.500 (the bar for formal prose)" in gh.getvalue()
    assert verdicts == {True: "fail", False: "pass"}
