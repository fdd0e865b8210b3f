"""Per-locale blocked-word lists and the scan that finds them in a message.

Words are matched with the Aho-Corasick automaton in `automaton.py` (our own: tiny, no
dependency, linear in the text whatever the list size, and it runs on our normalized text).
Matching is caseless: each character cluster (a base character and its combining marks) is
folded with NFKC + casefold + NFKC, so "ＳＴＲＡẞＥ", "Straße" and "strasse" are the same
word. Default folding maps "İ" to "i"; for Turkish and Azerbaijani text "I" folds to "ı"
and "İ" to "i", so "sık" and "sik" stay distinct words there.

Words written in scripts that separate words with spaces (Latin, Cyrillic, Greek, Arabic...)
match whole words only; words containing Han, kana, Hangul, Thai, Lao, Khmer or Myanmar
characters match anywhere, as those texts have no spaces (or, for Korean, glue particles on).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from seabridge.moderation.automaton import Automaton

ANY_LOCALE = "*"
_TURKIC = frozenset({"tr", "az"})
_COMBINING_DOT_ABOVE = "\u0307"

# Scripts written without spaces between words.
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


class BlockAction(StrEnum):
    MASK = "mask"
    HOLD = "hold"
    REJECT = "reject"


@dataclass(frozen=True)
class BlockedWord:
    """One configured entry; `locale` is a language tag ("es", "pt-BR") or "*" for all."""

    locale: str
    word: str
    action: BlockAction


@dataclass(frozen=True)
class Match:
    """A blocked word found at `text[start:end]` (offsets into the original text)."""

    start: int
    end: int
    action: BlockAction
    word: str


@dataclass(frozen=True)
class _Entry:
    word: str
    action: BlockAction
    whole_word: bool


def locale_key(locale: str) -> str:
    return locale.strip().replace("_", "-").casefold()


def _is_turkic(locale: str) -> bool:
    return locale_key(locale).split("-")[0] in _TURKIC


def is_unspaced(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _UNSPACED_RANGES)


def fold(text: str, turkic: bool = False) -> str:
    """Caseless matching key of `text`."""
    text = unicodedata.normalize("NFKC", text)
    if turkic:
        text = text.replace("I", "ı").replace("İ", "i")
    folded = unicodedata.normalize("NFKC", text.casefold())
    if not turkic:
        folded = folded.replace("i" + _COMBINING_DOT_ABOVE, "i")
    return folded


@dataclass(frozen=True)
class _Folded:
    """Folded text plus, for each folded character, the original cluster it came from."""

    text: str
    starts: list[int]
    ends: list[int]


def _fold_with_offsets(text: str, turkic: bool) -> _Folded:
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    index = 0
    while index < len(text):
        stop = index + 1
        while stop < len(text) and unicodedata.combining(text[stop]):
            stop += 1
        folded = fold(text[index:stop], turkic)
        parts.append(folded)
        starts.extend([index] * len(folded))
        ends.extend([stop] * len(folded))
        index = stop
    return _Folded("".join(parts), starts, ends)


def _is_word_char(ch: str) -> bool:
    return (ch.isalnum() or ch == "_" or bool(unicodedata.combining(ch))) and not is_unspaced(ch)


class Blocklist:
    """Scans text for the words configured for its locale plus the "*" words."""

    def __init__(self, words: Iterable[BlockedWord]) -> None:
        self._words: dict[str, list[BlockedWord]] = {}
        for entry in words:
            self._words.setdefault(locale_key(entry.locale), []).append(entry)
        # Keyed by which configured lists apply, so arbitrary client locales cannot grow it.
        self._automata: dict[tuple[tuple[str, ...], bool], Automaton[_Entry]] = {}

    def _lists_for(self, locale: str) -> tuple[str, ...]:
        key = locale_key(locale)
        language = key.split("-")[0]
        candidates = (ANY_LOCALE, language, key)
        return tuple(dict.fromkeys(name for name in candidates if name in self._words))

    def _automaton(self, lists: tuple[str, ...], turkic: bool) -> Automaton[_Entry]:
        automaton = self._automata.get((lists, turkic))
        if automaton is None:
            patterns: list[tuple[str, _Entry]] = []
            for name in lists:
                for blocked in self._words[name]:
                    folded = fold(blocked.word, turkic)
                    whole_word = not any(is_unspaced(ch) for ch in folded)
                    patterns.append((folded, _Entry(blocked.word, blocked.action, whole_word)))
            automaton = Automaton(patterns)
            self._automata[(lists, turkic)] = automaton
        return automaton

    def scan(self, text: str, locale: str) -> list[Match]:
        """Every blocked word in `text`, overlaps included, ordered by position."""
        lists = self._lists_for(locale)
        if not lists:
            return []
        turkic = _is_turkic(locale)
        folded = _fold_with_offsets(text, turkic)
        found: set[Match] = set()
        for start, end, entry in self._automaton(lists, turkic).find(folded.text):
            if entry.whole_word and not _on_word_boundaries(text, folded, start, end):
                continue
            found.add(Match(folded.starts[start], folded.ends[end - 1], entry.action, entry.word))
        return sorted(found, key=lambda match: (match.start, match.end, match.action))


def _on_word_boundaries(text: str, folded: _Folded, start: int, end: int) -> bool:
    # A match that starts or ends inside a folded cluster (e.g. half of "ß" -> "ss") is not a word.
    if start > 0 and folded.starts[start - 1] == folded.starts[start]:
        return False
    if end < len(folded.text) and folded.starts[end] == folded.starts[end - 1]:
        return False
    original_start, original_end = folded.starts[start], folded.ends[end - 1]
    if original_start > 0 and _is_word_char(text[original_start - 1]):
        return False
    return not (original_end < len(text) and _is_word_char(text[original_end]))
