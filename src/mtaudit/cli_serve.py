"""`mtaudit serve`: the command that starts the HTTP service (needs the ``serve`` extra)."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import List, Optional

import typer

from . import defaults


class ServeCommandError(Exception):
    """A one-line error for the user (exit code 2)."""


def serve(host: str = typer.Option(defaults.SERVE_HOST, "--host", help="Address to bind (loopback by default)."),
          port: int = typer.Option(defaults.SERVE_PORT, "--port"),
          workers: int = typer.Option(1, "--workers", help="Worker processes, each with its own model."),
          config: Optional[Path] = typer.Option(None, "--config", help="The service's configuration (never discovered)."),
          no_lm: bool = typer.Option(False, "--no-lm", help="Rules only: no model is loaded."),
          token_file: Optional[Path] = typer.Option(None, "--token-file", help="Require this bearer token."),
          max_body: int = typer.Option(defaults.MAX_INPUT_BYTES, "--max-body", help="Largest request body in bytes."),
          timeout: float = typer.Option(defaults.SERVE_TIMEOUT_S, "--timeout", help="Seconds per request (then 504)."),
          queue: int = typer.Option(defaults.SERVE_QUEUE, "--queue", help="Requests a worker holds (then 503)."),
          cors_origin: List[str] = typer.Option([], "--cors-origin", help="Allow this browser origin (repeatable)."),
          ):
    """Run the audit service (POST /v1/audit, /v1/fix, /v1/audit/batch; GET /healthz, /readyz,
    /version, /metrics, /openapi.json, /docs) until interrupted."""
    for mod in ("starlette", "uvicorn", "prometheus_client"):
        if importlib.util.find_spec(mod) is None:
            raise ServeCommandError(f"the service needs `{mod}`: pip install -e '.[serve]'")
    if workers < 1 or not 0 < port < 65536 or max_body < 1 or timeout <= 0 or queue < 1:
        raise ServeCommandError("--workers, --port, --max-body, --timeout and --queue must be positive "
                                "(and --port below 65536)")
    for p in (config, token_file):
        if p is not None and not p.is_file():
            raise ServeCommandError(f"{p}: no such file")
    if config is not None:
        from .config import ConfigError, load_config

        try:
            load_config(config)
        except ConfigError as e:
            raise ServeCommandError(f"config error: {e}") from None
    from .serve import ServeSettings
    from .serve import serve as run_service

    settings = ServeSettings(host=host, port=port, workers=workers, config=str(config) if config else None,
                             lm="off" if no_lm else defaults.LM_MODE, token_file=str(token_file) if token_file else None,
                             max_body=max_body, timeout_s=timeout, queue=queue, cors_origins=list(cors_origin))
    try:
        run_service(settings)
    except (OSError, ValueError) as e:
        raise ServeCommandError(str(e)) from None
