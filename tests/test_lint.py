"""The code keeps its shape: ruff's rule set (complexity 15 at most) on src/, and the layer
contract (import-linter: app -> reporters -> engine -> data -> core, never upwards)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

BIN = Path(sys.executable).parent


def _tool(name):
    exe = BIN / name
    if exe.exists():
        return str(exe)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_ruff_is_clean_on_src():
    r = subprocess.run([_tool("ruff"), "check", "src"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_layer_contract_holds():
    r = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    assert "1 kept, 0 broken" in r.stdout
