"""What the networked buses share: local fan-out, de-duplication, backoff and their metrics."""

from __future__ import annotations

import asyncio
import logging
import random
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator

from prometheus_client import Counter

from seabridge.bus.base import BusEvent
from seabridge.metrics import REGISTRY

BUS_EVENTS_DROPPED = Counter(
    "seabridge_bus_events_dropped_total",
    "Bus events dropped by this process, by transport and reason",
    ["transport", "reason"],
    registry=REGISTRY,
)
BUS_RECONNECTS = Counter(
    "seabridge_bus_reconnects_total",
    "Bus connection failures followed by a reconnect attempt, by transport and task",
    ["transport", "task"],
    registry=REGISTRY,
)
BUS_SERVER_RESTARTS = Counter(
    "seabridge_bus_server_restarts_total",
    "Bus server restarts seen by this process, by transport",
    ["transport"],
    registry=REGISTRY,
)

log = logging.getLogger(__name__)


async def stop_tasks(tasks: list[asyncio.Task[None]], grace_s: float, transport: str) -> None:
    """Cancel `tasks` and wait up to `timeout` seconds for them to end.

    A task that swallows its cancellation (a client library's retry loop, say) or that already
    failed never keeps the bus from closing: the first is left behind with a warning, the
    second's error was the task's own (logged where it happened) and is not raised here.
    """
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=grace_s)
    if pending:
        log.warning(
            "bus tasks did not stop after cancellation; leaving them",
            extra={"transport": transport, "tasks": sorted(t.get_name() for t in pending)},
        )


# Failures worth a reconnect: the server is gone, slow, loading, or answers an error.


class Backoff:
    """Capped exponential backoff with jitter: `next()` gives the delay before the next attempt."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._initial = initial
        self._maximum = maximum
        self._current = initial

    def next(self) -> float:
        delay = self._current
        self._current = min(self._current * 2, self._maximum)
        return delay * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self._current = self._initial


class Subscribers:
    """This process's `events()` iterators: one bounded queue each, oldest event dropped when full."""

    def __init__(self, transport: str, queue_size: int) -> None:
        self._transport = transport
        self._queue_size = queue_size
        # Weak: an `events()` iterator that is dropped without being exhausted unsubscribes itself.
        self._queues: weakref.WeakSet[asyncio.Queue[BusEvent | None]] = weakref.WeakSet()
        self._closed = False

    def subscribe(self) -> AsyncIterator[BusEvent]:
        # Registered on the call, not on the first iteration, so nothing published after
        # `events()` returns is missed.
        queue: asyncio.Queue[BusEvent | None] = asyncio.Queue(self._queue_size)
        if self._closed:
            queue.put_nowait(None)
        else:
            self._queues.add(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue[BusEvent | None]) -> AsyncIterator[BusEvent]:
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            self._queues.discard(queue)

    def deliver(self, event: BusEvent | None) -> None:
        for queue in list(self._queues):
            if queue.full():
                queue.get_nowait()
                if event is not None:
                    BUS_EVENTS_DROPPED.labels(self._transport, "subscriber_slow").inc()
            queue.put_nowait(event)

    def close(self) -> None:
        self._closed = True
        self.deliver(None)


class Deduplicator:
    """Remembers the last counter seen per producer; a counter not above it is a repeat."""

    def __init__(self, max_producers: int = 10_000) -> None:
        self._last: OrderedDict[str, int] = OrderedDict()
        self._max_producers = max_producers

    def is_new(self, producer: str, counter: int) -> bool:
        last = self._last.get(producer)
        if last is not None and counter <= last:
            return False
        self._last[producer] = counter
        self._last.move_to_end(producer)
        if len(self._last) > self._max_producers:
            self._last.popitem(last=False)
        return True
