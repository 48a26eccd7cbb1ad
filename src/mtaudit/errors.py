"""Errors that name where a data file went wrong (core: every layer may raise them)."""
from __future__ import annotations


class GlossaryError(Exception):
    """A glossary file or row that cannot be loaded; the message starts with ``path:line:``."""

    def __init__(self, path, line: int | None, message: str):
        self.path, self.line = str(path), line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
