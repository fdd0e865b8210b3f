"""Choosing the bus from settings."""

from __future__ import annotations

from seabridge.bus.factory import bus_from_settings
from seabridge.bus.memory import MemoryBus
from seabridge.bus.nats import NatsJetStreamBus
from seabridge.bus.redis import RedisStreamsBus
from seabridge.settings import Settings


def test_memory_bus_without_url() -> None:
    assert isinstance(bus_from_settings(Settings(redis_url="")), MemoryBus)


def test_redis_bus_for_redis_url() -> None:
    assert isinstance(bus_from_settings(Settings(redis_url="redis://127.0.0.1:6379/0")), RedisStreamsBus)
    assert isinstance(bus_from_settings(Settings(redis_url="rediss://cache.internal:6380/1")), RedisStreamsBus)


def test_nats_bus_for_nats_url() -> None:
    assert isinstance(bus_from_settings(Settings(redis_url="nats://127.0.0.1:4222")), NatsJetStreamBus)
