"""Conversations, participants and messages: SQL only, every query scoped by store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge.db.conversations import Conversation, Message, MessageTranslation, OutboxEvent, Participant
from seabridge.storage.paging import Page, page_of

OPEN_STATUSES = ("bot", "waiting", "assigned")


def _now() -> datetime:
    return datetime.now(UTC)


async def create_conversation(
    session: AsyncSession, store_id: int, *, visitor_id: str, customer_id: int | None, language: str
) -> Conversation:
    now = _now()
    conv = Conversation(
        store_id=store_id,
        visitor_id=visitor_id,
        customer_id=customer_id,
        status="bot",
        assigned_agent_id=None,
        language=language,
        last_seq=0,
        created_at=now,
        updated_at=now,
        waiting_since=None,
        closed_at=None,
    )
    session.add(conv)
    await session.flush()
    await ensure_participant(session, conv, "buyer", visitor_id, language)
    await ensure_participant(session, conv, "bot", "bot", "")
    return conv


async def ensure_participant(
    session: AsyncSession, conv: Conversation, kind: str, ref: str, language: str
) -> Participant:
    found = await session.scalar(
        select(Participant).where(
            Participant.conversation_id == conv.id, Participant.kind == kind, Participant.ref == ref
        )
    )
    if found is not None:
        if found.left_at is not None:
            found.left_at = None
        if language and found.language != language:
            found.language = language
        return found
    part = Participant(
        store_id=conv.store_id,
        conversation_id=conv.id,
        kind=kind,
        ref=ref,
        language=language,
        last_read_seq=0,
        joined_at=_now(),
        left_at=None,
    )
    session.add(part)
    await session.flush()
    return part


async def get_conversation(session: AsyncSession, store_id: int, conversation_id: int) -> Conversation | None:
    return await session.scalar(
        select(Conversation).where(Conversation.store_id == store_id, Conversation.id == conversation_id)
    )


async def latest_open_for_visitor(session: AsyncSession, store_id: int, visitor_id: str) -> Conversation | None:
    return await session.scalar(
        select(Conversation)
        .where(
            Conversation.store_id == store_id,
            Conversation.visitor_id == visitor_id,
            Conversation.status.in_(OPEN_STATUSES),
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )


async def claim_for_customer(session: AsyncSession, store_id: int, visitor_id: str, customer_id: int) -> int:
    """A visitor who has just proved who they are: their open, still anonymous conversations become the
    customer's, so the bot and the agents see the verified buyer without asking again. Never rebinds a
    conversation that already belongs to a customer."""
    result = await session.execute(
        update(Conversation)
        .where(
            Conversation.store_id == store_id,
            Conversation.visitor_id == visitor_id,
            Conversation.customer_id.is_(None),
            Conversation.status.in_(OPEN_STATUSES),
        )
        .values(customer_id=customer_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def list_conversations(
    session: AsyncSession,
    store_id: int,
    *,
    status: str = "",
    assigned_agent_id: int | None = None,
    customer_id: int | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> Page[Conversation]:
    stmt = select(Conversation).where(Conversation.store_id == store_id, Conversation.id > after_id)
    if status:
        stmt = stmt.where(Conversation.status == status)
    if assigned_agent_id is not None:
        stmt = stmt.where(Conversation.assigned_agent_id == assigned_agent_id)
    if customer_id is not None:
        stmt = stmt.where(Conversation.customer_id == customer_id)
    rows = list(await session.scalars(stmt.order_by(Conversation.id).limit(limit + 1)))
    return page_of(rows, limit, rows[limit - 1].id if len(rows) > limit else None)


async def allocate_seq(session: AsyncSession, conversation_id: int) -> int:
    """The next sequence number. The UPDATE locks the row until commit, so seqs are gapless."""
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(last_seq=Conversation.last_seq + 1, updated_at=_now())
        .returning(Conversation.last_seq)
    )
    return int(result.scalar_one())


async def find_by_client_id(
    session: AsyncSession, conversation_id: int, sender_kind: str, sender_ref: str, client_msg_id: str
) -> Message | None:
    return await session.scalar(
        select(Message).where(
            Message.conversation_id == conversation_id,
            Message.sender_kind == sender_kind,
            Message.sender_ref == sender_ref,
            Message.client_msg_id == client_msg_id,
        )
    )


async def insert_message(
    session: AsyncSession,
    conv: Conversation,
    *,
    seq: int,
    sender_kind: str,
    sender_ref: str,
    client_msg_id: str,
    kind: str,
    text: str,
    language: str,
    status: str = "delivered",
    moderation: list[str] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> Message:
    msg = Message(
        store_id=conv.store_id,
        conversation_id=conv.id,
        seq=seq,
        sender_kind=sender_kind,
        sender_ref=sender_ref,
        client_msg_id=client_msg_id,
        kind=kind,
        text=text,
        language=language,
        status=status,
        moderation=moderation or [],
        attachments=attachments or [],
        data=data or {},
        created_at=_now(),
    )
    session.add(msg)
    await session.flush()
    return msg


async def messages_after(
    session: AsyncSession, store_id: int, conversation_id: int, after_seq: int, limit: int
) -> list[Message]:
    rows = await session.scalars(
        select(Message)
        .where(Message.store_id == store_id, Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    return list(rows)


async def messages_before(
    session: AsyncSession, store_id: int, conversation_id: int, before_seq: int | None, limit: int
) -> list[Message]:
    stmt = select(Message).where(Message.store_id == store_id, Message.conversation_id == conversation_id)
    if before_seq is not None:
        stmt = stmt.where(Message.seq < before_seq)
    rows = list(await session.scalars(stmt.order_by(Message.seq.desc()).limit(limit)))
    rows.reverse()
    return rows


async def translations_for(session: AsyncSession, message_ids: list[int]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for i in range(0, len(message_ids), 500):
        rows = await session.scalars(
            select(MessageTranslation).where(MessageTranslation.message_id.in_(message_ids[i : i + 500]))
        )
        for t in rows:
            found.setdefault(t.message_id, {})[t.language] = t.text
    return found


async def participants(session: AsyncSession, conversation_id: int) -> list[Participant]:
    rows = await session.scalars(
        select(Participant)
        .where(Participant.conversation_id == conversation_id, Participant.left_at.is_(None))
        .order_by(Participant.id)
    )
    return list(rows)


async def mark_read(session: AsyncSession, conversation_id: int, kind: str, ref: str, seq: int) -> int:
    """Move the read marker forward only; returns the marker after the call."""
    await session.execute(
        update(Participant)
        .where(
            Participant.conversation_id == conversation_id,
            Participant.kind == kind,
            Participant.ref == ref,
            Participant.last_read_seq < seq,
        )
        .values(last_read_seq=seq)
    )
    value = await session.scalar(
        select(Participant.last_read_seq).where(
            Participant.conversation_id == conversation_id, Participant.kind == kind, Participant.ref == ref
        )
    )
    return int(value or 0)


async def add_outbox(session: AsyncSession, store_id: int, type_: str, payload: dict[str, Any]) -> OutboxEvent:
    event = OutboxEvent(store_id=store_id, type=type_, payload=payload, created_at=_now(), dispatched_at=None)
    session.add(event)
    await session.flush()
    return event


async def count_messages(session: AsyncSession, store_id: int, conversation_id: int) -> int:
    value = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.store_id == store_id, Message.conversation_id == conversation_id)
    )
    return int(value or 0)


async def save_translation(session: AsyncSession, message: Message, language: str, text: str, provider: str) -> None:
    """Store or replace the translation of a message into one language."""
    found = await session.scalar(
        select(MessageTranslation).where(
            MessageTranslation.message_id == message.id, MessageTranslation.language == language
        )
    )
    if found is None:
        session.add(
            MessageTranslation(
                store_id=message.store_id,
                message_id=message.id,
                language=language,
                text=text,
                provider=provider,
                created_at=_now(),
            )
        )
    else:
        found.text = text
        found.provider = provider
    await session.flush()


async def open_for_customer(session: AsyncSession, store_id: int, customer_id: int) -> list[Conversation]:
    rows = await session.scalars(
        select(Conversation)
        .where(
            Conversation.store_id == store_id,
            Conversation.customer_id == customer_id,
            Conversation.status.in_(OPEN_STATUSES),
        )
        .order_by(Conversation.id)
    )
    return list(rows)


async def latest_seqs(session: AsyncSession, conversation_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{conversation id: (store id, last seq)} for the given conversations."""
    found: dict[int, tuple[int, int]] = {}
    for i in range(0, len(conversation_ids), 500):
        rows = await session.execute(
            select(Conversation.id, Conversation.store_id, Conversation.last_seq).where(
                Conversation.id.in_(conversation_ids[i : i + 500])
            )
        )
        found.update({cid: (store_id, int(last)) for cid, store_id, last in rows})
    return found
