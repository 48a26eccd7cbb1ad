"""Every shipped data rule (calques, patterns, word order, page chrome) carries an example that
must fire, at the marked span, by that rule, and a near miss that must not (Vale and
LanguageTool's rules-as-data with examples that are tests). A rule without a firing example
fails here."""
from __future__ import annotations

import pytest

from mtaudit import glossary

SHIPPED = glossary.load()
RULES = list(SHIPPED.rules())


def _ids(rows):
    return [r.selector for r in rows]


def _id(row):
    return row.selector


def test_every_shipped_rule_has_an_example_and_a_near_miss():
    missing = [r.selector for r in RULES if not r.examples]
    assert not missing, f"rules without an example: {missing}"
    no_near_miss = [r.selector for r in RULES if not all(ex.correct for ex in r.examples)]
    assert not no_near_miss, f"examples without a correct near miss: {no_near_miss}"


def test_rule_ids_are_unique_and_stable_in_form():
    sels = _ids(RULES)
    assert len(sels) == len(set(sels))
    assert all(glossary.RULE_ID.fullmatch(r.id) for r in RULES)
    assert all(r.pivot == r.path.rsplit("/", 1)[-1].removesuffix(".yaml") for r in RULES)


def _check(auditor, row):
    from mtaudit.ruletests import check_row

    failures = check_row(auditor, row)
    assert not failures, "\n".join(map(str, failures))


@pytest.mark.parametrize("row", [r for r in RULES if r.kind != "order"], ids=_id)
def test_example_fires_and_near_miss_does_not(auditor, row):
    _check(auditor, row)


@pytest.mark.lm
@pytest.mark.parametrize("row", [r for r in RULES if r.kind == "order"], ids=_id)
def test_word_order_example_is_confirmed_by_the_model(lm_auditor, row):
    _check(lm_auditor, row)


def test_an_example_that_does_not_fire_fails(auditor, tmp_path):
    """The check can fail: a rule whose example marks a span it does not flag."""
    p = tmp_path / "x.yaml"
    p.write_text("kind: calques\npivot: it\nrules:\n- id: it-test\n  pattern: 'ceased the fire'\n"
                 "  replacement: ceasefire\n  examples:\n  - incorrect: 'They <marker>stopped</marker> the fire.'\n"
                 "    correct: 'They agreed a ceasefire.'\n", encoding="utf-8")
    row = glossary.load_file(p).calques[0]
    from mtaudit.api import Auditor

    with pytest.raises(AssertionError, match="it-test: does not flag 'stopped'"):
        _check(Auditor(lm="off", glossaries=[p]), row)
