"""ORM tables for the agent console: canned replies (one text per language) and the
satisfaction (CSAT) question asked when a conversation closes, with the buyer's answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from seabridge.db.models import Base, store_fk


class CannedReply(Base):
    """A saved answer; `texts` maps a language to its version, with {variables} filled on use."""

    __tablename__ = "canned_replies"
    __table_args__ = (UniqueConstraint("store_id", "shortcut"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    shortcut: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    intents: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CsatSurvey(Base):
    """The satisfaction question of one closing of a conversation, and the buyer's answer."""

    __tablename__ = "csat_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(16), default="")
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
