"""Configuration: ``[tool.mtaudit]`` in ``pyproject.toml`` or a top-level table in ``mtaudit.toml``.

Found by walking up from the audited file (the nearest wins; ``mtaudit.toml``
before ``pyproject.toml`` in the same folder). Command-line flags override
it. Unknown keys are an error that names the key.

```toml
[tool.mtaudit]
select = ["NAM", "CLQ"]        # code prefixes to report (default: every rule not opt-in)
extend-select = ["LMF"]        # also report these (the way to turn on an opt-in rule: LMF001)
ignore = ["UNK001"]            # code prefixes to drop
fail-on = "major"              # minor, major, critical, never
fail-on-garble = 0.9           # a probability, "model" (the calibrated default, by register), "news" or "never"
glossaries = ["names.tsv"]     # extra glossaries, relative to this file
lm = "auto"                    # on, off, auto
lm-excess-bits = 14.0          # LMF001 threshold
lm-reject-bits = 8.0           # fix verification threshold

[tool.mtaudit.severity]        # per-code severity overrides
UNK001 = "major"
```
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import defaults

FAIL_ON_CHOICES = defaults.FAIL_ON_CHOICES
LM_CHOICES = defaults.LM_CHOICES
KEYS = {"deep", "fail-on-garble", "select", "extend-select", "ignore", "fail-on", "glossaries", "lm", "lm-excess-bits", "lm-reject-bits", "severity"}


#: The selection's fields (:class:`Config`, a service request's options), by their Python names.
SELECTION_KEYS = ("select", "extend_select", "ignore")


class ConfigError(Exception):
    pass


@dataclass
class Config:
    path: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: selected on top of ``select`` (or of every rule, when it is empty); an opt-in rule
    #: (:attr:`mtaudit.rulebase.Rule.opt_in`) is reported only when this or ``select`` names it
    extend_select: tuple[str, ...] = ()
    fail_on: str | None = None
    glossaries: list[Path] = field(default_factory=list)
    lm: str | None = None
    lm_excess_bits: float | None = None
    lm_reject_bits: float | None = None
    fail_on_garble: str | float | None = None
    deep: bool = False
    severity: dict[str, str] = field(default_factory=dict)

    def wants(self, selector: str, opt_in: bool = False) -> bool:
        """Whether findings with this code (or data rule, ``CODE/id``) are reported: a selector
        names a code prefix (``CLQ``, ``CLQ001``) or a data rule's id or id prefix
        (``CLQ001/it-ceased-the-fire``, ``CLQ001/it-``). An ``opt_in`` rule's findings only when
        ``select`` or ``extend_select`` names it."""
        chosen = self.select + self.extend_select
        if (opt_in or self.select) and not (chosen and selector.startswith(chosen)):
            return False
        return not (self.ignore and selector.startswith(self.ignore))


def with_selection(cfg: Config, select: tuple[str, ...], ignore: tuple[str, ...],
                   extend_select: tuple[str, ...] = ()) -> Config:
    """``cfg`` under a selection given at run time (the command line, a service request): a
    ``select`` replaces the configuration's select, extend-select and ignore; an ``extend_select``
    and an ``ignore`` add to what is left."""
    import dataclasses

    if select:
        cfg = dataclasses.replace(cfg, select=tuple(select), ignore=(), extend_select=())
    if extend_select:
        cfg = dataclasses.replace(cfg, extend_select=cfg.extend_select + tuple(extend_select))
    if ignore:
        cfg = dataclasses.replace(cfg, ignore=cfg.ignore + tuple(ignore))
    return cfg


def normal_selector(s: str) -> str:
    """A selector as written by a user: the code part upper-case (``clq`` -> ``CLQ``), a rule id
    after ``/`` as it is (ids are lower-case)."""
    code, sep, rid = s.strip().partition("/")
    return code.upper() + sep + rid.strip()


def _tool_table(data: dict, path: Path) -> dict | None:
    """``[tool.mtaudit]`` of a parsed pyproject.toml (None when absent); a wrong type is an error."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: tool must be a table, not {_type(tool)}")
    table = tool.get("mtaudit")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool] mtaudit must be a table, not {_type(table)}")
    return table


def _type(v) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
            dict: "a table"}.get(type(v), type(v).__name__)


def _parse_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: malformed TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror})") from None


def _resolve(start: Path) -> Path:
    """``start`` made absolute with its links followed; a symlink loop stays as it is."""
    try:
        return start.resolve()
    except (OSError, RuntimeError):
        return start.absolute()


def find_config(start: Path) -> Path | None:
    d = _resolve(start)
    if d.is_file() or not d.is_dir():
        d = d.parent
    for folder in [d, *d.parents]:
        own = folder / "mtaudit.toml"
        if own.is_file():
            return own
        py = folder / "pyproject.toml"
        if py.is_file() and _tool_table(_parse_toml(py), py) is not None:
            return py
    return None


def _strs(table: dict, key: str, where: str) -> list[str]:
    v = table.get(key, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConfigError(f"{where}: {key} must be a list of strings, not {_type(v)}")
    return v


def _choice(table: dict, key: str, where: str, choices: tuple[str, ...]) -> str | None:
    if key not in table:
        return None
    v = table[key]
    if key == "lm" and isinstance(v, bool):
        v = "on" if v else "off"
    if not isinstance(v, str) or v not in choices:
        raise ConfigError(f"{where}: {key} must be one of {', '.join(choices)}, not {v!r}")
    return v


def _flag(table: dict, key: str, where: str) -> bool:
    v = table.get(key, False)
    if not isinstance(v, bool):
        raise ConfigError(f"{where}: {key} must be true or false, not {v!r}")
    return v


def _bits(table: dict, key: str, where: str) -> float | None:
    if key not in table:
        return None
    v = table[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 <= v <= 1000:
        raise ConfigError(f"{where}: {key} must be a number of bits between 0 and 1000, not {v!r}")
    return float(v)


#: The words ``fail-on-garble`` takes besides a probability: the card's calibrated threshold,
#: its threshold for news alone, or no garble gate.
GARBLE_WORDS = ("model", "news", "never")


def parse_garble_threshold(v) -> str | float:
    """A ``fail-on-garble`` value: a probability in (0, 1], "model", "news" or "never"; ValueError
    otherwise."""
    if isinstance(v, str) and v in GARBLE_WORDS:
        return v
    def bad(v) -> ValueError:
        words = ", ".join(map(repr, GARBLE_WORDS[:-1]))
        return ValueError(f"must be a probability between 0 and 1, {words} or {GARBLE_WORDS[-1]!r}, not {v!r}")

    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            raise bad(v) from None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 < v <= 1:
        raise bad(v)
    return float(v)


def _garble(table: dict, where: str):
    if "fail-on-garble" not in table:
        return None
    try:
        return parse_garble_threshold(table["fail-on-garble"])
    except ValueError as e:
        raise ConfigError(f"{where}: fail-on-garble {e}") from None


def _severities(table: dict, where: str) -> dict[str, str]:
    sev = table.get("severity", {})
    if not isinstance(sev, dict):
        raise ConfigError(f"{where}: severity must be a table of CODE = \"minor|major|critical\"")
    out = {}
    for code, v in sev.items():
        if not isinstance(v, str) or v not in defaults.SEVERITY_WEIGHTS:
            raise ConfigError(f"{where}: severity.{code} must be minor, major or critical, not {v!r}")
        out[code.upper()] = v
    return out


def load_config(path: Path) -> Config:
    data = _parse_toml(path)
    if path.name == "pyproject.toml":
        table = _tool_table(data, path) or {}
        where = f"{path}: [tool.mtaudit]"
    else:
        table, where = data, str(path)
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    return Config(
        path=path,
        select=tuple(normal_selector(s) for s in _strs(table, "select", where)),
        ignore=tuple(normal_selector(s) for s in _strs(table, "ignore", where)),
        extend_select=tuple(normal_selector(s) for s in _strs(table, "extend-select", where)),
        glossaries=[(path.parent / g) for g in _strs(table, "glossaries", where)],
        fail_on=_choice(table, "fail-on", where, FAIL_ON_CHOICES),
        lm=_choice(table, "lm", where, LM_CHOICES),
        lm_excess_bits=_bits(table, "lm-excess-bits", where),
        lm_reject_bits=_bits(table, "lm-reject-bits", where),
        severity=_severities(table, where),
        fail_on_garble=_garble(table, where),
        deep=_flag(table, "deep", where),
    )


def config_for(path: str | Path | None, explicit: Path | None = None) -> Config:
    """The configuration that applies to ``path`` (or the current folder)."""
    if explicit is not None:
        return load_config(explicit)
    found = find_config(Path(path) if path and path != "-" else Path.cwd())
    return load_config(found) if found else Config()
