"""Calls across two Seabridge processes (PostgreSQL + a private Redis): the buyer on one, the agent on the other.

Signalling frames reach the other party through the same bus fan-out as
messages; the call row (versioned) is the state both processes share, and the
ring timeout is fired by whichever process's worker sees it first.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from seabridge.settings import Settings
from seabridge.state import AppState
from tests.support.callpeer import Signal, connect_call, use_loopback
from tests.support.server import SECRET_KEY, Credentials, ServerProcess, buyer_token, make_credentials
from tests.test_scaleout import RedisServer

RING_TIMEOUT_S = 1.5


@pytest.fixture(scope="module")
def two_processes(pg_database: str) -> Iterator[tuple[ServerProcess, ServerProcess, Credentials]]:
    database_url = pg_database.replace("postgresql://", "postgresql+asyncpg://", 1)
    with tempfile.TemporaryDirectory(prefix="seabridge-calls-scaleout-") as tmp:
        root = Path(tmp)
        (root / "redis").mkdir()
        redis = RedisServer(root / "redis")
        env = {"SEABRIDGE_REDIS_URL": redis.url, "SEABRIDGE_CALL_RING_TIMEOUT_S": str(RING_TIMEOUT_S)}
        a = ServerProcess(database_url, root / "a", env=env)
        b = ServerProcess(database_url, root / "b", env=env)

        async def credentials() -> Credentials:
            settings = Settings(data_dir=root / "t", database_url=database_url, secret_key=SECRET_KEY, redis_url="")
            state = await AppState.open(settings)
            try:
                return await make_credentials(state)
            finally:
                await state.close()

        try:
            redis.start()
            a.start()
            b.start()
            use_loopback()
            yield a, b, asyncio.run(credentials())
        finally:
            for server in (a, b):
                server.stop()
            redis.kill()


async def test_a_call_between_two_processes_connects_and_rings_out(
    two_processes: tuple[ServerProcess, ServerProcess, Credentials],
) -> None:
    a, b, creds = two_processes
    async with Signal(a.ws_url, buyer_token(creds.store_id)) as buyer, Signal(b.ws_url, creds.agent_token) as agent:
        cid = await buyer.subscribe("mine")
        await agent.subscribe(cid)
        call_id = "c_" + uuid.uuid4().hex
        caller, callee, _ = await connect_call(buyer, agent, cid, call_id)
        try:
            await asyncio.wait_for(caller.connected.wait(), 20)
            await caller.frames_at_least("video", 10)
            await callee.frames_at_least("video", 10)
            await buyer.send(caller.stats_frame(call_id, "connected"))
            await agent.state(call_id, "connected")
            await agent.send({"type": "call_hangup", "call_id": call_id})
            assert (await buyer.state(call_id, "ended"))["outcome"] == "completed"
        finally:
            await caller.close()
            await callee.close()
        missed = "c_" + uuid.uuid4().hex
        await buyer.send({"type": "call_invite", "conversation_id": cid, "call_id": missed})
        await agent.state(missed, "inviting")
        ended = [await s.state(missed, "ended", timeout=RING_TIMEOUT_S + 10) for s in (buyer, agent)]
        assert [e["outcome"] for e in ended] == ["missed", "missed"]
