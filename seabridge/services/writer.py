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
import json
import logging
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, Connection, Dialect, Table, bindparam, insert, select, update
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import manager_of_class

from seabridge.db.conversations import Conversation, Message, OutboxEvent
from seabridge.db.engine import sqlite_pragmas
from seabridge.db.models import Base

log = logging.getLogger(__name__)

_CONVERSATIONS = Base.metadata.tables[Conversation.__tablename__]
_MESSAGES = Base.metadata.tables[Message.__tablename__]
_OUTBOX = Base.metadata.tables[OutboxEvent.__tablename__]
_MESSAGE_MANAGER = manager_of_class(Message)
_CONVERSATION_MANAGER = manager_of_class(Conversation)
# How long a batch waits for company when the writer is busy ... (1 ms: at a steady half of the maximum
# load, 5 ms cost the same CPU and added 5 ms to the median and more to the tail; no wait at all cost
# about 15% more CPU there, in transactions of one or two messages)
LINGER_S = 0.001
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
    # Who hears the outcome: `on_done`, called by the writer as soon as the outcome is known (no loop
    # turn in between), else the future that `MessageWriter.submit` awaits.
    on_done: Callable[[Outcome], None] | None = None
    future: asyncio.Future[tuple[Message, bool]] | None = None
    resolved: bool = False

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.conversation_id, self.actor_kind, self.actor_ref, self.client_msg_id)

    def resolve(self, outcome: Outcome) -> None:
        """The stored message (and whether it was a repeat) or the error; only the first call counts."""
        if self.resolved:
            return
        self.resolved = True
        if self.on_done is not None:
            try:
                self.on_done(outcome)
            except Exception:  # the sender's trouble (its socket, say), never the writer's
                log.exception("a send's completion failed", extra={"conversation_id": self.conversation_id})
        elif self.future is not None and not self.future.done():
            if isinstance(outcome, Exception):
                self.future.set_exception(outcome)
            else:
                self.future.set_result(outcome)


Outcome = tuple[Message, bool] | Exception  # a send's stored message (and whether a repeat), or its error


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
                self._thread = _WriterThread(bind.url, payload)
        elif isinstance(bind, AsyncEngine):
            self._loop_thread = _LoopThread(bind.url)

    async def submit(self, item: PendingSend) -> tuple[Message, bool]:
        """Queue `item` and wait for its outcome."""
        future: asyncio.Future[tuple[Message, bool]] = asyncio.get_running_loop().create_future()
        item.future = future
        self.enqueue(item)
        return await future

    def enqueue(self, item: PendingSend) -> None:
        """Queue `item`; its `on_done` hears the outcome (see `PendingSend`)."""
        self._queue.append(item)
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="message-writer")

    async def exclusive(self, fn: Callable[[sqlite3.Connection, Any], T], now: datetime) -> T | None:
        """On SQLite, `fn(connection, now as the database stores it)` in a transaction of the writer's own
        thread, between two batches: a write that would otherwise hold the database's one write lock
        across event-loop round trips (aiosqlite) while the writer waits for it. None elsewhere."""
        thread = self._thread
        if thread is None:
            return None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(thread.executor, thread.exclusive, fn, now)

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
                item.resolve(exc)
            return
        for item, outcome in zip(batch, results, strict=True):
            item.resolve(outcome)

    async def _one(self, item: PendingSend) -> None:
        try:
            result = await item.one_by_one()
        except Exception as exc:
            item.resolve(exc)
            return
        item.resolve(result)

    async def _write_batch(self, batch: list[PendingSend]) -> list[tuple[Message, bool] | Exception]:
        now = datetime.now(UTC)
        if self._thread is not None:
            if len(batch) <= self._thread.INLINE_MAX:
                results = self._thread.write_inline(batch, now)
                if results is not None:
                    return results
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._thread.executor, self._thread.write, batch, now)
        if self._loop_thread is not None:
            return await self._loop_thread.write(self._store_batch, batch, now)
        async with self._sessions() as session, session.begin():
            return await session.run_sync(self._store_batch, batch, now)

    def _store_batch(self, session: Session, batch: list[PendingSend], now: datetime) -> Results:
        """The batch's statements, in the transaction `session` is in (sync: see `_write_batch`)."""
        ids = sorted({item.conversation_id for item in batch})
        connection = session.connection()  # Core statements: no ORM bookkeeping
        rows = connection.execute(select(_CONVERSATIONS).where(_CONVERSATIONS.c.id.in_(ids))).mappings()
        convs = {row["id"]: _transient(_CONVERSATION_MANAGER.new_instance(), row) for row in rows}
        plan = _Plan.of(batch, convs)
        seqs = plan.seqs(_take_seqs(connection, convs, plan.per_conv, batch, now))
        if plan.fresh:
            self._insert(connection, batch, plan, seqs, now)
        return plan.answers(batch)

    def _insert(
        self, connection: Connection, batch: list[PendingSend], plan: _Plan, seqs: dict[int, int], now: datetime
    ) -> None:
        """One multi-row INSERT for the messages, one for their outbox rows.

        A client message id stored before (a retry after a lost ack) violates the unique
        constraint: the batch rolls back and `_write` answers its sends one by one.
        """
        rows_in = [_row(batch[i], seqs[i], now) for i in plan.fresh]
        # Core insert: the ORM bulk path spends more time on bookkeeping than the database on the rows.
        inserted = connection.execute(
            insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True), rows_in
        )
        new_ids = list(inserted.scalars().all())
        messages = plan.stored(new_ids, rows_in)
        outbox = [_outbox_row(m, self._payload, now) for m in messages if m.kind != "note"]
        if outbox:
            connection.execute(insert(_OUTBOX), outbox)


@dataclass(slots=True)
class _Plan:
    """What a batch does once its conversations are read: which sends are refused, which are new."""

    results: list[tuple[Message, bool] | Exception | None]
    fresh: list[int]  # indexes of the sends to store
    per_conv: dict[int, list[int]]  # conversation id -> indexes of its fresh sends, in order
    first_in_batch: dict[tuple[int, str, str, str], int]

    @classmethod
    def of(cls, batch: list[PendingSend], convs: Mapping[int, Conversation]) -> _Plan:
        plan = cls([None] * len(batch), [], {}, {})
        for i, item in enumerate(batch):
            conv = convs.get(item.conversation_id)
            if conv is None or conv.store_id != item.actor_store_id or not item.may_see(conv):
                plan.results[i] = ConversationMissing(f"conversation {item.conversation_id} not found")
            elif item.key not in plan.first_in_batch:  # a repeat inside the batch is answered below
                plan.first_in_batch[item.key] = i
                plan.fresh.append(i)
                plan.per_conv.setdefault(item.conversation_id, []).append(i)
        return plan

    def seqs(self, last_seqs: dict[int, int]) -> dict[int, int]:
        """Each fresh send's seq, from each conversation's new last seq."""
        seqs: dict[int, int] = {}
        for cid, members in self.per_conv.items():
            for offset, i in enumerate(members):
                seqs[i] = last_seqs[cid] - len(members) + 1 + offset
        return seqs

    def stored(self, new_ids: list[int], rows: list[dict[str, Any]]) -> list[Message]:
        """The fresh sends' messages, now stored as `rows` with `new_ids` (also their answers)."""
        messages = [_message(new_id, row) for new_id, row in zip(new_ids, rows, strict=True)]
        for i, message in zip(self.fresh, messages, strict=True):
            self.results[i] = (message, False)
        return messages

    def answers(self, batch: list[PendingSend]) -> Results:
        for i, item in enumerate(batch):
            if self.results[i] is None and item.key in self.first_in_batch:
                first = self.results[self.first_in_batch[item.key]]
                assert isinstance(first, tuple)
                self.results[i] = (first[0], True)
        return [r if r is not None else RuntimeError("unanswered send") for r in self.results]


def _row(item: PendingSend, seq: int, now: datetime) -> dict[str, Any]:
    return {
        "store_id": item.actor_store_id,
        "conversation_id": item.conversation_id,
        "seq": seq,
        "sender_kind": item.actor_kind,
        "sender_ref": item.actor_ref,
        "client_msg_id": item.client_msg_id,
        "kind": item.kind,
        "text": item.text,
        "language": item.language,
        "status": item.status,
        "moderation": item.reasons,
        "attachments": item.attachments,
        "data": item.data,
        "created_at": now,
    }


def _outbox_row(message: Message, payload: Payload, now: datetime) -> dict[str, Any]:
    return {
        "store_id": message.store_id,
        "type": "message.created",
        "payload": {"conversation_id": message.conversation_id, "message": payload(message)},
        "created_at": now,
        "dispatched_at": None,
    }


def _iso_millis(when: datetime) -> str:
    """A timestamp as `message_payload` writes it."""
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _SqliteStatements:
    """The writer thread's statements, compiled once per dialect, and the values converted as SQLAlchemy would.

    Every statement the thread runs is a GIL hand-off: sqlite3 releases the GIL around each
    step of a statement (each returned row, each row of an executemany) and the thread must
    get it back from the event loop, which under load holds it for up to the interpreter's
    switch interval (5 ms) each time. So a batch's statements are a fixed handful whatever its
    size: the conversations come back as one JSON row, a seq block is one UPDATE per group of
    conversations, the messages one multi-row INSERT (ids from the last rowid: the write lock
    is held, so they are consecutive), and the outbox rows one INSERT ... SELECT that builds
    each `message.created` payload in SQLite from the stored row, as `message_payload` would.
    Stored values are the Core path's (the columns' own bind processors convert them).
    """

    _by_dialect: dict[str, _SqliteStatements] = {}
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
    def of(cls, dialect: Dialect) -> _SqliteStatements:
        found = cls._by_dialect.get(dialect.name)
        if found is None:
            found = cls._by_dialect[dialect.name] = cls(dialect)
        return found

    def _json(self, value: Any) -> Any:
        if not value:
            return self.empty_list if isinstance(value, list) else self.empty_dict
        return self.json(value)

    def conversations(self, raw: sqlite3.Connection, ids: list[int]) -> dict[int, Conversation]:
        """The batch's conversations (the columns sends are checked against), in one row of JSON."""
        (found,) = raw.execute(_CONVERSATIONS_SQL, (json.dumps(ids),)).fetchone()
        return {
            row[0]: _transient(_CONVERSATION_MANAGER.new_instance(), dict(zip(_CONVERSATION_FIELDS, row, strict=True)))
            for row in json.loads(found)
        }

    def take_seqs(
        self,
        raw: sqlite3.Connection,
        convs: dict[int, Conversation],
        per_conv: dict[int, list[int]],
        batch: list[PendingSend],
        now: datetime,
    ) -> dict[int, int]:
        """Like `_take_seqs`; the last seqs come from `convs`, read after BEGIN IMMEDIATE took the write lock."""
        stamp = self.datetime(now)
        groups: dict[tuple[int, bool], list[int]] = {}
        for cid, members in per_conv.items():
            reopen = convs[cid].status == "closed" and any(batch[i].actor_kind == "buyer" for i in members)
            groups.setdefault((len(members), reopen), []).append(cid)
        for (count, reopen), cids in groups.items():
            raw.execute(_REOPEN_SQL if reopen else _TAKE_SEQS_SQL, (count, stamp, json.dumps(cids)))
        return {cid: convs[cid].last_seq + len(members) for cid, members in per_conv.items()}

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
            sql = self.message_head + ",".join([self.message_row] * len(chunk))
            # No RETURNING (a GIL hand-off per row): with the write lock held, a multi-row INSERT
            # gives its rows consecutive rowids in VALUES order, ending at the last one.
            last = raw.execute(sql, params).lastrowid
            assert last is not None
            ids.extend(range(last - len(chunk) + 1, last + 1))
        return ids

    def insert_outbox(self, raw: sqlite3.Connection, first_id: int, last_id: int, created_at: str) -> None:
        """A `message.created` event for each message with an id in [first_id, last_id] that is not a note."""
        raw.execute(_OUTBOX_SQL, (created_at, first_id, last_id))

    def insert_outbox_rows(self, raw: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
        """Outbox rows built in Python (see `_SqliteWriter.store`: a text SQLite's JSON cannot carry)."""
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

        raw.executemany(self.outbox_sql, [[convert(name, row[name]) for name in self.outbox_columns] for row in rows])


# What `_may_see` and `_take_seqs` read of a conversation.
_CONVERSATION_FIELDS = ("id", "store_id", "visitor_id", "customer_id", "status", "last_seq")
_CONVERSATIONS_SQL = (
    "SELECT json_group_array(json_array(id, store_id, visitor_id, customer_id, status, last_seq)) "
    "FROM conversations WHERE id IN (SELECT value FROM json_each(?))"
)
_TAKE_SEQS_SQL = (
    "UPDATE conversations SET last_seq = last_seq + ?, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))"
)
_REOPEN_SQL = (  # a buyer writing again reopens a closed conversation
    "UPDATE conversations SET last_seq = last_seq + ?, updated_at = ?, status = 'bot', closed_at = NULL "
    "WHERE id IN (SELECT value FROM json_each(?))"
)
# `message_payload` of each stored message, built by SQLite (json() turns the stored JSON text back into JSON).
_OUTBOX_SQL = """\
INSERT INTO outbox_events (store_id, type, payload, created_at, dispatched_at)
SELECT store_id, 'message.created', json_object(
    'conversation_id', conversation_id,
    'message', json_object(
        'id', id, 'seq', seq, 'kind', kind,
        'sender', json(CASE WHEN sender_kind = 'system' THEN NULL
                       ELSE json_object('kind', sender_kind, 'id', sender_ref) END),
        'text', text, 'language', language, 'status', status,
        'attachments', json(attachments), 'data', json(data), 'client_msg_id', client_msg_id,
        'translations', json_object(), 'created_at', ?
    )
), created_at, NULL
FROM messages WHERE id BETWEEN ? AND ? AND kind != 'note' ORDER BY id"""


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


Results = list[Outcome]  # one per send of a batch, in order
Store = Callable[[Session, list[PendingSend], datetime], Results]


class _WriterThread:
    """SQLite only: the batch's transaction on plain sqlite3 connections, on the event loop or in a thread.

    Through aiosqlite each statement is a round trip to its thread and back through the event
    loop, and under load every one of those waits behind the loop's other work (the fan-out
    of the previous batch, above all): a batch then took ~100 ms of waiting for a few ms of
    SQL. Here the whole transaction is one call, and a fixed handful of statements (see
    `_SqliteStatements`). WAL lets these connections and the app's aiosqlite ones share the
    file; writers take turns through SQLite's lock. The transaction starts with BEGIN
    IMMEDIATE: the write lock is taken before the conversations are read, so their last
    seqs stay current until the commit.

    A small batch (`INLINE_MAX` sends or fewer: the traffic is light) runs on the event loop
    itself: a few hundred microseconds of SQL, where a hop to the thread costs a wake-up and
    a GIL hand-off per statement, each waiting for the loop (up to the interpreter's switch
    interval). It never waits for the lock there: when another connection holds it, the
    batch goes to the thread, which waits (busy timeout). A large batch (heavy traffic) goes
    to the thread, where SQLite's own work runs beside the loop. Commits are not synced
    (WAL, synchronous=NORMAL, as the app's connections) and checkpoints are the
    checkpointer's, so neither path waits for the disk.
    """

    INLINE_MAX = 64

    def __init__(self, url: URL, payload: Payload) -> None:
        self.path = url.database or ""
        self.payload = payload  # for a batch whose payloads SQLite cannot build
        self.statements = _SqliteStatements.of(sqlite_dialect.dialect())
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="message-writer")
        self._raw: sqlite3.Connection | None = None  # the thread's, opened on its first batch
        self._inline: sqlite3.Connection | None = None  # the event loop's, opened on its first batch
        self._checkpointer = _Checkpointer(self.path)

    def write(self, batch: list[PendingSend], now: datetime) -> Results:
        """In the thread."""
        if self._raw is None:
            self._raw = self._connect(busy_timeout_ms=30_000)
        return self._transaction(self._raw, lambda raw: self._store(raw, batch, now))

    def write_inline(self, batch: list[PendingSend], now: datetime) -> Results | None:
        """On the calling thread (the event loop), if the write lock is free at once; else None."""
        if self._inline is None:
            self._inline = self._connect(busy_timeout_ms=0)
        try:
            self._inline.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            return None
        return self._transaction(self._inline, lambda raw: self._store(raw, batch, now), begun=True)

    def exclusive(self, fn: Callable[[sqlite3.Connection, Any], T], now: datetime) -> T:
        """In the thread."""
        if self._raw is None:
            self._raw = self._connect(busy_timeout_ms=30_000)
        stamp = self.statements.datetime(now)
        return self._transaction(self._raw, lambda raw: fn(raw, stamp))

    @staticmethod
    def _transaction(raw: sqlite3.Connection, body: Callable[[sqlite3.Connection], T], begun: bool = False) -> T:
        if not begun:
            raw.execute("BEGIN IMMEDIATE")
        try:
            result = body(raw)
            raw.execute("COMMIT")
        except BaseException:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise
        return result

    def _connect(self, busy_timeout_ms: int) -> sqlite3.Connection:
        raw = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        sqlite_pragmas(raw, None)
        raw.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # Checkpoints are the checkpointer's: here one would copy the WAL into the database file and
        # sync it between two batches, while the next batch's senders wait.
        raw.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer.start()
        return raw

    def _store(self, raw: sqlite3.Connection, batch: list[PendingSend], now: datetime) -> Results:
        sql = self.statements
        convs = sql.conversations(raw, sorted({item.conversation_id for item in batch}))
        plan = _Plan.of(batch, convs)
        seqs = plan.seqs(sql.take_seqs(raw, convs, plan.per_conv, batch, now))
        if plan.fresh:
            rows = [_row(batch[i], seqs[i], now) for i in plan.fresh]
            new_ids = sql.insert_messages(raw, rows)
            messages = plan.stored(new_ids, rows)
            if any("\x00" in row["text"] for row in rows):
                # SQLite's JSON functions end a text at a NUL: this batch's payloads are built here.
                outbox = [_outbox_row(m, self.payload, now) for m in messages if m.kind != "note"]
                sql.insert_outbox_rows(raw, outbox)
            else:
                sql.insert_outbox(raw, new_ids[0], new_ids[-1], _iso_millis(now))
        return plan.answers(batch)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self._checkpointer.close()
        for raw in (self._raw, self._inline):
            if raw is not None:
                raw.close()


class _Checkpointer:
    """SQLite only: the WAL copied back into the database file by a thread of its own, every second.

    A checkpoint writes the pages the WAL holds into the database and syncs both files (tens of
    milliseconds on some disks). SQLite runs one in whichever connection commits past 1,000 WAL
    pages: under chat load that was the message writer, every second or two, and every send
    waiting for the next batch waited for the disk too. A PASSIVE checkpoint takes no write lock,
    so here it runs beside the writer. (The app's other connections, the bot's state saves among
    them, checkpoint only past `WAL_BACKSTOP_PAGES`: see `sqlite_pragmas`.)
    """

    INTERVAL_S = 1.0

    def __init__(self, path: str) -> None:
        self.path = path
        self._stop = threading.Event()
        self._starting = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)

    def start(self) -> None:
        """Start, once (later calls do nothing)."""
        with self._starting:
            if not self._thread.is_alive() and not self._stop.is_set() and self._thread.ident is None:
                self._thread.start()

    def _run(self) -> None:
        raw = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            sqlite_pragmas(raw, None)
            while not self._stop.wait(self.INTERVAL_S):
                try:
                    raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    log.warning("WAL checkpoint failed; trying again", exc_info=True)
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            raw.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)


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
