"""The Redis Streams bus against real `redis-server` processes of our own (never the system one)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis

from seabridge.bus.base import BusEvent
from seabridge.bus.redis import RedisStreamsBus
from seabridge.bus.shared import BUS_EVENTS_DROPPED

WAIT_S = 20.0


class RedisServer:
    """A throwaway redis-server on a free loopback port that a test may kill and start again."""

    def __init__(self, workdir: Path, *extra_args: str) -> None:
        self.workdir = workdir
        self.extra_args = extra_args
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self._process = subprocess.Popen(
            ["redis-server", *args, *self.extra_args, "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        # A read timeout too: if another process took the port meanwhile, it may never answer a PING.
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=1.0)
        try:
            while True:
                try:
                    if client.ping():
                        return
                except (redis.ConnectionError, redis.TimeoutError):
                    if time.monotonic() > deadline or self._process.poll() is not None:
                        raise
                time.sleep(0.02)  # polling a condition, not synchronising
        finally:
            client.close()

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


class Collector:
    """Drains `bus.events()` in a task; tests wait for a count with a timeout."""

    def __init__(self, bus: RedisStreamsBus) -> None:
        self.events: list[BusEvent] = []
        self._changed = asyncio.Event()
        self._iterator = bus.events()  # subscribed from here on
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


@contextlib.asynccontextmanager
async def running(*buses: RedisStreamsBus) -> AsyncIterator[None]:
    try:
        for bus in buses:
            await bus.start()
        yield
    finally:
        for bus in buses:
            await bus.close()


def fast_bus(url: str, **kwargs: int | float | str) -> RedisStreamsBus:
    options: dict[str, int | float | str] = {"backoff_initial": 0.05, "backoff_max": 0.5, "block_ms": 500}
    options.update(kwargs)
    return RedisStreamsBus(url, **options)  # type: ignore[arg-type]


async def test_two_processes_receive_every_event_in_order(redis_server: RedisServer) -> None:
    a, b = fast_bus(redis_server.url), fast_bus(redis_server.url)
    async with running(a, b):
        got_a, got_b = Collector(a), Collector(b)
        for n in range(1, 501):
            await a.publish(event(1, n))
            await b.publish(event(2, n))
        await got_a.wait_for(1000)
        await got_b.wait_for(1000)
        for got in (got_a, got_b):
            assert by_publisher(got.events, 1) == list(range(1, 501))
            assert by_publisher(got.events, 2) == list(range(1, 501))
            assert got.events[0].payload == {"text": "private-1"}
        await got_a.stop()
        await got_b.stop()


async def test_process_reads_only_events_from_its_start(redis_server: RedisServer) -> None:
    early, witness = fast_bus(redis_server.url), fast_bus(redis_server.url)
    async with running(early, witness):
        seen = Collector(witness)
        for n in range(1, 11):
            await early.publish(event(1, n))
        await seen.wait_for(10)  # the ten are in the stream before `late` starts
        await seen.stop()
        late = fast_bus(redis_server.url)
        async with running(late):
            got = Collector(late)
            await early.publish(event(1, 11))
            await got.wait_for(1)
            assert by_publisher(got.events, 1) == [11]
            await got.stop()


async def test_redis_restart_mid_stream(redis_server: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    a, b = fast_bus(redis_server.url), fast_bus(redis_server.url)
    async with running(a, b):
        got_a, got_b = Collector(a), Collector(b)
        n_a = n_b = 0

        async def publish_both(count: int) -> None:
            nonlocal n_a, n_b
            for _ in range(count):
                n_a += 1
                n_b += 1
                await a.publish(event(1, n_a))
                await b.publish(event(2, n_b))

        await publish_both(300)
        await got_a.wait_for(600)
        await got_b.wait_for(600)

        redis_server.kill()
        await publish_both(100)  # never raises; buffered until Redis returns
        # Each process sees its own events at once, the other's only through Redis.
        await got_a.wait_for(700)
        assert by_publisher(got_a.events, 1)[-1] == 400
        assert by_publisher(got_a.events, 2)[-1] == 300

        redis_server.start()  # same port, empty: stream ids start over
        # A stream whose ids restarted below the readers' positions (a server that lost its data,
        # a lagging replica): an entry written there with a tiny id must still be delivered.
        async with Redis.from_url(redis_server.url) as client:
            foreign = BusEvent(store_id=3, conversation_id=7, type="typing", seq=1)
            await client.xadd("seabridge:events", {"p": "foreign", "n": 1, "e": foreign.encode()}, id="1-1")

        await got_a.wait_for(801)
        await got_b.wait_for(801)
        await publish_both(100)
        await got_a.wait_for(1001)
        await got_b.wait_for(1001)

        for got in (got_a, got_b):
            assert by_publisher(got.events, 1) == list(range(1, 501))
            assert by_publisher(got.events, 2) == list(range(1, 501))
            assert by_publisher(got.events, 3) == [1]
            assert len(got.events) == 1001
        # Nothing more trickles in (no re-delivery of the buffered or pre-restart events).
        await a.publish(event(1, 501))
        await got_b.wait_for(1002)
        assert len(got_b.events) == 1002
        assert caplog.records, "the outage should have been logged"
        assert not any("private-" in str(vars(record)) for record in caplog.records)
        await got_a.stop()
        await got_b.stop()


async def test_persistent_redis_restart_does_not_redeliver(tmp_path: Path) -> None:
    # With an append-only file the stream survives the restart: the reader keeps its position.
    server = RedisServer(tmp_path, "--appendonly", "yes", "--appendfsync", "always")
    server.start()
    try:
        a, b = fast_bus(server.url), fast_bus(server.url)
        async with running(a, b):
            got_b = Collector(b)
            for n in range(1, 51):
                await a.publish(event(1, n))
            await got_b.wait_for(50)
            server.kill()
            server.start()
            for n in range(51, 61):
                await a.publish(event(1, n))
            await got_b.wait_for(60)
            await a.publish(event(1, 61))
            await got_b.wait_for(61)
            assert by_publisher(got_b.events, 1) == list(range(1, 62))
            await got_b.stop()
    finally:
        server.kill()


async def test_publish_never_raises_while_redis_is_down(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)  # port chosen, server not started
    a = fast_bus(server.url, buffer_size=5, start_timeout=0.2, close_timeout=0.1)
    b = fast_bus(server.url, start_timeout=0.2)
    try:
        async with running(a, b):
            got_a, got_b = Collector(a), Collector(b)
            dropped_before = BUS_EVENTS_DROPPED.labels("redis", "buffer_full")._value.get()
            for n in range(1, 11):
                await a.publish(event(1, n))
            await got_a.wait_for(10)  # local subscribers need no Redis
            assert BUS_EVENTS_DROPPED.labels("redis", "buffer_full")._value.get() - dropped_before == 5

            server.start()
            await got_b.wait_for(5)  # the newest 5 kept in the bounded buffer, oldest dropped
            await a.publish(event(1, 11))
            await got_b.wait_for(6)
            assert by_publisher(got_b.events, 1) == [6, 7, 8, 9, 10, 11]
            await got_a.stop()
            await got_b.stop()
    finally:
        server.kill()


async def test_close_ends_event_iterators(redis_server: RedisServer) -> None:
    bus = fast_bus(redis_server.url)
    await bus.start()
    iterator = bus.events()
    await bus.publish(event(1, 1))
    await bus.close()
    assert [e.seq async for e in iterator] == [1]
    await bus.publish(event(1, 2))  # after close: ignored, no error


async def test_close_is_bounded_when_a_task_ignores_cancellation(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A task of the bus that swallows its cancellation (or already failed) never keeps close() waiting."""
    bus = fast_bus(redis_server.url, close_timeout=0.3)
    await bus.start()
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)

    async def failed() -> None:
        raise RuntimeError("the task's own failure")

    tasks = [asyncio.create_task(stubborn(), name="stubborn"), asyncio.create_task(failed(), name="failed")]
    await asyncio.sleep(0)
    bus._tasks.update(tasks)
    with caplog.at_level(logging.WARNING, logger="seabridge.bus.shared"):
        await asyncio.wait_for(bus.close(), timeout=60)  # without the bound: the stubborn task's hour
    assert any("did not stop" in r.getMessage() and r.__dict__["tasks"] == ["stubborn"] for r in caplog.records)
    release.set()
    tasks[0].cancel()
    await asyncio.wait(tasks)
