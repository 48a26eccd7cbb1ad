import pytest

from mtaudit.fixes import apply_fixes
from mtaudit.model import Applicability, Category, Severity, make_finding

TEXT = "the the forces of Kiev retired from Southzha."


def f(start, end, rep, app=Applicability.SAFE, code="X001"):
    return make_finding(TEXT, code=code, name="x", category=Category.NAME, severity=Severity.MINOR,
                        message="m", start=start, end=end, replacements=[rep], applicability=app)


def test_safe_only_by_default_and_text_outside_spans_unchanged():
    k = TEXT.index("Kiev")
    s = TEXT.index("Southzha")
    r = TEXT.index("retired from")
    fs = [f(k, k + 4, "Kyiv"), f(s, s + 8, "Sudzha"), f(r, r + 12, "withdrew from", Applicability.UNSAFE)]
    out, applied = apply_fixes(TEXT, fs)
    assert out == "the the forces of Kyiv retired from Sudzha."
    assert len(applied) == 2
    out2, _ = apply_fixes(TEXT, fs, unsafe=True)
    assert out2 == "the the forces of Kyiv withdrew from Sudzha."


def test_display_only_never_applied():
    k = TEXT.index("Kiev")
    out, applied = apply_fixes(TEXT, [f(k, k + 4, "Kyiv", Applicability.DISPLAY_ONLY)], unsafe=True)
    assert out == TEXT and applied == []


def test_overlaps_resolved_deterministically():
    a = f(0, 7, "the", code="REP001")  # "the the"
    b = f(4, 14, "THE FORCES", code="Z001")  # overlaps a
    c = f(0, 3, "The", code="A001")  # same start, shorter: loses to the longer span
    for order in ([a, b, c], [c, b, a], [b, a, c]):
        out, applied = apply_fixes(TEXT, order)
        assert out == "the forces of Kiev retired from Southzha."
        assert [x.replacement for x in applied] == ["the"]


def test_deletion():
    out, _ = apply_fixes(TEXT, [f(0, 4, "")])
    assert out == "the forces of Kiev retired from Southzha."


def test_pattern_numbers_come_out_in_english_notation(auditor):
    """A pattern rewrite that carries a number converts its notation too (#num)."""
    text = "The festival cost 5,2 millions of euros and 11.000 persons came."
    r = auditor.audit_text(text)
    found = [f for f in r.findings if f.code == "CLQ002"]
    assert [text[slice(*f.matched)] if f.matched else f.text for f in found] == ["5,2 millions of euros", "11.000 persons"]
    # each finding spans what its fix changes, numbers whole: "5,2 millions of" -> "5.2 million"
    assert [(f.text, f.fixes[0].replacement) for f in found] == [("5,2 millions of", "5.2 million"),
                                                                ("11.000 persons", "11,000 people")]
    assert apply_fixes(text, found, unsafe=True)[0] == "The festival cost 5.2 million euros and 11,000 people came."


@pytest.mark.parametrize("orig, rep, part", [
    ("one from the most", "one of the most", ("from", "of")),
    ("at at", "at", (" at", "")),
    ("The the", "The", (" the", "")),
    ("the Saturday", "Saturday", ("the ", "")),
    ("said, ", "said ", (",", "")),
    ("ceased the fire", "ceasefire", ("ceased the fire", "ceasefire")),  # nothing shared word by word
    ("Trump president", "President Trump", ("Trump president", "President Trump")),
    ("of 34 years", "34", ("of 34 years", "34")),
    ("5,2 millions", "5.2 million", ("5,2 millions", "5.2 million")),  # a number is never cut
    ("in the next weeks", "in the coming weeks", ("next", "coming")),
    ("go to there", "go there", ("to ", "")),
])
def test_narrowest_edit_cuts_between_words_and_gives_the_same_text(orig, rep, part):
    from mtaudit.fixes import narrowest_edit

    a, b, (r,) = narrowest_edit(orig, [rep])
    assert (orig[a:b], r) == part
    assert orig[:a] + r + orig[b:] == rep


def test_narrowest_edit_keeps_what_every_replacement_shares():
    from mtaudit.fixes import narrowest_edit

    orig, reps = "one from the most", ["one of the most", "one among the most"]
    a, b, parts = narrowest_edit(orig, reps)
    assert orig[a:b] == "from" and parts == ["of", "among"]
    assert narrowest_edit("a b", []) == (0, 3, [])


def _calque_rewrites(tmp_path, rows: list[str], cases: dict[str, str]) -> None:
    """Audit each case text with only the given calques.tsv rows; its CLQ001 finding's top
    suggestion, read over the whole phrase the rule matched, must be the wanted rewrite."""
    from mtaudit.api import Auditor

    g = tmp_path / "calques.tsv"
    g.write_text("pattern\treplacement\tcategory\tseverity\tcontext\tnote\n"
                 + "".join(r + "\t\t\t\t\n" for r in rows), encoding="utf-8")
    a = Auditor(lm="off", builtin_glossaries=False, glossaries=[g])
    for text, want in cases.items():
        r = a.audit_text(text)
        assert [_over_match(text, f) for f in r.findings if f.code == "CLQ001"] == [want], text


def _over_match(text: str, f) -> str:
    """The top suggestion as a rewrite of the whole phrase matched (a finding may span less)."""
    a, b = f.matched or (f.start, f.end)
    return text[a:f.start] + f.suggestions[0] + text[f.end:b]


def test_verb_forms_follow_the_matched_form(tmp_path):
    """A lemma in a phrase-rule replacement takes the form the text used: a form that is
    both base and participle (become, come) is the base form unless an auxiliary precedes it."""
    _calque_rewrites(tmp_path, ["<become> their diplomas\t<get> their diplomas", "<hope> to open|sell\t<plan> to {A0}"], {
        "Most nurses become their diplomas at 22.": "get their diplomas",
        "Last year the nurses became their diplomas.": "got their diplomas",
        "The nurses have become their diplomas.": "gotten their diplomas",
        "She hopes to sell the flat.": "plans to sell",
        "They hoped to open a branch.": "planned to open",
    })


def test_a_choice_keeps_its_case_inside_the_match(tmp_path):
    """{An} inserts a capitalised choice inside the match as written (from entire Germany ->
    from all over Germany, not germany) and the match's first word lowercased, capitalised
    again only at a sentence start."""
    _calque_rewrites(tmp_path, ["from entire Germany|Austria\tfrom all over {A0}", "its|his homologue\t{A0} counterpart"], {
        "Fans from entire Austria came.": "from all over Austria",
        "Its homologue in Rome agreed.": "Its counterpart",
        "He met his homologue in Rome.": "his counterpart",
    })


def test_english_number_notation():
    from mtaudit.phrases import HELPERS, english_number

    assert [english_number(n) for n in ["5,2", "11.000", "5 000 000", "1'250", "2\u202f400", "3.5", "12"]] == \
        ["5.2", "11,000", "5,000,000", "1,250", "2,400", "3.5", "12"]
    assert [HELPERS["month"](m) for m in ["1", "09", "12", "13"]] == ["January", "September", "December", "13"]
    # zh units English has no word for: 万 (ten thousand) and 亿 (a hundred million)
    assert [HELPERS["wan"](n) for n in ["4.5", "105.6", "12", "3,5"]] == ["45,000", "1,056,000", "120,000", "35,000"]
    assert [HELPERS["yi"](n) for n in ["3.2", "12", "0.5"]] == ["320 million", "1.2 billion", "50 million"]


def test_untranslated_word_inside_a_rewrite_is_not_reported_twice(auditor):
    """A source word inside a calque or pattern finding belongs to that finding, which carries
    the fix: '6 milliards' is one CLQ002 finding, not also UNK002's 'milliards'."""
    r = auditor.audit_text("The port cost 6 milliards of euros, his homologue said.")
    text = r.text
    assert [(f.code, text[slice(*(f.matched or (f.start, f.end)))]) for f in r.findings] == \
        [("CLQ002", "6 milliards of"), ("CLQ001", "his homologue")]
    assert [f.text for f in r.findings] == ["milliards of", "homologue"]  # what each fix changes


def test_with_options_shares_the_loaded_state_and_leaves_the_auditor_alone(auditor):
    """The service's per-request auditor: another selection, same glossaries and rules."""
    from mtaudit.config import with_selection

    text = "Ukraine agreed to support a ceased the fire.\n\nLeave a Reply\n"
    before = {f.code for f in auditor.audit_text(text).findings}
    assert {"CLQ001", "BPL001"} <= before
    view = auditor.with_options(config=with_selection(auditor.config, ("CLQ",), ()), lm=False)
    assert view.glossary is auditor.glossary and view.rules is auditor.rules and view.lm is None
    assert {f.code for f in view.audit_text(text).findings} == {"CLQ001"}
    assert {f.code for f in auditor.audit_text(text).findings} == before
