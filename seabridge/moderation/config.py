"""Moderation configuration: a frozen value, loadable from a TOML-shaped dict.

    {"mask": ["card", "email", "iban"], "max_chars": 4000,
     "patterns": {"voucher": "VCH-[0-9]{8}"},
     "blocked": {"*": {"reject": [...], "hold": [...], "mask": [...]}, "es": {...}}}

`patterns` are always applied and masked as "[name]"; `mask` enables built-in detectors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seabridge.moderation.blocklist import BlockAction, BlockedWord
from seabridge.moderation.pii import BUILTIN_DETECTORS

DEFAULT_MAX_CHARS = 4000
_KEYS = frozenset({"mask", "max_chars", "blocked", "patterns"})


@dataclass(frozen=True)
class ModerationConfig:
    mask: frozenset[str] = frozenset({"card", "email", "iban"})
    max_chars: int = DEFAULT_MAX_CHARS
    blocked: tuple[BlockedWord, ...] = ()
    patterns: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        unknown = self.mask - BUILTIN_DETECTORS.keys()
        if unknown:
            raise ValueError(f"unknown detectors in mask: {sorted(unknown)}")
        if self.max_chars < 1:
            raise ValueError("max_chars must be positive")
        for name, pattern in self.patterns:
            if name in BUILTIN_DETECTORS or name in {"card_number", "too_long"} or not name.isidentifier():
                raise ValueError(f"invalid pattern name: {name!r}")
            re.compile(pattern)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModerationConfig:
        unknown = set(data) - _KEYS
        if unknown:
            raise ValueError(f"unknown moderation settings: {sorted(unknown)}")
        mask = data.get("mask", sorted(cls.mask))
        max_chars = data.get("max_chars", DEFAULT_MAX_CHARS)
        patterns = data.get("patterns", {})
        if not isinstance(mask, list) or not all(isinstance(name, str) for name in mask):
            raise ValueError("mask must be a list of detector names")
        if not isinstance(max_chars, int) or isinstance(max_chars, bool):
            raise ValueError("max_chars must be an integer")
        if not isinstance(patterns, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in patterns.items()
        ):
            raise ValueError("patterns must map names to regular expressions")
        return cls(
            mask=frozenset(mask),
            max_chars=max_chars,
            blocked=_blocked_words(data.get("blocked", {})),
            patterns=tuple(sorted(patterns.items())),
        )


def _blocked_words(blocked: object) -> tuple[BlockedWord, ...]:
    if not isinstance(blocked, Mapping):
        raise ValueError("blocked must map locales to {action: [words]}")
    words: list[BlockedWord] = []
    for locale, by_action in blocked.items():
        if not isinstance(locale, str) or not isinstance(by_action, Mapping):
            raise ValueError("blocked must map locales to {action: [words]}")
        for action, entries in by_action.items():
            if action not in BlockAction.__members__.values():
                raise ValueError(f"unknown blocked-word action {action!r} for locale {locale!r}")
            if not isinstance(entries, list) or not all(isinstance(w, str) and w.strip() for w in entries):
                raise ValueError(f"blocked words for {locale!r}/{action} must be non-empty strings")
            words.extend(BlockedWord(locale, word.strip(), BlockAction(action)) for word in entries)
    return tuple(words)
