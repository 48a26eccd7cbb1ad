"""Per-rule fixtures (after ruff): marked hits must be flagged exactly, near-misses must stay silent.

The fixture texts are written for the tests; none comes from the founding sample.
A fixture file whose first line is ``# needs: lm`` is audited with the language
model on (its cases are marked ``lm``): its rules stand only with the model.
"""
import re

import pytest
from conftest import ROOT

FIXTURES = sorted((ROOT / "tests" / "fixtures").glob("*.txt"))
MARK = re.compile(r"\[\[(.+?)\]\]")
# replacement syntax that must never reach a suggestion: {A0} {NAME} <lemma> #helper( \1
TEMPLATE = re.compile(r"\{(?:A\d+|NAME|WORD)\}|<[a-z]+>|#[a-z]+\(|\\\d")


def cases():
    for path in FIXTURES:
        code = path.stem
        section = None
        lines = path.read_text(encoding="utf-8").splitlines()
        needs_lm = bool(lines) and lines[0].strip() == "# needs: lm"
        marks = [pytest.mark.lm] if needs_lm else []
        for no, line in enumerate(lines, 1):
            if line.startswith("# hits"):
                section = "hit"
                continue
            if line.startswith("# ok"):
                section = "ok"
                continue
            if not line.strip() or line.startswith("#"):
                continue
            yield pytest.param(code, section, line, needs_lm, id=f"{code}:{no}:{section}", marks=marks)


def unmark(line):
    spans, out, pos = [], [], 0
    for m in MARK.finditer(line):
        out.append(line[pos:m.start()])
        start = sum(map(len, out))
        out.append(m.group(1))
        spans.append((start, start + len(m.group(1))))
        pos = m.end()
    out.append(line[pos:])
    return "".join(out), spans


def test_every_rule_has_a_fixture():
    from mtaudit.detectors import all_rules

    have = {p.stem for p in FIXTURES}
    # exempt: the model-only detectors (LMD001 has its tests in test_deep.py)
    missing = [c for c in all_rules() if c not in have and not c.startswith(("LMF", "LMD"))]
    assert not missing, f"rules without fixtures: {missing}"


@pytest.mark.parametrize("code,section,line,needs_lm", list(cases()))
def test_fixture(request, code, section, line, needs_lm):
    auditor = request.getfixturevalue("lm_auditor" if needs_lm else "auditor")
    text, expected = unmark(line)
    report = auditor.audit_text(text)
    got = [f.matched or (f.start, f.end) for f in report.findings if f.code == code]  # the phrase matched
    if section == "hit":
        assert expected, "a hit line must mark at least one span"
        assert got == expected, f"{code} flagged {[text[s:e] for s, e in got]}, expected {[text[s:e] for s, e in expected]}"
        leftovers = [s for f in report.findings if f.code == code for s in f.suggestions if TEMPLATE.search(s)]
        assert leftovers == [], f"{code} suggests unrendered template syntax: {leftovers}"
    else:
        assert got == [], f"{code} raised a false alarm on {[text[s:e] for s, e in got]}"


def test_word_order_hypotheses_need_the_model(auditor):
    """ORD003 rules are hypotheses: a rules-only audit does not report them."""
    report = auditor.audit_text("The company employs today 4,000 people in the region.")
    assert not [f for f in report.findings if f.code == "ORD003"]
    assert any(r.min_gain for r in auditor.res.order_rules)  # the rule that would match exists
    assert any(r.regex.search("The company employs today 4,000 people") for r in auditor.res.order_rules)


def test_word_tables_are_built_once_then_read(tmp_path, monkeypatch):
    """The English frequency table and UNK002's pivot-word table are built into the cache
    folder on first use and reused after; Cyrillic pivots are looked up romanised."""
    from mtaudit import defaults, lexicon

    caches = (lexicon._pivot_db, lexicon.source_language, lexicon._english_db, lexicon._freq, lexicon.zipf)

    def clear():
        for c in caches:
            c.cache_clear()

    monkeypatch.setenv(defaults.CACHE_ENV, str(tmp_path))
    args = (("es", "fr", "uk"), 3.0, defaults.SOURCE_WORD_MAX_EN_ZIPF)
    clear()
    try:
        assert lexicon.zipf("house") > 5 and lexicon.zipf("xqzv") == 0.0
        assert lexicon.source_language("afición", *args)[0] == "es"
        assert lexicon.source_language("rentrée", *args)[0] == "fr"
        assert lexicon.source_language("hromada", *args)[::2] == ("uk", "громада")
        assert lexicon.source_language("house", *args) is None  # common English
        built = sorted(tmp_path.glob("*-words-*.sqlite"))
        assert [p.name.split("-")[0] for p in built] == ["english", "pivot"]
        stamps = [p.stat().st_mtime_ns for p in built]
        clear()
        assert lexicon.source_language("afición", *args)[0] == "es" and lexicon.zipf("house") > 5
        assert [p.stat().st_mtime_ns for p in built] == stamps  # read, not rebuilt
    finally:
        clear()
