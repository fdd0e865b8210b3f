"""Acceptance: two Seabridge processes share PostgreSQL and Redis; nothing is lost or duplicated.

A private `redis-server` (free port, no persistence) and two `seabridge serve`
processes (same database, same server key, same Redis) run for the module. A
buyer connected to process A and an agent connected to process B exchange
1,000 messages (500 each, at the same time, pipelined up to 50 unacknowledged
sends each). After a third are acknowledged Redis is SIGKILLed; once 100 more
have been stored it is started again, empty, on the same port. Afterwards
each side has received every message exactly once (counted on the raw
frames, before the client's own de-duplication), in seq order from 1 without
gaps, no WebSocket was dropped, and PostgreSQL holds the 1,000 messages once
each. Meanwhile another buyer on A sends a read receipt every 50 ms in a
conversation of its own, which the agent also follows: those reach B only
through Redis, so the gap in their arrival is the bus's stall across the
restart. It is printed, not asserted, like the longest wait for the other
side's messages (which PostgreSQL gap-filling keeps short while both send).

A smaller test checks that presence, typing and read receipts cross processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from seabridge.client import SeabridgeClient
from seabridge.db.conversations import Message
from seabridge.messaging.frames import AckFrame, MessageFrame
from seabridge.settings import Settings
from seabridge.state import AppState
from tests.support.server import SECRET_KEY, ServerProcess, free_port, make_credentials

N_EACH = 500
N = 2 * N_EACH
DOWN_ACKS = 100  # messages stored while Redis is down before it is started again
# The durability test's raised per-connection limits: at the default 10 sends/s this would take 50 s.
PROTOCOL = {"sends_per_s": 500.0, "send_burst": 200, "frames_per_s": 2000.0, "frame_burst": 400}
BACKOFF: dict[str, float] = {"backoff_s": 0.05, "backoff_max_s": 0.5}
WAIT_S = 20.0
PROBE_EVERY_S = 0.05
# Unacknowledged sends per client. Unbounded, a client queues sends far faster than one connection's
# sends are stored (~20-50/s here); its keepalive ping then waits behind them for over 20 s and the
# client drops the connection (1006).
WINDOW = 50


class RedisServer:
    """A throwaway redis-server of our own (never the system one) that a test may SIGKILL and start again."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start on `port` and return once it answers PING (blocking: call it in a thread from async code)."""
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self._process = process = subprocess.Popen(
            ["redis-server", *args, "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self._answers_ping():
            if process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"redis-server did not start on port {self.port}")
            time.sleep(0.01)  # polling a condition, not synchronising

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: the stream and everything in it are gone."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Cluster:
    database_url: str
    redis: RedisServer
    a: ServerProcess
    b: ServerProcess


@pytest.fixture(scope="module")
def cluster(pg_database: str) -> Iterator[Cluster]:
    database_url = pg_database.replace("postgresql://", "postgresql+asyncpg://", 1)
    with tempfile.TemporaryDirectory(prefix="seabridge-scaleout-") as tmp:
        root = Path(tmp)
        (root / "redis").mkdir()
        redis = RedisServer(root / "redis")
        env = {"SEABRIDGE_REDIS_URL": redis.url}
        a = ServerProcess(database_url, root / "a", protocol=PROTOCOL, env=env)
        b = ServerProcess(database_url, root / "b", protocol=PROTOCOL, env=env)
        try:
            redis.start()
            a.start()  # one after the other: the first one migrates the fresh database
            b.start()
            yield Cluster(database_url, redis, a, b)
        finally:
            for server in (a, b):
                server.stop()
                print(f"--- server {server.port} output ---\n" + "".join(server.output[-40:]))
            redis.kill()


@pytest.fixture
async def db(cluster: Cluster, tmp_path: Path) -> AsyncIterator[AppState]:
    """This test's own view of the shared database (for credentials and checks), with no bus of its own."""
    settings = Settings(
        data_dir=tmp_path / "data", database_url=cluster.database_url, secret_key=SECRET_KEY, redis_url=""
    )
    state = await AppState.open(settings)
    try:
        yield state
    finally:
        await state.close()


class CountingClient(SeabridgeClient):
    """Records the seq of every `message` frame as it comes off the socket, before the client de-duplicates."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token, **BACKOFF)
        self.raw_seqs: list[int] = []

    async def __aenter__(self) -> CountingClient:
        await self.connect()
        return self

    def _on_frame(self, frame: dict[str, Any]) -> None:
        if frame.get("type") == "message":
            self.raw_seqs.append(int(frame["seq"]))
        super()._on_frame(frame)


@dataclass
class Inbox:
    """Drains a client's messages in a task, with arrival times; waiters use a condition with a timeout."""

    client: CountingClient
    frames: list[MessageFrame] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def run(self) -> None:
        while True:
            frame = await self.client.next_message()
            async with self.changed:
                self.frames.append(frame)
                self.arrivals.append(time.monotonic())
                self.changed.notify_all()

    async def wait_for_seq(self, seq: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: bool(self.frames) and self.frames[-1].seq >= seq)

    def from_other(self, kind: str) -> list[float]:
        """Arrival times of the messages sent by the other participant (not `kind`)."""
        return [
            t
            for f, t in zip(self.frames, self.arrivals, strict=True)
            if f.message.sender and f.message.sender.kind != kind
        ]


class Counter:
    """A count that waiters can wait on."""

    def __init__(self) -> None:
        self.value = 0
        self._changed = asyncio.Condition()

    async def add(self) -> None:
        async with self._changed:
            self.value += 1
            self._changed.notify_all()

    async def reach(self, target: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.value >= target)


def max_gap(times: list[float], start: float, end: float) -> float:
    """The longest wait from `start`, or between successive arrivals, up to the last arrival before `end`."""
    points = [start, *(t for t in times if start < t < end)]
    return max((b - a for a, b in itertools.pairwise(points)), default=end - start)


async def first_event(client: SeabridgeClient, type_: str, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    async with asyncio.timeout(WAIT_S):
        while True:
            frame = await client.next_event(type_)
            if match(frame):
                return frame


async def test_presence_typing_and_read_receipts_cross_processes(cluster: Cluster, db: AppState) -> None:
    creds = await make_credentials(db)
    async with CountingClient(cluster.a.ws_url, creds.buyer_token) as buyer:
        cid = await asyncio.wait_for(buyer.subscribe("mine"), WAIT_S)
        async with CountingClient(cluster.b.ws_url, creds.agent_token) as agent:
            await asyncio.wait_for(agent.subscribe(cid), WAIT_S)
            online = await first_event(buyer, "presence", lambda f: f["participant"]["kind"] == "agent")
            assert online["status"] == "online"
            agent_id = online["participant"]["id"]

            await buyer.typing(cid, True)
            typing = await first_event(agent, "typing", lambda f: f["participant"]["kind"] == "buyer")
            assert typing["active"] is True
            assert typing["conversation_id"] == cid
            await agent.typing(cid, True)
            typing = await first_event(buyer, "typing", lambda f: f["participant"] == {"kind": "agent", "id": agent_id})
            assert typing["active"] is True

            ack = await asyncio.wait_for(buyer.send(cid, "Does this ship to Norway?", "x-1"), WAIT_S)
            message = await asyncio.wait_for(agent.next_message(), WAIT_S)
            assert (message.seq, message.message.client_msg_id) == (ack.seq, "x-1")
            await agent.read(cid, message.seq)
            read = await first_event(buyer, "read", lambda f: f["participant"]["kind"] == "agent")
            assert (read["conversation_id"], read["seq"]) == (cid, ack.seq)
            await buyer.read(cid, ack.seq)
            read = await first_event(agent, "read", lambda f: f["participant"]["kind"] == "buyer")
            assert read["seq"] == ack.seq
        # The agent's only connection (on B) is gone: the buyer on A hears it.
        offline = await first_event(buyer, "presence", lambda f: f["participant"]["id"] == agent_id)
        assert offline["status"] == "offline"
    assert buyer.raw_seqs == [1]
    assert agent.raw_seqs == [1]


async def test_two_processes_exchange_1000_messages_across_a_redis_restart(cluster: Cluster, db: AppState) -> None:
    started = time.monotonic()
    creds = await make_credentials(db)
    async with (
        CountingClient(cluster.a.ws_url, creds.buyer_token) as buyer,
        CountingClient(cluster.b.ws_url, creds.agent_token) as agent,
        CountingClient(cluster.a.ws_url, creds.other_buyer_token) as prober,  # another buyer, also on A
    ):
        cid = await asyncio.wait_for(buyer.subscribe("mine"), WAIT_S)
        await asyncio.wait_for(agent.subscribe(cid), WAIT_S)
        # The probe runs in a conversation of its own, so it adds no message traffic.
        probe_cid = await asyncio.wait_for(prober.subscribe("mine"), WAIT_S)
        await asyncio.wait_for(agent.subscribe(probe_cid), WAIT_S)
        inboxes = {"buyer": Inbox(buyer), "agent": Inbox(agent)}
        acked: list[AckFrame] = []
        acks = Counter()
        probe_arrivals: list[float] = []
        stop_probe = asyncio.Event()
        windows = {id(buyer): asyncio.Semaphore(WINDOW), id(agent): asyncio.Semaphore(WINDOW)}

        async def send(client: SeabridgeClient, prefix: str, i: int) -> None:
            async with windows[id(client)]:
                acked.append(await client.send(cid, f"{prefix} message {i}", f"{prefix}-{i}"))
            await acks.add()

        async def probe() -> None:
            """A read receipt every 50 ms from A; the agent on B gets it only through Redis."""
            while not stop_probe.is_set():
                await prober.read(probe_cid, 0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_probe.wait(), PROBE_EVERY_S)  # pacing, not synchronisation

        async def watch_probe() -> None:
            while True:
                frame = await agent.next_event("read")
                if frame["conversation_id"] == probe_cid:
                    probe_arrivals.append(time.monotonic())

        async with asyncio.timeout(75), asyncio.TaskGroup() as group:
            background = [group.create_task(inbox.run()) for inbox in inboxes.values()]
            background.append(group.create_task(watch_probe()))
            prober_task = group.create_task(probe())
            for i in range(N_EACH):  # interleaved and pipelined (up to WINDOW unacknowledged sends each)
                group.create_task(send(buyer, "b", i))
                group.create_task(send(agent, "a", i))

            await acks.reach(N // 3)
            acked_at_kill = acks.value
            killed_at = time.monotonic()
            cluster.redis.kill()
            await acks.reach(acked_at_kill + DOWN_ACKS)  # messages keep being stored without Redis
            await asyncio.to_thread(cluster.redis.start)  # same port, empty
            restarted_at = time.monotonic()
            acked_at_restart = acks.value

            await acks.reach(N)
            for inbox in inboxes.values():
                await inbox.wait_for_seq(N)
            done_at = time.monotonic()
            stop_probe.set()
            await prober_task
            for task in background:
                task.cancel()
        clients = {"buyer": buyer, "agent": agent, "prober": prober}
        connects = {name: client.connects for name, client in clients.items()}
        close_codes = {name: client.close_codes for name, client in clients.items()}
        raw = {name: inbox.client.raw_seqs for name, inbox in inboxes.items()}
        received = {name: inbox.frames for name, inbox in inboxes.items()}
        gaps = {
            name: (
                max_gap(inbox.from_other(name), started, killed_at),
                max_gap(inbox.from_other(name), killed_at, done_at),
            )
            for name, inbox in inboxes.items()
        }
    for server in (cluster.a, cluster.b):
        assert server.proc is not None and server.proc.poll() is None, "".join(server.output)

    assert acked_at_restart < N, "Redis came back after everything was stored: not a mid-stream restart"
    assert connects == {"buyer": 1, "agent": 1, "prober": 1}, f"a Redis restart must not drop WebSockets: {close_codes}"
    assert sorted(a.seq for a in acked) == list(range(1, N + 1))
    assert sum(a.duplicate for a in acked) == 0
    by_seq = {a.seq: a.client_msg_id for a in acked}
    assert set(by_seq.values()) == {f"{p}-{i}" for p in "ba" for i in range(N_EACH)}
    for name, frames in received.items():
        assert raw[name] == list(range(1, N + 1)), f"{name}: duplicated, missing or out of order"
        assert {m.seq: m.message.client_msg_id for m in frames} == by_seq
        for m in frames:
            sender = m.message.sender
            assert sender is not None
            assert sender.kind == ("buyer" if by_seq[m.seq].startswith("b-") else "agent")

    async with db.sessions() as session:
        where = Message.conversation_id == int(cid)
        stored = list(await session.scalars(select(Message.client_msg_id).where(where)))
        seqs = list(await session.scalars(select(Message.seq).where(where).order_by(Message.seq)))
        total = await session.scalar(select(func.count()).select_from(Message).where(where))
    assert total == N
    assert sorted(stored) == sorted(by_seq.values())  # each client id once
    assert seqs == list(range(1, N + 1))

    switches = sum(by_seq[s][0] != by_seq[s + 1][0] for s in range(1, N))
    bus_stall = max_gap(probe_arrivals, killed_at, done_at)
    bus_before = max_gap(probe_arrivals, started + 1.0, killed_at)
    print(
        f"\nscale-out: {N} messages ({switches} sender switches in seq order) in {done_at - started:.1f}s; "
        f"Redis down {restarted_at - killed_at:.2f}s, {acked_at_restart - acked_at_kill} messages stored meanwhile; "
        f"bus stall (read receipts A->B) {bus_stall:.2f}s from the kill ({bus_stall - (restarted_at - killed_at):.2f}s "
        f"after Redis was back), longest gap before {bus_before:.2f}s; "
        + "; ".join(
            f"{name}'s longest wait for the other side's messages {after:.2f}s after the kill, {before:.2f}s before"
            for name, (before, after) in gaps.items()
        )
    )
