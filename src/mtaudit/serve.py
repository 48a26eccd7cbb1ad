"""`mtaudit serve`: a warm HTTP service a CMS calls before it publishes (the ``serve`` extra).

Starlette on uvicorn (not FastAPI: the same ASGI core without pydantic; importing it costs
0.12 s and 24 MiB against FastAPI's 0.51 s and 39 MiB, and the request checks and the OpenAPI
document are written here, so every error is one RFC 9457 problem document). Each worker process
loads the glossaries and, when on, the model once, before ``/readyz`` says ready, and audits on
one thread: requests wait in a bounded queue (503 with Retry-After when it is full) and each has
a time limit (504). Reports are the CLI's: the same auditor, the same gate. Article text never
reaches a log line. Nothing here reads or writes a server-side path named by a request.
"""
from __future__ import annotations

import asyncio
import dataclasses
import difflib
import hmac
import json
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import defaults
from .config import GARBLE_WORDS, SELECTION_KEYS
from .version import __version__

TEXT_TYPES = {"text/plain": "txt", "text/markdown": "md", "text/html": "html"}
AUDIT_OPTIONS = {*SELECTION_KEYS, "fail_on", "fail_on_garble", "lm", "deep"}
FIX_OPTIONS = AUDIT_OPTIONS | {"unsafe"}
ENV = "MTAUDIT_SERVE_SETTINGS"  # how uvicorn's worker processes receive the settings


@dataclass
class ServeSettings:
    """What ``mtaudit serve`` was started with (every default in :mod:`mtaudit.defaults`)."""

    host: str = defaults.SERVE_HOST
    port: int = defaults.SERVE_PORT
    workers: int = 1
    config: str | None = None
    lm: str = defaults.LM_MODE
    token_file: str | None = None
    max_body: int = defaults.MAX_INPUT_BYTES
    timeout_s: float = defaults.SERVE_TIMEOUT_S
    queue: int = defaults.SERVE_QUEUE
    max_batch: int = defaults.SERVE_MAX_BATCH
    cors_origins: list[str] = field(default_factory=list)

    def to_env(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_env(cls) -> "ServeSettings":
        raw = os.environ.get(ENV)
        return cls(**json.loads(raw)) if raw else cls()


class Problem(Exception):
    """An error answered as an RFC 9457 problem document."""

    def __init__(self, status: int, title: str, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}


def log(**fields) -> None:
    """One structured line on stderr (never article text: callers pass metadata only)."""
    fields = {"ts": round(time.time(), 3), **fields}
    line = (json.dumps(fields, ensure_ascii=False) + "\n").encode("utf-8")
    # one write of the whole line: print() writes the text and the newline separately, so lines
    # of two threads (or worker processes) could interleave; a pipe keeps writes of up to
    # PIPE_BUF (4 KiB) bytes whole
    try:
        sys.stderr.flush()
        os.write(sys.stderr.fileno(), line)
    except (AttributeError, OSError, ValueError):  # no real stderr (embedded, captured)
        sys.stderr.write(line.decode("utf-8"))


# --- the engine: one per worker process --------------------------------------------------------
class Engine:
    """The auditors of one worker process and the thread that runs them."""

    def __init__(self, settings: ServeSettings):
        self.settings = settings
        self.ready = False
        self.error: str | None = None
        self.load_seconds: float | None = None
        self.pending = 0  # requests queued or running on the audit thread
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mtaudit-audit")

    # loading ------------------------------------------------------------------------------
    def load(self) -> None:
        """Glossaries, configuration and (when on) the model, once; sets ``ready``."""
        from .api import Auditor
        from .config import Config, load_config

        t0 = time.perf_counter()
        try:
            self.config = load_config(Path(self.settings.config)) if self.settings.config else Config()
            threads = max(1, (os.cpu_count() or 1) // max(1, self.settings.workers))
            self.auditor = Auditor(lm=self.settings.lm, config=self.config, threads=threads)
            if self.auditor.lm is not None:
                self.auditor.audit_text("Warm up the model.")  # the first forward pass is slow
        except Exception as e:  # reported by /readyz and the log, never as a traceback
            self.error = f"{type(e).__name__}: {e}"
            log(event="load-failed", error=self.error)
            return
        self.load_seconds = time.perf_counter() - t0
        self.ready = True
        log(event="ready", seconds=round(self.load_seconds, 2), lm=self.auditor.lm_label, pid=os.getpid())

    def signature(self) -> dict:
        a = self.auditor
        return {"version": __version__, "signature": a.signature(), "glossary": a.glossary.digest,
                "model": a.lm.name if a.lm is not None else None, "lm": a.lm_label,
                "fail_on": self.config.fail_on or defaults.FAIL_ON,
                **_threshold_fields(self._threshold(None))}

    # per request ----------------------------------------------------------------------------
    def view(self, options: dict):
        """The auditor for one request's options (a shallow copy sharing glossaries and model)."""
        from .api import check_codes
        from .config import ConfigError, with_selection

        a = self.auditor
        lm = options.get("lm") or "auto"
        if lm == "on" and a.lm is None:
            raise Problem(422, "Unprocessable option", "lm: the service runs without the language model")
        select, ignore, extend = options.get("select"), options.get("ignore"), options.get("extend_select")
        cfg = None
        if select is not None or ignore is not None or extend is not None:
            # as the CLI's --select/--ignore/--extend-select
            cfg = with_selection(self.config, select or (), ignore or (), extend or ())
            try:
                check_codes(cfg, a.glossary.rule_ids())
            except ConfigError as e:
                raise Problem(422, "Unprocessable option", str(e)) from None
        deep = options.get("deep")
        if deep and (lm == "off" or a.lm is None):
            raise Problem(422, "Unprocessable option", "deep: needs the language model")
        if lm == "off" or cfg is not None or (deep is not None and deep != a.deep):
            a = a.with_options(config=cfg, lm=lm != "off", deep=deep)
        return a

    def _threshold(self, value):
        from .runner import garble_threshold_of

        gm = self.auditor.garble_model
        return garble_threshold_of(value, self.config.fail_on_garble, (lambda: gm) if gm is not None else None)

    def audit(self, text: str, fmt: str, path: str | None, options: dict) -> dict:
        from .runner import fail_rank, gate

        a = self.view(options)
        r = a.audit_text(text, path, fmt)
        if r.error:
            raise Problem(422, "Unprocessable text", r.error)
        fail_on = options.get("fail_on") or self.config.fail_on or defaults.FAIL_ON
        r.gate = gate(r, fail_rank(fail_on), self._threshold(options.get("fail_on_garble")))
        return r.to_dict()

    def fix(self, text: str, fmt: str, path: str | None, options: dict) -> dict:
        from .runner import NoFixedPoint, fix_text

        a = self.view(options)
        try:
            new, applied, report = fix_text(a, text, path, bool(options.get("unsafe")), fmt)
        except NoFixedPoint as e:
            raise Problem(422, "No fixed point", str(e)) from None
        name = path or "article"
        diff = "".join(difflib.unified_diff(text.splitlines(keepends=True), new.splitlines(keepends=True),
                                            f"a/{name}", f"b/{name}"))
        return {"text": new, "changed": new != text, "edits": applied, "diff": diff,
                "remaining": len(report.findings)}

    async def submit(self, fn, *args):
        """Run ``fn`` on the audit thread, queued (503 when full) and timed (504)."""
        with self._lock:
            if self.pending >= self.settings.queue:
                raise Problem(503, "Busy", f"{self.pending} requests are waiting; try again shortly",
                              {"Retry-After": str(defaults.SERVE_RETRY_AFTER_S)})
            self.pending += 1
        fut = asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)
        fut.add_done_callback(lambda _f: self._done())
        try:
            return await asyncio.wait_for(asyncio.shield(fut), self.settings.timeout_s)
        except asyncio.TimeoutError:
            raise Problem(504, "Timed out", f"the audit took longer than {self.settings.timeout_s:g} s") from None

    def _done(self) -> None:
        with self._lock:
            self.pending -= 1


# --- request parsing ---------------------------------------------------------------------------
def _strs(name: str, v) -> tuple[str, ...]:
    from .config import normal_selector

    if isinstance(v, str):
        v = [x for x in v.split(",") if x.strip()]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise Problem(422, "Unprocessable option", f"options.{name} must be a list of strings")
    return tuple(normal_selector(x) for x in v)


def parse_options(raw, allowed: set[str]) -> dict:
    """A request's ``options``, checked by type and value (422 otherwise)."""
    from .config import parse_garble_threshold

    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise Problem(422, "Unprocessable option", "options must be an object")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise Problem(422, "Unprocessable option", f"unknown option {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
    out: dict = {}
    for k in SELECTION_KEYS:
        if raw.get(k) is not None:
            out[k] = _strs(k, raw[k])
    if raw.get("fail_on") is not None:
        if raw["fail_on"] not in defaults.FAIL_ON_CHOICES:
            raise Problem(422, "Unprocessable option", f"options.fail_on must be one of {', '.join(defaults.FAIL_ON_CHOICES)}")
        out["fail_on"] = raw["fail_on"]
    if raw.get("fail_on_garble") is not None:
        try:
            out["fail_on_garble"] = parse_garble_threshold(raw["fail_on_garble"])
        except ValueError as e:
            raise Problem(422, "Unprocessable option", f"options.fail_on_garble {e}") from None
    if raw.get("lm") is not None:
        if raw["lm"] not in defaults.LM_CHOICES:
            raise Problem(422, "Unprocessable option", f"options.lm must be one of {', '.join(defaults.LM_CHOICES)}")
        out["lm"] = raw["lm"]
    for flag in ("unsafe", "deep"):
        if raw.get(flag) is not None:
            if not isinstance(raw[flag], bool):
                raise Problem(422, "Unprocessable option", f"options.{flag} must be true or false")
            out[flag] = raw[flag]
    return out


def parse_document(d, allowed: set[str]) -> tuple[str, str, str | None, dict]:
    """(text, input format, path label, options) of one JSON document."""
    if not isinstance(d, dict):
        raise Problem(422, "Unprocessable body", "the body must be a JSON object with 'text'")
    unknown = sorted(set(d) - {"text", "format", "path", "options"})
    if unknown:
        raise Problem(422, "Unprocessable body", f"unknown field {unknown[0]!r} (text, format, path, options)")
    text, fmt, path = d.get("text"), d.get("format", "txt"), d.get("path")
    if not isinstance(text, str):
        raise Problem(422, "Unprocessable body", "'text' must be a string")
    if not text.strip():
        raise Problem(422, "Unprocessable body", "'text' is empty")
    if "\x00" in text:
        raise Problem(422, "Unprocessable body", "'text' holds NUL characters: not text")
    if fmt not in defaults.INPUT_FORMATS:
        raise Problem(422, "Unprocessable body", f"'format' must be one of {', '.join(defaults.INPUT_FORMATS)}")
    if path is not None and (not isinstance(path, str) or len(path) > 1000):
        raise Problem(422, "Unprocessable body", "'path' must be a string (a label, at most 1,000 characters)")
    return text, fmt, path, parse_options(d.get("options"), allowed)


def decode_body(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Problem(422, "Unprocessable body", f"the body is not UTF-8 (byte {e.start})") from None
    return text.removeprefix("\ufeff")


# --- the ASGI application ----------------------------------------------------------------------
OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "mtaudit", "version": __version__,
             "description": "Audit machine-translated English before it is published. Errors are RFC 9457 "
                            "problem documents (application/problem+json)."},
    "paths": {
        "/v1/audit": {"post": {
            "summary": "Audit one article: the report object of `mtaudit audit --format json`, with its gate verdict.",
            "requestBody": {"content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Document"}},
                "text/plain": {"schema": {"type": "string"}}, "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}}}},
            "parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": "string"},
                            "description": "for text/* bodies: the option of the same name"}
                           for n in (*SELECTION_KEYS, "fail_on", "fail_on_garble", "lm", "deep", "path")],
            "responses": {"200": {"description": "{schema, files: [report]}"},
                          "401": {"description": "missing or wrong bearer token"},
                          "413": {"description": "body over the size limit"},
                          "415": {"description": "unsupported content type"},
                          "422": {"description": "malformed JSON, wrong types, non-UTF-8 or empty text"},
                          "503": {"description": "not ready, or the queue is full (Retry-After)"},
                          "504": {"description": "over the time limit"}}}},
        "/v1/fix": {"post": {"summary": "The text with safe (or, with options.unsafe, all) fixes applied, and the diff.",
                             "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}},
                             "responses": {"200": {"description": "{text, changed, edits, diff, remaining}"}}}},
        "/v1/audit/batch": {"post": {"summary": "Up to the batch limit of documents; one JSON line per document, in order.",
                                     "requestBody": {"content": {"application/json": {"schema": {
                                         "type": "object", "properties": {"documents": {"type": "array", "items": {
                                             "$ref": "#/components/schemas/Document"}}}}}}},
                                     "responses": {"200": {"description": "application/x-ndjson"}}}},
        "/healthz": {"get": {"summary": "The process is up.", "responses": {"200": {"description": "ok"}}}},
        "/readyz": {"get": {"summary": "Glossaries and model loaded.", "responses": {"200": {"description": "ready"},
                                                                                     "503": {"description": "loading"}}}},
        "/version": {"get": {"summary": "Version and report signature (glossary hash, model, thresholds).",
                             "responses": {"200": {"description": "signature"}}}},
        "/metrics": {"get": {"summary": "Prometheus metrics of this worker.", "responses": {"200": {"description": "text"}}}},
    },
    "components": {"schemas": {"Document": {"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string"}, "format": {"enum": list(defaults.INPUT_FORMATS)},
        "path": {"type": "string", "description": "a label only; never read"},
        "options": {"type": "object", "properties": {
            "select": {"type": "array", "items": {"type": "string"}}, "ignore": {"type": "array", "items": {"type": "string"}},
            "extend_select": {"type": "array", "items": {"type": "string"},
                              "description": "also report these; turns on an opt-in rule (LMF001)"},
            "fail_on": {"enum": list(defaults.FAIL_ON_CHOICES)},
            "fail_on_garble": {"oneOf": [{"type": "number"}, {"enum": list(GARBLE_WORDS)}]},
            "lm": {"enum": list(defaults.LM_CHOICES)}, "unsafe": {"type": "boolean"},
            "deep": {"type": "boolean", "description": "also run the deep detector (LMD001); needs the model"}}}}}}},
}

DOCS_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>mtaudit service</title></head><body>
<h1>mtaudit service</h1><p>The OpenAPI document: <a href="openapi.json">openapi.json</a>.</p><ul>{items}</ul></body></html>"""


class Metrics:
    """This worker's Prometheus metrics (its own registry)."""

    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("mtaudit_requests", "Requests by endpoint and status", ["endpoint", "status"],
                                registry=self.registry)
        self.latency = Histogram("mtaudit_request_seconds", "Request latency by endpoint", ["endpoint"],
                                 buckets=(0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10, 30, 60), registry=self.registry)
        self.findings = Counter("mtaudit_findings", "Findings reported, by category", ["category"],
                                registry=self.registry)
        self.load = Gauge("mtaudit_model_load_seconds", "Time to load glossaries and model", registry=self.registry)
        self.queue = Gauge("mtaudit_queue_depth", "Requests waiting or running on the audit thread",
                           registry=self.registry)

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


def _problem_response(p: Problem):
    from starlette.responses import JSONResponse

    return JSONResponse({"type": "about:blank", "title": p.title, "status": p.status, "detail": p.detail},
                        status_code=p.status, headers=p.headers, media_type="application/problem+json")


def _endpoint(path: str) -> str:
    """The metrics/log label of a request path (unknown paths are one label, not a cardinality leak)."""
    return path if path in OPENAPI["paths"] or path in ("/docs", "/openapi.json") else "other"


class Service:
    """The endpoints of one worker: checks (auth, readiness, body), then the engine."""

    def __init__(self, settings: ServeSettings, engine: Engine):
        self.settings, self.engine = settings, engine
        self.metrics = Metrics()
        self.token = _read_token(settings.token_file)

    # checks ---------------------------------------------------------------------------------
    def authorise(self, request) -> None:
        if self.token is None:
            return
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), self.token.encode()):
            raise Problem(401, "Unauthorized", "a valid bearer token is required", {"WWW-Authenticate": "Bearer"})

    def need_ready(self) -> None:
        e = self.engine
        if not e.ready:
            detail = f"the service failed to load: {e.error}" if e.error else "the service is loading"
            raise Problem(503, "Not ready", detail, {"Retry-After": str(defaults.SERVE_RETRY_AFTER_S)})

    async def read_body(self, request) -> bytes:
        limit = self.settings.max_body
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise Problem(413, "Content too large", f"the body is over {limit:,} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Problem(413, "Content too large", f"the body is over {limit:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def read_json(self, request):
        body = await self.read_body(request)
        try:
            return json.loads(decode_body(body))
        except json.JSONDecodeError as e:
            raise Problem(422, "Malformed JSON", f"{e.msg} at line {e.lineno} column {e.colno}") from None

    async def document(self, request, allowed: set[str]):
        ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if ctype in TEXT_TYPES:
            text = decode_body(await self.read_body(request))
            raw = dict(request.query_params)
            path = raw.pop("path", None)
            for flag in ("unsafe", "deep"):
                if flag in raw:
                    raw[flag] = raw[flag].lower() in ("1", "true", "yes")
            return parse_document({"text": text, "format": TEXT_TYPES[ctype], "path": path, "options": raw or None},
                                  allowed)
        if ctype != "application/json":
            raise Problem(415, "Unsupported media type", f"{ctype}: send application/json, " + ", ".join(TEXT_TYPES))
        return parse_document(await self.read_json(request), allowed)

    def count(self, report: dict) -> None:
        for f in report.get("findings", ()):
            self.metrics.findings.labels(f["category"]).inc()

    # endpoints ------------------------------------------------------------------------------
    async def audit(self, request):
        from starlette.responses import JSONResponse

        self.authorise(request)
        self.need_ready()
        text, fmt, path, options = await self.document(request, AUDIT_OPTIONS)
        report = await self.engine.submit(self.engine.audit, text, fmt, path, options)
        self.count(report)
        return JSONResponse({"schema": defaults.REPORT_SCHEMA, "files": [report]})

    async def fix(self, request):
        from starlette.responses import JSONResponse

        self.authorise(request)
        self.need_ready()
        text, fmt, path, options = await self.document(request, FIX_OPTIONS)
        return JSONResponse(await self.engine.submit(self.engine.fix, text, fmt, path, options))

    async def batch(self, request):
        from starlette.responses import StreamingResponse

        self.authorise(request)
        self.need_ready()
        d = await self.read_json(request)
        docs = d.get("documents") if isinstance(d, dict) else None
        if not isinstance(docs, list) or not docs:
            raise Problem(422, "Unprocessable body", "the body must be {\"documents\": [...]} with at least one")
        if len(docs) > self.settings.max_batch:
            raise Problem(422, "Unprocessable body", f"{len(docs)} documents; at most {self.settings.max_batch} per batch")
        parsed = [parse_document(x, AUDIT_OPTIONS) for x in docs]  # all checked before any is audited
        return StreamingResponse(self._lines(parsed), media_type="application/x-ndjson")

    async def _lines(self, parsed):
        for text, fmt, path, options in parsed:
            try:
                report = await self.engine.submit(self.engine.audit, text, fmt, path, options)
                self.count(report)
                yield json.dumps(report, ensure_ascii=False) + "\n"
            except Problem as p:
                yield json.dumps({"path": path, "error": {"status": p.status, "title": p.title, "detail": p.detail}}) + "\n"

    async def healthz(self, request):
        from starlette.responses import JSONResponse

        return JSONResponse({"status": "ok"})

    async def readyz(self, request):
        from starlette.responses import JSONResponse

        self.need_ready()
        return JSONResponse({"ready": True, "load_seconds": round(self.engine.load_seconds or 0, 2)})

    async def version(self, request):
        from starlette.responses import JSONResponse

        self.authorise(request)
        self.need_ready()
        return JSONResponse(self.engine.signature())

    async def metrics_page(self, request):
        from starlette.responses import Response

        self.authorise(request)
        self.metrics.queue.set(self.engine.pending)
        if self.engine.load_seconds is not None:
            self.metrics.load.set(self.engine.load_seconds)
        return Response(self.metrics.render(), media_type="text/plain; version=0.0.4")

    async def openapi(self, request):
        from starlette.responses import JSONResponse

        return JSONResponse(OPENAPI)

    async def docs(self, request):
        from starlette.responses import HTMLResponse

        items = "".join(f"<li><code>{m.upper()} {p}</code>: {op['summary']}</li>"
                        for p, ops in OPENAPI["paths"].items() for m, op in ops.items())
        return HTMLResponse(DOCS_PAGE.format(items=items))

    def routes(self) -> list:
        from starlette.routing import Route

        return [Route("/v1/audit", self.audit, methods=["POST"]), Route("/v1/fix", self.fix, methods=["POST"]),
                Route("/v1/audit/batch", self.batch, methods=["POST"]), Route("/healthz", self.healthz),
                Route("/readyz", self.readyz), Route("/version", self.version), Route("/metrics", self.metrics_page),
                Route("/openapi.json", self.openapi), Route("/docs", self.docs)]


class Guard:
    """Every request: an id, one log line (no article text), metrics; a Problem becomes its
    problem document, anything else a 500 problem without a traceback."""

    def __init__(self, app, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        from starlette.requests import ClientDisconnect

        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid, t0, status = uuid.uuid4().hex[:12], time.perf_counter(), [500]

        async def send_status(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)
        try:
            await self.app(scope, receive, send_status)
        except Problem as p:
            await _problem_response(p)(scope, receive, send_status)
        except ClientDisconnect:
            status[0] = 499
        except Exception as e:  # a bug: logged as one line, answered without internals
            log(event="error", id=rid, path=_endpoint(scope["path"]), error=type(e).__name__)
            await _problem_response(Problem(500, "Internal error", f"request {rid} failed; see the service log"))(
                scope, receive, send_status)
        dt = time.perf_counter() - t0
        endpoint = _endpoint(scope["path"])
        self.metrics.requests.labels(endpoint, str(status[0])).inc()
        self.metrics.latency.labels(endpoint).observe(dt)
        log(event="request", id=rid, method=scope["method"], path=endpoint, status=status[0],
            ms=round(dt * 1000, 1), bytes=int(dict(scope["headers"]).get(b"content-length", b"0") or 0))


def create_app(settings: ServeSettings | None = None, engine: Engine | None = None):
    """The Starlette application (loads the engine in the background at start-up)."""
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.middleware import Middleware

    settings = settings or ServeSettings.from_env()
    service = Service(settings, engine or Engine(settings))

    @asynccontextmanager
    async def lifespan(app):
        threading.Thread(target=service.engine.load, name="mtaudit-load", daemon=True).start()
        yield

    middleware = [Middleware(Guard, metrics=service.metrics)]
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(Middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                                     allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"]))
    app = Starlette(routes=service.routes(), middleware=middleware, lifespan=lifespan)
    app.state.service = service
    return app


def _read_token(path: str | None) -> str | None:
    if path is None:
        return None
    token = Path(path).read_text(encoding="utf-8").strip()
    if not token:
        raise ValueError(f"{path}: the token file is empty")
    return token


def app_from_env():
    """uvicorn's factory for worker processes: the settings come from ``MTAUDIT_SERVE_SETTINGS``."""
    return create_app(ServeSettings.from_env())


def serve(settings: ServeSettings) -> None:
    """Run the service until SIGINT/SIGTERM (in-flight requests are finished first)."""
    import uvicorn

    _read_token(settings.token_file)  # a bad token file fails here, before any worker starts
    os.environ[ENV] = settings.to_env()
    log(event="start", host=settings.host, port=settings.port, workers=settings.workers, lm=settings.lm,
        auth=settings.token_file is not None)
    uvicorn.run("mtaudit.serve:app_from_env", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level="warning", access_log=False,
                timeout_graceful_shutdown=int(settings.timeout_s) + 5)


def _threshold_fields(t) -> dict:
    """The default garble gate for /version: ``garble_threshold`` (the general one) and, when
    formal articles are read at their own bar, ``garble_threshold_formal``."""
    from .garble import RegisterThreshold

    if isinstance(t, RegisterThreshold):
        return {"garble_threshold": t.other, "garble_threshold_formal": t.formal}
    return {"garble_threshold": t}
