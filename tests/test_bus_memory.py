"""The in-process bus: listeners are called inside `publish`, in order, and can be removed."""

from __future__ import annotations

import asyncio

import pytest

from seabridge.bus.base import BusEvent
from seabridge.bus.memory import MemoryBus
from seabridge.bus.redis import RedisStreamsBus


def _event(seq: int) -> BusEvent:
    return BusEvent(store_id=1, conversation_id=7, type="message", payload={"n": seq}, seq=seq)


async def test_a_listener_sees_each_event_before_publish_returns_and_readers_still_get_it() -> None:
    bus = MemoryBus()
    seen: list[int] = []
    remove = bus.add_listener(lambda event: seen.append(event.seq))
    reader = bus.events()
    first = asyncio.ensure_future(anext(reader))
    await asyncio.sleep(0)  # the reader subscribes
    await bus.publish(_event(1))
    assert seen == [1]  # no turn of the loop needed
    assert (await first).seq == 1
    await bus.publish(_event(2))
    remove()
    await bus.publish(_event(3))
    assert seen == [1, 2]
    assert [(await anext(reader)).seq for _ in range(2)] == [2, 3]
    await reader.aclose()


async def test_a_listener_removed_during_a_publish_does_not_disturb_the_others() -> None:
    bus = MemoryBus()
    seen: list[str] = []

    def first(event: BusEvent) -> None:
        seen.append("first")
        remove_second()

    bus.add_listener(first)
    remove_second = bus.add_listener(lambda event: seen.append("second"))
    await bus.publish(_event(1))
    await bus.publish(_event(2))
    assert seen == ["first", "second", "first"]


def test_a_networked_bus_has_no_in_process_listener_path() -> None:
    assert RedisStreamsBus("redis://127.0.0.1:6379/0").add_listener(lambda event: None) is None


async def test_a_failing_listener_is_logged_and_never_fails_the_publisher(caplog: pytest.LogCaptureFixture) -> None:
    bus = MemoryBus()
    seen: list[int] = []

    def broken(event: BusEvent) -> None:
        raise RuntimeError("bug")

    bus.add_listener(broken)
    bus.add_listener(lambda event: seen.append(event.seq))
    await bus.publish(_event(1))
    assert seen == [1]
    assert "a bus listener failed" in caplog.text
