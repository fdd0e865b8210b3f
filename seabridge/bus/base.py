"""The bus interface and its event."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
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

    @abstractmethod
    async def publish(self, event: BusEvent) -> None:
        """Hand an event to every process (this one included). Never raises for transport errors."""

    @abstractmethod
    def events(self) -> AsyncIterator[BusEvent]:
        """Every event published by any process, in publish order per process."""
