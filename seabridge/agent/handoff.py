"""Handing a conversation to a person: when someone will answer, and the summary the agent reads.

Opening hours are the store's, in the store's time zone; the buyer is told
the next opening in their own time zone and locale.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from seabridge.agent.locale import WEEKDAYS, Locale
from seabridge.agent.views import StoreProfile


def _span(opens: str, closes: str) -> tuple[time, time]:
    return time.fromisoformat(opens), time.fromisoformat(closes)


def is_open(store: StoreProfile, now: datetime) -> bool:
    if not store.hours:
        return True  # no hours configured: the team is assumed reachable
    local = now.astimezone(ZoneInfo(store.timezone))
    for weekday, opens, closes in store.hours:
        start, end = _span(opens, closes)
        if weekday == local.weekday() and start <= local.time() < end:
            return True
    return False


def next_opening(store: StoreProfile, now: datetime) -> datetime | None:
    """The next time the team opens after `now` (aware, in the store's zone); None without hours."""
    if not store.hours:
        return None
    tz = ZoneInfo(store.timezone)
    local = now.astimezone(tz)
    for days in range(8):
        day = local.date() + timedelta(days=days)
        for weekday, opens, closes in sorted(store.hours):
            if weekday != day.weekday():
                continue
            start, _ = _span(opens, closes)
            candidate = datetime.combine(day, start, tzinfo=tz)
            if candidate > local:
                return candidate
    return None


def hours_text(store: StoreProfile, loc: Locale) -> str:
    """'Mon–Fri 09:00–18:00, Sat 10:00–16:00' in the reader's language (weekday names from CLDR)."""
    groups: list[tuple[list[int], str, str]] = []
    for weekday, opens, closes in sorted(store.hours):
        if groups and groups[-1][1:] == (opens, closes) and groups[-1][0][-1] == weekday - 1:
            groups[-1][0].append(weekday)
        else:
            groups.append(([weekday], opens, closes))
    parts = []
    for days, opens, closes in groups:
        first, last = loc.weekday(WEEKDAYS[days[0]]), loc.weekday(WEEKDAYS[days[-1]])
        label = first if len(days) == 1 else f"{first}–{last}"
        parts.append(f"{label} {opens}–{closes}")
    return ", ".join(parts)


def when_text(store: StoreProfile, now: datetime, buyer_tz: str, loc: Locale) -> tuple[bool, str]:
    """(open now, the next opening as the buyer reads it)."""
    if is_open(store, now):
        return True, ""
    opening = next_opening(store, now)
    if opening is None:
        return True, ""
    return False, loc.weekday_time(opening, buyer_tz or store.timezone)
