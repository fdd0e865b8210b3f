"""The event bus between Seabridge processes: in-process by default, Redis Streams to scale out.

The bus only speeds delivery up: every message is committed to the database
first, carries its per-conversation seq, and connections fill any gap they see
from the database. Losing a bus event delays a delivery; it never loses a message.
"""

from seabridge.bus.base import Bus, BusEvent
from seabridge.bus.memory import MemoryBus

__all__ = ["Bus", "BusEvent", "MemoryBus"]
