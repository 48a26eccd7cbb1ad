"""scripts/roundtrip.py: the round trip's spacing and its alignment labels."""
from __future__ import annotations

import pytest
from conftest import import_script


@pytest.fixture(scope="module")
def rt():
    return import_script("roundtrip")


@pytest.mark.parametrize(("trip", "orig", "want"), [
    ("but  is not for them,  is for you", "but it's not for them, it's for you", "but is not for them, is for you"),
    ("They left them , and  the rest .", "They left them, and the rest.", "They left them, and the rest."),
    ("Hello  world", "Hello  world", "Hello  world"),  # the writer's own double space stays
    ("Really ?", "Really ?", "Really ?"),  # and so does a space before punctuation the writer typed
    ("A plain line.", "A plain line.", "A plain line."),
])
def test_tidy_closes_the_gaps_dropped_words_leave(rt, trip, orig, want):
    assert rt.tidy(trip, orig) == want


def test_tidied_round_trip_labels_only_the_words(rt):
    orig = "If you are that person, then you have to watch this video."
    trip = rt.tidy("If  you are that person , then  have to look this video.", orig)
    spans = rt.align_spans(orig, trip, 0)
    assert [trip[s["start"]:s["end"]] for s in spans] == ["look"]
    assert [s["fix"] for s in spans] == ["watch"]
