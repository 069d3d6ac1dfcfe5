"""Detect copied upstream prose: any run of N consecutive words shared with a source text."""

from __future__ import annotations

import re
from collections.abc import Iterable

WORD = re.compile(r"[a-z0-9]+")
DEFAULT_RUN = 8


def words(text: str) -> list[str]:
    """Lower-cased word tokens; punctuation and markdown are ignored."""
    return WORD.findall(text.lower().replace("’", "'").replace("'", ""))


def shingles(text: str, run: int = DEFAULT_RUN) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + run]) for i in range(len(tokens) - run + 1)}


class OverlapIndex:
    """All N-word runs of a set of source texts."""

    def __init__(self, sources: Iterable[str], run: int = DEFAULT_RUN) -> None:
        self.run = run
        self._runs: set[tuple[str, ...]] = set()
        for text in sources:
            self._runs |= shingles(text, run)

    def copied_runs(self, text: str) -> list[str]:
        """The runs of `text` that also appear in a source."""
        return sorted(" ".join(r) for r in shingles(text, self.run) if r in self._runs)
