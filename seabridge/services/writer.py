"""Group commit for messages: concurrent sends share one transaction.

Per message the naive path costs five statements and a commit. Under load the
writer takes every send queued meanwhile and stores them together: one query
for the conversations, one `UPDATE ... RETURNING` per group of conversations
taking the same number of seqs, one multi-row INSERT for the messages and one
for their outbox rows, one commit. Each sender still gets its own answer (the
message, or its own error), and acks are only given after the commit.

Duplicates are the exception (a retry after a lost ack), so the batch does not
look them up: a client message id stored before makes the INSERT violate the
unique constraint, the batch rolls back as a whole, and each of its sends is
retried on its own through the one-at-a-time path, which finds the first
message and answers with it. Repeats inside one batch are answered from the
batch itself. (A lookup of the batch's keys cannot use the index on SQLite,
whose row-value `IN` scans the table: it grew with every message stored.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, Connection, Dialect, Table, bindparam, create_engine, event, insert, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import manager_of_class

from seabridge.db.conversations import Conversation, Message, OutboxEvent
from seabridge.db.models import Base

log = logging.getLogger(__name__)

_CONVERSATIONS = Base.metadata.tables[Conversation.__tablename__]
_MESSAGES = Base.metadata.tables[Message.__tablename__]
_OUTBOX = Base.metadata.tables[OutboxEvent.__tablename__]
_MESSAGE_MANAGER = manager_of_class(Message)
_CONVERSATION_MANAGER = manager_of_class(Conversation)
LINGER_S = 0.005  # how long a batch waits for company when the writer is busy ...
BUSY_S = 0.05  # ... i.e. when the previous batch, with company of its own, started less than this long ago


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
    def __init__(self, sessions: async_sessionmaker[AsyncSession], payload: Payload, max_batch: int = 1024) -> None:
        self._sessions = sessions
        self._payload = payload
        self._max_batch = max_batch
        self._queue: list[PendingSend] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        bind = sessions.kw.get("bind")
        self._thread: _WriterThread | None = None
        self._loop_thread: _LoopThread | None = None
        if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
            if (bind.url.database or ":memory:") != ":memory:":
                self._thread = _WriterThread(bind.url)
        elif isinstance(bind, AsyncEngine):
            self._loop_thread = _LoopThread(bind.url)

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
        if self._thread is not None:
            await asyncio.to_thread(self._thread.close)
        if self._loop_thread is not None:
            await asyncio.to_thread(self._loop_thread.close)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_batch, last_size = -1.0, 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                busy = last_size > 1 or len(self._queue) > 1
                if busy and len(self._queue) < self._max_batch and loop.time() - last_batch < BUSY_S:
                    # Under load, wait a moment for more sends: a batch has a fixed cost (a transaction,
                    # a handful of statements), and tiny batches would spend most of the CPU on it. A lone
                    # send after a lone send (a buyer's message, then the bot's reply) is not load: no wait.
                    await asyncio.sleep(LINGER_S)
                last_batch = loop.time()
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                last_size = len(batch)
                await self._write(batch)

    async def _write(self, batch: list[PendingSend]) -> None:
        try:
            results = await self._write_batch(batch)
        except (IntegrityError, sqlite3.IntegrityError):  # the latter from the writer thread's DB-API inserts
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
        now = datetime.now(UTC)
        if self._thread is not None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._thread.executor, self._thread.write, self._store_batch, batch, now)
        if self._loop_thread is not None:
            return await self._loop_thread.write(self._store_batch, batch, now)
        async with self._sessions() as session, session.begin():
            return await session.run_sync(self._store_batch, batch, now)

    def _store_batch(
        self, session: Session, batch: list[PendingSend], now: datetime
    ) -> list[tuple[Message, bool] | Exception]:
        """The batch's statements, in the transaction `session` is in (sync: see `_write_batch`)."""
        results: list[tuple[Message, bool] | Exception | None] = [None] * len(batch)
        ids = sorted({item.conversation_id for item in batch})
        connection = session.connection()  # Core statements: no ORM bookkeeping
        rows = connection.execute(select(_CONVERSATIONS).where(_CONVERSATIONS.c.id.in_(ids))).mappings()
        convs = {row["id"]: _transient(_CONVERSATION_MANAGER.new_instance(), row) for row in rows}
        fresh: list[int] = []
        first_in_batch: dict[tuple[int, str, str, str], int] = {}
        for i, item in enumerate(batch):
            conv = convs.get(item.conversation_id)
            if conv is None or conv.store_id != item.actor_store_id or not item.may_see(conv):
                results[i] = ConversationMissing(f"conversation {item.conversation_id} not found")
            elif item.key not in first_in_batch:  # a repeat inside the batch is answered below
                first_in_batch[item.key] = i
                fresh.append(i)
        per_conv: dict[int, list[int]] = {}
        for i in fresh:
            per_conv.setdefault(batch[i].conversation_id, []).append(i)
        last_seqs = _take_seqs(connection, convs, per_conv, batch, now)
        seqs: dict[int, int] = {}
        for cid, members in per_conv.items():
            for offset, i in enumerate(members):
                seqs[i] = last_seqs[cid] - len(members) + 1 + offset
        if fresh:
            self._insert(connection, batch, fresh, seqs, results, now)
        for i, item in enumerate(batch):
            if results[i] is None and item.key in first_in_batch:
                first = results[first_in_batch[item.key]]
                assert isinstance(first, tuple)
                results[i] = (first[0], True)
        return [r if r is not None else RuntimeError("unanswered send") for r in results]

    def _insert(
        self,
        connection: Connection,
        batch: list[PendingSend],
        fresh: list[int],
        seqs: dict[int, int],
        results: list[tuple[Message, bool] | Exception | None],
        now: datetime,
    ) -> None:
        """One multi-row INSERT for the messages, one for their outbox rows.

        A client message id stored before (a retry after a lost ack) violates the unique
        constraint: the batch rolls back and `_write` answers its sends one by one.
        """
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
        raw = connection.connection.driver_connection
        if isinstance(raw, sqlite3.Connection):  # the writer thread: the DB-API directly
            new_ids = _SqliteRows.of(connection.dialect).insert_messages(raw, rows_in)
        else:
            # Core insert: the ORM bulk path spends more time on bookkeeping than the database on the rows.
            inserted = connection.execute(
                insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True), rows_in
            )
            new_ids = list(inserted.scalars().all())
        messages = [_message(new_id, row) for new_id, row in zip(new_ids, rows_in, strict=True)]
        outbox = []
        for i, message in zip(fresh, messages, strict=True):
            results[i] = (message, False)
            if batch[i].kind != "note":
                outbox.append(
                    {
                        "store_id": message.store_id,
                        "type": "message.created",
                        "payload": {"conversation_id": message.conversation_id, "message": self._payload(message)},
                        "created_at": now,
                        "dispatched_at": None,
                    }
                )
        if not outbox:
            return
        if isinstance(raw, sqlite3.Connection):
            _SqliteRows.of(connection.dialect).insert_outbox(raw, outbox)
        else:
            connection.execute(insert(_OUTBOX), outbox)


class _SqliteRows:
    """Multi-row INSERTs on the writer thread's sqlite3 connection, values converted as SQLAlchemy would.

    Through Core, an executemany spent about half of its time in per-parameter bind processing
    (profiled); here the conversions are the columns' own bind
    processors, called only where a value needs one, and empty JSON values are converted once.
    Stored values are the same as the Core path's, so every reader sees the same rows.
    """

    _by_dialect: dict[str, _SqliteRows] = {}
    ROWS_PER_STATEMENT = 500  # well under SQLite's 32,766 bound parameters

    def __init__(self, dialect: Dialect) -> None:
        self.message_columns = [c.name for c in _MESSAGES.c if c.name != "id"]
        self.outbox_columns = [c.name for c in _OUTBOX.c if c.name != "id"]
        # Statement text compiled by SQLAlchemy from the tables; every value is a bound parameter.
        one_message = _compiled(_MESSAGES, self.message_columns, dialect)
        self.message_head, values = one_message.split(" VALUES ")
        self.message_head += " VALUES "
        self.message_row = values.strip()
        self.outbox_sql = _compiled(_OUTBOX, self.outbox_columns, dialect)
        self.json = _processor(_MESSAGES.c.moderation.type, dialect)
        self.datetime = _processor(_MESSAGES.c.created_at.type, dialect)
        self.empty_list, self.empty_dict = self.json([]), self.json({})
        json_columns = {c.name for c in _MESSAGES.c if isinstance(c.type, JSON)}
        self.message_json = [name in json_columns for name in self.message_columns]
        self.message_datetimes = [name == "created_at" for name in self.message_columns]

    @classmethod
    def of(cls, dialect: Dialect) -> _SqliteRows:
        found = cls._by_dialect.get(dialect.name)
        if found is None:
            found = cls._by_dialect[dialect.name] = cls(dialect)
        return found

    def _json(self, value: Any) -> Any:
        if not value:
            return self.empty_list if isinstance(value, list) else self.empty_dict
        return self.json(value)

    def insert_messages(self, raw: sqlite3.Connection, rows: list[dict[str, Any]]) -> list[int]:
        """Insert `rows`; their new ids, in the same order."""
        columns = self.message_columns
        stamp = self.datetime(rows[0]["created_at"]) if rows else None
        converters = list(zip(columns, self.message_json, self.message_datetimes, strict=True))
        ids: list[int] = []
        for start in range(0, len(rows), self.ROWS_PER_STATEMENT):
            chunk = rows[start : start + self.ROWS_PER_STATEMENT]
            params: list[Any] = []
            for row in chunk:
                assert row["created_at"] is rows[0]["created_at"]  # one timestamp per batch
                for name, is_json, is_datetime in converters:
                    value = row[name]
                    params.append(self._json(value) if is_json else stamp if is_datetime else value)
            sql = self.message_head + ",".join([self.message_row] * len(chunk)) + " RETURNING id"
            # SQLite hands out rowids in VALUES order; RETURNING's own order is unspecified.
            ids.extend(sorted(int(row[0]) for row in raw.execute(sql, params).fetchall()))
        return ids

    def insert_outbox(self, raw: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
        columns = self.outbox_columns
        stamps: dict[int, Any] = {}

        def convert(name: str, value: Any) -> Any:
            if name == "payload":
                return self.json(value)
            if isinstance(value, datetime):
                key = id(value)
                if key not in stamps:
                    stamps[key] = self.datetime(value)
                return stamps[key]
            return value

        raw.executemany(self.outbox_sql, [[convert(name, row[name]) for name in columns] for row in rows])


def _compiled(table: Table, columns: list[str], dialect: Dialect) -> str:
    """`INSERT INTO table (columns) VALUES (?, ...)`, parameters in the order of `columns`."""
    compiled = insert(table).values({name: bindparam(name) for name in columns}).compile(dialect=dialect)
    assert compiled.positiontup == columns
    return str(compiled)


def _processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any]:
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)


def _take_seqs(
    connection: Connection,
    convs: dict[int, Conversation],
    per_conv: dict[int, list[int]],
    batch: list[PendingSend],
    now: datetime,
) -> dict[int, int]:
    """Reserve a block of seqs per conversation; {conversation id: its new last_seq}.

    Conversations that take the same number of seqs share one `UPDATE ... WHERE id IN (...) RETURNING`,
    so a batch costs a handful of statements however many conversations it touches.
    """
    groups: dict[tuple[int, bool], list[int]] = {}
    for cid, members in per_conv.items():
        # A buyer writing again reopens a closed conversation.
        reopen = convs[cid].status == "closed" and any(batch[i].actor_kind == "buyer" for i in members)
        groups.setdefault((len(members), reopen), []).append(cid)
    last: dict[int, int] = {}
    for (count, reopen), cids in groups.items():
        values: dict[str, Any] = {"last_seq": _CONVERSATIONS.c.last_seq + count, "updated_at": now}
        if reopen:
            values |= {"status": "bot", "closed_at": None}
        rows = connection.execute(
            update(_CONVERSATIONS)
            .where(_CONVERSATIONS.c.id.in_(cids))
            .values(**values)
            .returning(_CONVERSATIONS.c.id, _CONVERSATIONS.c.last_seq)
        )
        last.update({int(cid): int(seq) for cid, seq in rows})
    return last


Results = list[tuple[Message, bool] | Exception]  # one per send of a batch, in order
Store = Callable[[Session, list[PendingSend], datetime], Results]


class _WriterThread:
    """SQLite only: the batch's transaction on a plain sqlite3 connection in a thread of its own.

    Through aiosqlite each statement is a round trip to its thread and back through the event
    loop, and under load every one of those waits behind the loop's other work (the fan-out
    of the previous batch, above all): a batch then took ~100 ms of waiting for a few ms of
    SQL. Here the whole transaction is one hop. WAL lets this connection and the app's
    aiosqlite ones share the file; writers take turns through SQLite's lock (busy timeout).
    """

    def __init__(self, url: URL) -> None:
        self.engine = create_engine(url.set(drivername="sqlite"), connect_args={"timeout": 30})
        event.listen(self.engine, "connect", _sqlite_pragmas)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="message-writer")

    def write(
        self,
        store: Store,
        batch: list[PendingSend],
        now: datetime,
    ) -> list[tuple[Message, bool] | Exception]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            return store(session, batch, now)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.engine.dispose()


class _LoopThread:
    """PostgreSQL: the batch's transaction on an event loop of its own, in a thread of its own.

    The same reason as `_WriterThread`: on the app's loop every statement's round trip
    waits behind the loop's other work (the fan-out of the previous batch, above all). Here
    the writer's asyncpg connections belong to the writer's loop, and the app's loop waits
    for one future per batch.
    """

    def __init__(self, url: URL) -> None:
        self.loop = asyncio.new_event_loop()
        self.engine = create_async_engine(url, pool_size=2, max_overflow=0, pool_pre_ping=True)
        self.thread = threading.Thread(target=self.loop.run_forever, name="message-writer", daemon=True)
        self.thread.start()

    async def write(
        self, store: Store, batch: list[PendingSend], now: datetime
    ) -> list[tuple[Message, bool] | Exception]:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._write(store, batch, now), self.loop))

    async def _write(
        self, store: Store, batch: list[PendingSend], now: datetime
    ) -> list[tuple[Message, bool] | Exception]:
        async with AsyncSession(self.engine, expire_on_commit=False) as session, session.begin():
            return await session.run_sync(store, batch, now)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.engine.dispose(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        if not self.thread.is_alive():
            self.loop.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The same settings as the app's own SQLite connections (db/engine.py).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _message(new_id: int, row: dict[str, Any]) -> Message:
    """The stored row as a (transient) `Message`, built without the ORM's per-attribute events.

    `Message(**row)` fires an instrumentation event per column; here the values go straight into
    the instance dict, which is where the ORM keeps them anyway (ten times cheaper, once per send).
    """
    message: Message = _MESSAGE_MANAGER.new_instance()
    message.__dict__.update(row, id=new_id)
    return message


T = TypeVar("T")


def _transient(instance: T, values: Mapping[Any, Any]) -> T:
    """`instance` (fresh from its class manager) holding `values`: every column, as a plain object."""
    instance.__dict__.update(values)
    return instance
