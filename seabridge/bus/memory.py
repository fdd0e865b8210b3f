"""The in-process bus: one process, no network."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from seabridge.bus.base import Bus, BusEvent

log = logging.getLogger(__name__)


class MemoryBus(Bus):
    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[BusEvent | None]] = set()
        self._listeners: list[Callable[[BusEvent], None]] = []

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for queue in self._subscribers:
            queue.put_nowait(None)

    def publish_nowait(self, event: BusEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # one listener's bug never fails the publisher (its message is stored)
                log.exception("a bus listener failed", extra={"event_type": event.type})
        for queue in self._subscribers:
            queue.put_nowait(event)

    def add_listener(self, listener: Callable[[BusEvent], None]) -> Callable[[], None]:
        self._listeners = [*self._listeners, listener]  # a new list: removal during a publish is safe

        def remove() -> None:
            self._listeners = [other for other in self._listeners if other is not listener]

        return remove

    async def events(self) -> AsyncIterator[BusEvent]:
        queue: asyncio.Queue[BusEvent | None] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            self._subscribers.discard(queue)
