"""SQL for the AI agent: dialogue state, return requests, and the catalog snapshot its search index is built from."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased, selectinload

from seabridge.agent.views import BuyerProfile
from seabridge.db.agent import AgentState, ReturnRequest
from seabridge.db.conversations import Conversation, Message
from seabridge.db.models import Agent, Checkpoint, Customer, Order, OrderLine, Product, Shipment, Store

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


_STORE = bindparam("in_store", type_=Integer)
_CONVERSATION = bindparam("in_conversation", type_=Integer)
_CUSTOMER = bindparam("of_customer", type_=Integer)


def _agent_language() -> Any:
    """The language most of the store's active agents use."""
    return (
        select(Agent.language)
        .where(Agent.store_id == _STORE, Agent.disabled_at.is_(None))
        .group_by(Agent.language)
        .order_by(func.count().desc(), Agent.language)
        .limit(1)
        .scalar_subquery()
    )


# The statements a turn runs are built once, bound by parameters: building one and its cache key
# cost SQLAlchemy more CPU than SQLite spends running it.
_TURN_CONTEXT = (
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
        select(Store.updated_at).where(Store.id == _STORE).scalar_subquery(),
        select(func.count(Product.id)).where(Product.store_id == _STORE).scalar_subquery(),
        select(func.max(Product.updated_at)).where(Product.store_id == _STORE).scalar_subquery(),
        _agent_language(),
    )
    .outerjoin(AgentState, and_(AgentState.conversation_id == Conversation.id, AgentState.store_id == _STORE))
    .outerjoin(Customer, and_(Customer.id == Conversation.customer_id, Customer.store_id == _STORE))
    .where(Conversation.store_id == _STORE, Conversation.id == _CONVERSATION)
)


async def turn_context(session: AsyncSession, store_id: int, conversation_id: int) -> TurnContext | None:
    """The conversation's status, dialogue state and buyer, and the versions of what the bot caches per store.

    None when the conversation or the store is missing.
    """
    params = {"in_store": store_id, "in_conversation": conversation_id}
    return _context((await session.execute(_TURN_CONTEXT, params)).first())


def _context(row: Any) -> TurnContext | None:
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


_IN_CONVERSATION = (Message.store_id == _STORE, Message.conversation_id == _CONVERSATION)
_MESSAGES_AFTER = (
    select(*_TURN_MESSAGE)
    .where(*_IN_CONVERSATION, Message.seq > bindparam("after_seq"))
    .order_by(Message.seq)
    .limit(bindparam("limit"))
)
_MESSAGES_BEFORE = (
    select(*_TURN_MESSAGE)
    .where(*_IN_CONVERSATION, Message.seq < bindparam("before_seq"))
    .order_by(Message.seq.desc())
    .limit(bindparam("limit"))
)


async def turn_messages(
    session: AsyncSession, store_id: int, conversation_id: int, handled_seq: int, limit: int, history: int
) -> tuple[list[TurnMessage], list[TurnMessage]]:
    """The buyer's delivered text messages among the `limit` after `handled_seq`, and the `history` messages
    before the first of them, oldest first; in one query when sequence numbers have no gaps."""
    lowest = max(0, handled_seq - history)
    params = {"in_store": store_id, "in_conversation": conversation_id}
    result = await session.execute(_MESSAGES_AFTER, {**params, "after_seq": lowest, "limit": limit + history})
    rows = [TurnMessage(*row) for row in result.all()]
    return await _fresh_and_earlier(session, params, rows, handled_seq, limit, history)


async def _fresh_and_earlier(
    session: AsyncSession, params: dict[str, int], rows: list[TurnMessage], handled_seq: int, limit: int, history: int
) -> tuple[list[TurnMessage], list[TurnMessage]]:
    """`turn_messages`'s answer from the messages after `handled_seq - history`, oldest first."""
    after = [m for m in rows if m.seq > handled_seq][:limit]
    fresh = [m for m in after if m.sender_kind == "buyer" and m.status == "delivered" and m.kind == "text"]
    if not fresh:
        return [], []
    earlier = [m for m in rows if m.seq < fresh[0].seq][-history:]
    if len(earlier) < history and handled_seq - history > 0:  # a gap in the sequence: read the history on its own
        result = await session.execute(_MESSAGES_BEFORE, {**params, "before_seq": fresh[0].seq, "limit": history})
        earlier = [TurnMessage(*row) for row in reversed(result.all())]
    return fresh, earlier


# A turn's context and its messages in one round trip: the context's columns repeat on every message row.
_TURN = (
    _TURN_CONTEXT.add_columns(*_TURN_MESSAGE)
    .outerjoin(
        Message,
        and_(
            Message.store_id == _STORE,
            Message.conversation_id == Conversation.id,
            # seq starts at 1, so this is turn_messages' seq > max(0, handled_seq - history)
            Message.seq > func.coalesce(AgentState.handled_seq, 0) - bindparam("history", type_=Integer),
        ),
    )
    .order_by(Message.seq)
    .limit(bindparam("limit", type_=Integer))
)


async def turn_reads(
    session: AsyncSession, store_id: int, conversation_id: int, limit: int, history: int
) -> tuple[TurnContext, list[TurnMessage], list[TurnMessage]] | None:
    """`turn_context`, then `turn_messages` after its `handled_seq`, in one query (two when seq has a gap)."""
    params = {"in_store": store_id, "in_conversation": conversation_id}
    rows = (await session.execute(_TURN, {**params, "history": history, "limit": limit + history})).all()
    context = _context(rows[0]) if rows else None
    if context is None:
        return None
    messages = [TurnMessage(*row[13:]) for row in rows if row[13] is not None]
    fresh, earlier = await _fresh_and_earlier(session, params, messages, context.handled_seq, limit, history)
    return context, fresh, earlier


_STATE = AgentState.__table__.c
_STATE_VERSION = select(AgentState.version).where(
    AgentState.store_id == _STORE, AgentState.conversation_id == _CONVERSATION
)
_INSERT_STATE = insert(AgentState).values(
    conversation_id=_CONVERSATION,
    store_id=_STORE,
    handled_seq=bindparam("new_handled_seq", type_=_STATE.handled_seq.type),
    version=1,
    state=bindparam("new_state", type_=_STATE.state.type),
    updated_at=bindparam("new_updated_at", type_=_STATE.updated_at.type),
)
_UPDATE_STATE = (
    update(AgentState)
    .where(
        AgentState.store_id == _STORE,
        AgentState.conversation_id == _CONVERSATION,
        AgentState.version == bindparam("read_version"),
    )
    .values(
        version=bindparam("new_version", type_=_STATE.version.type),
        handled_seq=bindparam("new_handled_seq", type_=_STATE.handled_seq.type),
        state=bindparam("new_state", type_=_STATE.state.type),
        updated_at=bindparam("new_updated_at", type_=_STATE.updated_at.type),
    )
)


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
    params = {
        "in_store": store_id,
        "in_conversation": conversation_id,
        "new_handled_seq": handled_seq,
        "new_state": state,
        "new_updated_at": _now(),
    }
    # Core on the session's connection, not the unit of work or the ORM's bulk update: nothing to track.
    connection = await session.connection()
    if version == 0:
        if await connection.scalar(_STATE_VERSION, params) is not None:
            return False
        await connection.execute(_INSERT_STATE, params)
        return True
    result = await connection.execute(_UPDATE_STATE, {**params, "read_version": version, "new_version": version + 1})
    return bool(result.rowcount)


@dataclass(frozen=True, slots=True)
class CheckpointRow:
    time: datetime
    subtag: str
    message: str
    location: str


@dataclass(slots=True)
class ShipmentRow:
    tracking_number: str
    carrier: str
    status: str
    subtag: str
    destination_country: str
    estimated_delivery: date | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    last_checkpoint: CheckpointRow | None


@dataclass(slots=True)
class OrderRow:
    """The columns of an order the agent's tools read, with its line names and shipments."""

    id: int
    name: str
    placed_at: datetime
    financial_status: str
    fulfillment_status: str
    cancelled_at: datetime | None
    fulfilled_at: datetime | None
    currency: str
    total: Decimal
    shipping_country: str
    lines: list[str]  # names, in the order's order
    shipments: list[ShipmentRow]  # by id


_CHECKPOINT = aliased(Checkpoint)
_LAST_CHECKPOINT = (
    select(_CHECKPOINT.id)
    .where(_CHECKPOINT.shipment_id == Shipment.id)
    .order_by(_CHECKPOINT.time.desc(), _CHECKPOINT.id.desc())
    .limit(1)
    .correlate(Shipment)
    .scalar_subquery()
)
# Built once, bound by parameters: SQLAlchemy does not rebuild it and its cache key on every read.
_ORDERS = (
    select(
        Order.id,
        Order.name,
        Order.placed_at,
        Order.financial_status,
        Order.fulfillment_status,
        Order.cancelled_at,
        Order.fulfilled_at,
        Order.currency,
        Order.total,
        Order.shipping_country,
        OrderLine.id,
        OrderLine.name,
        Shipment.id,
        Shipment.tracking_number,
        Shipment.carrier,
        Shipment.status,
        Shipment.subtag,
        Shipment.destination_country,
        Shipment.estimated_delivery,
        Shipment.shipped_at,
        Shipment.delivered_at,
        Checkpoint.time,
        Checkpoint.subtag,
        Checkpoint.message,
        Checkpoint.location,
    )
    .outerjoin(OrderLine, OrderLine.order_id == Order.id)
    .outerjoin(Shipment, and_(Shipment.order_id == Order.id, Shipment.store_id == _STORE))
    .outerjoin(Checkpoint, Checkpoint.id == _LAST_CHECKPOINT)
    .where(Order.store_id == _STORE, Order.customer_id == _CUSTOMER)
    .order_by(Order.placed_at.desc(), Order.id.desc(), OrderLine.position, OrderLine.id, Shipment.id)
)


async def customer_orders(session: AsyncSession | AsyncConnection, store_id: int, customer_id: int) -> list[OrderRow]:
    """A customer's orders, newest first, with line names and shipments (and each one's latest checkpoint).

    One round trip of columns, not ORM objects: a verified buyer's turn reads them (the LLM engine while the
    model thinks), and loading objects cost several times the query. An order comes back as one row per line
    and shipment (orders hold a few of each). Takes a plain connection too: a read needs no ORM session.
    """
    params = {"in_store": store_id, "of_customer": customer_id}
    orders: dict[int, OrderRow] = {}
    lines: set[int] = set()
    shipments: set[int] = set()
    for row in (await session.execute(_ORDERS, params)).all():
        order = orders.get(row[0])
        if order is None:
            order = orders[row[0]] = OrderRow(*row[:10], lines=[], shipments=[])
        if row[10] is not None and row[10] not in lines:
            lines.add(row[10])
            order.lines.append(row[11])
        if row[12] is not None and row[12] not in shipments:
            shipments.add(row[12])
            last = CheckpointRow(row[21], row[22], row[23], row[24]) if row[21] is not None else None
            order.shipments.append(
                ShipmentRow(row[13], row[14], row[15], row[16], row[17], row[18], row[19], row[20], last)
            )
    return list(orders.values())


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
