"""The agent console's SQL: inbox views and counts, response marks for timers, the
customer panel's reads, canned replies and CSAT surveys. Every query is scoped by store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from seabridge.db.console import CannedReply, CsatSurvey
from seabridge.db.conversations import Conversation, Message
from seabridge.db.models import Customer, Order, Shipment

VIEWS = ("bot", "waiting", "mine", "all", "closed")


def _now() -> datetime:
    return datetime.now(UTC)


def _view_filter(view: str, agent_id: int | None) -> ColumnElement[bool]:
    if view == "mine":
        return and_(Conversation.status == "assigned", Conversation.assigned_agent_id == (agent_id or -1))
    if view == "all":
        return Conversation.status != "closed"
    return Conversation.status == view


async def view_counts(session: AsyncSession, store_id: int, agent_id: int | None) -> dict[str, int]:
    rows = await session.execute(
        select(Conversation.status, Conversation.assigned_agent_id, func.count())
        .where(Conversation.store_id == store_id)
        .group_by(Conversation.status, Conversation.assigned_agent_id)
    )
    counts = dict.fromkeys(VIEWS, 0)
    for status, assigned, n in rows:
        if status in counts:
            counts[status] += n
        if status != "closed":
            counts["all"] += n
        if status == "assigned" and agent_id is not None and assigned == agent_id:
            counts["mine"] += n
    return counts


async def view_conversations(
    session: AsyncSession, store_id: int, view: str, agent_id: int | None, limit: int
) -> list[Conversation]:
    """Waiting: longest wait first. Closed: most recent first. Others: most recently active first."""
    stmt = select(Conversation).where(Conversation.store_id == store_id, _view_filter(view, agent_id))
    if view == "waiting":
        stmt = stmt.order_by(Conversation.waiting_since, Conversation.id)
    elif view == "closed":
        stmt = stmt.order_by(Conversation.closed_at.desc(), Conversation.id.desc())
    else:
        stmt = stmt.order_by(Conversation.updated_at.desc(), Conversation.id.desc())
    return list(await session.scalars(stmt.limit(limit)))


@dataclass(frozen=True, slots=True)
class Marks:
    """What the timers and the inbox row need from a conversation's messages."""

    last_agent_at: datetime | None  # the newest reply written by a person
    pending_since: datetime | None  # the oldest buyer message after it (None: nothing unanswered)
    last_text: str
    last_sender: str


async def response_marks(session: AsyncSession, store_id: int, conversation_ids: list[int]) -> dict[int, Marks]:
    if not conversation_ids:
        return {}
    agent_rows = await session.execute(
        select(Message.conversation_id, func.max(Message.seq), func.max(Message.created_at))
        .where(
            Message.store_id == store_id,
            Message.conversation_id.in_(conversation_ids),
            Message.sender_kind == "agent",
            Message.kind.in_(("text", "image")),
        )
        .group_by(Message.conversation_id)
    )
    last_agent = {cid: (int(seq), at) for cid, seq, at in agent_rows}
    buyer_rows = await session.execute(
        select(Message.conversation_id, Message.seq, Message.created_at).where(
            Message.store_id == store_id,
            Message.conversation_id.in_(conversation_ids),
            Message.sender_kind == "buyer",
            Message.kind.in_(("text", "image")),
        )
    )
    pending: dict[int, datetime] = {}
    for cid, seq, at in buyer_rows:
        after = last_agent.get(cid, (0, None))[0]
        if seq > after and (cid not in pending or at < pending[cid]):
            pending[cid] = at
    newest = (
        select(Message.conversation_id, func.max(Message.seq).label("seq"))
        .where(
            Message.store_id == store_id,
            Message.conversation_id.in_(conversation_ids),
            Message.kind.in_(("text", "image", "system")),
        )
        .group_by(Message.conversation_id)
        .subquery()
    )
    last_rows = await session.execute(
        select(Message.conversation_id, Message.text, Message.sender_kind).join(
            newest, and_(Message.conversation_id == newest.c.conversation_id, Message.seq == newest.c.seq)
        )
    )
    last = {cid: (text, sender) for cid, text, sender in last_rows}
    return {
        cid: Marks(
            last_agent_at=last_agent[cid][1] if cid in last_agent else None,
            pending_since=pending.get(cid),
            last_text=last.get(cid, ("", ""))[0],
            last_sender=last.get(cid, ("", ""))[1],
        )
        for cid in conversation_ids
    }


async def customers_by_id(session: AsyncSession, store_id: int, ids: list[int]) -> dict[int, Customer]:
    if not ids:
        return {}
    rows = await session.scalars(select(Customer).where(Customer.store_id == store_id, Customer.id.in_(ids)))
    return {c.id: c for c in rows}


async def latest_summary(session: AsyncSession, store_id: int, conversation_id: int) -> Message | None:
    """The bot's newest handoff summary (an internal note written by the bot)."""
    return await session.scalar(
        select(Message)
        .where(
            Message.store_id == store_id,
            Message.conversation_id == conversation_id,
            Message.kind == "note",
            Message.sender_kind == "bot",
        )
        .order_by(Message.seq.desc())
        .limit(1)
    )


async def latest_bot_data(session: AsyncSession, store_id: int, conversation_id: int) -> dict[str, Any]:
    """The structured analysis (intent, handoff reason...) of the bot's newest reply."""
    data = await session.scalar(
        select(Message.data)
        .where(
            Message.store_id == store_id,
            Message.conversation_id == conversation_id,
            Message.sender_kind == "bot",
            Message.kind == "text",
        )
        .order_by(Message.seq.desc())
        .limit(1)
    )
    return dict(data or {})


async def customer_orders(session: AsyncSession, store_id: int, customer_id: int, limit: int = 20) -> list[Order]:
    return list(
        await session.scalars(
            select(Order)
            .where(Order.store_id == store_id, Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
            .options(selectinload(Order.lines), selectinload(Order.shipments).selectinload(Shipment.checkpoints))
        )
    )


async def customer_conversations(
    session: AsyncSession, store_id: int, customer_id: int | None, visitor_id: str, exclude_id: int, limit: int = 20
) -> list[Conversation]:
    who = Conversation.visitor_id == visitor_id
    if customer_id is not None:
        who = (Conversation.customer_id == customer_id) | who
    return list(
        await session.scalars(
            select(Conversation)
            .where(Conversation.store_id == store_id, who, Conversation.id != exclude_id)
            .order_by(Conversation.id.desc())
            .limit(limit)
        )
    )


# --- canned replies ---------------------------------------------------------------------


async def list_canned(session: AsyncSession, store_id: int) -> list[CannedReply]:
    return list(
        await session.scalars(select(CannedReply).where(CannedReply.store_id == store_id).order_by(CannedReply.title))
    )


async def get_canned(session: AsyncSession, store_id: int, reply_id: int) -> CannedReply | None:
    return await session.scalar(select(CannedReply).where(CannedReply.store_id == store_id, CannedReply.id == reply_id))


async def shortcut_taken(session: AsyncSession, store_id: int, shortcut: str, except_id: int = 0) -> bool:
    found = await session.scalar(
        select(CannedReply.id).where(
            CannedReply.store_id == store_id, CannedReply.shortcut == shortcut, CannedReply.id != except_id
        )
    )
    return found is not None


async def create_canned(
    session: AsyncSession, store_id: int, *, shortcut: str, title: str, texts: dict[str, str], intents: list[str]
) -> CannedReply:
    now = _now()
    row = CannedReply(
        store_id=store_id,
        shortcut=shortcut,
        title=title,
        texts=texts,
        intents=intents,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def delete_canned(session: AsyncSession, row: CannedReply) -> None:
    await session.delete(row)
    await session.flush()


# --- CSAT -------------------------------------------------------------------------------


async def add_survey(
    session: AsyncSession, store_id: int, conversation_id: int, agent_id: int | None, language: str
) -> CsatSurvey:
    row = CsatSurvey(
        store_id=store_id,
        conversation_id=conversation_id,
        agent_id=agent_id,
        language=language,
        score=None,
        comment="",
        asked_at=_now(),
        answered_at=None,
    )
    session.add(row)
    await session.flush()
    return row


async def latest_survey(session: AsyncSession, store_id: int, conversation_id: int) -> CsatSurvey | None:
    return await session.scalar(
        select(CsatSurvey)
        .where(CsatSurvey.store_id == store_id, CsatSurvey.conversation_id == conversation_id)
        .order_by(CsatSurvey.id.desc())
        .limit(1)
    )
