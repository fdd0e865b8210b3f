"""Acceptance: no acknowledged message is lost or duplicated when the server is SIGKILLed mid-stream.

A buyer pipelines 1,000 sends; after a third are acknowledged the server
process is killed (no shutdown code runs) and restarted on the same database
and port. The clients reconnect, resume from their last seq and re-send the
unacknowledged messages with the same client ids. Afterwards every participant
(the sender, the sender's second connection, an agent) holds every message
exactly once, in seq order without gaps, and the database holds each client
id once.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import select

from seabridge.client import SeabridgeClient
from seabridge.db.conversations import Message
from seabridge.messaging.frames import AckFrame, MessageFrame
from seabridge.state import AppState
from tests.support.server import ServerProcess, make_credentials

N = 1000
# Raised per-connection limits: at the default 10 sends/s this test would take 100 s.
PROTOCOL = {"sends_per_s": 500.0, "send_burst": 200, "frames_per_s": 2000.0, "frame_burst": 400}


async def collect(client: SeabridgeClient, last_seq: int) -> list[MessageFrame]:
    received: list[MessageFrame] = []
    while not received or received[-1].seq < last_seq:
        received.append(await client.next_message())
    return received


async def test_a_killed_server_loses_and_duplicates_nothing(database_url: str, state: AppState, tmp_path: Path) -> None:
    started = time.monotonic()
    creds = await make_credentials(state)
    server = ServerProcess(database_url, tmp_path / "data", protocol=PROTOCOL)
    server.start()
    try:
        async with (
            SeabridgeClient(server.ws_url, creds.buyer_token, backoff_s=0.05, backoff_max_s=0.5) as sender,
            SeabridgeClient(server.ws_url, creds.buyer_token, backoff_s=0.05, backoff_max_s=0.5) as other_tab,
            SeabridgeClient(server.ws_url, creds.agent_token, backoff_s=0.05, backoff_max_s=0.5) as agent,
        ):
            cid = await asyncio.wait_for(sender.subscribe("mine"), 10)
            await asyncio.wait_for(other_tab.subscribe(cid), 10)
            await asyncio.wait_for(agent.subscribe(cid), 10)

            acked: list[AckFrame] = []
            a_third_acked = asyncio.Event()

            async def send(i: int) -> None:
                acked.append(await sender.send(cid, f"message {i}", f"dur-{i}"))
                if len(acked) >= N // 3:
                    a_third_acked.set()

            async with asyncio.timeout(90):
                async with asyncio.TaskGroup() as group:
                    for i in range(N):  # pipelined: no send waits for an earlier ack
                        group.create_task(send(i))
                    await a_third_acked.wait()
                    acked_before_kill = len(acked)
                    server.kill()
                    server.restart()
                receivers = [sender, other_tab, agent]
                received = await asyncio.gather(*(collect(c, N) for c in receivers))
            reconnects = [c.connects for c in receivers]
    finally:
        server.stop()

    assert acked_before_kill < N, "the kill happened after everything was acknowledged"
    assert all(count >= 2 for count in reconnects), reconnects
    assert sorted(a.seq for a in acked) == list(range(1, N + 1))
    assert {a.client_msg_id for a in acked} == {f"dur-{i}" for i in range(N)}
    by_seq = {a.seq: a.client_msg_id for a in acked}
    for messages in received:
        assert [m.seq for m in messages] == list(range(1, N + 1))  # once each, in order, no gaps
        assert {m.seq: m.message.client_msg_id for m in messages} == by_seq
    async with state.sessions() as session:
        stored = list(await session.scalars(select(Message.client_msg_id).where(Message.conversation_id == int(cid))))
    assert sorted(stored) == sorted(f"dur-{i}" for i in range(N))
    duplicates = sum(a.duplicate for a in acked)
    elapsed = time.monotonic() - started
    print(f"durability: {N} messages, {duplicates} duplicate acks after restart, {elapsed:.1f}s")
