"""The NATS JetStream bus against the NATS server on 127.0.0.1:4222 (JetStream enabled)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest

from seabridge.bus.base import BusEvent
from seabridge.bus.nats import NatsJetStreamBus
from seabridge.bus.shared import BUS_EVENTS_DROPPED

NATS_URL = "nats://127.0.0.1:4222"
WAIT_S = 20.0


class Collector:
    def __init__(self, bus: NatsJetStreamBus) -> None:
        self.events: list[BusEvent] = []
        self._changed = asyncio.Event()
        self._iterator = bus.events()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for event in self._iterator:
            self.events.append(event)
            self._changed.set()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(WAIT_S):
            while len(self.events) < count:
                self._changed.clear()
                await self._changed.wait()

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def event(publisher: int, n: int) -> BusEvent:
    return BusEvent(store_id=publisher, conversation_id=7, type="message", payload={"text": f"private-{n}"}, seq=n)


def by_publisher(events: list[BusEvent], publisher: int) -> list[int]:
    return [e.seq for e in events if e.store_id == publisher]


@pytest.fixture
async def stream_names() -> AsyncIterator[tuple[str, str]]:
    """A stream and subject of this test's own on the shared server, deleted afterwards."""
    suffix = uuid.uuid4().hex[:12]
    names = (f"SEABRIDGE_TEST_{suffix}", f"seabridge.test.{suffix}")
    yield names
    client = await nats.connect(NATS_URL)
    try:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await client.jetstream().delete_stream(names[0])
    finally:
        await client.close()


def make_bus(url: str, names: tuple[str, str], **kwargs: float | int) -> NatsJetStreamBus:
    return NatsJetStreamBus(url, names[0], names[1], backoff_initial=0.05, backoff_max=0.5, **kwargs)  # type: ignore[arg-type]


async def test_two_processes_receive_every_event_in_order(stream_names: tuple[str, str]) -> None:
    a, b = make_bus(NATS_URL, stream_names), make_bus(NATS_URL, stream_names)
    await a.start()
    await b.start()
    try:
        got_a, got_b = Collector(a), Collector(b)
        for n in range(1, 501):
            await a.publish(event(1, n))
            await b.publish(event(2, n))
        await got_a.wait_for(1000)
        await got_b.wait_for(1000)
        for got in (got_a, got_b):
            assert by_publisher(got.events, 1) == list(range(1, 501))
            assert by_publisher(got.events, 2) == list(range(1, 501))
        await a.publish(event(1, 501))
        await got_b.wait_for(1001)
        assert len(got_b.events) == 1001
        await got_a.stop()
        await got_b.stop()
    finally:
        await a.close()
        await b.close()


async def test_publish_never_raises_while_nats_is_down(stream_names: tuple[str, str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bus = make_bus(f"nats://127.0.0.1:{port}", stream_names, buffer_size=3, start_timeout=0.2, close_timeout=0.1)
    await bus.start()
    got = Collector(bus)
    dropped_before = BUS_EVENTS_DROPPED.labels("nats", "buffer_full")._value.get()
    for n in range(1, 6):
        await bus.publish(event(1, n))
    await got.wait_for(5)
    assert by_publisher(got.events, 1) == [1, 2, 3, 4, 5]
    assert BUS_EVENTS_DROPPED.labels("nats", "buffer_full")._value.get() - dropped_before == 2
    await got.stop()
    await bus.close()


class NatsServer:
    """A throwaway JetStream server of our own, to kill and start again (never the shared one)."""

    def __init__(self, store: Path) -> None:
        self.store = store
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._process = subprocess.Popen(
            ["nats-server", "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise
                time.sleep(0.02)  # polling a condition, not synchronising

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


async def test_nats_restart_mid_stream(tmp_path: Path) -> None:
    server = NatsServer(tmp_path)
    server.start()
    names = ("SEABRIDGE", "seabridge.events")
    a, b = make_bus(server.url, names), make_bus(server.url, names)
    try:
        await a.start()
        await b.start()
        got_a, got_b = Collector(a), Collector(b)
        n = 0

        async def publish_both(count: int) -> None:
            nonlocal n
            for _ in range(count):
                n += 1
                await a.publish(event(1, n))
                await b.publish(event(2, n))

        await publish_both(100)
        await got_a.wait_for(200)
        await got_b.wait_for(200)
        server.kill()
        await publish_both(50)  # buffered while the server is away
        server.start()
        await got_a.wait_for(300)
        await got_b.wait_for(300)
        await publish_both(50)
        await got_a.wait_for(400)
        await got_b.wait_for(400)
        for got in (got_a, got_b):
            assert by_publisher(got.events, 1) == list(range(1, 201))
            assert by_publisher(got.events, 2) == list(range(1, 201))
        await got_a.stop()
        await got_b.stop()
    finally:
        await a.close()
        await b.close()
        server.kill()
