"""The bus interface and its event."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class BusEvent:
    """Something every process may need to pass to its connections."""

    store_id: int
    conversation_id: int
    type: str  # message, message_updated, typing, read, presence, conversation
    payload: dict[str, Any] = field(default_factory=dict)
    seq: int = 0  # for type "message": the message's seq, used for gap detection

    def encode(self) -> str:
        return json.dumps(
            {"s": self.store_id, "c": self.conversation_id, "t": self.type, "q": self.seq, "p": self.payload},
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def decode(cls, raw: str | bytes) -> BusEvent:
        doc = json.loads(raw)
        return cls(int(doc["s"]), int(doc["c"]), str(doc["t"]), dict(doc["p"]), int(doc.get("q", 0)))


class Bus(ABC):
    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    async def publish(self, event: BusEvent) -> None:
        """Hand an event to every process (this one included). Never raises for transport errors."""
        self.publish_nowait(event)

    @abstractmethod
    def publish_nowait(self, event: BusEvent) -> None:
        """`publish` without a coroutine: every bus hands events over without waiting (a networked
        bus buffers them for its sender task), so a caller with no loop turn to spare calls this."""

    @abstractmethod
    def events(self) -> AsyncIterator[BusEvent]:
        """Every event published by any process, in publish order per process."""

    def add_listener(self, listener: Callable[[BusEvent], None]) -> Callable[[], None] | None:
        """Have `listener(event)` called for every event, in publish order, from within `publish`.

        Only an in-process bus can: there is nothing to wait for. The hub's fan-out then happens
        in the publisher's turn of the loop, with no task to wake and no queue in between, so a
        sender's ack and the copy of its message share one write. Returns the function that
        removes the listener, or None where the bus has no such path (then read `events()`).
        The listener must not block; what it raises is logged, never passed to the publisher.
        """
        return None
