"""A small client for `mtaudit serve` (standard library only: a CMS plug-in can vendor it).

    from mtaudit.client import audit_remote
    report = audit_remote(text, url="http://127.0.0.1:8000", options={"fail_on": "major"})
    if report["gate"] == "fail": ...
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request


class RemoteError(Exception):
    """The service answered with an error (``status`` and the problem document's ``detail``)."""

    def __init__(self, status: int, detail: str):
        super().__init__(f"{status}: {detail}")
        self.status, self.detail = status, detail


def _post(url: str, path: str, payload: dict, token: str | None, timeout: float):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url.rstrip("/") + path, data=json.dumps(payload).encode("utf-8"), headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", "replace")
        try:
            detail = json.loads(body).get("detail", body)
        except ValueError:
            detail = body
        raise RemoteError(e.code, detail) from None


def audit_remote(text: str, url: str = "http://127.0.0.1:8000", *, format: str = "txt", path: str | None = None,
                 options: dict | None = None, token: str | None = None, timeout: float = 120.0) -> dict:
    """Audit ``text`` on a running service: the report object (findings, score, garble, gate) of
    ``mtaudit audit --format json``. Raises :class:`RemoteError` on a 4xx/5xx answer."""
    payload = {"text": text, "format": format, **({"path": path} if path else {}),
               **({"options": options} if options else {})}
    return json.loads(_post(url, "/v1/audit", payload, token, timeout))["files"][0]


def fix_remote(text: str, url: str = "http://127.0.0.1:8000", *, format: str = "txt", unsafe: bool = False,
               token: str | None = None, timeout: float = 120.0) -> dict:
    """The text with fixes applied, and the diff: ``{text, changed, edits, diff, remaining}``."""
    return json.loads(_post(url, "/v1/fix", {"text": text, "format": format, "options": {"unsafe": unsafe}},
                            token, timeout))
