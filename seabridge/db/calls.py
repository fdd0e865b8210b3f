"""ORM tables for calls and consults: call records, stats samples, availability, appointments.

A call row is also the call's shared state between processes: every signalling
action loads it, runs the state machine and writes it back guarded by `version`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from seabridge.db.models import Base, store_fk


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_store_invited", "store_id", "invited_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)  # chosen by the caller's client
    store_id: Mapped[int] = mapped_column(store_fk())
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    media: Mapped[str] = mapped_column(String(8))  # video, audio
    state: Mapped[str] = mapped_column(String(16))  # see calls.machine.CallState
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64), default="")
    caller_kind: Mapped[str] = mapped_column(String(16))
    caller_ref: Mapped[str] = mapped_column(String(64))
    callee_kind: Mapped[str] = mapped_column(String(16))  # who is called: buyer, or agent (any agent until one accepts)
    callee_ref: Mapped[str | None] = mapped_column(String(64))
    invited_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    connected_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)  # ring or setup timeout; null once ended
    offer_from: Mapped[str | None] = mapped_column(String(8))
    restarts: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)  # optimistic lock between processes
    quality: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # summary of the stats, set at the end

    __mapper_args__ = {"version_id_col": version}


class CallStat(Base):
    """One getStats summary from one participant."""

    __tablename__ = "call_stats"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk())
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    participant_kind: Mapped[str] = mapped_column(String(16))
    participant_ref: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    connection_state: Mapped[str] = mapped_column(String(16), default="")
    rtt_ms: Mapped[float | None] = mapped_column(Float)
    jitter_ms: Mapped[float | None] = mapped_column(Float)
    loss_pct: Mapped[float | None] = mapped_column(Float)
    bitrate_kbps: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    fps: Mapped[float | None] = mapped_column(Float)
    candidate_type: Mapped[str] = mapped_column(String(16), default="")


class ConsultWindow(Base):
    """A weekly window of consult availability, in the store's time zone."""

    __tablename__ = "consult_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    end_minute: Mapped[int] = mapped_column(Integer)
    slot_minutes: Mapped[int] = mapped_column(Integer)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (UniqueConstraint("store_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk())
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    visitor_id: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    buyer_timezone: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254), default="")
    media: Mapped[str] = mapped_column(String(8), default="video")
    call_id: Mapped[str] = mapped_column(String(64), unique=True)  # the call the join link opens
    reminded_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]
