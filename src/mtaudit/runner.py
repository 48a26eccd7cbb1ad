"""Running audits over many inputs: path expansion, per-file configuration, auditors, fixing."""
from __future__ import annotations

import glob
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, config_for

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm")
COMPANIONS = (".ref.txt", ".gold.yaml")


class RunError(Exception):
    """A one-line error that stops the run (exit code 2)."""


def expand_paths(args) -> list[str]:
    """Files, folders (recursive, supported extensions, no hidden files or sample companions) and
    glob patterns, in a stable order; ``-`` is standard input."""
    out: list[str] = []
    for a in map(str, args):
        if a == "-":
            out.append(a)
            continue
        p = Path(a)
        if p.is_dir():
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in files:
                    if f.startswith(".") or f.endswith(COMPANIONS) or not f.lower().endswith(SUPPORTED):
                        continue
                    found.append(os.path.join(root, f))
            out += sorted(found)
        elif not p.exists() and glob.has_magic(a):
            out += sorted(m for m in glob.glob(a, recursive=True)
                          if Path(m).is_file() and not m.endswith(COMPANIONS))
        else:
            out.append(a)  # a missing file is reported per file, not here
    return out


@dataclass
class Settings:
    """What the command line says; None means 'as configured, else the default'."""

    lm: str | None = None
    glossaries: list[Path] = field(default_factory=list)
    config: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    input_format: str | None = None
    threads: int | None = None


class Runner:
    """One auditor per configuration file in play, each loaded once."""

    def __init__(self, settings: Settings, warn=None):
        self.settings = settings
        self._auditors: dict[str | None, object] = {}
        self.warn = warn or (lambda msg: print(f"mtaudit: warning: {msg}", file=sys.stderr))

    def config(self, path: str | None) -> Config:
        from .config import ConfigError

        try:
            cfg = config_for(path, self.settings.config)
        except ConfigError as e:
            raise RunError(f"config error: {e}") from None
        if self.settings.select:  # a selection on the command line replaces the config's select and ignore
            cfg.select = self.settings.select
            cfg.ignore = ()
        if self.settings.ignore:
            cfg.ignore = cfg.ignore + self.settings.ignore
        return cfg

    def auditor(self, path: str | None):
        from .api import Auditor
        from .glossary import GlossaryError
        from .lm import LMUnavailable

        cfg = self.config(path)
        key = str(cfg.path) if cfg.path else None
        if key not in self._auditors:
            try:
                a = Auditor(lm=self.settings.lm, glossaries=self.settings.glossaries, config=cfg,
                            threads=self.settings.threads)
            except GlossaryError as e:
                raise RunError(f"glossary error: {e}") from None
            except LMUnavailable as e:
                raise RunError(str(e)) from None
            if a.lm_warning:
                self.warn(a.lm_warning)
            self._auditors[key] = a
        return self._auditors[key]

    def audit(self, path: str):
        from .api import Report
        from .document import InputError, decode_bytes

        a = self.auditor(None if path == "-" else path)
        if path == "-":
            try:
                text = decode_bytes(sys.stdin.buffer.read(), "<stdin>")
            except InputError as e:
                return Report(path="-", text=None, error=str(e))
            return a.audit_text(text, "-", self.settings.input_format)
        return a.audit_file(path, self.settings.input_format)

    def fail_on(self, path: str | None, cli_value: str | None) -> str:
        from . import defaults

        return cli_value or self.config(path).fail_on or defaults.FAIL_ON


def atomic_write(path: Path, text: str) -> None:
    """Write beside the file, then rename over it: a killed run leaves the old file whole."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".mtaudit-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def fix_text(auditor, text: str, path: str | None, unsafe: bool, input_format=None, max_passes: int = 4):
    """Apply fixes until none applies (overlapping fixes need a second pass), so that
    running fix again changes nothing. Returns (new_text, applied_count, final_report)."""
    from .fixes import apply_fixes

    applied = 0
    report = auditor.audit_text(text, path, input_format)
    for _ in range(max_passes):
        new, done = apply_fixes(text, report.findings, unsafe=unsafe)
        if not done or new == text:
            break
        applied += len(done)
        text = new
        report = auditor.audit_text(text, path, input_format)
    return text, applied, report
