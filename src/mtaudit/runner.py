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
    extend_select: tuple[str, ...] = ()
    input_format: str | None = None
    threads: int | None = None
    #: the deep detector (``--deep``); None: as configured
    deep: bool | None = None


class Runner:
    """One auditor per configuration file in play, each loaded once."""

    def __init__(self, settings: Settings, warn=None):
        self.settings = settings
        self._auditors: dict[str | None, object] = {}
        self._configs: dict[str | None, Config] = {}  # by the folder a file is in: found and read once
        self.warn = warn or (lambda msg: print(f"mtaudit: warning: {msg}", file=sys.stderr))

    def config(self, path: str | None) -> Config:
        """The configuration for ``path`` with the command line's selection applied (read once per
        folder: the verdict, the gate and the auditor of each file all ask for it)."""
        key = None if self.settings.config is not None or path in (None, "-") else os.path.dirname(
            os.path.abspath(path))
        if key not in self._configs:
            self._configs[key] = self._load_config(path)
        return self._configs[key]

    def _load_config(self, path: str | None) -> Config:
        from .api import check_codes
        from .config import ConfigError, with_selection

        try:
            cfg = config_for(path, self.settings.config)
            cfg = with_selection(cfg, self.settings.select, self.settings.ignore, self.settings.extend_select)
            check_codes(cfg)
        except ConfigError as e:
            raise RunError(f"config error: {e}") from None
        return cfg

    def auditor(self, path: str | None):
        from .api import Auditor
        from .config import ConfigError
        from .glossary import GlossaryError
        from .lm import LMUnavailable

        cfg = self.config(path)
        key = str(cfg.path) if cfg.path else None
        if key not in self._auditors:
            try:
                a = Auditor(lm=self.settings.lm, glossaries=self.settings.glossaries, config=cfg,
                            threads=self.settings.threads, deep=self.settings.deep)
            except GlossaryError as e:
                raise RunError(f"glossary error: {e}") from None
            except ConfigError as e:  # a rule id in select/ignore that no loaded rule file defines
                raise RunError(f"config error: {e}") from None
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

    def garble_threshold(self, path: str | None, cli_value):
        """The garble score at or above which ``path`` fails the gate (None: the garble gate is
        off, by choice, without the model or without a trained head)."""
        from .garble import load_model

        # the card alone: a driver of worker processes never loads the model for it
        return garble_threshold_of(cli_value, self.config(path).fail_on_garble, load_model)


def garble_threshold_of(value, configured, model):
    """The garble gate's threshold: the run's ``value``, else the configuration's, else the
    default; "model" is the card's register-aware default (a :class:`~mtaudit.garble.RegisterThreshold`),
    "news" its threshold for news articles (``model``: a callable giving the card, or None),
    "never" (or no card) turns the garble gate off."""
    from . import defaults

    v = value if value is not None else configured
    v = v if v is not None else defaults.FAIL_ON_GARBLE
    if v == "never":
        return None
    if v in ("model", "news"):
        card = model() if model is not None else None
        if card is None:
            return None
        return card.news_threshold if v == "news" else card.default_threshold
    return float(v)


def gate(report, rank: int, garble_threshold) -> str:
    """An article's verdict: it fails on a finding at or above ``rank``, or on its garble score
    at ``garble_threshold`` (a probability, a :class:`~mtaudit.garble.RegisterThreshold` read at
    the article's register, or None); the threshold that applies is kept on the report, for the
    reporters' article-level result."""
    from .garble import RegisterThreshold

    bar = RegisterThreshold.of(garble_threshold)
    garble_threshold = bar.at(report.garble_formal) if bar is not None else None
    report.garble_threshold = garble_threshold
    if report.error:
        return "fail"
    if any(f.severity.rank >= rank for f in report.findings):
        return "fail"
    if garble_threshold is not None and report.garble is not None and not report.garble_ignored \
            and report.garble >= garble_threshold:
        return "fail"
    return "pass"


def _identity(path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def check_not_input(target: Path | None, files: list[str], option: str) -> None:
    """Refuse to write ``target`` when it is one of the input files by identity (same device and
    inode: a hard link or a symlink to an input counts, whatever its path)."""
    if target is None:
        return
    ident = _identity(target)
    if ident is None:
        return
    for f in files:
        if f != "-" and _identity(f) == ident:
            raise RunError(f"{option} {target} is the input file {f}; refusing to overwrite it")


TMP_SUFFIX = ".mtaudit-tmp"


def remove_stale_temps(path: Path) -> int:
    """Delete temporary files an interrupted ``fix`` of ``path`` left beside it; returns how many."""
    n = 0
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*{TMP_SUFFIX}"):
        try:
            tmp.unlink()
            n += 1
        except OSError:
            pass
    return n


def write_target(path: Path) -> Path:
    """The file that rewriting ``path`` changes: a symlink's final target (so the link stays a
    link). A file with more than one hard link is refused: replacing it would cut it off from its
    other names, and rewriting it in place could leave it half-written."""
    real = Path(os.path.realpath(path))
    st = os.stat(real)
    if st.st_nlink > 1:
        raise RunError(f"{path}: has {st.st_nlink} hard links; fix replaces files atomically, which would "
                       "separate it from its other links: fix a copy, or use --diff")
    return real


def atomic_write(path: Path, text: str, bom: bool = False) -> None:
    """Write beside the file, then rename over it: a killed run leaves the old file whole (and
    at worst a temporary file, removed by the next ``fix`` of the same file). The mode and, where
    permitted, the owner of the old file are kept; ``bom`` writes a UTF-8 byte-order mark first."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            st = path.stat()
            os.chmod(tmp, st.st_mode & 0o7777)
            if (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
                os.chown(tmp, st.st_uid, st.st_gid)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def has_bom(path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(3) == b"\xef\xbb\xbf"


class NoFixedPoint(RunError):
    """Fixes kept changing the text for ``MAX_FIX_PASSES`` passes."""


def fix_text(auditor, text: str, path: str | None, unsafe: bool, input_format=None):
    """Apply fixes until none applies (overlapping fixes need further passes), so that running
    fix again changes nothing. Returns (new_text, applied_count, final_report); NoFixedPoint when
    the text still changes after ``defaults.MAX_FIX_PASSES`` passes (the file is left alone)."""
    from . import defaults
    from .fixes import apply_fixes

    applied = 0
    report = auditor.audit_text(text, path, input_format)
    for _ in range(defaults.MAX_FIX_PASSES):
        new, done = apply_fixes(text, report.findings, unsafe=unsafe)
        if not done or new == text:
            return text, applied, report
        applied += len(done)
        text = new
        report = auditor.audit_text(text, path, input_format)
    raise NoFixedPoint(f"{path}: fixes still change the text after {defaults.MAX_FIX_PASSES} passes; "
                       "left unchanged (please report this article)")


@dataclass
class FixResult:
    changed: bool = False
    edits: int = 0
    remaining: int = 0  # findings at or above fail-on left after fixing
    error: str | None = None


def fix_file(runner: Runner, path: str, *, unsafe: bool, diff: bool, out, fail_on: str | None) -> FixResult:
    """Fix one file in place (or write its diff to ``out``). What is guaranteed: the file is
    replaced atomically or not at all; a symlink stays a link and its target is rewritten; the
    mode, the owner (where permitted) and a UTF-8 byte-order mark are kept; a file with several
    hard links is refused; a second run changes nothing (fixes are applied to a fixed point)."""
    import difflib

    from .document import InputError, read_text

    try:
        text = read_text(path)
        new, n, report = fix_text(runner.auditor(path), text, path, unsafe, runner.settings.input_format)
    except InputError as e:
        return FixResult(error=str(e))
    except NoFixedPoint as e:
        return FixResult(error=str(e))
    rank = fail_rank(runner.fail_on(path, fail_on))
    res = FixResult(remaining=sum(1 for f in report.findings if f.severity.rank >= rank))
    if new == text:
        return res
    if diff:
        out.writelines(difflib.unified_diff(text.splitlines(keepends=True), new.splitlines(keepends=True),
                                            fromfile=path, tofile=f"{path} (fixed)"))
        res.changed, res.edits = True, n
        return res
    try:
        target = write_target(Path(path))
        remove_stale_temps(target)
        atomic_write(target, new, bom=has_bom(target))
    except RunError as e:
        res.error = str(e)
    except OSError as e:
        res.error = f"cannot write {path}: {e.strerror}"
    else:
        res.changed, res.edits = True, n
    return res


def fail_rank(fail_on: str) -> int:
    """The lowest severity rank that fails a run (``never``: none)."""
    from .model import Severity

    return 99 if fail_on == "never" else Severity(fail_on).rank


def fix_files(runner: Runner, paths, unsafe: bool, diff: bool, fail_on: str | None) -> int:
    """``mtaudit fix``: fix (or diff) every file; one line per file on stderr; the exit code."""
    files = expand_paths(paths)
    if not files:
        raise RunError("no input files (folders are searched for .txt, .md and .html)")
    if "-" in files:
        raise RunError("fix works on files, not standard input")
    errors = remaining = changed = 0
    for p in files:
        res = fix_file(runner, p, unsafe=unsafe, diff=diff, out=sys.stdout, fail_on=fail_on)
        if res.error:
            print(f"mtaudit: error: {res.error}", file=sys.stderr)
        elif res.edits and not diff:
            print(f"mtaudit: fixed {p} ({res.edits} edits)", file=sys.stderr)
        errors += bool(res.error)
        changed += res.changed
        remaining += res.remaining
    verb = "would change" if diff else "changed"
    print(f"mtaudit: {verb} {changed} of {len(files)} files; {remaining} findings at or above --fail-on remain",
          file=sys.stderr)
    return 2 if errors else (1 if remaining else 0)
