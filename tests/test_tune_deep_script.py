"""scripts/tune_deep.py: the calibration's bars (synthetic candidates, no model)."""
from __future__ import annotations

import pytest
from conftest import import_script


@pytest.fixture(scope="module")
def td():
    return import_script("tune_deep")


def cand(start, gold, adjusted=30.0, edit="replace"):
    return {"start": start, "end": start + 4, "edit": edit, "adjusted": adjusted, "word_p": 0.9,
            "sentence_garble": 0.95, "sentence": start, "word": f"w{start}", "gold": gold}


def rows(social_false_alarms: int):
    rt = {"kind": "rt", "domain": "news", "words": 1000, "gold": 10,
          "candidates": [cand(10 * i, i) for i in range(10)]}
    news = {"kind": "clean", "domain": "news", "words": 20000, "candidates": []}
    social = {"kind": "clean", "domain": "social", "words": 2000,
              "candidates": [cand(10 * i, -1) for i in range(social_false_alarms)]}
    return [rt, news, social]


def test_a_domain_over_its_own_bar_rejects_the_setting_though_the_mean_is_low(td):
    gains = dict.fromkeys(("delete", "swap", "replace", "confusion"), 10.0)
    ok = td.evaluate(rows(1), 0.5, 0.5, 3, gains)
    assert ok["clean_per_1000_by_domain"] == {"news": 0.0, "social": 0.5} and not td._too_loose(ok)
    bad = td.evaluate(rows(2), 0.5, 0.5, 3, gains)  # 2 in 2,000 social words: 1.0 per 1,000
    assert bad["clean_per_1000"] < td.MAX_CLEAN_PER_1000  # 2 in 22,000 clean words overall
    assert bad["clean_per_1000_by_domain"]["social"] == 1.0 and td._too_loose(bad)


def test_precision_below_the_bar_rejects_the_setting(td):
    gains = dict.fromkeys(("delete", "swap", "replace", "confusion"), 10.0)
    r = rows(0)
    r[0]["candidates"] = [cand(10 * i, i if i < 5 else -1) for i in range(10)]
    m = td.evaluate(r, 0.5, 0.5, 3, gains)
    assert m["precision"] == 0.5 and td._too_loose(m)


def test_fix_accuracy_counts_found_spans_whose_edit_is_the_fix(td):
    gains = dict.fromkeys(("delete", "swap", "replace", "confusion"), 10.0)
    r = rows(0)
    for i, c in enumerate(r[0]["candidates"]):
        c["fix_ok"] = i < 3
    assert td.evaluate(r, 0.5, 0.5, 3, gains)["fix_accuracy"] == 0.3


def test_a_candidate_is_marked_by_the_referees_fix_rule(td, tmp_path):
    (tmp_path / "a.txt").write_text("They refused of accept it.\n", encoding="utf-8")
    (tmp_path / "a.gold.yaml").write_text(
        "id: a\ntext_file: a.txt\nspans:\n- quote: of\n  fixes: [to]\n  category: fluency/grammar\n"
        "  severity: major\n", encoding="utf-8")
    row = {"candidates": [{"start": 13, "end": 15, "replacement": "to", "gold": 0},
                          {"start": 13, "end": 15, "replacement": "the", "gold": 0},
                          {"start": 5, "end": 12, "replacement": "", "gold": -1}]}
    td._mark_fixes(row, tmp_path / "a.gold.yaml")
    assert [c["fix_ok"] for c in row["candidates"]] == [True, False, False]
