"""Calls over REST: call records with their quality summary, a participant's ICE servers,
and consults: the store's availability, free slots and booking for buyers.

Signalling itself runs over the WebSocket (`seabridge/calls/signalling.py`);
these routes are for the console's call history and for a client that needs
fresh TURN credentials (e.g. before an ICE restart after the first ones expired).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge.api.deps import Admin, Buyer, Caller, State
from seabridge.api.errors import ApiError, not_found
from seabridge.api.schemas import MAX_ID, Cursor, Limit, Page, after_id, errors
from seabridge.calls import appointments as appt
from seabridge.calls.ice import ice_config
from seabridge.db.calls import Appointment, Call
from seabridge.services.messaging import Actor, NotFound
from seabridge.state import AppState
from seabridge.storage import calls as store
from seabridge.storage import stores
from seabridge.storage.paging import page_of

router = APIRouter(prefix="/v1", tags=["calls"])

CallIdPath = Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Party(BaseModel):
    kind: str
    id: str | None


class CallOut(BaseModel):
    id: int
    call_id: str
    conversation_id: int
    media: str
    state: str
    outcome: str | None
    reason: str
    caller: Party
    callee: Party
    invited_at: datetime
    accepted_at: datetime | None
    connected_at: datetime | None
    ended_at: datetime | None
    duration_s: float
    ice_restarts: int
    quality: dict[str, Any]


class CallDetail(CallOut):
    stats: list[dict[str, Any]]


class IceServerOut(BaseModel):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class IceServersOut(BaseModel):
    call_id: str
    ice_servers: list[IceServerOut]
    ice_transport_policy: str
    expires_at: int | None


def call_out(row: Call) -> dict[str, Any]:
    duration = 0.0
    if row.connected_at is not None and row.ended_at is not None:
        duration = round((row.ended_at - row.connected_at).total_seconds(), 3)
    return {
        "id": row.id,
        "call_id": row.call_id,
        "conversation_id": row.conversation_id,
        "media": row.media,
        "state": row.state,
        "outcome": row.outcome,
        "reason": row.reason,
        "caller": {"kind": row.caller_kind, "id": row.caller_ref},
        "callee": {"kind": row.callee_kind, "id": row.callee_ref},
        "invited_at": row.invited_at,
        "accepted_at": row.accepted_at,
        "connected_at": row.connected_at,
        "ended_at": row.ended_at,
        "duration_s": duration,
        "ice_restarts": row.restarts,
        "quality": row.quality,
    }


@router.get("/calls", summary="List call records", response_model=Page[CallOut], responses=errors(400, 401, 422))
async def list_calls(
    caller: Caller,
    state: State,
    cursor: Cursor = None,
    conversation_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 50,
) -> Page[CallOut]:
    """The store's calls, oldest first: who, when, how long, how it ended and the quality summary."""
    async with state.sessions() as session:
        rows = await store.list_calls(
            session, caller.store_id, after_id=after_id(cursor), limit=limit + 1, conversation_id=conversation_id
        )
    page = page_of(rows, limit, rows[limit - 1].id if len(rows) > limit else None)
    return Page[CallOut].model_validate({"items": [call_out(r) for r in page.items], "next_cursor": page.next_cursor})


@router.get("/calls/{call_id}", summary="Get a call record", response_model=CallDetail, responses=errors(401, 404, 422))
async def get_call(call_id: CallIdPath, caller: Caller, state: State) -> CallDetail:
    """One call with every stats sample; a live call's quality summary is computed on the spot."""
    async with state.sessions() as session:
        row = await store.get_call(session, caller.store_id, call_id)
        if row is None:
            raise not_found("call")
        stats = await store.stats_for(session, caller.store_id, row)
    out = call_out(row)
    if not row.quality:
        out["quality"] = store.quality_summary(stats)
    samples = [
        {
            "participant": {"kind": s.participant_kind, "id": s.participant_ref},
            "at": s.at,
            "connection_state": s.connection_state,
            **{k: getattr(s, k) for k in ("rtt_ms", "jitter_ms", "loss_pct", "bitrate_kbps", "width", "height")},
            "fps": s.fps,
            "candidate_type": s.candidate_type,
        }
        for s in stats
    ]
    return CallDetail.model_validate({**out, "stats": samples})


async def _ice_for(state: State, actor: Actor, call_id: str) -> IceServersOut:
    async with state.sessions() as session:
        row = await store.get_call(session, actor.store_id, call_id)
        if row is None:
            raise not_found("call")
        if actor.kind == "buyer":
            try:
                await state.messaging.conversation_for(actor, row.conversation_id, session)
            except NotFound:
                raise not_found("call") from None
    cfg = ice_config(state.settings, row.call_id)
    return IceServersOut(
        call_id=row.call_id,
        ice_servers=[IceServerOut.model_validate(s.as_dict()) for s in cfg.servers],
        ice_transport_policy=cfg.transport_policy,
        expires_at=cfg.expires_at,
    )


@router.get(
    "/calls/{call_id}/ice-servers",
    summary="ICE servers for a call (agent)",
    response_model=IceServersOut,
    responses=errors(401, 404, 422),
)
async def agent_ice_servers(call_id: CallIdPath, caller: Caller, state: State) -> IceServersOut:
    """STUN/TURN servers with TURN credentials minted for this call (coturn's shared-secret scheme)."""
    return await _ice_for(state, Actor(caller.store_id, "agent", str(caller.agent_id or "")), call_id)


@router.get(
    "/widget/calls/{call_id}/ice-servers",
    summary="ICE servers for a call (buyer)",
    response_model=IceServersOut,
    responses=errors(401, 404, 422),
)
async def buyer_ice_servers(call_id: CallIdPath, buyer: Buyer, state: State) -> IceServersOut:
    """The same for the buyer of the call's conversation."""
    return await _ice_for(state, Actor(buyer.store_id, "buyer", buyer.visitor_id, buyer.customer_id), call_id)


# ---- consult availability and appointments ------------------------------------------------


class WindowIn(BaseModel):
    weekday: Annotated[int, Field(ge=0, le=6, description="0 = Monday")]
    start: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", examples=["09:00"])]
    end: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", examples=["12:00"])]
    slot_minutes: Annotated[int, Field(ge=10, le=240)] = 30


class AvailabilityIn(BaseModel):
    windows: Annotated[list[WindowIn], Field(max_length=100)]


class AvailabilityOut(BaseModel):
    timezone: str
    windows: list[WindowIn]


class SlotOut(BaseModel):
    starts_at: datetime
    ends_at: datetime
    local_start: str  # in the buyer's time zone, with its UTC offset that day
    store_local_start: str


class SlotsOut(BaseModel):
    timezone: str
    store_timezone: str
    slots: list[SlotOut]


class BookingIn(BaseModel):
    starts_at: datetime
    timezone: Annotated[str, Field(max_length=64, examples=["America/New_York"])]
    email: Annotated[str, Field(max_length=254)] = ""
    media: Literal["video", "audio"] = "video"


class AppointmentOut(BaseModel):
    id: int
    conversation_id: int
    call_id: str
    media: str
    starts_at: datetime
    ends_at: datetime
    buyer_timezone: str
    local_start: str
    store_local_start: str
    join_url: str
    reminded: bool


def _appointment_out(row: Appointment, store_tz: str, page: str) -> AppointmentOut:
    return AppointmentOut(
        id=row.id,
        conversation_id=row.conversation_id,
        call_id=row.call_id,
        media=row.media,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        buyer_timezone=row.buyer_timezone,
        local_start=row.starts_at.astimezone(appt.zone(row.buyer_timezone)).isoformat(),
        store_local_start=row.starts_at.astimezone(appt.zone(store_tz)).isoformat(),
        join_url=appt.join_url(page, row.call_id),
        reminded=row.reminded_at is not None,
    )


async def _store_tz(session: AsyncSession, store_id: int) -> str:
    shop = await stores.get_by_id(session, store_id)
    return shop.timezone if shop is not None and shop.timezone else "UTC"


async def _store_page(session: AsyncSession, state: AppState, store_id: int) -> str:
    """The page join links open (the store's `site_url`, else the demo store page)."""
    shop = await stores.get_by_id(session, store_id)
    slug, extra = (shop.slug, shop.extra) if shop is not None else ("", {})
    return appt.store_page(state.settings.effective_public_url, slug, extra)


@router.put(
    "/consults/availability",
    summary="Set consult availability",
    response_model=AvailabilityOut,
    responses=errors(401, 403, 422),
)
async def set_availability(body: AvailabilityIn, caller: Admin, state: State) -> AvailabilityOut:
    """Weekly windows in the store's own time zone; replaces the previous ones. Booked appointments stay."""
    rows = []
    for w in body.windows:
        try:
            start, end = appt.parse_hhmm(w.start), appt.parse_hhmm(w.end)
        except ValueError as exc:
            raise ApiError(422, str(exc)) from None
        if end - start < w.slot_minutes:
            raise ApiError(422, f"the window {w.start}-{w.end} is shorter than one slot")
        rows.append((w.weekday, start, end, w.slot_minutes))
    async with state.sessions() as session, session.begin():
        await store.replace_windows(session, caller.store_id, rows)
    return await get_availability(caller, state)


@router.get(
    "/consults/availability", summary="Consult availability", response_model=AvailabilityOut, responses=errors(401)
)
async def get_availability(caller: Caller, state: State) -> AvailabilityOut:
    async with state.sessions() as session:
        rows = await store.windows(session, caller.store_id)
        tz = await _store_tz(session, caller.store_id)
    windows = [
        WindowIn(
            weekday=r.weekday, start=appt.hhmm(r.start_minute), end=appt.hhmm(r.end_minute), slot_minutes=r.slot_minutes
        )
        for r in rows
    ]
    return AvailabilityOut(timezone=tz, windows=windows)


@router.get(
    "/consults/appointments",
    summary="Booked consults",
    response_model=list[AppointmentOut],
    responses=errors(401),
)
async def list_appointments(caller: Caller, state: State) -> list[AppointmentOut]:
    async with state.sessions() as session:
        rows = await store.appointments(session, caller.store_id)
        tz = await _store_tz(session, caller.store_id)
        page = await _store_page(session, state, caller.store_id)
    return [_appointment_out(r, tz, page) for r in rows]


@router.get(
    "/widget/consults/slots",
    summary="Free consult slots (buyer)",
    response_model=SlotsOut,
    responses=errors(401, 422),
)
async def free_slots(
    buyer: Buyer,
    state: State,
    timezone: Annotated[str, Query(max_length=64, examples=["America/New_York"])],
    start: Annotated[date | None, Query(description="First day (store calendar); default today")] = None,
    days: Annotated[int, Query(ge=1, le=appt.MAX_DAYS)] = 7,
) -> SlotsOut:
    """Free slots as instants, each also shown in the buyer's zone (`timezone`) with that day's offset."""
    try:
        buyer_tz = appt.zone(timezone)
    except appt.BadTimeZone as exc:
        raise ApiError(422, str(exc)) from None
    now = datetime.now(UTC)
    async with state.sessions() as session:
        store_tz = await _store_tz(session, buyer.store_id)
        first = start or now.astimezone(appt.zone(store_tz)).date()
        windows = await store.windows(session, buyer.store_id)
        taken = await store.booked_between(
            session, buyer.store_id, now - timedelta(days=2), now + timedelta(days=(first - now.date()).days + days + 2)
        )
    slots = appt.free_slots(windows, store_tz, first, days, now, {a.starts_at for a in taken})
    return SlotsOut(
        timezone=timezone,
        store_timezone=store_tz,
        slots=[
            SlotOut(
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                local_start=s.starts_at.astimezone(buyer_tz).isoformat(),
                store_local_start=s.starts_at.astimezone(appt.zone(store_tz)).isoformat(),
            )
            for s in slots
        ],
    )


@router.post(
    "/widget/consults/appointments",
    summary="Book a consult (buyer)",
    status_code=201,
    response_model=AppointmentOut,
    responses=errors(401, 409, 422),
)
async def book(body: BookingIn, buyer: Buyer, state: State) -> AppointmentOut:
    """Book a free slot in the buyer's conversation; both sides see it there, with the join link."""
    try:
        appt.zone(body.timezone)
    except appt.BadTimeZone as exc:
        raise ApiError(422, str(exc)) from None
    if body.starts_at.tzinfo is None:
        raise ApiError(422, "starts_at needs a time zone offset (e.g. Z)")
    starts_at = body.starts_at.astimezone(UTC)
    actor = Actor(buyer.store_id, "buyer", buyer.visitor_id, buyer.customer_id)
    conv = await state.messaging.open_for_buyer(actor)
    now = datetime.now(UTC)
    try:
        async with state.sessions() as session, session.begin():
            store_tz = await _store_tz(session, buyer.store_id)
            page = await _store_page(session, state, buyer.store_id)
            windows = await store.windows(session, buyer.store_id)
            taken = await store.booked_between(
                session, buyer.store_id, starts_at - timedelta(days=1), starts_at + timedelta(days=1)
            )
            try:
                slot = appt.find_slot(windows, store_tz, starts_at, now, {a.starts_at for a in taken})
            except appt.SlotUnavailable as exc:
                raise ApiError(409, str(exc), code="slot_unavailable") from None
            row = await store.add_appointment(
                session,
                Appointment(
                    store_id=buyer.store_id,
                    conversation_id=conv.id,
                    visitor_id=buyer.visitor_id,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    buyer_timezone=body.timezone,
                    email=body.email,
                    media=body.media,
                    call_id=appt.new_call_id(),
                    reminded_at=None,
                    created_at=now,
                ),
            )
    except IntegrityError:  # booked by someone else a moment ago
        raise ApiError(409, "that time is not a free consult slot", code="slot_unavailable") from None
    out = _appointment_out(row, store_tz, page)
    text = f"{body.media.capitalize()} consult booked for {appt.local_text(row.starts_at, body.timezone)}"
    data = {
        "event": "consult_booked",
        "call_id": row.call_id,
        "starts_at": row.starts_at.isoformat().replace("+00:00", "Z"),
        "store_local": out.store_local_start,
        "join_url": out.join_url,
    }
    await state.messaging.post_system(buyer.store_id, conv.id, f"consult-{row.call_id}-booked", text, data)
    return out


@router.get(
    "/widget/consults/appointments",
    summary="The buyer's consults",
    response_model=list[AppointmentOut],
    responses=errors(401),
)
async def my_appointments(buyer: Buyer, state: State) -> list[AppointmentOut]:
    async with state.sessions() as session:
        rows = await store.appointments_for_visitor(session, buyer.store_id, buyer.visitor_id)
        tz = await _store_tz(session, buyer.store_id)
        page = await _store_page(session, state, buyer.store_id)
    return [_appointment_out(r, tz, page) for r in rows]
