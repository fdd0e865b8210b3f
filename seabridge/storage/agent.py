"""SQL for the AI agent: dialogue state, return requests, and the catalog snapshot its search index is built from."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from seabridge.agent.views import BuyerProfile
from seabridge.db.agent import AgentState, ReturnRequest
from seabridge.db.conversations import Conversation, Message
from seabridge.db.models import Agent, Customer, Order, Product, Shipment, Store

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TurnMessage:
    """The columns of a message a bot turn reads."""

    id: int
    seq: int
    sender_kind: str
    kind: str
    status: str
    text: str
    language: str


@dataclass(slots=True)
class TurnContext:
    """What a bot turn reads before its messages, in one round trip (columns, not ORM objects: it runs every turn)."""

    status: str  # the conversation's
    version: int  # of the saved dialogue state; 0 when there is none yet
    handled_seq: int
    state: dict[str, Any] | None
    buyer: BuyerProfile | None  # the conversation's verified buyer, when there is one
    store_version: str  # stores.updated_at: the store profile changes only with it
    catalog_version: tuple[int, str]  # the products' count and newest updated_at: the index changes only with it
    agent_language: str  # "" when the store has no active agent


async def turn_context(session: AsyncSession, store_id: int, conversation_id: int) -> TurnContext | None:
    """The conversation's status, dialogue state and buyer, and the versions of what the bot caches per store.

    None when the conversation or the store is missing.
    """
    store_version = select(Store.updated_at).where(Store.id == store_id).scalar_subquery()
    products = select(func.count(Product.id)).where(Product.store_id == store_id).scalar_subquery()
    newest = select(func.max(Product.updated_at)).where(Product.store_id == store_id).scalar_subquery()
    row = (
        await session.execute(
            select(
                Conversation.status,
                AgentState.version,
                AgentState.handled_seq,
                AgentState.state,
                Customer.id,
                Customer.first_name,
                Customer.country,
                Customer.language,
                Customer.timezone,
                store_version,
                products,
                newest,
                _agent_language(store_id),
            )
            .outerjoin(AgentState, and_(AgentState.conversation_id == Conversation.id, AgentState.store_id == store_id))
            .outerjoin(Customer, and_(Customer.id == Conversation.customer_id, Customer.store_id == store_id))
            .where(Conversation.store_id == store_id, Conversation.id == conversation_id)
        )
    ).first()
    if row is None or row[9] is None:
        return None
    status, version, handled, state, customer_id, first_name, country, language, zone = row[:9]
    buyer = BuyerProfile(customer_id, first_name, country, language, zone) if customer_id is not None else None
    return TurnContext(
        status=status,
        version=version or 0,
        handled_seq=handled or 0,
        state=state if version is not None else None,
        buyer=buyer,
        store_version=str(row[9]),
        catalog_version=(int(row[10] or 0), str(row[11] or "")),
        agent_language=row[12] or "",
    )


_TURN_MESSAGE = (
    Message.id,
    Message.seq,
    Message.sender_kind,
    Message.kind,
    Message.status,
    Message.text,
    Message.language,
)


async def turn_messages(
    session: AsyncSession, store_id: int, conversation_id: int, handled_seq: int, limit: int, history: int
) -> tuple[list[TurnMessage], list[TurnMessage]]:
    """The buyer's delivered text messages among the `limit` after `handled_seq`, and the `history` messages
    before the first of them, oldest first; in one query when sequence numbers have no gaps."""
    lowest = max(0, handled_seq - history)
    where = (Message.store_id == store_id, Message.conversation_id == conversation_id)
    result = await session.execute(
        select(*_TURN_MESSAGE).where(*where, Message.seq > lowest).order_by(Message.seq).limit(limit + history)
    )
    rows = [TurnMessage(*row) for row in result.all()]
    after = [m for m in rows if m.seq > handled_seq][:limit]
    fresh = [m for m in after if m.sender_kind == "buyer" and m.status == "delivered" and m.kind == "text"]
    if not fresh:
        return [], []
    earlier = [m for m in rows if m.seq < fresh[0].seq][-history:]
    if len(earlier) < history and lowest > 0:  # a gap in the sequence: read the history on its own
        result = await session.execute(
            select(*_TURN_MESSAGE).where(*where, Message.seq < fresh[0].seq).order_by(Message.seq.desc()).limit(history)
        )
        earlier = [TurnMessage(*row) for row in reversed(result.all())]
    return fresh, earlier


async def save_state(
    session: AsyncSession,
    store_id: int,
    conversation_id: int,
    *,
    version: int,
    handled_seq: int,
    state: dict[str, Any],
) -> bool:
    """Write the state if nobody else did since `version` was read; False when another writer won."""
    if version == 0:
        taken = await session.scalar(
            select(AgentState.version).where(
                AgentState.store_id == store_id, AgentState.conversation_id == conversation_id
            )
        )
        if taken is not None:
            return False
        # Core, not the unit of work: one INSERT per new conversation, nothing for the session to track.
        await session.execute(
            insert(AgentState).values(
                conversation_id=conversation_id,
                store_id=store_id,
                handled_seq=handled_seq,
                version=1,
                state=state,
                updated_at=_now(),
            )
        )
        return True
    result = await session.execute(
        update(AgentState)
        .where(
            AgentState.store_id == store_id,
            AgentState.conversation_id == conversation_id,
            AgentState.version == version,
        )
        .values(version=version + 1, handled_seq=handled_seq, state=state, updated_at=_now())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def customer_orders(session: AsyncSession, store_id: int, customer_id: int) -> list[Order]:
    """A customer's orders, newest first, with lines and shipments (and their checkpoints)."""
    rows = await session.scalars(
        select(Order)
        .where(Order.store_id == store_id, Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .options(
            # Two round trips, not four: lines come with their order, checkpoints with their shipment.
            joinedload(Order.lines),
            selectinload(Order.shipments).joinedload(Shipment.checkpoints),
        )
    )
    return list(rows.unique())


async def catalog(session: AsyncSession, store_id: int) -> list[Product]:
    rows = await session.scalars(
        select(Product)
        .where(Product.store_id == store_id, Product.status == "active")
        .order_by(Product.id)
        .options(selectinload(Product.variants), selectinload(Product.attributes))
    )
    return list(rows)


async def returns_for_order(session: AsyncSession, store_id: int, order_id: int) -> list[ReturnRequest]:
    rows = await session.scalars(
        select(ReturnRequest)
        .where(ReturnRequest.store_id == store_id, ReturnRequest.order_id == order_id)
        .order_by(ReturnRequest.id)
    )
    return list(rows)


async def open_return(
    session: AsyncSession,
    store_id: int,
    order_id: int,
    *,
    customer_id: int | None,
    conversation_id: int | None,
    reason: str,
) -> ReturnRequest:
    request = ReturnRequest(
        store_id=store_id,
        reference="R-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8)),
        order_id=order_id,
        customer_id=customer_id,
        conversation_id=conversation_id,
        reason=reason[:2000],
        status="open",
        created_at=_now(),
    )
    session.add(request)
    await session.flush()
    return request


async def unanswered(session: AsyncSession, limit: int = 100) -> list[tuple[int, int, int]]:
    """(store_id, conversation_id, seq of the latest buyer message) where the bot has not handled that message yet.

    Only conversations the bot serves (status bot or waiting) count; used to
    answer turns a crashed process accepted but never replied to.
    """
    latest = (
        select(Message.conversation_id, func.max(Message.seq).label("seq"))
        .where(Message.sender_kind == "buyer", Message.status == "delivered")
        .group_by(Message.conversation_id)
        .subquery()
    )
    stmt = (
        select(Conversation.store_id, Conversation.id, latest.c.seq)
        .join(latest, latest.c.conversation_id == Conversation.id)
        .outerjoin(AgentState, AgentState.conversation_id == Conversation.id)
        .where(
            Conversation.status.in_(("bot", "waiting")),
            latest.c.seq > func.coalesce(AgentState.handled_seq, 0),
        )
        .limit(limit)
    )
    return [(int(a), int(b), int(c)) for a, b, c in (await session.execute(stmt)).all()]


async def bind_customer(session: AsyncSession, store_id: int, conversation_id: int, customer_id: int) -> None:
    await session.execute(
        update(Conversation)
        .where(Conversation.store_id == store_id, Conversation.id == conversation_id)
        .values(customer_id=customer_id)
        .execution_options(synchronize_session=False)
    )


def _agent_language(store_id: int) -> Any:
    return (
        select(Agent.language)
        .where(Agent.store_id == store_id, Agent.disabled_at.is_(None))
        .group_by(Agent.language)
        .order_by(func.count().desc(), Agent.language)
        .limit(1)
        .scalar_subquery()
    )
