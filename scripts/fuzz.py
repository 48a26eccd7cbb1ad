"""The long fuzz profile: tests/test_fuzz.py with 10,000 examples in all (2,500 per property).

    python scripts/fuzz.py [--profile long|ci|dev] [-- PYTEST ARGS]

Prints hypothesis' statistics (examples run per property, how each stopped) and pytest's result;
exits as pytest does. CI runs the ``ci`` profile (about 1,500 examples) in the slow tier.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="long", choices=("long", "ci", "dev"))
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args(argv)
    env = {**os.environ, "HYPOTHESIS_PROFILE": args.profile}
    cmd = [sys.executable, "-m", "pytest", "-q", "-m", "slow", "-p", "no:cacheprovider",
           "--hypothesis-show-statistics", str(ROOT / "tests" / "test_fuzz.py"), *args.pytest_args]
    return subprocess.call(cmd, env=env, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
