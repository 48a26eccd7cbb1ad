"""The JSON report (schema ``mtaudit.report/1``) and JSON Lines (one file object per line)."""
from __future__ import annotations

import json

from .. import defaults


def render_json(reports, out) -> None:
    doc = {"schema": defaults.REPORT_SCHEMA, "files": [r.to_dict() for r in reports]}
    json.dump(doc, out, ensure_ascii=False, indent=1)
    out.write("\n")


def render_jsonl(reports, out) -> None:
    for r in reports:
        out.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
        out.flush()
