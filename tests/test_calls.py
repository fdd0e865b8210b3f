"""1v1 calls with real aiortc peers through the real signalling server (a server process on loopback).

Media really flows: each peer sends generated audio and video and counts the
frames it receives. Ring and setup timeouts are shortened through settings.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from seabridge.state import AppState
from tests.support.callpeer import MediaPeer, Signal, connect_call, use_loopback
from tests.support.server import Credentials, ServerProcess, buyer_token, make_credentials, settings_for

RING_TIMEOUT_S = 1.5
SETUP_TIMEOUT_S = 3.0


@pytest.fixture(scope="module")
def call_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Credentials, Credentials]]:
    root = tmp_path_factory.mktemp("calls")
    url = f"sqlite+aiosqlite:///{root / 'seabridge.db'}"

    async def setup() -> tuple[Credentials, Credentials]:
        state = await AppState.open(settings_for(url, root / "data"))
        try:
            return await make_credentials(state), await make_credentials(state)
        finally:
            await state.close()

    first, second = asyncio.run(setup())
    env = {
        "SEABRIDGE_CALL_RING_TIMEOUT_S": str(RING_TIMEOUT_S),
        "SEABRIDGE_CALL_SETUP_TIMEOUT_S": str(SETUP_TIMEOUT_S),
    }
    server = ServerProcess(url, root / "data", env=env)
    server.start()
    use_loopback()
    try:
        yield server, first, second
    finally:
        server.stop()


@pytest.fixture
def server(call_server: tuple[ServerProcess, Credentials, Credentials]) -> ServerProcess:
    return call_server[0]


@pytest.fixture
def creds(call_server: tuple[ServerProcess, Credentials, Credentials]) -> Credentials:
    return call_server[1]


@pytest.fixture
async def pair(server: ServerProcess, creds: Credentials) -> AsyncIterator[tuple[Signal, Signal, str]]:
    """A fresh buyer (in their own conversation) and the store's agent, both subscribed to it."""
    async with (
        Signal(server.ws_url, buyer_token(creds.store_id)) as buyer,
        Signal(server.ws_url, creds.agent_token) as agent,
    ):
        cid = await buyer.subscribe("mine")
        await agent.subscribe(cid)
        yield buyer, agent, cid


def new_call_id() -> str:
    return "c_" + uuid.uuid4().hex


async def invite(caller: Signal, callee: Signal, cid: str, call_id: str) -> None:
    await caller.send({"type": "call_invite", "conversation_id": cid, "call_id": call_id, "media": "video"})
    await caller.expect("call_ice_servers", lambda f: f["call_id"] == call_id)
    await callee.state(call_id, "inviting")


async def system_event(signal: Signal, event: str, call_id: str) -> dict[str, Any]:
    frame = await signal.expect(
        "message",
        lambda f: (
            (f["message"].get("data") or {}).get("event") == event and f["message"]["data"].get("call_id") == call_id
        ),
    )
    message: dict[str, Any] = frame["message"]
    return message


async def call_record(server: ServerProcess, creds: Credentials, call_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get(f"/v1/calls/{call_id}", headers={"Authorization": f"Bearer {creds.agent_token}"})
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()
    return record


async def report_connected(signal: Signal, peer: MediaPeer, call_id: str) -> None:
    await asyncio.wait_for(peer.connected.wait(), 15)
    await signal.send(peer.stats_frame(call_id, "connected"))


async def test_call_connects_media_flows_both_ways_and_is_recorded(
    server: ServerProcess, creds: Credentials, pair: tuple[Signal, Signal, str]
) -> None:
    buyer, agent, cid = pair
    call_id = new_call_id()
    a, b, _ = await connect_call(buyer, agent, cid, call_id)
    try:
        # Trickle ICE is relayed too (aiortc gathers before the offer, so an end-of-candidates marker here).
        await buyer.send({"type": "call_ice", "call_id": call_id, "candidate": {"candidate": "", "sdp_mid": "0"}})
        relayed = await agent.expect("call_ice", lambda f: f["call_id"] == call_id)
        assert relayed["candidate"] == {"candidate": "", "sdp_mid": "0"}
        await report_connected(buyer, a, call_id)
        await report_connected(agent, b, call_id)
        connected = await buyer.state(call_id, "connected")
        assert connected["callee"]["kind"] == "agent"
        await system_event(agent, "call_started", call_id)
        for peer in (a, b):
            await peer.frames_at_least("video", 15)
            await peer.frames_at_least("audio", 15)
        await agent.send(b.stats_frame(call_id))
        await agent.send({"type": "call_hangup", "call_id": call_id})
        ended = await buyer.state(call_id, "ended")
        assert ended["outcome"] == "completed" and ended["duration_s"] > 0
        message = await system_event(buyer, "call_ended", call_id)
        assert message["kind"] == "system" and message["data"]["outcome"] == "completed"
    finally:
        await a.close()
        await b.close()
    record = await call_record(server, creds, call_id)
    assert record["outcome"] == "completed" and record["duration_s"] > 0
    assert record["caller"]["kind"] == "buyer" and record["callee"]["kind"] == "agent"
    assert record["quality"]["samples"] == 3
    assert record["quality"]["resolution_max"] == "160x120"
    assert record["quality"]["candidate_types"] == ["host"]


async def test_decline(pair: tuple[Signal, Signal, str]) -> None:
    buyer, agent, cid = pair
    call_id = new_call_id()
    await invite(buyer, agent, cid, call_id)
    await agent.send({"type": "call_decline", "call_id": call_id, "reason": "in_a_meeting"})
    ended = await buyer.state(call_id, "ended")
    assert (ended["outcome"], ended["reason"]) == ("declined", "in_a_meeting")
    assert (await system_event(buyer, "call_ended", call_id))["data"]["outcome"] == "declined"


async def test_cancel_by_the_caller(pair: tuple[Signal, Signal, str]) -> None:
    buyer, agent, cid = pair
    call_id = new_call_id()
    await invite(agent, buyer, cid, call_id)  # the agent calls the buyer this time
    await buyer.send({"type": "call_ringing", "call_id": call_id})
    await agent.state(call_id, "ringing")
    await agent.send({"type": "call_cancel", "call_id": call_id})
    assert (await buyer.state(call_id, "ended"))["outcome"] == "cancelled"
    # Too late to accept a cancelled call.
    await buyer.send({"type": "call_accept", "call_id": call_id})
    error = await buyer.expect("error", lambda f: f.get("ref") == call_id)
    assert error["code"] == "call_state_invalid"


async def test_unanswered_call_rings_out_as_missed(pair: tuple[Signal, Signal, str]) -> None:
    buyer, agent, cid = pair
    call_id = new_call_id()
    await invite(buyer, agent, cid, call_id)
    ended = await buyer.state(call_id, "ended", timeout=RING_TIMEOUT_S + 10)
    assert ended["outcome"] == "missed"
    await agent.state(call_id, "ended")
    assert (await system_event(agent, "call_missed", call_id))["text"] == "Missed video call"


async def test_second_call_while_in_one_is_busy(
    server: ServerProcess, creds: Credentials, pair: tuple[Signal, Signal, str]
) -> None:
    buyer, agent, cid = pair
    first = new_call_id()
    await invite(buyer, agent, cid, first)
    await agent.send({"type": "call_accept", "call_id": first})
    await buyer.state(first, "accepted")
    # Another agent of the store calls the same buyer: busy, at once.
    async with Signal(server.ws_url, creds.agent_token) as other_agent:
        await other_agent.subscribe(cid)
        second = new_call_id()
        await other_agent.send({"type": "call_invite", "conversation_id": cid, "call_id": second})
        ended = await other_agent.state(second, "ended")
        assert ended["outcome"] == "busy"
    # The callee may also answer busy by itself (e.g. a phone call on the device).
    await buyer.send({"type": "call_hangup", "call_id": first})
    await agent.state(first, "ended")
    third = new_call_id()
    await invite(buyer, agent, cid, third)
    await agent.send({"type": "call_busy", "call_id": third})
    assert (await buyer.state(third, "ended"))["outcome"] == "busy"


async def test_hang_up_during_setup_and_stalled_setup_end_as_failed(pair: tuple[Signal, Signal, str]) -> None:
    buyer, agent, cid = pair
    call_id = new_call_id()
    await invite(buyer, agent, cid, call_id)
    await agent.send({"type": "call_accept", "call_id": call_id})
    # Nobody offers: the setup timeout ends the call (no participant is left hanging).
    ended = await buyer.state(call_id, "ended", timeout=SETUP_TIMEOUT_S + 10)
    assert (ended["outcome"], ended["reason"]) == ("failed", "setup_timeout")


async def test_ice_restart_keeps_media_flowing(pair: tuple[Signal, Signal, str]) -> None:
    """An offer with new ICE credentials mid-call, relayed and answered; media flows again.

    aiortc has no `restartIce()`, so the Python peers restart the way a client without it does:
    a fresh peer connection (new ICE ufrag/pwd, new DTLS) offered with `ice_restart` on the same call.
    """
    buyer, agent, cid = pair
    call_id = new_call_id()
    a, b, _ = await connect_call(buyer, agent, cid, call_id)
    a2 = b2 = None
    try:
        await report_connected(buyer, a, call_id)
        await buyer.state(call_id, "connected")
        await b.frames_at_least("video", 5)
        old_ufrag = _ufrag(a.pc.localDescription.sdp)
        a2, b2 = MediaPeer(a.config), MediaPeer(b.config)
        await a.close()
        await b.close()
        await buyer.send({"type": "call_offer", "call_id": call_id, "sdp": await a2.offer(), "ice_restart": True})
        offer = await agent.expect("call_offer", lambda f: f["call_id"] == call_id)
        assert offer["ice_restart"] is True
        assert _ufrag(offer["sdp"]) != old_ufrag
        await agent.send({"type": "call_answer", "call_id": call_id, "sdp": await b2.answer(offer["sdp"])})
        answer = await buyer.expect("call_answer", lambda f: f["call_id"] == call_id)
        await a2.accept_answer(answer["sdp"])
        await b2.frames_at_least("video", 15)
        await a2.frames_at_least("audio", 15)
        await buyer.send({"type": "call_hangup", "call_id": call_id})
        assert (await agent.state(call_id, "ended"))["outcome"] == "completed"
    finally:
        for peer in (a, b, a2, b2):
            if peer is not None:
                await peer.close()


def _ufrag(sdp: str) -> str:
    return next(line.split(":", 1)[1] for line in sdp.splitlines() if line.startswith("a=ice-ufrag:"))


async def test_errors_are_precise(
    server: ServerProcess,
    creds: Credentials,
    call_server: tuple[ServerProcess, Credentials, Credentials],
    pair: tuple[Signal, Signal, str],
) -> None:
    buyer, agent, cid = pair
    other_store = call_server[2]
    unknown = new_call_id()
    await agent.send({"type": "call_accept", "call_id": unknown})
    assert (await agent.expect("error", lambda f: f.get("ref") == unknown))["code"] == "call_not_found"

    call_id = new_call_id()
    await invite(buyer, agent, cid, call_id)
    # The caller cannot accept its own call; an answer needs an offer first.
    await buyer.send({"type": "call_accept", "call_id": call_id})
    assert (await buyer.expect("error", lambda f: f.get("ref") == call_id))["code"] == "call_state_invalid"
    await agent.send({"type": "call_accept", "call_id": call_id})
    await buyer.state(call_id, "accepted")
    await agent.send({"type": "call_answer", "call_id": call_id, "sdp": "v=0"})
    assert (await agent.expect("error", lambda f: f.get("ref") == call_id))["code"] == "call_state_invalid"
    await buyer.send({"type": "call_offer", "call_id": call_id, "sdp": "v=0\r\n" + "a=x\r\n" * 8000})
    error = await buyer.expect("error", lambda f: f.get("ref") == call_id)
    assert error["code"] == "sdp_too_large"

    # Another buyer of the store, and another store's agent, know the call id: it does not exist for them.
    async with (
        Signal(server.ws_url, buyer_token(creds.store_id)) as stranger,
        Signal(server.ws_url, other_store.agent_token) as foreign_agent,
    ):
        for intruder in (stranger, foreign_agent):
            await intruder.send({"type": "call_hangup", "call_id": call_id})
            assert (await intruder.expect("error", lambda f: f.get("ref") == call_id))["code"] == "call_not_found"
            await intruder.send({"type": "call_stats", "call_id": call_id, "connection_state": "failed"})
            assert (await intruder.expect("error", lambda f: f.get("ref") == call_id))["code"] == "call_not_found"
        # Inviting into a conversation one may not subscribe to.
        await foreign_agent.send({"type": "subscribe", "conversation_id": cid})
        assert (await foreign_agent.expect("error"))["code"] == "not_found"
        taken = new_call_id()
        await foreign_agent.send({"type": "call_invite", "conversation_id": cid, "call_id": taken})
        assert (await foreign_agent.expect("error", lambda f: f.get("ref") == taken))["code"] == "not_subscribed"
        # A call id already used by someone else is refused.
        own = await stranger.subscribe("mine")
        await stranger.send({"type": "call_invite", "conversation_id": own, "call_id": call_id})
        assert (await stranger.expect("error", lambda f: f.get("ref") == call_id))["code"] == "call_exists"
    async with httpx.AsyncClient(base_url=server.url) as http:
        foreign = await http.get(f"/v1/calls/{call_id}", headers={"Authorization": f"Bearer {other_store.agent_token}"})
        assert foreign.status_code == 404
        own_ice = await http.get(
            f"/v1/widget/calls/{call_id}/ice-servers", headers={"Authorization": f"Bearer {buyer.token}"}
        )
        assert own_ice.status_code == 200 and own_ice.json()["call_id"] == call_id
        stranger_ice = await http.get(
            f"/v1/widget/calls/{call_id}/ice-servers",
            headers={"Authorization": f"Bearer {buyer_token(creds.store_id)}"},
        )
        assert stranger_ice.status_code == 404
    await buyer.send({"type": "call_hangup", "call_id": call_id})
    assert (await agent.state(call_id, "ended"))["outcome"] == "failed"
