"""YAML rule files: loading and validation (file and line in every error), stable rule ids in
reports, selection and suppression by id, `mtaudit glossary convert` and `check`, and the
generated rule pages."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, run_cli

from mtaudit import glossary
from mtaudit.errors import GlossaryError

TEXT = "Both sides said the ceased the fire would hold.\n\nLeave a Reply\n"


def _rule_file(tmp_path, body: str, name="r.yaml"):
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


GOOD = ("kind: calques\npivot: it\nrules:\n- id: it-test-rule\n  pattern: 'fire stopping'\n"
        "  replacement: ceasefire\n  examples:\n  - incorrect: 'A <marker>fire stopping</marker> was agreed.'\n"
        "    correct: 'A ceasefire was agreed.'\n")


@pytest.mark.parametrize("body, line, message", [
    ("kind: calque\npivot: it\nrules: []\n", 1, "kind must be one of"),
    ("kind: calques\npivot: Italian\nrules: []\n", 1, "pivot must be a language code"),
    ("kind: calques\npivot: it\nrules:\n- id: Bad_Id\n  pattern: x\n  replacement: y\n", 4, "id must be lowercase"),
    ("kind: calques\npivot: it\nrules:\n- id: a\n  pattern: x\n  replacement: y\n- id: a\n  pattern: z\n  replacement: y\n",
     7, "already used at line 4"),
    ("kind: calques\npivot: it\nrules:\n- id: a\n  pattern: x\n  replacement: y\n  regex: z\n", 4, "unknown key 'regex'"),
    ("kind: patterns\npivot: de\nrules:\n- id: a\n  regex: '(a+)+b'\n  replacement: y\n", 4, "a repeat inside a repeat"),
    ("kind: patterns\npivot: de\nrules:\n- id: a\n  regex: ['(a', 1]\n  replacement: y\n", 4, "list of strings"),
    ("kind: calques\npivot: it\nrules:\n- id: a\n  pattern: x\n  replacement: y\n  examples:\n  - incorrect: 'no marker'\n",
     8, "exactly one span"),
    ("kind: calques\npivot: it\nrules:\n- id: a\n  pattern: x\n  replacement: y\n  examples:\n"
     "  - incorrect: '<marker>x</marker>'\n    correct: '<marker>y</marker>'\n", 8, "no <marker>"),
    ("kind: order\npivot: de\nrules:\n- id: a\n  regex: 'x'\n  replacement: y\n  min_gain: 500\n", 4, "min_gain"),
])
def test_rule_file_errors_name_file_and_line(tmp_path, body, line, message):
    p = _rule_file(tmp_path, body)
    with pytest.raises(GlossaryError) as e:
        glossary.load_file(p)
    assert f"{p}:{line}:" in str(e.value) and message in str(e.value), str(e.value)


def test_a_long_regex_may_be_written_in_pieces(tmp_path):
    p = _rule_file(tmp_path, "kind: patterns\npivot: es\nrules:\n- id: es-a\n  regex:\n  - '\\bof (\\d+) '\n"
                             "  - 'years\\b'\n  replacement: '\\1'\n")
    (row,) = glossary.load_file(p).patterns
    assert row.compiled.regex.pattern == r"\bof (\d+) years\b"


def test_the_same_id_in_two_files_is_an_error(tmp_path):
    p = _rule_file(tmp_path, GOOD.replace("it-test-rule", "it-cessate-il-fuoco"))
    with pytest.raises(GlossaryError, match="already defined at .*calques/it.yaml"):
        glossary.load([p])


def test_findings_name_their_rule_and_select_ignore_and_suppress_by_id(tmp_path, auditor):
    rep = auditor.audit_text(TEXT, "a.txt")
    rules = {f.rule for f in rep.findings}
    assert {"CLQ001/it-cessate-il-fuoco", "BPL001/wordpress-comment-form"} <= rules
    d = rep.to_dict()["findings"]
    assert {f["rule"] for f in d if "rule" in f} == rules - {None}
    from mtaudit.api import Auditor
    from mtaudit.config import Config

    only = Auditor(lm="off", config=Config(select=("CLQ001/it-",))).audit_text(TEXT, "a.txt")
    assert [f.rule for f in only.findings] == ["CLQ001/it-cessate-il-fuoco"]
    rest = Auditor(lm="off", config=Config(ignore=("CLQ001/it-cessate-il-fuoco",))).audit_text(TEXT, "a.txt")
    assert "CLQ001/it-cessate-il-fuoco" not in {f.rule for f in rest.findings} and rest.findings
    md = "<!-- mtaudit: ignore CLQ001/it-cessate-il-fuoco -->\n" + TEXT
    sup = auditor.audit_text(md, "a.md")
    assert "CLQ001/it-cessate-il-fuoco" not in {f.rule for f in sup.findings}
    assert "BPL001/wordpress-comment-form" in {f.rule for f in sup.findings} and not sup.unused_suppressions


def test_cli_select_by_rule_id_and_unknown_id(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text(TEXT, encoding="utf-8")
    r = run_cli("audit", a, "--no-lm", "--format", "json", "--select", "CLQ001/it-cessate-il-fuoco")
    assert r.returncode == 1, r.stderr
    assert [f["rule"] for f in json.loads(r.stdout)["files"][0]["findings"]] == ["CLQ001/it-cessate-il-fuoco"]
    r = run_cli("audit", a, "--no-lm", "--select", "CLQ001/it-no-such-rule")
    assert r.returncode == 2 and "unknown rule selector 'CLQ001/it-no-such-rule'" in r.stderr
    assert "Traceback" not in r.stderr


def test_glossary_convert_then_check(tmp_path):
    tsv = tmp_path / "mine.tsv"
    tsv.write_text("pattern\treplacement\tcategory\tseverity\tcontext\tnote\n"
                   "fire stopping\tceasefire\t\t\t\tGerman 'Brandstopp'\n"
                   "fire stopping now\tceasefire now\t\t\t\tGerman 'Brandstopp'\n", encoding="utf-8")
    out = tmp_path / "de.yaml"
    r = run_cli("glossary", "convert", tsv, "--pivot", "de", "-o", out)
    assert r.returncode == 0, r.stderr
    rows = glossary.load_file(out).calques
    assert [x.id for x in rows] == ["de-brandstopp", "de-brandstopp-2"]
    assert [x.cells["pattern"] for x in rows] == ["fire stopping", "fire stopping now"]
    r = run_cli("glossary", "check", out)
    assert r.returncode == 1 and "CLQ001/de-brandstopp: no example" in r.stderr
    r = run_cli("glossary", "convert", tsv, "-o", tsv)
    assert r.returncode == 2 and "refusing to overwrite" in r.stderr
    assert "fire stopping now" in tsv.read_text(encoding="utf-8")
    good = _rule_file(tmp_path, GOOD, "good.yaml")
    r = run_cli("glossary", "check", good)
    assert r.returncode == 0 and "1 example(s) run, 0 failure(s)" in r.stdout, r.stderr
    bad = _rule_file(tmp_path, GOOD.replace("A ceasefire was agreed.", "A fire stopping was agreed."), "bad.yaml")
    r = run_cli("glossary", "check", bad)
    assert r.returncode == 1 and "flags ['fire stopping'] in the near miss" in r.stderr


def test_tsv_rule_files_still_load_with_a_deprecation_warning(tmp_path, capsys):
    tsv = tmp_path / "old.tsv"
    tsv.write_text("pattern\treplacement\tcategory\tseverity\tcontext\tnote\nfire stopping\tceasefire\t\t\t\t\n",
                   encoding="utf-8")
    g = glossary.load_file(tsv)
    assert g.calques[0].selector == "CLQ001/old-2"
    assert "TSV rule files are deprecated" in capsys.readouterr().err


def test_rule_pages_are_current():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "rule_docs.py"), "--check"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
