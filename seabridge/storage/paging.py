"""Keyset (cursor) pagination over integer primary keys."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class CursorError(ValueError):
    """The cursor was not made by this server."""


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)["after"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CursorError("invalid cursor") from exc
    if not isinstance(value, int) or value < 0:
        raise CursorError("invalid cursor")
    return value


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def page_of(rows: list[T], limit: int, last_id: int | None) -> Page[T]:
    """`rows` was fetched with limit + 1 to learn whether another page exists."""
    if len(rows) > limit:
        return Page(rows[:limit], encode_cursor(last_id) if last_id is not None else None)
    return Page(rows, None)
