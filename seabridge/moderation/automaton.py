"""Aho-Corasick multi-pattern matching over already-normalized text.

Written here rather than taken from `pyahocorasick` (which is available) because:
the automaton is ~60 lines with no native dependency to build per platform; it runs in
time linear in the text plus the number of matches, whatever the number of words in a
per-locale list; and matching works on `str` code points exactly as the blocklist's own
Unicode normalization produced them (casefold, NFKC, Turkic I), with a map back to
original offsets. `pyahocorasick`'s key type depends on how it was compiled (bytes or
unicode) and it offers no hook for that folding, so we would normalize outside it anyway.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_ROOT = 0


class Automaton(Generic[T]):
    """Immutable matcher built once from `(pattern, value)` pairs; patterns match verbatim."""

    def __init__(self, patterns: Iterable[tuple[str, T]]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        self._fail: list[int] = [_ROOT]
        self._out: list[tuple[tuple[int, T], ...]] = [()]
        for pattern, value in patterns:
            if not pattern:
                raise ValueError("an Aho-Corasick pattern must not be empty")
            node = self._insert(pattern)
            self._out[node] = (*self._out[node], (len(pattern), value))
        self._link()

    def _insert(self, pattern: str) -> int:
        node = _ROOT
        for ch in pattern:
            child = self._goto[node].get(ch)
            if child is None:
                child = len(self._goto)
                self._goto.append({})
                self._fail.append(_ROOT)
                self._out.append(())
                self._goto[node][ch] = child
            node = child
        return node

    def _link(self) -> None:
        """Breadth-first: each node's failure link is the longest proper suffix in the trie."""
        queue = deque(self._goto[_ROOT].values())
        while queue:
            node = queue.popleft()
            for ch, child in self._goto[node].items():
                queue.append(child)
                fallback = self._fail[node]
                while fallback != _ROOT and ch not in self._goto[fallback]:
                    fallback = self._fail[fallback]
                self._fail[child] = self._goto[fallback].get(ch, _ROOT)
                # Outputs of the suffix state are matches here too (e.g. "he" inside "she").
                self._out[child] = self._out[child] + self._out[self._fail[child]]

    def find(self, text: str) -> Iterator[tuple[int, int, T]]:
        """Yield every occurrence, overlapping ones included, as `(start, end, value)`."""
        node = _ROOT
        for index, ch in enumerate(text):
            while node != _ROOT and ch not in self._goto[node]:
                node = self._fail[node]
            node = self._goto[node].get(ch, _ROOT)
            for length, value in self._out[node]:
                yield index + 1 - length, index + 1, value
