"""Regenerate docs/rules/ (one page per rule code, and an index) from the detectors' docstrings
and the shipped rule files.

    python scripts/rule_docs.py [--check]

``--check`` writes nothing and exits 1 when a page differs from what would be generated.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    from mtaudit.detectors import all_rules
    from mtaudit.glossary import load
    from mtaudit.ruledocs import pages

    out = ROOT / "docs" / "rules"
    stale = []
    for name, text in pages(all_rules(), load()).items():
        p = out / name
        if args.check:
            if not p.is_file() or p.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            p.write_text(text, encoding="utf-8")
    if stale:
        print(f"docs/rules is out of date ({', '.join(stale)}): run python scripts/rule_docs.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
