"""Property-based tests (hypothesis): any text, in any input format, audits without an exception,
with valid offsets, deterministically, and ``fix`` reaches a fixed point.

Slow tier. Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (about 1,500 examples in all, the default in
``.ci/run``), ``long`` (10,000 in all: ``python scripts/fuzz.py``), ``dev`` (a quick look).
"""
from __future__ import annotations

import os

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow

# examples per test, per profile: 4 tests share the total
_PER_TEST = {"dev": 50, "ci": 375, "long": 2500}
for _name, _n in _PER_TEST.items():
    settings.register_profile(_name, max_examples=_n, deadline=None, derandomize=_name == "ci",
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SAMPLES = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples").glob("*.txt"))
           if not p.name.endswith(".ref.txt")]
WORDS = sorted({w for s in SAMPLES for w in s.split()})[:4000]

MD_BITS = ["# ", "## ", "\n\n", "\n", "```\n", "`", "[", "](http://x.y/", ")", "<!-- mtaudit: off -->",
           "<!-- mtaudit: on -->", "<!-- mtaudit: ignore NAM001 -->", "<!-- mtaudit: ignore -->", "---\n",
           "> ", "* ", "1. ", "**", "_", "<br>", "&amp;", "|", "\t", "\r\n", "\u00a0", "\u200b"]
HTML_BITS = ["<p>", "</p>", "<script>", "</script>", "<style>", "</style>", "<!--", "-->", "<a href='x'>",
             "</a>", "&nbsp;", "&#x4E2D;", "&", "<", ">", "<br/>", "<div class=\"a\">", "</div>",
             "<!-- mtaudit: ignore CLQ001 -->", "<title>", "</title>", "<![CDATA[", "]]>"]


@st.composite
def mutated_sample(draw):
    text = draw(st.sampled_from(SAMPLES))
    for _ in range(draw(st.integers(0, 8))):
        i = draw(st.integers(0, len(text)))
        j = min(len(text), i + draw(st.integers(0, 40)))
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "word", "case"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.text(max_size=20)) + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif op == "word":
            text = text[:i] + " " + draw(st.sampled_from(WORDS)) + " " + text[i:]
        else:
            text = text[:i] + text[i:j].swapcase() + text[j:]
    return text


def pieces(bits):
    return st.lists(st.one_of(st.sampled_from(bits), st.sampled_from(WORDS), st.text(max_size=12)),
                    max_size=60).map(lambda xs: " ".join(xs) if len(xs) % 2 else "".join(xs))


TEXTS = st.one_of(st.text(max_size=400), mutated_sample(), pieces(MD_BITS), pieces(HTML_BITS))
FORMATS = st.sampled_from(["txt", "md", "html"])


def _check_report(text, report):
    assert report.error is None or "malformed suppression" in report.error
    for f in report.findings:
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start:f.end] == f.text
        for fx in f.fixes:
            assert (fx.start, fx.end) == (f.start, f.end)


@given(text=TEXTS, fmt=FORMATS)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_text_audits_with_valid_offsets(auditor, text, fmt):
    report = auditor.audit_text(text, None, fmt)
    _check_report(text, report)


@given(text=TEXTS, fmt=FORMATS)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_audit_is_deterministic(auditor, text, fmt):
    a = auditor.audit_text(text, None, fmt).to_dict()
    b = auditor.audit_text(text, None, fmt).to_dict()
    assert a == b


@given(text=TEXTS, fmt=FORMATS, unsafe=st.booleans())
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_fix_is_idempotent(auditor, text, fmt, unsafe):
    from mtaudit.runner import fix_text

    fixed, _, _ = fix_text(auditor, text, None, unsafe, fmt)
    again, applied, _ = fix_text(auditor, fixed, None, unsafe, fmt)
    assert again == fixed and applied == 0


@given(text=TEXTS)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_renderers_accept_any_report(auditor, text):
    import io
    import json

    from mtaudit.reporters import render

    report = auditor.audit_text(text, "f ü#?.md", "md")
    for fmt in ("json", "sarif", "github", "html", "text"):
        out = io.StringIO()
        render(fmt, [report], out, color=False)
        if fmt in ("json", "sarif"):
            json.loads(out.getvalue())
