"""The in-process bus: one process, no network."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from seabridge.bus.base import Bus, BusEvent


class MemoryBus(Bus):
    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[BusEvent | None]] = set()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for queue in self._subscribers:
            queue.put_nowait(None)

    async def publish(self, event: BusEvent) -> None:
        for queue in self._subscribers:
            queue.put_nowait(event)

    async def events(self) -> AsyncIterator[BusEvent]:
        queue: asyncio.Queue[BusEvent | None] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            self._subscribers.discard(queue)
