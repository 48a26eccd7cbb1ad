"""Sets of text spans with logarithmic or span-length queries, so an audit stays linear in its input.

``Intervals`` is built once from a list of spans (which may overlap) and answers "does one span
contain or overlap this one" in O(log n). ``TakenMask`` grows as a detector takes spans and answers
in time proportional to the span asked about, whatever the number of spans taken.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable


class Intervals:
    """A fixed set of half-open spans ``(start, end)``."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        ordered = sorted((s, e) for s, e in spans)
        self._starts = [s for s, _ in ordered]
        self._max_end: list[int] = []  # the largest end among the first i + 1 spans
        top = -1
        for _, e in ordered:
            top = max(top, e)
            self._max_end.append(top)

    def _reach(self, starts_at_most: int) -> int:
        i = bisect.bisect_right(self._starts, starts_at_most)
        return self._max_end[i - 1] if i else -1

    def contains(self, start: int, end: int) -> bool:
        """Some span ``(s, e)`` has ``s <= start`` and ``end <= e``."""
        return self._reach(start) >= end

    def overlaps(self, start: int, end: int) -> bool:
        """Some span ``(s, e)`` has ``s < end`` and ``start < e``."""
        return self._reach(end - 1) > start

    def covers(self, pos: int) -> bool:
        """Some span ``(s, e)`` has ``s <= pos < e``."""
        return self._reach(pos) > pos


class TakenMask:
    """Character positions of a text taken by spans so far (one byte a character)."""

    def __init__(self, length: int):
        self._mask = bytearray(length + 1)

    def add(self, start: int, end: int) -> None:
        self._mask[start:end] = b"\x01" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        return self._mask.find(1, start, end) >= 0

    def covers(self, pos: int) -> bool:
        return bool(self._mask[pos])
