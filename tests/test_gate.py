"""The pre-publish gate: fix, output formats, config, suppressions, baselines, Markdown/HTML, pre-commit."""
import difflib
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest
from conftest import CLEAN, N_CLEAN, ROOT, run_cli

SAMPLE = ROOT / "samples" / "kursk-withdrawal.txt"


def run(*args, **kw):
    return run_cli(*args, **kw)


# --- the gate -------------------------------------------------------------------------------
def test_sample_fails_major_gate():
    assert run("audit", SAMPLE, "--no-lm", "--fail-on", "major").returncode == 1


@pytest.mark.slow
def test_every_clean_article_passes_major_gate():
    r = run("audit", CLEAN, "--no-lm", "--fail-on", "major", "--format", "jsonl")
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(lines) == N_CLEAN
    bad = [(x["path"], f["code"], f["text"]) for x in lines for f in x["findings"] if f["severity"] != "minor"]
    assert bad == [] and r.returncode == 0


# --- formats ------------------------------------------------------------------------------------
def test_sarif_validates_against_the_2_1_0_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "r.sarif"
    run("audit", SAMPLE, tmp_path / "missing.txt", "--no-lm", "--format", "sarif", "-o", out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    run0 = doc["runs"][0]
    assert run0["columnKind"] == "unicodeCodePoints"
    ids = {r["id"] for r in run0["tool"]["driver"]["rules"]}
    assert {"NAM001", "CLQ001", "BPL001"} <= ids
    res = run0["results"]
    assert res and all(r["ruleId"] in ids for r in res)
    text = SAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for r in res:
        reg = r["locations"][0]["physicalLocation"]["region"]
        start = sum(map(len, lines[:reg["startLine"] - 1])) + reg["startColumn"] - 1
        assert start == reg["charOffset"]
    assert any("fixes" in r for r in res)


MD = """---
title: Kiev, Southzha and a ceased the fire
---

# Update

```
Kiev Southzha ceased the fire
```

Ukrainian troops pulled back from [Southzha](https://example.com/Kiev) on Sunday.
"""


def test_github_annotations_land_on_markdown_source_lines(tmp_path):
    p = tmp_path / "a.md"
    p.write_text(MD, encoding="utf-8")
    r = run("audit", p, "--no-lm", "--format", "github")
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1, lines  # front matter, code block and link target are not audited
    ann = lines[0]
    assert ann.startswith("::notice file=") and "title=NAM001" in ann
    row = MD.splitlines()[10]
    col = row.index("Southzha") + 1
    assert f",line=11,col={col},endLine=11,endColumn={col + 8}," in ann


def test_html_audits_visible_text_only(tmp_path):
    p = tmp_path / "a.html"
    html = ("<html><head><title>News</title><style>.Kiev{color:red}</style>"
            "<script>var s = 'Southzha ceased the fire';</script></head>\n"
            "<body><p class=\"Kiev\">Troops left <b>Southzha</b> on Sunday.</p>\n<p>Leave a Reply</p></body></html>\n")
    p.write_text(html, encoding="utf-8")
    r = json.loads(run("audit", p, "--no-lm", "--format", "json").stdout)
    got = [(f["code"], f["text"]) for f in r["files"][0]["findings"]]
    assert got == [("NAM001", "Southzha"), ("BPL001", "Leave a Reply")]
    f = r["files"][0]["findings"][0]
    assert html[f["start"]:f["end"]] == "Southzha" and f["line"] == 2


def test_junit_and_stdin(tmp_path):
    r = run("audit", "-", "--no-lm", "--format", "junit", input="Troops left Southzha and Kiev.\n")
    assert r.returncode == 1 and "<testsuite" in r.stdout and "<failure" in r.stdout
    r = run("audit", "-", "--no-lm", "--format", "jsonl", input="The talks resumed in Geneva on Monday.\n")
    assert r.returncode == 0 and json.loads(r.stdout)["findings"] == []


# --- fix --------------------------------------------------------------------------------------
def test_fix_replaces_southzha_and_touches_only_flagged_spans(tmp_path):
    p = tmp_path / "k.txt"
    shutil.copy(SAMPLE, p)
    original = p.read_text(encoding="utf-8")
    spans = [(f["start"], f["end"]) for f in
             json.loads(run("audit", p, "--no-lm", "--format", "json").stdout)["files"][0]["findings"]]
    r = run("fix", p, "--no-lm")
    assert r.returncode == 1  # unsafe findings remain
    fixed = p.read_text(encoding="utf-8")
    assert "Southzha" not in fixed and fixed.count("Sudzha") == original.count("Southzha")
    sm = difflib.SequenceMatcher(None, original, fixed, autojunk=False)
    for op, a, b, _, _ in sm.get_opcodes():
        if op != "equal":
            assert any(s <= a and b <= e for s, e in spans), (op, original[a:b])


def test_fix_is_idempotent_and_diff_changes_nothing(tmp_path):
    p = tmp_path / "k.txt"
    shutil.copy(SAMPLE, p)
    before = p.read_bytes()
    r = run("fix", p, "--no-lm", "--diff", "--unsafe-fixes")
    assert p.read_bytes() == before and "+++" in r.stdout and "Sudzha" in r.stdout
    run("fix", p, "--no-lm", "--unsafe-fixes")
    once = p.read_bytes()
    assert once != before
    run("fix", p, "--no-lm", "--unsafe-fixes")
    assert p.read_bytes() == once


def test_killed_fix_leaves_the_original_intact(tmp_path):
    p = tmp_path / "k.txt"
    shutil.copy(SAMPLE, p)
    before = p.read_bytes()
    # the child blocks inside the write (before the rename); we kill it there
    code = ("import os, sys, time; from mtaudit.cli import main\n"
            "os.fsync = lambda fd: (print('writing', flush=True), time.sleep(60))\n"
            "sys.exit(main(['fix', sys.argv[1], '--no-lm']))")
    child = subprocess.Popen([sys.executable, "-c", code, str(p)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert p.read_bytes() == before


def test_interrupted_write_cleans_up(tmp_path, monkeypatch):
    from mtaudit import runner

    p = tmp_path / "a.txt"
    p.write_text("old", encoding="utf-8")

    def boom(*a):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        runner.atomic_write(p, "new")
    assert p.read_text(encoding="utf-8") == "old" and [x.name for x in tmp_path.iterdir()] == ["a.txt"]


# --- config -----------------------------------------------------------------------------------
def test_config_select_ignore_severity_fail_on(tmp_path):
    art = tmp_path / "sub" / "a.txt"
    art.parent.mkdir()
    art.write_text("Troops left Southzha after a ceased the fire.\n", encoding="utf-8")
    (tmp_path / "names.tsv").write_text("canonical\ttype\tvariants\taccepted\tnote\nGeneva\tplace\tGenevra\t\t\n",
                                        encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.mtaudit]\nignore = ["CLQ"]\nfail-on = "major"\nglossaries = ["names.tsv"]\n'
        'lm = "off"\n\n[tool.mtaudit.severity]\nNAM001 = "critical"\n', encoding="utf-8")
    r = run("audit", art, "--format", "json")
    fs = json.loads(r.stdout)["files"][0]["findings"]
    assert [(f["code"], f["severity"]) for f in fs] == [("NAM001", "critical")]
    assert r.returncode == 1
    # CLI flags override config
    r = run("audit", art, "--format", "json", "--select", "CLQ", "--fail-on", "never")
    assert [f["code"] for f in json.loads(r.stdout)["files"][0]["findings"]] == ["CLQ001"] and r.returncode == 0
    art.write_text("Talks in Genevra resumed.\n", encoding="utf-8")
    fs = json.loads(run("audit", art, "--format", "json").stdout)["files"][0]["findings"]
    assert [f["suggestions"][0] for f in fs] == ["Geneva"]


def test_opt_in_rules_and_extend_select():
    from mtaudit.config import Config, with_selection

    assert not Config().wants("LMF001", opt_in=True) and Config().wants("UNK001")
    assert Config(extend_select=("LMF",)).wants("LMF001", opt_in=True)
    assert Config(extend_select=("LMF",)).wants("UNK001")  # every default rule stays on
    assert Config(select=("LMF001",)).wants("LMF001", opt_in=True)
    narrow = Config(select=("NAM",), extend_select=("CLQ",))
    assert narrow.wants("CLQ001") and narrow.wants("NAM001") and not narrow.wants("UNK001")
    assert not Config(extend_select=("LMF",), ignore=("LMF001",)).wants("LMF001", opt_in=True)
    # on the command line: --extend-select adds to the configuration's, --select replaces both
    cfg = Config(select=("NAM",), extend_select=("CLQ",))
    assert with_selection(cfg, (), (), ("LMF",)).extend_select == ("CLQ", "LMF")
    assert with_selection(cfg, ("UNK",), (), ()).extend_select == ()


def test_extend_select_in_config_and_unknown_selector(tmp_path):
    from mtaudit.config import load_config

    (tmp_path / "mtaudit.toml").write_text('extend-select = ["lmf001"]\n', encoding="utf-8")
    assert load_config(tmp_path / "mtaudit.toml").extend_select == ("LMF001",)
    art = tmp_path / "a.txt"
    art.write_text("Troops left Southzha.\n", encoding="utf-8")
    r = run("audit", art, "--no-lm", "--extend-select", "nope")
    assert r.returncode == 2 and "extend-select: unknown rule selector 'NOPE'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("body,msg", [
    ("[tool.mtaudit]\nselct = ['NAM']\n", "unknown key 'selct'"),
    ("[tool.mtaudit\nselect = 1\n", "malformed TOML"),
    ("[tool.mtaudit]\nfail-on = 'sometimes'\n", "fail-on must be"),
    ("[tool.mtaudit.severity]\nNAM001 = 'huge'\n", "severity.NAM001"),
])
def test_malformed_config_is_one_line_exit_2(tmp_path, body, msg):
    (tmp_path / "pyproject.toml").write_text(body, encoding="utf-8")
    art = tmp_path / "a.txt"
    art.write_text("Troops left Southzha.\n", encoding="utf-8")
    r = run("audit", art, "--no-lm")
    assert r.returncode == 2 and msg in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_mtaudit_toml_and_explicit_config(tmp_path):
    (tmp_path / "mtaudit.toml").write_text('select = ["BPL"]\n', encoding="utf-8")
    art = tmp_path / "a.txt"
    art.write_text("Troops left Southzha.\nLeave a Reply\n", encoding="utf-8")
    fs = json.loads(run("audit", art, "--no-lm", "--format", "json").stdout)["files"][0]["findings"]
    assert [f["code"] for f in fs] == ["BPL001"]
    other = tmp_path / "other.toml"
    other.write_text('select = ["NAM"]\n', encoding="utf-8")
    fs = json.loads(run("audit", art, "--no-lm", "--format", "json", "--config", other).stdout)["files"][0]["findings"]
    assert [f["code"] for f in fs] == ["NAM001"]


# --- suppressions -------------------------------------------------------------------------------
def test_inline_suppressions_and_unused_ones(tmp_path):
    p = tmp_path / "a.md"
    p.write_text("<!-- mtaudit: ignore NAM001 -->\nTroops left Southzha.\n\nTroops left Kiev.\n\n"
                 "<!-- mtaudit: off -->\nLeave a Reply\n<!-- mtaudit: on -->\n\n"
                 "<!-- mtaudit: ignore REP -->\nNothing doubled here.\n", encoding="utf-8")
    r = run("audit", p, "--no-lm", "--format", "json")
    d = json.loads(r.stdout)["files"][0]
    assert [f["text"] for f in d["findings"]] == ["Kiev"]
    assert [u["line"] for u in d["unused_suppressions"]] == [10]
    assert "unused suppression" in r.stderr


def test_malformed_suppression_is_an_error(tmp_path):
    p = tmp_path / "a.md"
    p.write_text("<!-- mtaudit: ignroe NAM001 -->\nTroops left Southzha.\n", encoding="utf-8")
    r = run("audit", p, "--no-lm")
    assert r.returncode == 2 and f"{p}:1: malformed suppression" in r.stderr and "Traceback" not in r.stderr


# --- baseline ----------------------------------------------------------------------------------
def test_baseline_survives_moved_text_and_catches_new_findings(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Troops left Southzha on Sunday.\nThe talks in Kiev resumed.\n", encoding="utf-8")
    b = tmp_path / "baseline.json"
    assert run("audit", p, "--no-lm", "--write-baseline", b).returncode == 0
    assert run("audit", p, "--no-lm", "--baseline", b).returncode == 0
    p.write_text("A new first paragraph moves everything down.\n\nTroops left Southzha on Sunday.\n"
                 "The talks in Kiev resumed.\n", encoding="utf-8")
    assert run("audit", p, "--no-lm", "--baseline", b).returncode == 0
    p.write_text("Troops left Southzha on Sunday.\nThe talks in Kiev resumed.\nThen a ceased the fire was agreed.\n",
                 encoding="utf-8")
    r = run("audit", p, "--no-lm", "--baseline", b, "--format", "json")
    assert r.returncode == 1
    assert [f["code"] for f in json.loads(r.stdout)["files"][0]["findings"]] == ["CLQ001"]
    p.write_text("Troops left Southzha on Sunday.\n", encoding="utf-8")  # the Kiev line is gone
    r = run("audit", p, "--no-lm", "--baseline", b)
    assert r.returncode == 0 and "baseline entry no longer matches" in r.stderr and "'Kiev'" in r.stderr


@pytest.mark.parametrize("content", ["{not json", '{"schema": "other", "entries": []}',
                                     '{"schema": "mtaudit.baseline/1", "entries": [{"code": 1}]}'])
def test_malformed_baseline(tmp_path, content):
    b = tmp_path / "b.json"
    b.write_text(content, encoding="utf-8")
    r = run("audit", SAMPLE, "--no-lm", "--baseline", b)
    assert r.returncode == 2 and str(b) in r.stderr and len(r.stderr.strip().splitlines()) == 1


# --- pre-commit ----------------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_hook_for_real(tmp_path):
    pytest.importorskip("pre_commit")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, env=env, capture_output=True, text=True, check=True)
    git("init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: mtaudit\n    name: mtaudit\n"
        "    entry: mtaudit audit --no-lm --fail-on major\n    language: system\n    files: \\.(txt|md)$\n",
        encoding="utf-8")
    (repo / "article.txt").write_text("Ukraine agreed to a ceased the fire backed by Washington.\n", encoding="utf-8")
    git("add", ".")
    pc = [sys.executable, "-m", "pre_commit", "run"]
    r = subprocess.run(pc, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "ceased the fire" in r.stdout, r.stdout + r.stderr
    (repo / "article.txt").write_text("Ukraine agreed to a ceasefire backed by Washington.\n", encoding="utf-8")
    git("add", ".")
    r = subprocess.run(pc, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_service_accepts_extend_select():
    from mtaudit.serve import AUDIT_OPTIONS, Problem, parse_options

    assert parse_options({"extend_select": ["lmf001"]}, AUDIT_OPTIONS) == {"extend_select": ("LMF001",)}
    with pytest.raises(Problem):
        parse_options({"extend_select": 3}, AUDIT_OPTIONS)
