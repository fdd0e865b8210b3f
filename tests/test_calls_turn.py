"""Calls relayed through a real coturn with credentials minted per call; bad credentials fail loudly.

coturn runs with `use-auth-secret`; Seabridge is configured with its URL and
secret and `turn_relay_only`, so peers may only use relayed candidates. The
peers take the ICE servers the server sends (`call_ice_servers`) and nothing else.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from seabridge.calls.ice import turn_credentials
from seabridge.state import AppState
from tests.support.callpeer import Signal, connect_call, use_loopback
from tests.support.server import Credentials, ServerProcess, buyer_token, make_credentials, settings_for
from tests.support.turn import TurnServer

SETUP_TIMEOUT_S = 6.0


@pytest.fixture(scope="module")
def turn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TurnServer]:
    server = TurnServer(tmp_path_factory.mktemp("coturn"))
    server.start()
    use_loopback()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Credentials]:
    root = tmp_path_factory.mktemp("calls-turn")
    url = f"sqlite+aiosqlite:///{root / 'seabridge.db'}"

    async def setup() -> Credentials:
        state = await AppState.open(settings_for(url, root / "data"))
        try:
            return await make_credentials(state)
        finally:
            await state.close()

    return url, root / "data", asyncio.run(setup())


def seabridge(database: tuple[str, Path, Credentials], turn: TurnServer, **overrides: str) -> ServerProcess:
    url, data, _ = database
    env = {
        "SEABRIDGE_TURN_URLS": turn.url,
        "SEABRIDGE_TURN_SECRET": turn.secret,
        "SEABRIDGE_TURN_RELAY_ONLY": "true",
        "SEABRIDGE_CALL_SETUP_TIMEOUT_S": str(SETUP_TIMEOUT_S),
        **overrides,
    }
    server = ServerProcess(url, data, env=env)
    server.start()
    return server


@pytest.fixture
def parties(database: tuple[str, Path, Credentials]) -> tuple[Credentials, str]:
    """The store's agent and a fresh buyer."""
    return database[2], buyer_token(database[2].store_id)


def test_minted_credentials_follow_coturns_scheme() -> None:
    username, password, expiry = turn_credentials("s3cret", "c_123", 600, now=1_700_000_000)
    assert (username, expiry) == ("1700000600:c_123", 1_700_000_600)
    # base64(HMAC-SHA1("s3cret", "1700000600:c_123")), as coturn computes it
    assert password == "vkQwxQtXijgnIwS0i54ODD04U9Q="


async def test_relay_only_call_goes_through_coturn(
    database: tuple[str, Path, Credentials], turn: TurnServer, parties: tuple[Credentials, str]
) -> None:
    creds, buyer = parties
    server = seabridge(database, turn)
    try:
        async with Signal(server.ws_url, buyer) as caller, Signal(server.ws_url, creds.agent_token) as callee:
            cid = await caller.subscribe("mine")
            await callee.subscribe(cid)
            call_id = "c_" + uuid.uuid4().hex
            a, b, _ = await connect_call(caller, callee, cid, call_id)
            try:
                ice = a.config.iceServers or []
                assert ice and ice[0].urls == [turn.url]
                expiry = int(str(ice[0].username).split(":")[0])
                assert str(ice[0].username).endswith(":" + call_id) and expiry > time.time()
                assert "typ host" not in a.pc.localDescription.sdp  # relay-only: no host candidates offered
                await asyncio.wait_for(a.connected.wait(), 20)
                await asyncio.wait_for(b.connected.wait(), 20)
                await a.frames_at_least("video", 10)
                await b.frames_at_least("video", 10)
                assert a.selected_pair() == ("relay", "relay")
                await caller.send(a.stats_frame(call_id))
                await caller.send({"type": "call_hangup", "call_id": call_id})
                assert (await callee.state(call_id, "ended"))["outcome"] == "completed"
            finally:
                await a.close()
                await b.close()
    finally:
        server.stop()


async def failing_call(server: ServerProcess, creds: Credentials, buyer: str) -> tuple[dict[str, str], dict[str, str]]:
    """Set up a call whose TURN credentials coturn refuses; the client reports what it sees."""
    async with Signal(server.ws_url, buyer) as caller, Signal(server.ws_url, creds.agent_token) as callee:
        cid = await caller.subscribe("mine")
        await callee.subscribe(cid)
        call_id = "c_" + uuid.uuid4().hex
        a, b, _ = await connect_call(caller, callee, cid, call_id)
        try:
            # coturn answered 401: no relayed candidate was gathered, so relay-only ICE cannot succeed.
            assert "typ relay" not in a.pc.localDescription.sdp
            await caller.send(a.stats_frame(call_id, "failed"))
            seen_by_callee = await callee.state(call_id, "ended", timeout=10)
            seen_by_caller = await caller.state(call_id, "ended", timeout=10)
        finally:
            await a.close()
            await b.close()
        return seen_by_caller, seen_by_callee


@pytest.mark.parametrize("fault", ["wrong secret", "expired credentials"])
async def test_bad_turn_credentials_end_in_a_reported_failure(
    database: tuple[str, Path, Credentials], turn: TurnServer, parties: tuple[Credentials, str], fault: str
) -> None:
    creds, buyer = parties
    if fault == "wrong secret":
        server = seabridge(database, turn, SEABRIDGE_TURN_SECRET="not-" + turn.secret)
    else:
        server = seabridge(database, turn, SEABRIDGE_TURN_CREDENTIAL_TTL_S="-60")
    try:
        for ended in await failing_call(server, creds, buyer):
            assert (ended["outcome"], ended["reason"]) == ("failed", "media_failed")
    finally:
        server.stop()


async def test_a_client_that_reports_nothing_is_ended_by_the_setup_timeout(
    database: tuple[str, Path, Credentials], turn: TurnServer, parties: tuple[Credentials, str]
) -> None:
    creds, buyer = parties
    server = seabridge(database, turn, SEABRIDGE_TURN_SECRET="wrong")
    try:
        async with Signal(server.ws_url, buyer) as caller, Signal(server.ws_url, creds.agent_token) as callee:
            cid = await caller.subscribe("mine")
            await callee.subscribe(cid)
            call_id = "c_" + uuid.uuid4().hex
            a, b, _ = await connect_call(caller, callee, cid, call_id)
            try:
                ended = await caller.state(call_id, "ended", timeout=SETUP_TIMEOUT_S + 10)
                assert (ended["outcome"], ended["reason"]) == ("failed", "setup_timeout")
                assert not a.connected.is_set() and not b.connected.is_set()
            finally:
                await a.close()
                await b.close()
    finally:
        server.stop()
