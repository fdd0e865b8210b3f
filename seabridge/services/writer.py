"""Group commit for messages: concurrent sends share one transaction.

Per message the naive path costs five statements and a commit. Under load the
writer takes every send queued meanwhile and stores them together: one query
for the conversations, one for already-stored client message ids, one
`UPDATE ... RETURNING` per conversation to take a block of seqs, one
multi-row INSERT for the messages and one for their outbox rows, one commit.
Each sender still gets its own answer (the message, or its own error), and
acks are only given after the commit.

If the batch fails as a whole (another process stored the same client message
id at the same moment), each send is retried on its own through the
one-at-a-time path, which resolves the duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from seabridge.db.conversations import Conversation, Message, OutboxEvent
from seabridge.db.models import Base

log = logging.getLogger(__name__)

_MESSAGES = Base.metadata.tables[Message.__tablename__]
_OUTBOX = Base.metadata.tables[OutboxEvent.__tablename__]


@dataclass(slots=True)
class PendingSend:
    actor_store_id: int
    actor_kind: str
    actor_ref: str
    may_see: Callable[[Conversation], bool]
    conversation_id: int
    client_msg_id: str
    text: str
    status: str
    reasons: list[str]
    attachments: list[dict[str, Any]]
    language: str
    kind: str
    one_by_one: Callable[[], Awaitable[tuple[Message, bool]]]  # the slow path, used if the batch conflicts
    data: dict[str, Any] = field(default_factory=dict)
    future: asyncio.Future[tuple[Message, bool]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.conversation_id, self.actor_kind, self.actor_ref, self.client_msg_id)


class ConversationMissing(Exception):
    pass


Payload = Callable[[Message], dict[str, Any]]


class MessageWriter:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], payload: Payload, max_batch: int = 256) -> None:
        self._sessions = sessions
        self._payload = payload
        self._max_batch = max_batch
        self._queue: list[PendingSend] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: PendingSend) -> tuple[Message, bool]:
        self._queue.append(item)
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="message-writer")
        return await item.future

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                await self._write(batch)

    async def _write(self, batch: list[PendingSend]) -> None:
        try:
            results = await self._write_batch(batch)
        except IntegrityError:
            log.info("batch conflicted; storing its sends one by one", extra={"size": len(batch)})
            for item in batch:
                await self._one(item)
            return
        except Exception as exc:  # the database is down or similar: every sender gets the error
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        for item, outcome in zip(batch, results, strict=True):
            if item.future.done():
                continue
            if isinstance(outcome, Exception):
                item.future.set_exception(outcome)
            else:
                item.future.set_result(outcome)

    async def _one(self, item: PendingSend) -> None:
        try:
            result = await item.one_by_one()
        except Exception as exc:
            if not item.future.done():
                item.future.set_exception(exc)
            return
        if not item.future.done():
            item.future.set_result(result)

    async def _write_batch(self, batch: list[PendingSend]) -> list[tuple[Message, bool] | Exception]:
        results: list[tuple[Message, bool] | Exception | None] = [None] * len(batch)
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            ids = sorted({item.conversation_id for item in batch})
            convs = {c.id: c for c in await session.scalars(select(Conversation).where(Conversation.id.in_(ids)))}
            live: list[int] = []
            for i, item in enumerate(batch):
                conv = convs.get(item.conversation_id)
                if conv is None or conv.store_id != item.actor_store_id or not item.may_see(conv):
                    results[i] = ConversationMissing(f"conversation {item.conversation_id} not found")
                else:
                    live.append(i)
            keys = list({batch[i].key for i in live})
            stored: dict[tuple[int, str, str, str], Message] = {}
            if keys:
                rows = await session.scalars(
                    select(Message).where(
                        tuple_(
                            Message.conversation_id, Message.sender_kind, Message.sender_ref, Message.client_msg_id
                        ).in_(keys)
                    )
                )
                stored = {(m.conversation_id, m.sender_kind, m.sender_ref, m.client_msg_id): m for m in rows}
            fresh: list[int] = []
            first_in_batch: dict[tuple[int, str, str, str], int] = {}
            for i in live:
                key = batch[i].key
                if key in stored:
                    results[i] = (stored[key], True)
                elif key in first_in_batch:
                    continue  # answered below with the first one's message
                else:
                    first_in_batch[key] = i
                    fresh.append(i)
            per_conv: dict[int, list[int]] = {}
            for i in fresh:
                per_conv.setdefault(batch[i].conversation_id, []).append(i)
            seqs: dict[int, int] = {}
            for cid, members in per_conv.items():
                conv = convs[cid]
                values: dict[str, Any] = {"last_seq": Conversation.last_seq + len(members), "updated_at": now}
                if conv.status == "closed" and any(batch[i].actor_kind == "buyer" for i in members):
                    values |= {"status": "bot", "closed_at": None}  # a buyer writing again reopens
                last = await session.scalar(
                    update(Conversation)
                    .where(Conversation.id == cid)
                    .values(**values)
                    .returning(Conversation.last_seq)
                    .execution_options(synchronize_session=False)
                )
                assert last is not None
                for offset, i in enumerate(members):
                    seqs[i] = int(last) - len(members) + 1 + offset
            if fresh:
                rows_in = [
                    {
                        "store_id": batch[i].actor_store_id,
                        "conversation_id": batch[i].conversation_id,
                        "seq": seqs[i],
                        "sender_kind": batch[i].actor_kind,
                        "sender_ref": batch[i].actor_ref,
                        "client_msg_id": batch[i].client_msg_id,
                        "kind": batch[i].kind,
                        "text": batch[i].text,
                        "language": batch[i].language,
                        "status": batch[i].status,
                        "moderation": batch[i].reasons,
                        "attachments": batch[i].attachments,
                        "data": batch[i].data,
                        "created_at": now,
                    }
                    for i in fresh
                ]
                # Core insert: the ORM bulk path spends more time on bookkeeping than the database on the rows.
                ids = (
                    (
                        await session.execute(
                            insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True),
                            rows_in,
                        )
                    )
                    .scalars()
                    .all()
                )
                messages = [Message(id=new_id, **row) for new_id, row in zip(ids, rows_in, strict=True)]
                outbox = []
                for i, message in zip(fresh, messages, strict=True):
                    results[i] = (message, False)
                    if batch[i].kind != "note":
                        outbox.append(
                            {
                                "store_id": message.store_id,
                                "type": "message.created",
                                "payload": {
                                    "conversation_id": message.conversation_id,
                                    "message": self._payload(message),
                                },
                                "created_at": now,
                                "dispatched_at": None,
                            }
                        )
                if outbox:
                    await session.execute(insert(_OUTBOX), outbox)
        for i in live:
            if results[i] is None:
                first = results[first_in_batch[batch[i].key]]
                assert isinstance(first, tuple)
                results[i] = (first[0], True)
        return [r if r is not None else RuntimeError("unanswered send") for r in results]
