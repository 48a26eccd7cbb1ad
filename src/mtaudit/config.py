"""Configuration: ``[tool.mtaudit]`` in ``pyproject.toml`` or a top-level table in ``mtaudit.toml``.

Found by walking up from the audited file (the nearest wins; ``mtaudit.toml``
before ``pyproject.toml`` in the same folder). Command-line flags override
it. Unknown keys are an error that names the key.

```toml
[tool.mtaudit]
select = ["NAM", "CLQ"]        # code prefixes to report (default: all)
ignore = ["UNK001"]            # code prefixes to drop
fail-on = "major"              # minor, major, critical, never
glossaries = ["names.tsv"]     # extra glossaries, relative to this file
lm = "auto"                    # on, off, auto
lm-excess-bits = 14.0          # LMF001 threshold
lm-reject-bits = 8.0           # fix verification threshold

[tool.mtaudit.severity]        # per-code severity overrides
UNK001 = "major"
```
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import defaults

KEYS = {"select", "ignore", "fail-on", "glossaries", "lm", "lm-excess-bits", "lm-reject-bits", "severity"}


class ConfigError(Exception):
    pass


@dataclass
class Config:
    path: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    glossaries: list[Path] = field(default_factory=list)
    lm: str | None = None
    lm_excess_bits: float | None = None
    lm_reject_bits: float | None = None
    severity: dict[str, str] = field(default_factory=dict)

    def wants(self, code: str) -> bool:
        if self.select and not code.startswith(self.select):
            return False
        return not (self.ignore and code.startswith(self.ignore))


def find_config(start: Path) -> Path | None:
    d = start.resolve()
    if d.is_file() or not d.exists():
        d = d.parent
    for folder in [d, *d.parents]:
        own = folder / "mtaudit.toml"
        if own.is_file():
            return own
        py = folder / "pyproject.toml"
        if py.is_file():
            try:
                if "mtaudit" in tomllib.loads(py.read_text(encoding="utf-8")).get("tool", {}):
                    return py
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
                raise ConfigError(f"{py}: malformed TOML: {e}") from None
    return None


def load_config(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: malformed TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror})") from None
    table = data.get("tool", {}).get("mtaudit", {}) if path.name == "pyproject.toml" else data
    where = f"{path}: [tool.mtaudit]" if path.name == "pyproject.toml" else str(path)
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    cfg = Config(path=path)

    def strs(key):
        v = table.get(key, [])
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise ConfigError(f"{where}: {key} must be a list of strings")
        return v

    cfg.select = tuple(s.upper() for s in strs("select"))
    cfg.ignore = tuple(s.upper() for s in strs("ignore"))
    cfg.glossaries = [(path.parent / g) for g in strs("glossaries")]
    if "fail-on" in table:
        if table["fail-on"] not in ("minor", "major", "critical", "never"):
            raise ConfigError(f"{where}: fail-on must be minor, major, critical or never")
        cfg.fail_on = table["fail-on"]
    if "lm" in table:
        v = table["lm"]
        v = {True: "on", False: "off"}.get(v, v)
        if v not in ("on", "off", "auto"):
            raise ConfigError(f"{where}: lm must be on, off or auto")
        cfg.lm = v
    for key in ("lm-excess-bits", "lm-reject-bits"):
        if key in table:
            if not isinstance(table[key], (int, float)) or isinstance(table[key], bool):
                raise ConfigError(f"{where}: {key} must be a number")
            setattr(cfg, key.replace("-", "_"), float(table[key]))
    sev = table.get("severity", {})
    if not isinstance(sev, dict):
        raise ConfigError(f"{where}: severity must be a table of CODE = \"minor|major|critical\"")
    for code, v in sev.items():
        if v not in defaults.SEVERITY_WEIGHTS:
            raise ConfigError(f"{where}: severity.{code} must be minor, major or critical")
        cfg.severity[code.upper()] = v
    return cfg


def config_for(path: str | Path | None, explicit: Path | None = None) -> Config:
    """The configuration that applies to ``path`` (or the current folder)."""
    if explicit is not None:
        return load_config(explicit)
    found = find_config(Path(path) if path and path != "-" else Path.cwd())
    return load_config(found) if found else Config()
