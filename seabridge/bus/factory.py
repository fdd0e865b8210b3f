"""Choosing the bus from settings: in-process unless a Redis (or NATS) URL is configured."""

from __future__ import annotations

from seabridge.bus.base import Bus
from seabridge.bus.memory import MemoryBus
from seabridge.settings import Settings


def bus_from_settings(settings: Settings) -> Bus:
    url = settings.redis_url.strip()
    if not url:
        return MemoryBus()
    if url.startswith(("nats://", "tls://")):
        from seabridge.bus.nats import NatsJetStreamBus

        return NatsJetStreamBus(url)
    from seabridge.bus.redis import RedisStreamsBus

    return RedisStreamsBus(url)
