"""The Redis Streams bus: every Seabridge process appends to one stream and reads it all.

Publishing never waits on Redis: `publish` hands the event to this process's own
subscribers at once and queues it for a background publisher, which XADDs
batches to the stream (approximate MAXLEN trimming). The queue is bounded;
while Redis is unreachable it keeps the newest events and drops the oldest,
counting them in `seabridge_bus_events_dropped_total`.

A reader task XREADs the stream from its own last id and fans entries out to
the local subscribers, skipping the ones this process wrote. Both tasks
reconnect with capped exponential backoff.

Each entry carries its producer's id and a per-producer counter, so a batch
that is written twice (the reply to a successful XADD was lost) is delivered
once. On every reconnect the reader checks whether the server lost the stream
it was reading: its `run_id` changed and the last entry read is gone, or the
stream's last-generated-id is behind the reader's position (ids start over).
It then reads the new stream from its beginning, where everything was written
after the loss, instead of waiting for ids it has already passed; a server
restarted with its data keeps the position, so nothing is delivered twice.

Payloads hold message text: they are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from redis import exceptions as redis_errors
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from seabridge.bus.base import Bus, BusEvent
from seabridge.bus.shared import (
    BUS_EVENTS_DROPPED,
    BUS_RECONNECTS,
    BUS_SERVER_RESTARTS,
    Backoff,
    Deduplicator,
    Subscribers,
    stop_tasks,
)

log = logging.getLogger(__name__)

TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (redis_errors.RedisError, OSError, TimeoutError)


def parse_stream_id(raw: str) -> tuple[int, int]:
    ms, _, seq = raw.partition("-")
    return int(ms), int(seq or 0)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisStreamsBus(Bus):
    transport = "redis"

    def __init__(
        self,
        url: str,
        stream: str = "seabridge:events",
        maxlen: int = 100_000,
        *,
        buffer_size: int = 10_000,
        subscriber_queue_size: int = 10_000,
        batch_size: int = 500,
        block_ms: int = 1_000,
        backoff_initial: float = 0.1,
        backoff_max: float = 1.0,
        start_timeout: float = 5.0,
        close_timeout: float = 2.0,
    ) -> None:
        self._url = url
        self._stream = stream
        self._maxlen = maxlen
        self._buffer_size = buffer_size
        self._batch_size = batch_size
        self._block_ms = block_ms
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._start_timeout = start_timeout
        self._close_timeout = close_timeout

        self.producer_id = uuid.uuid4().hex
        self._counter = 0
        self._pending: deque[tuple[int, str]] = deque()
        self._has_pending = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._dropping = False
        self._subscribers = Subscribers(self.transport, subscriber_queue_size)
        self._dedup = Deduplicator()

        self._client: Redis | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._synced = asyncio.Event()
        self._last_id: str | None = None
        self._run_id: str | None = None
        self._start_ms = 0
        self._late_start = False
        self._closed = False

    # -- Bus -----------------------------------------------------------------

    async def start(self) -> None:
        # Retries are ours (with backoff, per task); the client must fail fast.
        self._client = Redis.from_url(
            self._url,
            socket_connect_timeout=2.0,
            socket_timeout=self._block_ms / 1000 + 5.0,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=30,
        )
        self._start_ms = int(time.time() * 1000)
        for name, coro in (("bus-redis-reader", self._read_loop()), ("bus-redis-publisher", self._publish_loop())):
            task = asyncio.create_task(coro, name=name)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # Wait (briefly) until the reader holds a position, so events published by other
        # processes after `start` returns are delivered; an unreachable Redis does not stop startup.
        try:
            await asyncio.wait_for(self._synced.wait(), timeout=self._start_timeout)
        except TimeoutError:
            self._late_start = True
            log.warning("redis bus not reachable at start; retrying in the background", extra={"stream": self._stream})

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pending and self._client is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), timeout=self._close_timeout)
            if self._pending:
                BUS_EVENTS_DROPPED.labels(self.transport, "closed").inc(len(self._pending))
                log.warning("redis bus closed with unpublished events", extra={"dropped": len(self._pending)})
        await stop_tasks(list(self._tasks), self._close_timeout, self.transport)
        if self._client is not None:
            await self._client.aclose()
        self._subscribers.close()

    def publish_nowait(self, event: BusEvent) -> None:
        if self._closed:
            return
        self._subscribers.deliver(event)
        self._counter += 1
        if len(self._pending) >= self._buffer_size:
            self._drop_oldest(1)
        self._pending.append((self._counter, event.encode()))
        self._drained.clear()
        self._has_pending.set()

    def events(self) -> AsyncIterator[BusEvent]:
        return self._subscribers.subscribe()

    # -- publishing ----------------------------------------------------------

    def _drop_oldest(self, count: int) -> None:
        for _ in range(count):
            self._pending.popleft()
        BUS_EVENTS_DROPPED.labels(self.transport, "buffer_full").inc(count)
        if not self._dropping:
            self._dropping = True
            log.warning(
                "redis bus buffer full; dropping oldest events until redis catches up",
                extra={"buffer_size": self._buffer_size},
            )

    async def _publish_loop(self) -> None:
        assert self._client is not None
        backoff = Backoff(self._backoff_initial, self._backoff_max)
        while True:
            if not self._pending:
                self._has_pending.clear()
                self._drained.set()
                if self._dropping:
                    self._dropping = False
                    log.info("redis bus buffer flushed")
                await self._has_pending.wait()
                continue
            batch = [self._pending.popleft() for _ in range(min(len(self._pending), self._batch_size))]
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for counter, data in batch:
                        pipe.xadd(
                            self._stream,
                            {"p": self.producer_id, "n": counter, "e": data},
                            maxlen=self._maxlen,
                            approximate=True,
                        )
                    await pipe.execute()
                backoff.reset()
            except asyncio.CancelledError:
                self._requeue(batch)
                raise
            except TRANSPORT_ERRORS as exc:
                # Part of the batch may have been written; readers drop the repeats.
                self._requeue(batch)
                BUS_RECONNECTS.labels(self.transport, "publisher").inc()
                delay = backoff.next()
                log.warning(
                    "redis bus publish failed; retrying",
                    extra={"error": type(exc).__name__, "pending": len(self._pending), "retry_in_s": round(delay, 2)},
                )
                await asyncio.sleep(delay)

    def _requeue(self, batch: list[tuple[int, str]]) -> None:
        self._pending.extendleft(reversed(batch))
        excess = len(self._pending) - self._buffer_size
        if excess > 0:
            self._drop_oldest(excess)

    # -- reading -------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self._client is not None
        backoff = Backoff(self._backoff_initial, self._backoff_max)
        while True:
            try:
                await self._sync_position()
                backoff.reset()
                self._synced.set()
                while True:
                    await self._read_once()
            except asyncio.CancelledError:
                raise
            except TRANSPORT_ERRORS as exc:
                BUS_RECONNECTS.labels(self.transport, "reader").inc()
                delay = backoff.next()
                log.warning(
                    "redis bus read failed; reconnecting",
                    extra={"error": type(exc).__name__, "retry_in_s": round(delay, 2)},
                )
                await asyncio.sleep(delay)

    async def _sync_position(self) -> None:
        """On every (re)connect: notice a restarted server and fix the read position."""
        assert self._client is not None
        info = await self._client.info("server")
        run_id = str(info.get("run_id", ""))
        last_generated = await self._last_generated_id()
        if self._last_id is None:
            # A process only needs the events published from its start on. When Redis was
            # unreachable at start, others may have written since: stream ids begin with the
            # server's clock in ms, so start from our start time instead.
            self._last_id = last_generated
            if self._late_start:
                self._last_id = min(last_generated, f"{self._start_ms}-0", key=parse_stream_id)
        else:
            restarted = self._run_id is not None and run_id != self._run_id
            if restarted:
                BUS_SERVER_RESTARTS.labels(self.transport).inc()
                log.warning("redis server restarted", extra={"stream": self._stream})
            behind = parse_stream_id(self._last_id) > parse_stream_id(last_generated)
            if behind or (restarted and not await self._entry_exists(self._last_id)):
                # The server lost the entries we had read (restart without data, failover to a
                # lagging replica), so its ids started over and may be below our position. All
                # that is in the stream now was written after the loss: read it from the start;
                # repeats of what we saw are dropped by the deduplicator.
                log.warning("redis stream lost its history; reading it from the start", extra={"stream": self._stream})
                self._last_id = "0-0"
        self._run_id = run_id

    async def _entry_exists(self, entry_id: str) -> bool:
        assert self._client is not None
        if entry_id == "0-0":
            return True  # nothing read yet: no history to lose
        return bool(await self._client.xrange(self._stream, min=entry_id, max=entry_id, count=1))

    async def _last_generated_id(self) -> str:
        assert self._client is not None
        try:
            info = await self._client.xinfo_stream(self._stream)
        except redis_errors.ResponseError:
            return "0-0"  # no stream yet
        return _text(info["last-generated-id"])

    async def _read_once(self) -> None:
        assert self._client is not None and self._last_id is not None
        response: Any = await self._client.xread(
            {self._stream: self._last_id}, count=self._batch_size, block=self._block_ms
        )
        for _stream, entries in response or ():
            for entry_id, fields in entries:
                self._last_id = _text(entry_id)
                self._deliver_entry(self._last_id, fields)

    def _deliver_entry(self, entry_id: str, fields: dict[bytes, bytes]) -> None:
        try:
            producer = fields[b"p"].decode()
            counter = int(fields[b"n"])
            event = BusEvent.decode(fields[b"e"])
        except (KeyError, ValueError, TypeError):
            log.warning("redis bus entry unreadable; skipped", extra={"entry_id": entry_id})
            return
        if producer == self.producer_id:
            return  # already delivered locally by `publish`
        if self._dedup.is_new(producer, counter):
            self._subscribers.deliver(event)
