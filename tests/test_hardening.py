"""Each failure the fuzz and fault run found, as a test (in-process through ``cli.main``)."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from urllib.parse import unquote, urlsplit

import pytest

from mtaudit.cli import main

GARBLED = "Officials in Kiev said the the talks would resume.\n"


def cli(capsys, *args) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def one_line_error(err: str) -> bool:
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("mtaudit: error")]
    return len(lines) >= 1 and "Traceback" not in err


# --- inputs that are not regular files ------------------------------------------------------------
def test_symlink_loop_is_an_error_per_file_and_the_run_goes_on(tmp_path, capsys):
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "good.txt").write_text(GARBLED, encoding="utf-8")
    rc, _, err = cli(capsys, "audit", tmp_path / "a.txt", "--no-lm")
    assert rc == 2 and "symbolic link loop" in err and "Traceback" not in err
    rc, out, err = cli(capsys, "audit", tmp_path, "--no-lm", "--format", "json")
    assert rc == 2 and "good.txt" in out and '"Kyiv"' in out
    assert err.count("symbolic link loop") >= 2


def _run_cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "mtaudit.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_not_read(tmp_path):
    fifo = tmp_path / "f.txt"
    os.mkfifo(fifo)
    (tmp_path / "good.txt").write_text(GARBLED, encoding="utf-8")
    r = _run_cli("audit", fifo, "--no-lm")  # a subprocess: a regression would hang, not the test run
    assert r.returncode == 2 and "FIFO" in r.stderr and "Traceback" not in r.stderr
    r = _run_cli("audit", tmp_path, "--no-lm", "--format", "json")
    assert r.returncode == 2 and "good.txt" in r.stdout and "FIFO" in r.stderr


def test_a_directory_given_to_read_text_is_an_input_error(tmp_path):
    from mtaudit.document import InputError, read_text

    with pytest.raises(InputError, match="is a directory"):
        read_text(tmp_path)


# --- configuration values -----------------------------------------------------------------------
BAD_CONFIGS = [
    ("mtaudit.toml", 'lm = ["on"]', "lm"),
    ("mtaudit.toml", "lm = 1", "lm"),
    ("mtaudit.toml", '[severity]\nNAM001 = ["major"]', "severity.NAM001"),
    ("mtaudit.toml", '[severity]\nNOPE999 = "major"', "NOPE999"),
    ("mtaudit.toml", "lm-excess-bits = nan", "lm-excess-bits"),
    ("mtaudit.toml", "lm-reject-bits = -inf", "lm-reject-bits"),
    ("mtaudit.toml", 'lm-reject-bits = "8"', "lm-reject-bits"),
    ("mtaudit.toml", 'select = ["nope"]', "NOPE"),
    ("mtaudit.toml", 'ignore = ["XYZ"]', "XYZ"),
    ("mtaudit.toml", "fail-on = 3", "fail-on"),
    ("mtaudit.toml", "glossaries = 5", "glossaries"),
    ("pyproject.toml", 'tool = "mtaudit"', "tool"),
    ("pyproject.toml", "tool = 1", "tool"),
    ("pyproject.toml", "[tool]\nmtaudit = 5", "mtaudit"),
]


@pytest.mark.parametrize("name,body,key", BAD_CONFIGS)
def test_config_type_errors_are_one_line_exit_2(tmp_path, capsys, name, body, key):
    (tmp_path / name).write_text(body + "\n", encoding="utf-8")
    art = tmp_path / "a.txt"
    art.write_text(GARBLED, encoding="utf-8")
    rc, _, err = cli(capsys, "audit", art, "--no-lm")
    assert rc == 2, err
    assert one_line_error(err) and key in err and name in err


def test_unknown_selector_on_the_command_line(tmp_path, capsys):
    art = tmp_path / "a.txt"
    art.write_text(GARBLED, encoding="utf-8")
    rc, _, err = cli(capsys, "audit", art, "--no-lm", "--select", "nope")
    assert rc == 2 and "unknown rule selector 'NOPE'" in err
    rc, _, _ = cli(capsys, "audit", art, "--no-lm", "--select", "NAM", "--fail-on", "never")
    assert rc == 0


@pytest.mark.slow
def test_config_error_from_a_worker_process_is_one_line(tmp_path):
    (tmp_path / "mtaudit.toml").write_text('lm = ["on"]\n', encoding="utf-8")
    for i in range(2):
        (tmp_path / f"a{i}.txt").write_text(GARBLED, encoding="utf-8")
    r = _run_cli("audit", tmp_path, "--no-lm", "--jobs", "2", timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "lm must be" in r.stderr


# --- glossaries -----------------------------------------------------------------------------------
BAD_GLOSSARIES = [
    ("chrome.tsv", "regex\tnote\n(a+)+b\tcatastrophic\n", "chrome.tsv:2", "repeat inside a repeat"),
    ("pat.tsv", "regex\treplacement\tcategory\tseverity\tnote\n(x+)*y\tz\t\t\t\n", "pat.tsv:2", "repeat"),
    ("ord.tsv", "regex\treplacement\tcategory\tseverity\tnote\nthe (\\w+) day\tthe #ord(\\1) day\t\t\t\n",
     "ord.tsv:2", "#ord() needs a number"),
    ("map.yaml", "names:\n  Kyiv: {type: place}\n", "map.yaml:2", "list of"),
    ("mixed.yaml", "- canonical: Kyiv\n  type: place\n  1: x\n", "mixed.yaml:1", "unknown key 1"),
    ("list.yaml", "- canonical: [a, b]\n  type: place\n", "list.yaml:1", "canonical must be a string"),
]


@pytest.mark.parametrize("name,body,where,what", BAD_GLOSSARIES)
def test_glossary_errors_at_load_with_file_and_line(tmp_path, capsys, name, body, where, what):
    g = tmp_path / name
    g.write_text(body, encoding="utf-8")
    art = tmp_path / "a.txt"
    art.write_text("a" * 27 + "\n", encoding="utf-8")
    t0 = time.perf_counter()
    rc, _, err = cli(capsys, "audit", art, "--no-lm", "--glossary", g)
    assert rc == 2 and one_line_error(err), err
    assert where in err and what in err
    assert time.perf_counter() - t0 < 30  # refused at load, never run for seconds on a line


def test_regex_guard_allows_possessive_and_atomic_inner_repeats():
    from mtaudit.regexguard import backtracking_risk, group_is_numeric

    assert backtracking_risk(r"(a+)+b") and backtracking_risk(r"(?:\s*,\s*\w+)+")
    assert backtracking_risk(r"(?:\s*+,\s*+\w++)+") is None
    assert backtracking_risk(r"((?>a+))+b") is None
    assert backtracking_risk(r"\bin the minute (\d{1,3})\b") is None
    assert group_is_numeric(r"(0?[1-9]|[12]\d|3[01])\.", 1) and not group_is_numeric(r"the (\w+)", 1)


def test_ordinal_helper_never_raises():
    from mtaudit.phrases import ordinal

    assert ordinal("93") == "93rd" and ordinal("") == "" and ordinal("x") == "x"


# --- writing never touches an input ----------------------------------------------------------------
@pytest.fixture
def article(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text(GARBLED, encoding="utf-8")
    return p


def _unchanged(p, before):
    return p.read_bytes() == before


@pytest.mark.parametrize("how", ["hardlink", "symlink", "same"])
@pytest.mark.parametrize("option", ["-o", "--write-baseline", "--resume"])
def test_write_options_refuse_an_input_by_identity(tmp_path, capsys, article, how, option):
    before = article.read_bytes()
    target = {"same": article, "hardlink": tmp_path / "h.json", "symlink": tmp_path / "s.json"}[how]
    if how == "hardlink":
        os.link(article, target)
    elif how == "symlink":
        target.symlink_to(article)
    extra = ["--format", "jsonl"] if option == "--resume" else []
    rc, _, err = cli(capsys, "audit", article, "--no-lm", option, target, *extra)
    assert rc == 2 and "refusing to overwrite" in err, err
    assert _unchanged(article, before)


def test_output_elsewhere_still_written(tmp_path, capsys, article):
    out = tmp_path / "r.json"
    rc, _, _ = cli(capsys, "audit", article, "--no-lm", "-o", out, "--format", "json")
    assert rc == 1 and '"Kyiv"' in out.read_text(encoding="utf-8")


# --- fix ----------------------------------------------------------------------------------------
def test_fix_reaches_a_fixed_point(tmp_path, capsys):
    p = tmp_path / "the.txt"
    p.write_text("They saw " + "the " * 17 + "end.\n", encoding="utf-8")
    cli(capsys, "fix", p, "--no-lm")
    assert p.read_text(encoding="utf-8") == "They saw the end.\n"
    after = p.read_bytes()
    cli(capsys, "fix", p, "--no-lm")
    assert p.read_bytes() == after


def test_fix_keeps_a_bom_and_the_mode(tmp_path, capsys):
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + GARBLED.encode())
    p.chmod(0o640)
    cli(capsys, "fix", p, "--no-lm")
    data = p.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"Kyiv" in data and b"Kiev" not in data
    assert stat.S_IMODE(p.stat().st_mode) == 0o640


def test_fix_writes_through_a_symlink(tmp_path, capsys):
    real = tmp_path / "real.txt"
    real.write_text(GARBLED, encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    cli(capsys, "fix", link, "--no-lm")
    assert link.is_symlink() and "Kyiv" in real.read_text(encoding="utf-8")


def test_fix_refuses_a_hard_linked_file(tmp_path, capsys, article):
    other = tmp_path / "other.txt"
    os.link(article, other)
    before = article.read_bytes()
    rc, _, err = cli(capsys, "fix", article, "--no-lm")
    assert rc == 2 and "hard links" in err
    assert _unchanged(article, before) and os.stat(article).st_ino == os.stat(other).st_ino


def test_fix_removes_its_stale_temp_files(tmp_path, capsys, article):
    stale = tmp_path / f".{article.name}.k1ll3d.mtaudit-tmp"
    stale.write_text("half", encoding="utf-8")
    unrelated = tmp_path / ".other.txt.x.mtaudit-tmp"
    unrelated.write_text("keep", encoding="utf-8")
    cli(capsys, "fix", article, "--no-lm")
    assert not stale.exists() and unrelated.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(f".{article.name}.")]


def test_fix_killed_mid_write_leaves_the_old_file_whole(tmp_path, monkeypatch, article):
    from mtaudit import runner

    before = article.read_bytes()

    def boom(*a):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        runner.atomic_write(article, "new text")
    assert _unchanged(article, before)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".mtaudit-tmp")]


def test_fix_text_without_a_fixed_point_is_an_error(monkeypatch, auditor):
    from mtaudit import defaults, runner

    monkeypatch.setattr(defaults, "MAX_FIX_PASSES", 1)
    with pytest.raises(runner.NoFixedPoint):
        runner.fix_text(auditor, "They saw " + "the " * 17 + "end.\n", "x.txt", unsafe=False)


# --- SARIF ----------------------------------------------------------------------------------------
_URI_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:@/?#")


def _is_uri_reference(u: str) -> bool:
    """RFC 3986 URI-reference characters only, every % followed by two hex digits."""
    if not set(u) <= _URI_CHARS:
        return False
    i = u.find("%")
    while i >= 0:
        if len(u) < i + 3 or not all(c in "0123456789ABCDEFabcdef" for c in u[i + 1:i + 3]):
            return False
        i = u.find("%", i + 1)
    return True


def test_sarif_uris_are_percent_encoded_and_relative(tmp_path, capsys, monkeypatch):
    import json

    name = "ü ✓ 100%#?.md"
    (tmp_path / name).write_text(GARBLED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    rc, out, _ = cli(capsys, "audit", name, "--no-lm", "--format", "sarif")
    run = json.loads(out)["runs"][0]
    locs = [run["artifacts"][0]["location"]] + [r["locations"][0]["physicalLocation"]["artifactLocation"]
                                                for r in run["results"]]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    for loc in locs:
        parts = urlsplit(loc["uri"])
        assert _is_uri_reference(loc["uri"]) and loc["uriBaseId"] == "%SRCROOT%"
        assert not parts.query and not parts.fragment and unquote(parts.path) == name
    rc, out, _ = cli(capsys, "audit", tmp_path / name, "--no-lm", "--format", "sarif")
    uri = json.loads(out)["runs"][0]["artifacts"][0]["location"]["uri"]
    assert uri.startswith("file:///") and _is_uri_reference(uri) and unquote(urlsplit(uri).path).endswith(name)


# --- linear-time helpers ------------------------------------------------------------------------------
def test_intervals_answer_as_a_scan_would():
    import random

    from mtaudit.spans import Intervals, TakenMask

    rng = random.Random(7)
    for _ in range(200):
        spans = [(a, a + rng.randint(1, 9)) for a in (rng.randint(0, 60) for _ in range(rng.randint(0, 8)))]
        iv = Intervals(spans)
        for s in range(0, 70):
            e = s + rng.randint(1, 6)
            assert iv.contains(s, e) == any(a <= s and e <= b for a, b in spans)
            assert iv.overlaps(s, e) == any(a < e and s < b for a, b in spans)
            assert iv.covers(s) == any(a <= s < b for a, b in spans)
        mask = TakenMask(80)
        for a, b in spans:
            mask.add(a, b)
        for s in range(0, 70):
            assert mask.covers(s) == any(a <= s < b for a, b in spans)


def test_phrase_index_matches_each_rules_own_scan(auditor):
    from conftest import ROOT

    res = auditor.res
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "fixtures").glob("CLQ*.txt"))]
    texts.append("İN THE FRAMEWORK of ſuch thıngs, the Kelvin sign K and ceased the fire; " * 3)
    for text in texts:
        fast = [(i, m.span()) for i, m in res.calque_index.finditer(text)]
        slow = [(i, m.span()) for i, r in enumerate(res.calque_rules) for m in r.regex.finditer(text)]
        assert fast == slow
        assert fast  # the fixtures do hold calques


def test_surprisal_cache_stays_within_its_bound():
    from mtaudit.lm import SurprisalCache

    c = SurprisalCache(max_tokens=100)
    for i in range(500):
        c.put(f"text {i}", [(0, 1, 1.0)] * (i % 13 + 1))
        assert c.tokens <= 100 and c.tokens == sum(len(v) for v in c._d.values())
    assert c.get("text 499") is not None and c.get("text 0") is None


@pytest.mark.lm
def test_long_sentence_is_scored_in_windows_and_the_cache_is_bounded(lm_auditor, monkeypatch):
    from mtaudit import defaults

    lm = lm_auditor.lm
    long = " ".join(["the committee said that"] * 300)  # > LM_MAX_TOKENS tokens, no sentence end
    ids, _ = lm.encode(long)
    assert len(ids) > defaults.LM_MAX_TOKENS
    toks = lm.surprisal([long])[0]
    assert len(toks) == len(ids) and all(b >= 0 for _, _, b in toks)
    monkeypatch.setattr(lm.cache, "max_tokens", 2000)
    for i in range(20):
        lm.surprisal([f"Sentence number {i} is about {long[:200]}"])
        assert lm.cache.tokens <= 2000
