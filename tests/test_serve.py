"""`mtaudit serve`: the real server on a free loopback port (no mock transport), each endpoint,
each error code, auth on and off, and the CLI's findings through /v1/audit."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow  # servers in subprocesses: the second tier

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("prometheus_client")

SAMPLE = (ROOT / "samples" / "kursk-withdrawal.txt").read_text(encoding="utf-8-sig")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, *args, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # the log goes to a file: a pipe nobody reads fills after a few hundred requests and then
        # blocks the server's writes (as it would block any service whose log is not drained)
        import tempfile

        self.log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "mtaudit.cli", "serve", "--port", str(self.port), *args],
                                     stdout=subprocess.DEVNULL, stderr=self.log, text=True,
                                     env={**os.environ, **(env or {})})

    def wait_ready(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise AssertionError(f"server exited: {self.log.read()}")
            with contextlib.suppress(OSError):
                if request(self.url + "/readyz")[0] == 200:
                    return self
            time.sleep(0.2)
        raise AssertionError("server not ready")

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.seek(0)
        return self.proc.returncode, self.log.read()


def request(url, body=None, ctype="application/json", token=None, method=None, timeout=60):
    headers = {"Content-Type": ctype} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes) or body is None else (
        json.dumps(body).encode() if ctype == "application/json" else body.encode())
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="module")
def server():
    s = Server("--no-lm", "--max-body", "200000").wait_ready()
    yield s
    s.stop()


def cli_findings(path, *args):
    from conftest import run_cli

    r = run_cli("audit", path, "--no-lm", "--format", "json", *args)
    return json.loads(r.stdout)["files"][0]


KEYS = ("code", "rule", "start", "end", "severity", "suggestions")


def _key(f):
    return tuple(json.dumps(f.get(k)) for k in KEYS)


@pytest.mark.parametrize("name", ["kursk-withdrawal.txt"] + sorted(
    p.name for p in (ROOT / "samples").glob("*.txt") if not p.name.endswith(".ref.txt") and p.name != "kursk-withdrawal.txt")[:10])
def test_audit_returns_exactly_the_cli_findings_and_gate(server, name):
    path = ROOT / "samples" / name
    text = path.read_text(encoding="utf-8-sig")
    status, headers, body = request(server.url + "/v1/audit", {"text": text, "path": name})
    assert status == 200 and headers["content-type"].startswith("application/json")
    doc = json.loads(body)
    assert doc["schema"] == "mtaudit.report/1"
    got, want = doc["files"][0], cli_findings(path)
    assert [_key(f) for f in got["findings"]] == [_key(f) for f in want["findings"]]
    assert got["gate"] == want["gate"] and got["score"]["mqm"] == want["score"]["mqm"]


def test_text_bodies_and_query_options(server):
    s, _, b = request(server.url + "/v1/audit?fail_on=never&select=NAM", SAMPLE, ctype="text/plain")
    f = json.loads(b)["files"][0]
    assert s == 200 and f["gate"] == "pass" and f["findings"] and all(x["code"].startswith("NAM") for x in f["findings"])
    s, _, b = request(server.url + "/v1/audit?fail_on=never&select=NAM&extend_select=BPL", SAMPLE, ctype="text/plain")
    codes = {x["code"][:3] for x in json.loads(b)["files"][0]["findings"]}
    assert s == 200 and codes <= {"NAM", "BPL"} and "NAM" in codes
    s, _, b = request(server.url + "/v1/audit?extend_select=nope", SAMPLE, ctype="text/plain")
    assert s == 422 and "extend-select: unknown rule selector 'NOPE'" in json.loads(b)["detail"]
    s, _, b = request(server.url + "/v1/audit", "<p>Leave a Reply</p><p>The talks went on.</p>", ctype="text/html")
    assert s == 200 and [x["code"] for x in json.loads(b)["files"][0]["findings"]] == ["BPL001"]


def test_fix_and_batch(server):
    s, _, b = request(server.url + "/v1/fix", {"text": "Troops left Southzha on Monday.\n"})
    d = json.loads(b)
    assert s == 200 and d["text"] == "Troops left Sudzha on Monday.\n" and d["changed"] and "+Troops left Sudzha" in d["diff"]
    docs = [{"text": "Troops left Southzha.", "path": "a"}, {"text": "A quiet day.", "path": "b"}]
    s, h, b = request(server.url + "/v1/audit/batch", {"documents": docs})
    lines = [json.loads(x) for x in b.decode().splitlines()]
    assert s == 200 and h["content-type"].startswith("application/x-ndjson")
    assert [x["path"] for x in lines] == ["a", "b"] and lines[0]["findings"] and not lines[1]["findings"]


@pytest.mark.parametrize("body, ctype, status, detail", [
    (b"{not json", "application/json", 422, "Malformed JSON"),
    ({"text": 5}, "application/json", 422, "'text' must be a string"),
    ({"text": "   "}, "application/json", 422, "'text' is empty"),
    ({"text": "x", "format": "pdf"}, "application/json", 422, "'format' must be one of"),
    ({"text": "x", "options": {"fail_on": "sometimes"}}, "application/json", 422, "options.fail_on"),
    ({"text": "x", "options": {"select": ["NOPE"]}}, "application/json", 422, "unknown rule selector"),
    ({"text": "x", "options": {"lm": "on"}}, "application/json", 422, "without the language model"),
    ({"text": "x", "options": {"deep": "yes"}}, "application/json", 422, "options.deep must be true or false"),
    ({"text": "x", "options": {"deep": True}}, "application/json", 422, "deep: needs the language model"),
    ({"text": "x", "options": {"colour": 1}}, "application/json", 422, "unknown option 'colour'"),
    ({"text": "x", "extra": 1}, "application/json", 422, "unknown field 'extra'"),
    ([1, 2], "application/json", 422, "JSON object"),
    (b"\xff\xfe bad", "text/plain", 422, "not UTF-8"),
    (b"x", "application/pdf", 415, "application/pdf"),
    (b"a" * 200_001, "text/plain", 413, "over 200,000 bytes"),
])
def test_bad_requests_get_problem_documents(server, body, ctype, status, detail):
    s, h, b = request(server.url + "/v1/audit", body, ctype=ctype)
    assert s == status, b
    assert h["content-type"].startswith("application/problem+json")
    doc = json.loads(b)
    assert doc["status"] == status and detail in doc["detail"] + doc["title"], doc
    assert "Traceback" not in b.decode()


def test_batch_limits(server):
    s, _, b = request(server.url + "/v1/audit/batch", {"documents": [{"text": "x"}] * 51})
    assert s == 422 and "at most 50" in json.loads(b)["detail"]
    s, _, b = request(server.url + "/v1/audit/batch", {"documents": [{"text": "x"}, {"text": 3}]})
    assert s == 422


def test_health_version_metrics_openapi_docs(server):
    assert request(server.url + "/healthz")[0] == 200
    s, _, b = request(server.url + "/version")
    v = json.loads(b)
    assert s == 200 and v["lm"] == "off" and v["signature"].startswith("mqm|") and v["glossary"]
    s, h, b = request(server.url + "/metrics")
    text = b.decode()
    assert s == 200 and "mtaudit_requests_total" in text and "mtaudit_request_seconds_bucket" in text
    assert "mtaudit_findings_total" in text and "mtaudit_queue_depth" in text and "mtaudit_model_load_seconds" in text
    s, _, b = request(server.url + "/openapi.json")
    assert s == 200 and "/v1/audit" in json.loads(b)["paths"]
    s, h, b = request(server.url + "/docs")
    assert s == 200 and h["content-type"].startswith("text/html") and b"/v1/audit/batch" in b
    assert request(server.url + "/nowhere")[0] == 404


def test_logs_never_hold_article_text(tmp_path):
    s = Server("--no-lm").wait_ready()
    secret = "Embargoed-Zanzibarian-Quokka"
    request(s.url + "/v1/audit", {"text": f"The {secret} story ran on Monday."})
    request(s.url + "/v1/audit", {"text": secret, "options": {"fail_on": 7}})
    rc, err = s.stop()
    assert secret not in err and '"event": "request"' in err
    assert all(json.loads(line) for line in err.splitlines() if line.startswith("{"))


def test_bearer_token(tmp_path):
    tok = tmp_path / "token"
    tok.write_text("s3cret-token\n")
    s = Server("--no-lm", "--token-file", tok).wait_ready()
    try:
        st, h, _ = request(s.url + "/v1/audit", {"text": "x"})
        assert st == 401 and h.get("www-authenticate", h.get("WWW-Authenticate")) == "Bearer"
        assert request(s.url + "/v1/audit", {"text": "x"}, token="wrong")[0] == 401
        assert request(s.url + "/v1/audit", {"text": "A calm day."}, token="s3cret-token")[0] == 200
        assert request(s.url + "/metrics")[0] == 401 and request(s.url + "/healthz")[0] == 200
    finally:
        s.stop()


def test_sigterm_drains_the_request_in_flight():
    import threading

    s = Server("--no-lm").wait_ready()
    big = (SAMPLE + "\n\n") * 30  # about a second of rules-only work
    got = {}
    t = threading.Thread(target=lambda: got.update(r=request(s.url + "/v1/audit", {"text": big})))
    t.start()
    time.sleep(0.3)
    rc, err = s.stop(signal.SIGTERM)
    t.join(30)
    assert got["r"][0] == 200 and json.loads(got["r"][2])["files"][0]["findings"]
    assert rc in (0, -signal.SIGTERM), err  # uvicorn re-raises the signal once it has drained


def test_bad_serve_arguments_are_one_line_errors(tmp_path):
    from conftest import run_cli

    r = run_cli("serve", "--port", "0")
    assert r.returncode == 2 and "--port" in r.stderr
    r = run_cli("serve", "--token-file", tmp_path / "missing")
    assert r.returncode == 2 and "no such file" in r.stderr


def test_python_client(server):
    from mtaudit.client import RemoteError, audit_remote, fix_remote

    r = audit_remote("Troops left Southzha on Monday.", url=server.url, options={"fail_on": "major"})
    assert r["findings"][0]["suggestions"] == ["Sudzha"] and r["gate"] in ("pass", "fail")
    assert fix_remote("Troops left Southzha.", url=server.url)["text"] == "Troops left Sudzha."
    with pytest.raises(RemoteError) as e:
        audit_remote("", url=server.url)
    assert e.value.status == 422 and "empty" in e.value.detail


def _workers_of(pid: int) -> list[int]:
    """Child processes of ``pid`` that are uvicorn workers (via /proc)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
                cmd = (d / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == pid and b"spawn_main" in cmd:
                out.append(int(d.name))
    return out


def test_time_limit_answers_504_and_full_queue_503():
    import threading

    s = Server("--no-lm", "--timeout", "0.05", "--queue", "1").wait_ready()
    try:
        big = {"text": (SAMPLE + "\n\n") * 20}
        st, _, b = request(s.url + "/v1/audit", big)
        assert st == 504 and "longer than 0.05 s" in json.loads(b)["detail"]
        results = []
        ts = [threading.Thread(target=lambda: results.append(request(s.url + "/v1/audit", big)[:2])) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        codes = sorted(r[0] for r in results)
        assert 503 in codes and set(codes) <= {503, 504}, codes
        assert all(h.get("retry-after", h.get("Retry-After")) == "2" for c, h in results if c == 503)
    finally:
        s.stop()


def test_a_client_that_disconnects_mid_request_does_not_hurt_the_next(server):
    body = json.dumps({"text": SAMPLE}).encode()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /v1/audit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:100])
    with socket.create_connection(("127.0.0.1", server.port)) as sock:  # a whole request, then gone
        sock.sendall(b"POST /v1/audit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    st, _, b = request(server.url + "/v1/audit", {"text": "Troops left Southzha."})
    assert st == 200 and json.loads(b)["files"][0]["findings"]


def test_a_killed_worker_is_replaced_and_the_service_keeps_answering():
    s = Server("--no-lm", "--workers", "2").wait_ready()
    try:
        deadline = time.time() + 60
        while len(_workers_of(s.proc.pid)) < 2 and time.time() < deadline:
            time.sleep(0.2)
        first = _workers_of(s.proc.pid)
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)
        # the other worker answers meanwhile (a connection the dead one had accepted may reset)
        streak, deadline = 0, time.time() + 20
        while streak < 5 and time.time() < deadline:
            try:
                streak = streak + 1 if request(s.url + "/v1/audit", {"text": "Troops left Southzha."})[0] == 200 else 0
            except OSError:
                streak = 0
        assert streak == 5
        deadline = time.time() + 60
        while time.time() < deadline:
            now = _workers_of(s.proc.pid)
            if len(now) == 2 and first[0] not in now:
                break
            time.sleep(0.5)
        assert len(now) == 2 and first[0] not in now, now
        deadline = time.time() + 60
        while request(s.url + "/readyz")[0] != 200 and time.time() < deadline:
            time.sleep(0.3)
        assert request(s.url + "/v1/audit", {"text": "A calm day."})[0] == 200
    finally:
        s.stop()


def _fuzz_examples() -> int:
    return int(os.environ.get("MTAUDIT_SERVE_FUZZ", "300"))  # 2,000 for the long run


def test_fuzzed_requests_get_2xx_or_4xx_never_5xx(server):
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                               lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
                               max_leaves=12)
    option = st.dictionaries(st.sampled_from(["select", "ignore", "fail_on", "fail_on_garble", "lm", "unsafe", "deep", "x"]),
                             json_values | st.sampled_from(["major", "never", "model", "off", "NAM", "CLQ001/it-"]),
                             max_size=4)
    doc = st.fixed_dictionaries({"text": st.text(max_size=300) | st.sampled_from([SAMPLE[:2000]])},
                                optional={"format": st.sampled_from(["txt", "md", "html", "pdf", 3]),
                                          "path": st.text(max_size=20) | st.integers(), "options": option | json_values})
    body = (doc.map(lambda d: ("application/json", json.dumps(d).encode()))
            | json_values.map(lambda v: ("application/json", json.dumps(v).encode()))
            | st.binary(max_size=300).map(lambda b: ("application/json", b))
            | st.tuples(st.sampled_from(["text/plain", "text/markdown", "text/html", "image/png", "text/plain; charset=utf-8"]),
                        st.binary(max_size=300) | st.text(max_size=300).map(str.encode)))
    endpoint = st.sampled_from(["/v1/audit", "/v1/fix", "/v1/audit/batch", "/v1/audit?fail_on=major&select=NAM",
                                "/v1/audit?lm=on", "/v1/fix?unsafe=true"])

    @settings(max_examples=_fuzz_examples(), deadline=None, suppress_health_check=list(HealthCheck), database=None,
              phases=[Phase.explicit, Phase.generate])  # no shrinking: the failing example is printed as drawn
    @given(endpoint, body)
    def check(path, ctype_body):
        ctype, data = ctype_body
        if path == "/v1/audit/batch" and ctype == "application/json" and data[:1] == b"{":
            with contextlib.suppress(ValueError):
                data = json.dumps({"documents": [json.loads(data)]}).encode()
        status, headers, out = request(server.url + path, data, ctype=ctype)
        assert status < 500, (status, out[:300])
        if status >= 400:
            assert json.loads(out)["status"] == status
    check()


@pytest.mark.lm
def test_with_the_model_audit_gives_the_cli_findings_garble_and_gate():
    from conftest import run_cli

    s = Server().wait_ready(timeout=300)
    try:
        path = ROOT / "samples" / "kursk-withdrawal.txt"
        st, _, b = request(s.url + "/v1/audit", {"text": SAMPLE, "path": path.name}, timeout=300)
        got = json.loads(b)["files"][0]
        want = json.loads(run_cli("audit", path, "--format", "json", "--lm", "on").stdout)["files"][0]
        assert st == 200 and [_key(f) for f in got["findings"]] == [_key(f) for f in want["findings"]]
        # bf16 scores depend slightly on which sentences share a batch (the CLI process may hold cached ones)
        assert abs(got["garble"] - want["garble"]) < 0.01 and got["gate"] == want["gate"]
        assert got["register"] == want["register"] == "formal"
        v = json.loads(request(s.url + "/version")[2])
        assert v["model"] and v["garble_threshold"] is not None and "garble:" in v["lm"]
        assert 0 < v["garble_threshold_formal"] <= v["garble_threshold"]
    finally:
        s.stop()
