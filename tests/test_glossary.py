import pytest
from conftest import ROOT

from mtaudit.glossary import GlossaryError, load_file


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_tsv_names(tmp_path):
    p = write(tmp_path, "g.tsv", "# c\ncanonical\ttype\tvariants\taccepted\tnote\nKyiv\tplace\tKiev|Kijev\t\t\n")
    g = load_file(p)
    assert g.names[0].canonical == "Kyiv" and g.names[0].variants == ["Kiev", "Kijev"] and g.names[0].line == 3


@pytest.mark.parametrize("body,line,msg", [
    ("canonical\ttype\tvariants\taccepted\tnote\nKyiv\tcity\tKiev\t\t\n", 2, "type 'city'"),
    ("canonical\ttype\tvariants\taccepted\tnote\n\tplace\tKiev\t\t\n", 2, "missing canonical"),
    ("canonical\ttype\tvariants\taccepted\tnote\nKyiv\tplace\tKyiv\t\t\n", 2, "variant of itself"),
    ("canonical\ttype\tvariants\taccepted\tnote\nKyiv\tplace\tKiev\t\t\t\textra\n", 2, "fields"),
    ("name\tspelling\nKyiv\tKiev\n", 1, "unknown header"),
    ("canonical\ttype\tvariants\taccepted\tnote\nKyiv\tplace\tKiev\t\t\nKharkiv\tplace\tKiev\t\t\n", 3, "also a variant"),
    ("pattern\treplacement\tcategory\tseverity\tcontext\tnote\nceased the fire\tceasefire\tbogus/cat\tmajor\t\t\n", 2, "category"),
    ("pattern\treplacement\tcategory\tseverity\tcontext\tnote\nceased the fire\tceasefire\t\thuge\t\t\n", 2, "severity"),
    ("pattern\treplacement\tcategory\tseverity\tcontext\tnote\nceased the fire\t\t\t\t\t\n", 2, "no replacement"),
    ("regex\tnote\n(unclosed\tx\n", 2, "bad regex"),
    ("regex\treplacement\tmin_gain\tcategory\tseverity\tnote\n\\b(a) (b)\\b\t\\2 \\1\tlots\t\t\t\n", 2, "min_gain must be a number"),
    ("regex\treplacement\tmin_gain\tcategory\tseverity\tnote\n# c\n\\b(a) (b)\\b\t\\2 \\1\t0\t\t\t\n", 3, "between 0 and 100"),
    ("regex\treplacement\tmin_gain\tcategory\tseverity\tnote\n\\b(a)\\b\t\\2\t3\t\t\t\n", 2, "group"),
    ("regex\treplacement\tcategory\tseverity\tnote\n\\b(\\d+)th\\b\t#ordinal(\\1)\t\t\t\n", 2, "unknown helper #ordinal"),
    ("pattern\treplacement\tcategory\tseverity\tcontext\tnote\nhopes to open|sell\thopes to {A1}\t\t\t\t\n", 2, r"\{A1\}.*numbered from \{A0\}"),
    ("pattern\treplacement\tcategory\tseverity\tcontext\tnote\nthe city of\tthe {NAME}\t\t\t\t\n", 2, r"\{NAME\} but the pattern has none"),
])
def test_errors_name_file_and_line(tmp_path, body, line, msg):
    p = write(tmp_path, "bad.tsv", body)
    with pytest.raises(GlossaryError, match=msg) as e:
        load_file(p)
    assert str(e.value).startswith(f"{p}:{line}:")


def test_yaml_names_and_errors(tmp_path):
    ok = write(tmp_path, "g.yaml", "- canonical: Sudzha\n  type: place\n  variants: [Southzha]\n")
    assert load_file(ok).names[0].variants == ["Southzha"]
    bad = write(tmp_path, "b.yaml", "- canonical: Sudzha\n  type: place\n- canonical: X\n  type: planet\n")
    with pytest.raises(GlossaryError, match=r"b.yaml:3: type 'planet'"):
        load_file(bad)
    broken = write(tmp_path, "c.yaml", "- canonical: [unclosed\n")
    with pytest.raises(GlossaryError, match="malformed YAML"):
        load_file(broken)


def test_not_utf8(tmp_path):
    p = tmp_path / "x.tsv"
    p.write_bytes(b"canonical\ttype\n\xff")
    with pytest.raises(GlossaryError, match="not valid UTF-8"):
        load_file(p)


def test_shipped_glossaries_load_and_have_coverage():
    from mtaudit.glossary import load

    g = load()
    canon = {e.canonical for e in g.names}
    for name in ("Kyiv", "Kharkiv", "Zaporizhzhia", "Odesa", "Sudzha", "Gaza", "Khan Younis", "ceasefire"):
        assert name in canon
    variants = {v for e in g.names for v in e.variants}
    for v in ("Kiev", "Kharkov", "Charkiw", "Zaporozhye", "Southzha"):
        assert v in variants
    assert len(g.names) > 150 and len(g.calques) > 20 and len(g.chrome) > 10


def test_helper_lists_name_every_helper():
    """The rule-file format page lists the replacement helpers; it must name every helper
    phrases.HELPERS knows, so that the docs do not drift from the code."""
    from mtaudit.phrases import HELPERS

    page = (ROOT / "docs" / "rules" / "format.md").read_text(encoding="utf-8")
    for name in HELPERS:
        assert f"#{name}()" in page, name


def test_inflection_comes_from_lemminflect():
    """The hand table this replaced wrote controled, admiting, shootting and standed; <lemma>
    now matches every spelling lemminflect lists and inflects to the preferred one."""
    from mtaudit.phrases import all_forms, forms, past_of_participle

    assert forms("control") == {"base": "control", "s": "controls", "past": "controlled", "pp": "controlled",
                                "ing": "controlling"}
    assert forms("stand")["past"] == "stood" and forms("admit")["ing"] == "admitting"
    assert forms("shoot")["ing"] == "shooting" and forms("withdraw")["pp"] == "withdrawn"
    assert {"controlled", "controled"} <= all_forms("control")
    assert forms("retire") == {"base": "retire", "s": "retires", "past": "retired", "pp": "retired", "ing": "retiring"}
    assert [past_of_participle(w) for w in ("taken", "announced", "forgotten", "won", "Taken")] == \
        ["took", "announced", "forgot", "won", "took"]


def test_inflection_table_is_lemminflect_for_every_rule_lemma():
    """glossaries/inflections.json is what scripts/build_inflections.py writes today: every lemma
    the shipped rules inflect, with lemminflect's forms (stale or hand-edited: this fails)."""
    import subprocess
    import sys

    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_inflections.py"), "--check"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_shipped_rules_load_without_importing_lemminflect():
    """The table is what makes loading cheap: the shipped rules never need lemminflect's 0.3 s
    import; a lemma outside the table still gets lemminflect's forms."""
    import subprocess
    import sys

    code = ("import sys; from mtaudit import glossary, phrases; glossary.load(); "
            "print('lemminflect' in sys.modules); phrases.forms('overthrow'); print('lemminflect' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


@pytest.mark.parametrize("content, why", [
    ("{", "unreadable inflection table"),
    ('{"forms": []}', "'forms' must be a mapping"),
    ('{"forms": {"go": {"s": ["goes"]}}}', "'go' needs non-empty lists"),
    ('{"forms": {"go": {"s": [], "past": ["went"], "pp": ["gone"], "ing": ["going"]}}}', "'go' needs non-empty lists"),
])
def test_a_broken_inflection_table_is_a_glossary_error(tmp_path, monkeypatch, content, why):
    from mtaudit import defaults, phrases
    from mtaudit.errors import GlossaryError

    (tmp_path / phrases.INFLECTION_FILE).write_text(content, encoding="utf-8")
    monkeypatch.setattr(defaults, "data_dir", lambda: tmp_path)
    phrases._table.cache_clear()
    try:
        with pytest.raises(GlossaryError, match=why) as e:
            phrases._table()
        assert phrases.INFLECTION_FILE in str(e.value)
    finally:
        phrases._table.cache_clear()
