"""Consult appointments across far-apart time zones and daylight-saving changes; reminders by message and e-mail.

Slots are computed in the store's zone and shown in the buyer's; the DST days
used: New York falls back on 2026-11-01 and 2027-11-07, Berlin springs forward
on 2026-03-29 and 2027-03-28. E-mail goes to a small SMTP sink speaking the
real protocol on a loopback port.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from seabridge import security
from seabridge.calls import appointments as appt
from seabridge.calls.reminders import send_due_reminders
from seabridge.calls.signalling import signalling_for
from seabridge.db.calls import ConsultWindow
from seabridge.db.models import Store
from seabridge.messaging.frames import CallInviteFrame, ServerFrame
from seabridge.services.messaging import Actor
from seabridge.state import AppState
from tests.conftest import StoreHandle, make_store

SUNDAY = 6


def window(weekday: int, start: str, end: str, slot: int = 30) -> ConsultWindow:
    return ConsultWindow(
        store_id=0,
        weekday=weekday,
        start_minute=appt.parse_hhmm(start),
        end_minute=appt.parse_hhmm(end),
        slot_minutes=slot,
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_shanghai_store_new_york_buyer_on_the_november_change() -> None:
    # Sunday 13:00-15:00 in Shanghai is 01:00-03:00 in New York that night; at 06:00 UTC New York falls back.
    slots = appt.free_slots(
        [window(SUNDAY, "13:00", "15:00")], "Asia/Shanghai", date(2026, 11, 1), 1, utc("2026-10-01T00:00"), set()
    )
    starts = [s.starts_at for s in slots]
    assert starts == [
        utc("2026-11-01T05:00"),
        utc("2026-11-01T05:30"),
        utc("2026-11-01T06:00"),
        utc("2026-11-01T06:30"),
    ]
    ny = [appt.local_text(s, "America/New_York") for s in starts]
    # Two slots read "01:00" for the buyer, an hour apart: the offset tells them apart.
    assert ny == [
        "2026-11-01 01:00 (America/New_York, UTC-0400)",
        "2026-11-01 01:30 (America/New_York, UTC-0400)",
        "2026-11-01 01:00 (America/New_York, UTC-0500)",
        "2026-11-01 01:30 (America/New_York, UTC-0500)",
    ]
    # A week later the same store hours are 00:00-02:00 for the buyer.
    later = appt.free_slots(
        [window(SUNDAY, "13:00", "15:00")], "Asia/Shanghai", date(2026, 11, 8), 1, utc("2026-10-01T00:00"), set()
    )
    assert appt.local_text(later[0].starts_at, "America/New_York") == "2026-11-08 00:00 (America/New_York, UTC-0500)"


def test_berlin_store_skips_the_hour_that_does_not_exist_in_march() -> None:
    windows = [window(SUNDAY, "01:00", "04:00")]
    before = appt.free_slots(windows, "Europe/Berlin", date(2026, 3, 22), 1, utc("2026-01-01T00:00"), set())
    change = appt.free_slots(windows, "Europe/Berlin", date(2026, 3, 29), 1, utc("2026-01-01T00:00"), set())
    assert len(before) == 6 and before[0].starts_at == utc("2026-03-22T00:00")
    # 02:00 and 02:30 do not exist on 29 March: four slots, and 03:00 CEST follows 01:30 CET directly.
    assert [s.starts_at for s in change] == [
        utc("2026-03-29T00:00"),
        utc("2026-03-29T00:30"),
        utc("2026-03-29T01:00"),
        utc("2026-03-29T01:30"),
    ]
    assert [appt.local_text(s.starts_at, "Asia/Tokyo")[11:16] for s in change] == ["09:00", "09:30", "10:00", "10:30"]


def test_a_new_york_store_falling_back_offers_the_repeated_hour_once() -> None:
    slots = appt.free_slots(
        [window(SUNDAY, "00:30", "02:30")], "America/New_York", date(2026, 11, 1), 1, utc("2026-10-01T00:00"), set()
    )
    # 00:30, 01:00, 01:30 (first occurrence, EDT), 02:00 EST: the repeated 01:00-02:00 is offered once.
    assert [s.starts_at for s in slots] == [
        utc("2026-11-01T04:30"),
        utc("2026-11-01T05:00"),
        utc("2026-11-01T05:30"),
        utc("2026-11-01T07:00"),
    ]


def test_join_links_open_the_stores_own_page() -> None:
    own = appt.store_page("http://sb.example", "shop", {"site_url": "https://shop.example/help?lang=es"})
    assert appt.join_url(own, "c_appt_1") == "https://shop.example/help?lang=es&seabridge_call=c_appt_1"
    fallback = appt.store_page("http://sb.example/", "my shop", {"site_url": "javascript:alert(1)"})
    assert appt.join_url(fallback, "c_appt_2") == "http://sb.example/demo-store?store=my+shop&seabridge_call=c_appt_2"


def test_past_and_booked_slots_are_not_offered() -> None:
    windows = [window(0, "09:00", "11:00", 60)]
    now = utc("2026-03-02T01:30")  # Monday 09:30 in Shanghai
    slots = appt.free_slots(windows, "Asia/Shanghai", date(2026, 3, 2), 8, now, {utc("2026-03-09T01:00")})
    assert [s.starts_at for s in slots] == [utc("2026-03-02T02:00"), utc("2026-03-09T02:00")]


class SmtpSink:
    """Enough SMTP (RFC 5321) for smtplib: EHLO/HELO, MAIL, RCPT, DATA, QUIT."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.received = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink ESMTP\r\n")
        recipients: list[str] = []
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                writer.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                writer.write(b"250 ok\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                body = await reader.readuntil(b"\r\n.\r\n")
                message = email.message_from_bytes(body[:-5], policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                self.messages.append((recipients, message))
                self.received.set()
                writer.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:  # HELO, MAIL, RSET, NOOP
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink()
    await sink.start()
    try:
        yield sink
    finally:
        await sink.stop()


def buyer(state: AppState, store_id: int) -> tuple[str, dict[str, str]]:
    visitor = "v_" + secrets.token_hex(6)
    claims = security.BuyerClaims(store_id, visitor, None, int(time.time()) + 3600)
    token = security.sign_buyer_token(state.server_key, claims)
    return visitor, {"Authorization": f"Bearer {token}"}


async def store_in(state: AppState, timezone: str) -> StoreHandle:
    handle = await make_store(state)
    async with state.sessions() as session, session.begin():
        await session.execute(update(Store).where(Store.id == handle.id).values(timezone=timezone))
    return handle


async def test_book_across_zones_on_a_dst_day_over_rest(
    state: AppState, client: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    shop = await store_in(state, "Asia/Shanghai")
    windows = {"windows": [{"weekday": SUNDAY, "start": "13:00", "end": "15:00", "slot_minutes": 30}]}
    put = await client.put("/v1/consults/availability", json=windows, headers=shop.auth)
    assert put.status_code == 200, put.text
    assert put.json()["timezone"] == "Asia/Shanghai"
    visitor, me = buyer(state, shop.id)
    query = {"timezone": "America/New_York", "start": "2027-11-07", "days": 1}
    listed = await client.get("/v1/widget/consults/slots", params=query, headers=me)
    assert listed.status_code == 200, listed.text
    slots = listed.json()["slots"]
    assert [s["local_start"] for s in slots] == [
        "2027-11-07T01:00:00-04:00",
        "2027-11-07T01:30:00-04:00",
        "2027-11-07T01:00:00-05:00",
        "2027-11-07T01:30:00-05:00",
    ]
    assert slots[2]["store_local_start"] == "2027-11-07T14:00:00+08:00"
    booking = {"starts_at": slots[2]["starts_at"], "timezone": "America/New_York", "email": "ana@buyer.example"}
    booked = await client.post("/v1/widget/consults/appointments", json=booking, headers=me)
    assert booked.status_code == 201, booked.text
    appointment: dict[str, Any] = booked.json()
    assert appointment["local_start"] == "2027-11-07T01:00:00-05:00"
    # Without a site_url in store.toml the link opens Seabridge's demo store page for this store.
    assert appointment["join_url"] == (
        f"{state.settings.effective_public_url}/demo-store?store={shop.slug}&seabridge_call={appointment['call_id']}"
    )
    # Taken now: not offered again, and a second booking is refused.
    _, other = buyer(state, shop.id)
    again = await client.post("/v1/widget/consults/appointments", json=booking, headers=other)
    assert again.status_code == 409 and again.json()["error"]["code"] == "slot_unavailable"
    listed = await client.get("/v1/widget/consults/slots", params=query, headers=other)
    assert appointment["starts_at"] not in [s["starts_at"] for s in listed.json()["slots"]]
    # Not a slot at all (15:00 is outside the window) and a slot from a wrong zone name.
    outside = {**booking, "starts_at": "2027-11-07T07:00:00Z"}
    assert (await client.post("/v1/widget/consults/appointments", json=outside, headers=other)).status_code == 409
    bad_zone = {**booking, "timezone": "Mars/Olympus_Mons"}
    assert (await client.post("/v1/widget/consults/appointments", json=bad_zone, headers=other)).status_code == 422
    # The seller's side sees it in the store's zone, and the conversation has the booking message.
    seen = (await client.get("/v1/consults/appointments", headers=shop.auth)).json()
    assert [(a["call_id"], a["store_local_start"]) for a in seen] == [
        (appointment["call_id"], "2027-11-07T14:00:00+08:00")
    ]
    messages = await client.get(f"/v1/conversations/{appointment['conversation_id']}/messages", headers=shop.auth)
    events = [m["data"].get("event") for m in messages.json()["items"] if m.get("data")]
    assert "consult_booked" in events

    # Reminders: due 15 minutes before; a message in the conversation and an e-mail with the .ics.
    state.settings.smtp_host, state.settings.smtp_port = "127.0.0.1", smtp.port
    starts = datetime.fromisoformat(appointment["starts_at"].replace("Z", "+00:00"))

    def before(seconds: int) -> datetime:
        return datetime.fromtimestamp(starts.timestamp() - seconds, UTC)

    assert await send_due_reminders(state, before(3600)) == 0  # an hour early: nothing yet
    assert await send_due_reminders(state, before(600)) == 1
    await asyncio.wait_for(smtp.received.wait(), 10)
    assert await send_due_reminders(state, before(300)) == 0  # once only
    recipients, mail = smtp.messages[0]
    assert "ana@buyer.example" in recipients and len(smtp.messages) == 1
    calendar = next(part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar")
    ics = calendar.get_content()
    assert "DTSTART:20271107T060000Z" in ics and appointment["call_id"] in ics
    messages = await client.get(f"/v1/conversations/{appointment['conversation_id']}/messages", headers=shop.auth)
    reminder = next(m for m in messages.json()["items"] if (m.get("data") or {}).get("event") == "consult_reminder")
    assert "01:00 (America/New_York, UTC-0500)" in reminder["text"]
    assert reminder["data"]["join_url"] == appointment["join_url"]

    # The join link's call id opens the call in that conversation, and only there.
    replies: list[ServerFrame] = []
    owner = Actor(shop.id, "buyer", visitor)
    frame = CallInviteFrame(conversation_id=str(appointment["conversation_id"]), call_id=appointment["call_id"])
    await signalling_for(state).handle(owner, frame, replies.append)
    assert [r.type for r in replies] == ["call_ice_servers"]
    stranger_visitor, _ = buyer(state, shop.id)
    stranger = Actor(shop.id, "buyer", stranger_visitor)
    conv = await state.messaging.open_for_buyer(stranger)
    replies.clear()
    taken = CallInviteFrame(conversation_id=str(conv.id), call_id=appointment["call_id"])
    await signalling_for(state).handle(stranger, taken, replies.append)
    assert [getattr(r, "code", None) for r in replies] == ["call_exists"]


async def test_availability_is_validated_and_per_store(state: AppState, client: httpx.AsyncClient) -> None:
    berlin = await store_in(state, "Europe/Berlin")
    other = await store_in(state, "Asia/Shanghai")
    bad = {"windows": [{"weekday": 0, "start": "10:00", "end": "10:15", "slot_minutes": 30}]}
    assert (await client.put("/v1/consults/availability", json=bad, headers=berlin.auth)).status_code == 422
    late = {"windows": [{"weekday": 0, "start": "10:00", "end": "25:00"}]}
    assert (await client.put("/v1/consults/availability", json=late, headers=berlin.auth)).status_code == 422
    good = {"windows": [{"weekday": SUNDAY, "start": "01:00", "end": "04:00", "slot_minutes": 30}]}
    assert (await client.put("/v1/consults/availability", json=good, headers=berlin.auth)).status_code == 200
    assert (await client.get("/v1/consults/availability", headers=other.auth)).json()["windows"] == []
    _, me = buyer(state, berlin.id)
    query = {"timezone": "Asia/Shanghai", "start": "2027-03-28", "days": 1}
    slots = (await client.get("/v1/widget/consults/slots", params=query, headers=me)).json()["slots"]
    assert [s["store_local_start"][11:19] for s in slots] == ["01:00:00", "01:30:00", "03:00:00", "03:30:00"]
    assert slots[0]["local_start"] == "2027-03-28T08:00:00+08:00"
    _, theirs = buyer(state, other.id)
    assert (await client.get("/v1/widget/consults/slots", params=query, headers=theirs)).json()["slots"] == []
