"""Calls, their stats samples, consult windows and appointments: SQL only, scoped by store."""

from __future__ import annotations

from datetime import UTC, datetime
from statistics import fmean
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge.db.calls import Appointment, Call, CallStat, ConsultWindow

ACTIVE_STATES = ("inviting", "ringing", "accepted", "connected")


def _now() -> datetime:
    return datetime.now(UTC)


async def get_call(session: AsyncSession, store_id: int, call_id: str) -> Call | None:
    row = await session.scalar(select(Call).where(Call.call_id == call_id))
    return row if row is not None and row.store_id == store_id else None


async def call_by_id(session: AsyncSession, call_id: str) -> Call | None:
    """Any store's call (for the timeout worker, which acts for no caller)."""
    row: Call | None = await session.scalar(select(Call).where(Call.call_id == call_id))
    return row


async def call_id_taken(session: AsyncSession, call_id: str) -> bool:
    return await session.scalar(select(Call.id).where(Call.call_id == call_id)) is not None


async def busy(session: AsyncSession, store_id: int, conversation_id: int, parties: list[tuple[str, str]]) -> bool:
    """Is there a live call in the conversation, or one with any of these participants in it?"""
    clauses = [Call.conversation_id == conversation_id]
    for kind, ref in parties:
        clauses.append((Call.caller_kind == kind) & (Call.caller_ref == ref))
        clauses.append((Call.callee_kind == kind) & (Call.callee_ref == ref))
    found = await session.scalar(
        select(Call.id).where(Call.store_id == store_id, Call.state.in_(ACTIVE_STATES), or_(*clauses)).limit(1)
    )
    return found is not None


async def due_calls(session: AsyncSession, now: datetime, limit: int = 100) -> list[Call]:
    """Calls whose ring or setup timeout has passed (across stores: the timeout worker's query)."""
    rows = await session.scalars(select(Call).where(Call.deadline_at <= now).order_by(Call.deadline_at).limit(limit))
    return list(rows)


async def list_calls(
    session: AsyncSession, store_id: int, *, after_id: int, limit: int, conversation_id: int | None = None
) -> list[Call]:
    query = select(Call).where(Call.store_id == store_id, Call.id > after_id)
    if conversation_id is not None:
        query = query.where(Call.conversation_id == conversation_id)
    return list(await session.scalars(query.order_by(Call.id).limit(limit)))


async def add_stat(session: AsyncSession, call: Call, kind: str, ref: str, values: dict[str, Any]) -> None:
    session.add(
        CallStat(
            store_id=call.store_id, call_id=call.id, participant_kind=kind, participant_ref=ref, at=_now(), **values
        )
    )


async def stats_for(session: AsyncSession, store_id: int, call: Call) -> list[CallStat]:
    rows = await session.scalars(
        select(CallStat).where(CallStat.store_id == store_id, CallStat.call_id == call.id).order_by(CallStat.id)
    )
    return list(rows)


def quality_summary(stats: list[CallStat]) -> dict[str, Any]:
    """What the call record shows: averages and worst cases over the samples."""

    def values(name: str) -> list[float]:
        return [float(v) for s in stats if (v := getattr(s, name)) is not None]

    def avg(name: str) -> float | None:
        got = values(name)
        return round(fmean(got), 1) if got else None

    def worst(name: str) -> float | None:
        got = values(name)
        return round(max(got), 1) if got else None

    heights = values("height")
    top = max((s for s in stats if s.height), key=lambda s: s.height or 0, default=None)
    candidates = sorted({s.candidate_type for s in stats if s.candidate_type})
    return {
        "samples": len(stats),
        "rtt_ms_avg": avg("rtt_ms"),
        "rtt_ms_max": worst("rtt_ms"),
        "jitter_ms_avg": avg("jitter_ms"),
        "loss_pct_max": worst("loss_pct"),
        "bitrate_kbps_avg": avg("bitrate_kbps"),
        "fps_avg": avg("fps"),
        "resolution_max": f"{top.width}x{top.height}" if top is not None and heights else None,
        "candidate_types": candidates,
        "failed": any(s.connection_state == "failed" for s in stats),
    }


# ---- consult availability and appointments --------------------------------


async def windows(session: AsyncSession, store_id: int) -> list[ConsultWindow]:
    rows = await session.scalars(
        select(ConsultWindow)
        .where(ConsultWindow.store_id == store_id)
        .order_by(ConsultWindow.weekday, ConsultWindow.start_minute)
    )
    return list(rows)


async def replace_windows(session: AsyncSession, store_id: int, new: list[tuple[int, int, int, int]]) -> None:
    """(weekday, start minute, end minute, slot minutes) rows replace the store's availability."""
    await session.execute(delete(ConsultWindow).where(ConsultWindow.store_id == store_id))
    for weekday, start, end, slot in new:
        session.add(
            ConsultWindow(store_id=store_id, weekday=weekday, start_minute=start, end_minute=end, slot_minutes=slot)
        )
    await session.flush()


async def booked_between(session: AsyncSession, store_id: int, start: datetime, end: datetime) -> list[Appointment]:
    rows = await session.scalars(
        select(Appointment).where(
            Appointment.store_id == store_id, Appointment.starts_at >= start, Appointment.starts_at < end
        )
    )
    return list(rows)


async def add_appointment(session: AsyncSession, appointment: Appointment) -> Appointment:
    session.add(appointment)
    await session.flush()
    return appointment


async def appointment_by_call_id(session: AsyncSession, call_id: str) -> Appointment | None:
    """The appointment whose join link opens `call_id` (any store: call ids are global)."""
    row: Appointment | None = await session.scalar(select(Appointment).where(Appointment.call_id == call_id))
    return row


async def appointments_for_visitor(session: AsyncSession, store_id: int, visitor_id: str) -> list[Appointment]:
    rows = await session.scalars(
        select(Appointment)
        .where(Appointment.store_id == store_id, Appointment.visitor_id == visitor_id)
        .order_by(Appointment.starts_at)
    )
    return list(rows)


async def appointments(session: AsyncSession, store_id: int) -> list[Appointment]:
    rows = await session.scalars(
        select(Appointment).where(Appointment.store_id == store_id).order_by(Appointment.starts_at)
    )
    return list(rows)


async def due_reminders(session: AsyncSession, before: datetime, limit: int = 50) -> list[Appointment]:
    """Appointments starting before `before` not reminded yet (across stores: the reminder worker's query)."""
    rows = await session.scalars(
        select(Appointment)
        .where(Appointment.reminded_at.is_(None), Appointment.starts_at <= before)
        .order_by(Appointment.starts_at)
        .limit(limit)
    )
    return list(rows)
