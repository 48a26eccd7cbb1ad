"""The article garble score and gate: the card, the features, the verdict, the overrides."""
from __future__ import annotations

import json
import math
import re

import pytest
from conftest import ROOT, import_script, run_cli

from mtaudit.garble import FEATURES, GarbleModel, features_of, load_model

SAMPLE = ROOT / "samples" / "kursk-withdrawal.txt"


def card(**over):
    d = {"features": list(FEATURES), "mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES),
         "coef": [0.0] * len(FEATURES), "intercept": 0.0, "threshold": 0.7, "manifest_sha256": "ab" * 32}
    d.update(over)
    return d


@pytest.mark.parametrize("bad", [{"features": ["nope"] + list(FEATURES[1:])}, {"coef": [1.0]},
                                 {"threshold": 1.5}, {"threshold": 0}, {"formal_threshold": 1.0},
                                 {"formal": {"person_rate": 0.02}}, {"formal": {"words": 100, "nope": 1}},
                                 {"formal": [0.02]}])
def test_a_bad_card_is_refused(bad):
    with pytest.raises(ValueError):
        GarbleModel.from_dict(card(**bad))


def test_probability_follows_the_weights():
    coef = [0.0] * len(FEATURES)
    coef[FEATURES.index("excess_mean")] = 2.0
    m = GarbleModel.from_dict(card(coef=coef))
    base = dict.fromkeys(FEATURES, 0.0)
    assert m.probability(base) == pytest.approx(0.5)
    assert m.probability({**base, "excess_mean": 1.0}) == pytest.approx(1 / (1 + math.exp(-2)))
    assert m.probability({**base, "excess_mean": 1e9}) <= 1.0  # no overflow
    assert re.fullmatch(r"garble:abababab\.[0-9a-f]{6}@0\.7.*", m.signature)


def test_the_signature_tells_two_heads_of_one_manifest_apart():
    """Same manifest, other weights (a rebuilt round trip): the signature differs; same weights:
    the same signature, whatever else the card records."""
    a = GarbleModel.from_dict(card())
    coef = [0.5] * len(FEATURES)
    b = GarbleModel.from_dict(card(coef=coef))
    assert a.signature != b.signature and a.signature[:15] == b.signature[:15]
    c = GarbleModel.from_dict({**card(), "training": {"note": "other figures"}})
    assert a.signature == c.signature


def test_features_of_summarises_word_excess():
    # [excess bits, zipf] per word; zipf >= 4.5 makes a word common
    words = [[[1.0, 6.0], [7.0, 2.0]], [[3.0, 5.0], [-1.0, 3.0], [10.0, 4.6]]]
    f = features_of(words, bits=40.0, n_tokens=10)
    assert f["bits_per_token"] == 4.0
    assert f["excess_mean"] == pytest.approx(4.0)
    assert f["high_excess_rate"] == pytest.approx(2 / 5)
    assert f["excess_p90"] == 10.0
    assert f["log_words"] == pytest.approx(math.log1p(5))
    assert f["common_excess_mean"] == pytest.approx((1.0 + 3.0 + 10.0) / 3)
    assert f["common_high_rate"] == pytest.approx(2 / 3)
    assert features_of([], 0.0, 0)["excess_mean"] == 0.0


def test_the_shipped_card_loads_and_records_its_training():
    m = load_model()
    if m is None:
        pytest.skip("no garble.json trained yet")
    assert 0.5 <= m.threshold < 1 and set(m.features) <= set(FEATURES)
    manifest = ROOT / "samples" / "roundtrip" / "manifest.json"
    import hashlib

    assert m.manifest_sha256 == hashlib.sha256(manifest.read_bytes()).hexdigest()
    assert m.card["training"]["script"] == "scripts/train_garble.py"


class _R:
    def __init__(self, garble, findings=(), error=None, ignored=False):
        self.garble, self.findings, self.error, self.garble_ignored = garble, list(findings), error, ignored
        self.garble_formal = None  # as a Report without the register read


def test_gate_verdicts():
    from mtaudit.runner import gate

    assert gate(_R(0.95), rank=99, garble_threshold=0.9) == "fail"
    assert gate(_R(0.85), rank=99, garble_threshold=0.9) == "pass"
    assert gate(_R(0.95, ignored=True), rank=99, garble_threshold=0.9) == "pass"
    assert gate(_R(None), rank=99, garble_threshold=0.9) == "pass"  # rules only: findings alone
    assert gate(_R(0.95), rank=99, garble_threshold=None) == "pass"  # --fail-on-garble never


FORMAL = {"person_rate": 0.02, "web_mark_rate": 0.0, "lower_start_rate": 0.0, "words": 100}


def test_formal_register_reads_the_cards_bars():
    m = GarbleModel.from_dict(card(formal=FORMAL, formal_threshold=0.5, threshold=0.9))
    prose = {"person_rate": 0.01, "web_mark_rate": 0.0, "lower_start_rate": 0.0}
    assert m.is_formal(prose, 300)
    assert not m.is_formal(prose, 99)  # too short to read the register from
    assert not m.is_formal({**prose, "person_rate": 0.03}, 300)
    assert not m.is_formal({**prose, "web_mark_rate": 0.01}, 300)
    assert not m.is_formal({**prose, "lower_start_rate": 0.2}, 300)
    assert m.default_threshold.at(True) == 0.5 and m.default_threshold.at(False) == 0.9
    assert m.signature.endswith("@0.9/0.5")
    plain = GarbleModel.from_dict(card(threshold=0.9))  # a card without the register: one bar
    assert not plain.is_formal(prose, 300) and plain.default_threshold.at(True) == 0.9
    assert plain.signature.endswith("@0.9")


class _RF(_R):
    def __init__(self, garble, formal):
        super().__init__(garble)
        self.garble_formal = formal


def test_the_default_gate_reads_the_articles_register():
    from mtaudit.garble import RegisterThreshold
    from mtaudit.runner import gate

    t = RegisterThreshold(formal=0.5, other=0.9)
    formal, chatty = _RF(0.7, True), _RF(0.7, False)
    assert gate(formal, rank=99, garble_threshold=t) == "fail" and formal.garble_threshold == 0.5
    assert gate(chatty, rank=99, garble_threshold=t) == "pass" and chatty.garble_threshold == 0.9
    assert gate(_RF(0.7, None), rank=99, garble_threshold=t) == "pass"  # no model: not formal


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan", "often", "0"])
def test_bad_fail_on_garble_is_a_usage_error(tmp_path, value):
    r = run_cli("audit", SAMPLE, "--no-lm", "--fail-on-garble", value)
    assert r.returncode == 2 and "--fail-on-garble" in r.stderr


@pytest.mark.parametrize("body", ['fail-on-garble = 2', 'fail-on-garble = "sometimes"', "fail-on-garble = true"])
def test_bad_fail_on_garble_in_config(tmp_path, body):
    (tmp_path / "mtaudit.toml").write_text(body + "\n", encoding="utf-8")
    art = tmp_path / "a.txt"
    art.write_text("Officials in Kiev said talks would resume.\n", encoding="utf-8")
    r = run_cli("audit", art, "--no-lm")
    assert r.returncode == 2 and "fail-on-garble" in r.stderr


def test_without_the_model_garble_is_null_and_the_gate_uses_findings(tmp_path):
    r = run_cli("audit", SAMPLE, "--no-lm", "--format", "json", "--fail-on", "never")
    f = json.loads(r.stdout)["files"][0]
    assert f["garble"] is None and f["gate"] == "pass" and r.returncode == 0
    r = run_cli("audit", SAMPLE, "--no-lm", "--format", "jsonl")
    assert json.loads(r.stdout)["gate"] == "fail" and r.returncode == 1


def test_ignore_garble_directive_is_parsed():
    from mtaudit.inputs import parse_suppressions

    assert parse_suppressions("<!-- mtaudit: ignore-garble -->\nText.\n").ignore_garble
    assert not parse_suppressions("<!-- mtaudit: ignore NAM001 -->\nText.\n").ignore_garble


@pytest.mark.lm
def test_the_gate_fails_on_garble_alone_and_can_be_turned_off(tmp_path):
    """With the model on, an article whose garble score reaches --fail-on-garble fails the gate
    (and the run exits 1) although no finding reaches --fail-on; 'never' and the inline directive
    turn that off. The threshold here sits just under the sample's own score."""
    if load_model() is None:
        pytest.skip("no garble.json trained yet")
    r = run_cli("audit", SAMPLE, "--format", "json", "--fail-on", "never", "--fail-on-garble", "never")
    f = json.loads(r.stdout)["files"][0]
    assert r.returncode == 0 and f["gate"] == "pass" and 0 < f["garble"] < 1
    assert f["register"] == "formal"  # a news article of 816 words, third person throughout
    assert all(0 <= s["garble"] <= 1 for s in f["sentences"])
    just_under = f"{max(1e-4, f['garble'] * 0.99):.6f}"
    r = run_cli("audit", SAMPLE, "--format", "json", "--fail-on", "never", "--fail-on-garble", just_under)
    assert r.returncode == 1 and json.loads(r.stdout)["files"][0]["gate"] == "fail"
    md = tmp_path / "a.md"
    md.write_text("<!-- mtaudit: ignore-garble -->\n\n" + SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    r = run_cli("audit", md, "--format", "json", "--fail-on", "never", "--fail-on-garble", just_under)
    f = json.loads(r.stdout)["files"][0]
    assert f["garble_ignored"] and f["gate"] == "pass" and r.returncode == 0


def test_style_features_read_informal_writing():
    """Person, web marks and lower-case sentence starts, per word / per sentence; a contraction
    counts by its pronoun, a hashtag mid-word does not count."""
    from mtaudit.garble import style_features

    chat = "I'm done!! see you at 5 #match @ana … we've won"
    spans = [(0, 10), (11, len(chat))]
    f = style_features(chat, spans)
    words = ["i'm", "done", "see", "you", "at", "match", "ana", "we've", "won"]
    assert f["person_rate"] == pytest.approx(3 / len(words))
    assert f["web_mark_rate"] == pytest.approx(4 / len(words))  # !!, #match, @ana, the ellipsis
    assert f["lower_start_rate"] == pytest.approx(1 / 2)
    news = "The minister said the talks would resume. Prices rose by 3% in May (page#2)."
    g = style_features(news, [(0, 41), (42, len(news))])
    assert g == {"person_rate": 0.0, "web_mark_rate": 0.0, "lower_start_rate": 0.0}
    assert style_features("", [])["lower_start_rate"] == 0.0


def test_finding_rate_counts_rule_findings_in_the_span_per_100_words(auditor):
    """The rules that need the model are left out by their metadata (``requires``), as the
    auditor hands the garble features what a rules-only run finds."""
    from mtaudit.garble import finding_rate

    class F:
        def __init__(self, code, start):
            self.code, self.start = code, start

    found = auditor.rules_only([F("CLQ001", 5), F("NAM001", 50), F("LMF001", 6), F("ORD003", 7), F("BPL001", 120)])
    assert finding_rate(found, 0, 100, 50) == pytest.approx(math.log1p(100 * 2 / 50))
    assert finding_rate(found, 100, 200, 10) == pytest.approx(math.log1p(10))
    assert finding_rate([], 0, 10, 0) == 0.0
    f = features_of([], 0.0, 0, {"finding_rate": 1.5})
    assert f["finding_rate"] == 1.5 and f["person_rate"] == 0.0


def test_news_threshold_from_the_card_or_the_general_one():
    from mtaudit.runner import garble_threshold_of

    d = {"features": list(FEATURES), "mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES),
         "coef": [0.0] * len(FEATURES), "intercept": 0.0, "threshold": 0.97, "manifest_sha256": "ab" * 32}
    with_news = GarbleModel.from_dict({**d, "news_threshold": 0.6})
    assert garble_threshold_of("news", None, lambda: with_news) == 0.6
    assert garble_threshold_of(None, "news", lambda: with_news) == 0.6
    assert garble_threshold_of("model", "news", lambda: with_news).at(False) == 0.97
    assert garble_threshold_of("news", None, lambda: GarbleModel.from_dict(d)) == 0.97
    assert garble_threshold_of("news", None, None) is None
    with pytest.raises(ValueError, match="news_threshold"):
        GarbleModel.from_dict({**d, "news_threshold": 1.5})


@pytest.mark.parametrize("flag, body", [("news", None), (None, 'fail-on-garble = "news"')])
def test_news_is_a_fail_on_garble_value(tmp_path, flag, body):
    """Accepted by the flag and the config (under --no-lm the gate then uses findings alone)."""
    art = tmp_path / "a.txt"
    art.write_text("Officials in Kiev said talks would resume.\n", encoding="utf-8")
    if body:
        (tmp_path / "mtaudit.toml").write_text(body + "\n", encoding="utf-8")
    args = ["audit", art, "--no-lm", "--format", "json", "--fail-on", "never"] + (["--fail-on-garble", flag] if flag else [])
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["files"][0]["gate"] == "pass"


def _train_script():
    return import_script("train_garble")


def test_a_threshold_is_rounded_up_past_the_probability_it_passes():
    tg = _train_script()
    probs = [0.83768, 0.2]
    t = tg._smallest_threshold(probs, lambda t: tg._fails(probs, t) == 0)
    assert t == 0.8377 and 0.83768 < t
    probs = [0.83764]  # rounded to the nearest, 0.8376: the probability would still fail
    t = tg._smallest_threshold(probs, lambda t: tg._fails(probs, t) == 0)
    assert probs[0] < t == 0.8377
    assert tg._smallest_threshold([0.3], lambda t: True) == 0.5


def test_the_general_threshold_lets_one_outlier_of_many_long_documents_fail():
    """<= 5% of a domain's long documents and <= 1% of all long documents: one chatty post among
    100+ long clean documents may fail, two may not; news stays at <= 1%."""
    tg = _train_script()
    clean = [(0.1, "news", 300)] * 100 + [(0.2, "social", 150)] * 20
    one = clean + [(0.99, "social", 150)]
    assert tg.choose_threshold(one) == 0.5
    two = one + [(0.95, "social", 150)]
    assert tg.choose_threshold(two) == 0.9501  # the second outlier sets the bar, the first fails
    news = clean + [(0.9, "news", 300)] * 2  # 2 of 102 news articles: more than 1%
    assert tg.choose_threshold(news) == 0.9001
