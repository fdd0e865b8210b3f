"""Consult appointments: weekly availability in the store's time zone, free slots, booking, .ics files.

Availability is a set of weekly windows in the store's local time. A slot is a
local wall-clock start inside a window; it becomes an instant (UTC) only on a
given date, so slots follow the store's daylight-saving changes: a local time
that does not exist that day (clocks jump forward) is skipped, and one that
exists twice (clocks fall back) is offered once, at its first occurrence. The
buyer sees the same instants in their own zone.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from seabridge.db.calls import Appointment, ConsultWindow

MAX_DAYS = 31


class BadTimeZone(ValueError):
    pass


class SlotUnavailable(Exception):
    """Not a slot of the store's availability, in the past, or taken."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadTimeZone(f"unknown time zone {name!r}") from None


def parse_hhmm(text: str) -> int:
    """Minutes after midnight from "HH:MM" (24:00 allowed as an end)."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"not a HH:MM time: {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > 24 * 60:
        raise ValueError(f"not a HH:MM time: {text!r}")
    return value


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _local(day: date, minute: int, tz: ZoneInfo) -> datetime | None:
    """The instant of a local wall-clock time on `day`, or None if the clocks skip it."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    local = wall.replace(tzinfo=tz, fold=0)
    back = local.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != wall:
        return None  # in a spring-forward gap
    return local


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime


def free_slots(
    windows: list[ConsultWindow],
    store_tz: str,
    first_day: date,
    days: int,
    now: datetime,
    booked: set[datetime],
) -> list[Slot]:
    """Free slots on `days` store-local dates from `first_day`, starting after `now`."""
    tz = zone(store_tz)
    out: list[Slot] = []
    for offset in range(min(days, MAX_DAYS)):
        day = first_day + timedelta(days=offset)
        for window in windows:
            if window.weekday != day.weekday():
                continue
            minute = window.start_minute
            while minute + window.slot_minutes <= window.end_minute:
                start = _local(day, minute, tz)
                if start is not None:
                    begins = start.astimezone(UTC)
                    if begins > now and begins not in booked:
                        out.append(Slot(begins, begins + timedelta(minutes=window.slot_minutes)))
                minute += window.slot_minutes
    return sorted(set(out), key=lambda s: s.starts_at)


def find_slot(
    windows: list[ConsultWindow], store_tz: str, starts_at: datetime, now: datetime, booked: set[datetime]
) -> Slot:
    """The free slot starting at `starts_at`, or `SlotUnavailable`."""
    local_day = starts_at.astimezone(zone(store_tz)).date()
    for slot in free_slots(windows, store_tz, local_day - timedelta(days=1), 3, now, booked):
        if slot.starts_at == starts_at:
            return slot
    raise SlotUnavailable("that time is not a free consult slot")


def new_call_id() -> str:
    return "c_appt_" + secrets.token_hex(8)


def store_page(public_url: str, slug: str, extra: Mapping[str, object]) -> str:
    """Where a join link opens: the store's own page with the widget (`site_url` in store.toml), so the
    buyer's browser finds its visitor there; without one, Seabridge's demo store page for that store."""
    site = extra.get("site_url")
    if isinstance(site, str) and site.startswith(("https://", "http://")):
        return site
    return f"{public_url.rstrip('/')}/demo-store?store={quote(slug, safe='')}"


def join_url(page: str, call_id: str) -> str:
    """The link that opens the call: the page's widget starts `call_id` (see docs/protocol.md, Calls)."""
    parts = urlsplit(page)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("seabridge_call", call_id)])
    return urlunsplit(parts._replace(query=query))


def local_text(instant: datetime, tz_name: str) -> str:
    local = instant.astimezone(zone(tz_name))
    return f"{local:%Y-%m-%d %H:%M} ({tz_name}, UTC{local:%z})"


def ics(appointment: Appointment, store_name: str, url: str) -> str:
    """An RFC 5545 calendar with the one consult (times in UTC)."""

    def stamp(value: datetime) -> str:
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Seabridge//Consults//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{appointment.call_id}@seabridge",
        f"DTSTAMP:{stamp(appointment.created_at)}",
        f"DTSTART:{stamp(appointment.starts_at)}",
        f"DTEND:{stamp(appointment.ends_at)}",
        f"SUMMARY:{escape(f'{appointment.media.capitalize()} consult with {store_name}')}",
        f"DESCRIPTION:{escape('Join: ' + url)}",
        f"URL:{url}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:Consult",
        "TRIGGER:-PT10M",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
