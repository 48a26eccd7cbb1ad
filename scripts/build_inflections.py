"""Build ``glossaries/inflections.json``: lemminflect's forms of every lemma the shipped rules use.

    python scripts/build_inflections.py [--check]

Loading lemminflect's tables costs about 0.3 s per process, more than the rest of the rule
files together; the rules name 47 lemmas. The shipped rules read their forms from this file,
and any other lemma (a user's glossary, ``#past()`` of a word at run time) still goes to
lemminflect. The lemmas are those of the loaded rules' patterns and replacements. ``--check``
exits 1 when the file differs from what this script would write (a test runs it).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mtaudit import glossary, phrases  # noqa: E402

OUT = ROOT / "glossaries" / "inflections.json"


def lemmas() -> list[str]:
    """Every lemma the shipped rules inflect as they load (patterns), and every ``<lemma>`` of a
    replacement (inflected when a finding is made), lower-cased."""
    found: set[str] = set()
    seen = phrases._inflections

    def record(lemma):
        found.add(lemma.lower())
        return phrases.lemminflect_forms(lemma)

    phrases._inflections = record
    try:
        g = glossary.load()
    finally:
        phrases._inflections = seen
    for row in g.rules():
        for rep in row.cells.get("replacement", "").split("|"):
            found.update(m.lower() for m in re.findall(r"<([a-z]+)>", rep))
    return sorted(found)


def table() -> dict:
    forms = {w: {k: list(v) for k, v in phrases.lemminflect_forms(w).items()} for w in lemmas()}
    return {"generated_by": "scripts/build_inflections.py",
            "source": f"lemminflect {version('lemminflect')}",
            "forms": forms}


def render(data: dict) -> str:
    """JSON with one lemma per line, so a review reads the diff of a rebuild line by line."""
    head = {k: v for k, v in data.items() if k != "forms"}
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in data["forms"].items()]
    body = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    return body + ',\n "forms": {\n' + ",\n".join(lines) + "\n }\n}\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = ap.parse_args(argv)
    text = render(table())
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python scripts/build_inflections.py", file=sys.stderr)
            return 1
        print(f"{OUT.relative_to(ROOT)} is up to date ({len(json.loads(text)['forms'])} lemmas)")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(json.loads(text)['forms'])} lemmas)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
