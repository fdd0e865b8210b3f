"""The NATS JetStream bus: the Redis Streams bus's contract over a JetStream stream.

Every process publishes to subject `seabridge.events` of one stream and reads
it through an ephemeral ordered consumer that delivers only messages published
after it was created; nats-py re-creates that consumer from the last sequence it
saw after a reconnect. Publishing goes through the same bounded local buffer as
the Redis bus (oldest dropped when full); `Nats-Msg-Id` lets the server drop a
message re-sent after a lost acknowledgement, and readers drop repeats too.

Payloads hold message text: they are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy, StreamConfig
from nats.js.errors import BadRequestError

from seabridge.bus.base import Bus, BusEvent
from seabridge.bus.shared import BUS_EVENTS_DROPPED, BUS_RECONNECTS, Backoff, Deduplicator, Subscribers, stop_tasks

log = logging.getLogger(__name__)

TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (NatsError, OSError, TimeoutError)


class NatsJetStreamBus(Bus):
    transport = "nats"

    def __init__(
        self,
        url: str,
        stream: str = "SEABRIDGE",
        subject: str = "seabridge.events",
        maxlen: int = 100_000,
        *,
        buffer_size: int = 10_000,
        subscriber_queue_size: int = 10_000,
        backoff_initial: float = 0.1,
        backoff_max: float = 5.0,
        start_timeout: float = 5.0,
        close_timeout: float = 2.0,
    ) -> None:
        self._url = url
        self._stream = stream
        self._subject = subject
        self._maxlen = maxlen
        self._buffer_size = buffer_size
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._start_timeout = start_timeout
        self._close_timeout = close_timeout

        self.producer_id = uuid.uuid4().hex
        self._counter = 0
        self._pending: deque[tuple[int, bytes]] = deque()
        self._has_pending = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._dropping = False
        self._subscribers = Subscribers(self.transport, subscriber_queue_size)
        self._dedup = Deduplicator()

        self._client: Client | None = None
        self._js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    async def start(self) -> None:
        for name, coro in (("bus-nats-connect", self._connect_loop()), ("bus-nats-publisher", self._publish_loop())):
            task = asyncio.create_task(coro, name=name)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=self._start_timeout)
        except TimeoutError:
            log.warning("nats bus not reachable at start; retrying in the background", extra={"stream": self._stream})

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pending and self._ready.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), timeout=self._close_timeout)
        if self._pending:
            BUS_EVENTS_DROPPED.labels(self.transport, "closed").inc(len(self._pending))
            log.warning("nats bus closed with unpublished events", extra={"dropped": len(self._pending)})
        await stop_tasks(list(self._tasks), self._close_timeout, self.transport)
        if self._client is not None and not self._client.is_closed:
            with contextlib.suppress(*TRANSPORT_ERRORS):
                await self._client.close()
        self._subscribers.close()

    def publish_nowait(self, event: BusEvent) -> None:
        if self._closed:
            return
        self._subscribers.deliver(event)
        self._counter += 1
        if len(self._pending) >= self._buffer_size:
            self._drop_oldest(1)
        self._pending.append((self._counter, event.encode().encode()))
        self._drained.clear()
        self._has_pending.set()

    def events(self) -> AsyncIterator[BusEvent]:
        return self._subscribers.subscribe()

    # -- connection ----------------------------------------------------------

    async def _connect_loop(self) -> None:
        """Connect once; after that nats-py reconnects (forever) and resumes the ordered consumer."""
        backoff = Backoff(self._backoff_initial, self._backoff_max)
        while True:
            client = Client()
            try:
                await client.connect(
                    self._url,
                    connect_timeout=2,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    error_cb=self._on_error,
                )
                js = client.jetstream()
                await self._ensure_stream(js)
                await js.subscribe(
                    self._subject,
                    stream=self._stream,
                    cb=self._on_message,
                    ordered_consumer=True,
                    deliver_policy=DeliverPolicy.NEW,
                    idle_heartbeat=2.0,
                )
            except asyncio.CancelledError:
                await _close_quietly(client)
                raise
            except TRANSPORT_ERRORS as exc:
                await _close_quietly(client)
                BUS_RECONNECTS.labels(self.transport, "connect").inc()
                delay = backoff.next()
                log.warning(
                    "nats bus connect failed; retrying",
                    extra={"error": type(exc).__name__, "retry_in_s": round(delay, 2)},
                )
                await asyncio.sleep(delay)
                continue
            self._client, self._js = client, js
            self._ready.set()
            return

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        config = StreamConfig(name=self._stream, subjects=[self._subject], max_msgs=self._maxlen)
        try:
            await js.add_stream(config)
        except BadRequestError:
            # The stream exists with other settings (set by an operator): use it as it is.
            log.info("nats stream exists with other settings; using it", extra={"stream": self._stream})

    async def _on_error(self, exc: Exception) -> None:
        log.warning("nats bus connection error", extra={"error": type(exc).__name__})

    async def _on_message(self, msg: Msg) -> None:
        headers = msg.headers or {}
        try:
            producer = headers["Seabridge-Producer"]
            counter = int(headers["Seabridge-Counter"])
            event = BusEvent.decode(msg.data)
        except (KeyError, ValueError, TypeError):
            log.warning("nats bus message unreadable; skipped", extra={"stream": self._stream})
            return
        if producer == self.producer_id:
            return  # already delivered locally by `publish`
        if self._dedup.is_new(producer, counter):
            self._subscribers.deliver(event)

    # -- publishing ----------------------------------------------------------

    def _drop_oldest(self, count: int) -> None:
        for _ in range(count):
            self._pending.popleft()
        BUS_EVENTS_DROPPED.labels(self.transport, "buffer_full").inc(count)
        if not self._dropping:
            self._dropping = True
            log.warning(
                "nats bus buffer full; dropping oldest events until nats catches up",
                extra={"buffer_size": self._buffer_size},
            )

    async def _publish_loop(self) -> None:
        await self._ready.wait()
        assert self._js is not None
        backoff = Backoff(self._backoff_initial, self._backoff_max)
        while True:
            if not self._pending:
                self._has_pending.clear()
                self._drained.set()
                self._dropping = False
                await self._has_pending.wait()
                continue
            counter, data = self._pending[0]
            headers = {
                "Nats-Msg-Id": f"{self.producer_id}-{counter}",
                "Seabridge-Producer": self.producer_id,
                "Seabridge-Counter": str(counter),
            }
            try:
                await self._js.publish(self._subject, data, timeout=2.0, stream=self._stream, headers=headers)
            except TRANSPORT_ERRORS as exc:
                BUS_RECONNECTS.labels(self.transport, "publisher").inc()
                delay = backoff.next()
                log.warning(
                    "nats bus publish failed; retrying",
                    extra={"error": type(exc).__name__, "pending": len(self._pending), "retry_in_s": round(delay, 2)},
                )
                await asyncio.sleep(delay)
                continue
            # Sent: remove it unless the buffer overflowed and dropped it meanwhile.
            if self._pending and self._pending[0][0] == counter:
                self._pending.popleft()
            backoff.reset()


async def _close_quietly(client: Client) -> None:
    if not client.is_closed:
        with contextlib.suppress(*TRANSPORT_ERRORS):
            await client.close()
