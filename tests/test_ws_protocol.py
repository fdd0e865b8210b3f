"""The WebSocket protocol over a real socket to a real server process: errors, limits, fan-out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from seabridge.client import SeabridgeClient
from seabridge.state import AppState
from seabridge.storage import conversations as conversation_store
from tests.support.server import Credentials, ServerProcess, buyer_token, make_credentials, settings_for

TIMEOUT = 10.0


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Credentials, Credentials]]:
    root = tmp_path_factory.mktemp("ws-protocol")
    url = f"sqlite+aiosqlite:///{root / 'seabridge.db'}"

    async def setup() -> tuple[Credentials, Credentials]:
        state = await AppState.open(settings_for(url, root / "data"))
        try:
            return await make_credentials(state), await make_credentials(state)
        finally:
            await state.close()

    first, second = asyncio.run(setup())
    server = ServerProcess(url, root / "data")
    server.start()
    try:
        yield server, first, second
    finally:
        server.stop()


@pytest.fixture
def server(sqlite_server: tuple[ServerProcess, Credentials, Credentials]) -> ServerProcess:
    return sqlite_server[0]


@pytest.fixture
def creds(sqlite_server: tuple[ServerProcess, Credentials, Credentials]) -> Credentials:
    return sqlite_server[1]


@pytest.fixture
def other_store(sqlite_server: tuple[ServerProcess, Credentials, Credentials]) -> Credentials:
    return sqlite_server[2]


async def recv(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    return frame


async def recv_type(ws: ClientConnection, type_: str) -> dict[str, Any]:
    while (frame := await recv(ws))["type"] != type_:
        pass
    return frame


async def drain(ws: ClientConnection) -> list[dict[str, Any]]:
    """Every frame until the server closes the connection (which it must, within the timeout)."""
    frames = []
    try:
        async with asyncio.timeout(TIMEOUT):
            while True:
                frames.append(json.loads(await ws.recv()))
    except websockets.ConnectionClosed:
        return frames


async def close_code(ws: ClientConnection) -> int | None:
    await drain(ws)
    return ws.close_code


async def authed(ws: ClientConnection, token: str) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "auth", "token": token}))
    ready = await recv(ws)
    assert ready["type"] == "ready", ready
    return ready


@pytest.fixture
async def buyer_ws(server: ServerProcess, creds: Credentials) -> AsyncIterator[ClientConnection]:
    async with websockets.connect(server.ws_url) as ws:
        await authed(ws, creds.buyer_token)
        yield ws


async def subscribe(ws: ClientConnection, cid: str, after_seq: int | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "subscribe", "conversation_id": cid}
    if after_seq is not None:
        frame["after_seq"] = after_seq
    await ws.send(json.dumps(frame))
    while (answer := await recv(ws))["type"] == "presence":
        pass
    return answer


async def test_malformed_json_and_unknown_type_answer_an_error_and_keep_the_connection(
    buyer_ws: ClientConnection,
) -> None:
    await buyer_ws.send("{")
    assert (await recv(buyer_ws))["code"] == "malformed_json"
    await buyer_ws.send(json.dumps({"type": "shout"}))
    assert (await recv(buyer_ws))["code"] == "unknown_type"
    await buyer_ws.send(json.dumps({"type": "send", "conversation_id": "1", "client_msg_id": "x"}))
    assert (await recv(buyer_ws))["code"] in ("invalid_frame", "not_subscribed")
    await buyer_ws.send(json.dumps({"type": "ping", "nonce": "still-here"}))
    assert await recv(buyer_ws) == {"type": "pong", "nonce": "still-here"}


async def test_a_frame_before_auth_closes_4003_and_garbage_before_auth_closes_4000(server: ServerProcess) -> None:
    async with websockets.connect(server.ws_url) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert (await recv(ws))["code"] == "auth_required"
        assert await close_code(ws) == 4003
    async with websockets.connect(server.ws_url) as ws:
        await ws.send("not json")
        assert await close_code(ws) == 4000


async def test_an_oversized_frame_closes_1009(buyer_ws: ClientConnection) -> None:
    await buyer_ws.send(json.dumps({"type": "ping", "nonce": "x" * 70_000}))
    assert (await recv(buyer_ws))["code"] == "frame_too_large"
    assert await close_code(buyer_ws) == 1009


@pytest.mark.parametrize("kind", ["expired", "forged", "unknown_agent_session", "not_a_token"])
async def test_bad_tokens_are_refused_with_4003(server: ServerProcess, creds: Credentials, kind: str) -> None:
    token = {
        "expired": buyer_token(creds.store_id, ttl_s=-10),
        "forged": buyer_token(creds.store_id, key="not-the-server-key"),
        "unknown_agent_session": "sbs_" + "A" * 43,
        "not_a_token": "hello",
    }[kind]
    async with websockets.connect(server.ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert (await recv(ws))["code"] == "auth_failed"
        assert await close_code(ws) == 4003


async def test_other_tenants_and_other_buyers_conversations_are_not_found(
    server: ServerProcess, creds: Credentials, other_store: Credentials, buyer_ws: ClientConnection
) -> None:
    mine = await subscribe(buyer_ws, "mine")
    assert mine["type"] == "subscribed"
    cid = mine["conversation_id"]
    strangers = [creds.other_buyer_token, other_store.buyer_token, other_store.agent_token]
    for token in strangers:
        async with websockets.connect(server.ws_url) as ws:
            await authed(ws, token)
            answer = await subscribe(ws, cid)
            assert answer == {"type": "error", "code": "not_found", "message": "no such conversation", "ref": cid}
            await ws.send(json.dumps({"type": "send", "conversation_id": cid, "client_msg_id": "x1", "text": "hi"}))
            assert (await recv(ws))["code"] == "not_subscribed"
    async with websockets.connect(server.ws_url) as ws:
        await authed(ws, creds.agent_token)
        assert (await subscribe(ws, cid))["type"] == "subscribed"  # the store's own agent may
        assert (await subscribe(ws, "999999999"))["code"] == "not_found"
        assert (await subscribe(ws, "mine"))["code"] == "not_found"  # agents have no "mine"


async def test_a_replayed_client_message_id_is_acked_again_and_stored_once(
    server: ServerProcess, creds: Credentials, buyer_ws: ClientConnection
) -> None:
    cid = (await subscribe(buyer_ws, "mine"))["conversation_id"]
    send = json.dumps({"type": "send", "conversation_id": cid, "client_msg_id": "dup-1", "text": "once"})
    await buyer_ws.send(send)
    first = await recv_type(buyer_ws, "ack")
    assert first["duplicate"] is False
    await buyer_ws.send(send)
    again = await recv_type(buyer_ws, "ack")
    assert again == {**first, "duplicate": True}
    async with websockets.connect(server.ws_url) as ws:  # a new connection: answered from the database
        await authed(ws, creds.buyer_token)
        await subscribe(ws, cid)
        await ws.send(send)
        assert await recv_type(ws, "ack") == {**first, "duplicate": True}
    state = await AppState.open(settings_for(server.database_url, server.data_dir), run_migrations=False)
    try:
        async with state.sessions() as session:
            count = await conversation_store.count_messages(session, creds.store_id, int(cid))
            stored = await conversation_store.find_by_client_id(session, int(cid), "buyer", _visitor(creds), "dup-1")
    finally:
        await state.close()
    assert stored is not None and stored.seq == first["seq"]
    assert count == first["seq"]  # nothing stored after it: the repeats stored nothing


def _visitor(creds: Credentials) -> str:
    from seabridge import security
    from tests.support.server import SECRET_KEY

    return security.verify_buyer_token(SECRET_KEY.encode(), creds.buyer_token).visitor_id


async def test_flooding_is_rate_limited_then_closed_4008(buyer_ws: ClientConnection) -> None:
    for i in range(200):
        await buyer_ws.send(json.dumps({"type": "ping", "nonce": str(i)}))
    codes = [frame.get("code") for frame in await drain(buyer_ws)]
    assert "rate_limited" in codes
    assert buyer_ws.close_code == 4008


async def test_buyer_and_agent_exchange_messages_typing_reads_and_presence(
    database_url: str, state: AppState, tmp_path: Path
) -> None:
    creds = await make_credentials(state)
    server = ServerProcess(database_url, tmp_path / "data")
    server.start()
    try:
        async with (
            SeabridgeClient(server.ws_url, creds.buyer_token) as tab1,
            SeabridgeClient(server.ws_url, creds.buyer_token) as tab2,
            SeabridgeClient(server.ws_url, creds.agent_token) as agent,
        ):
            cid = await tab1.subscribe("mine")
            assert await tab2.subscribe("mine") == cid  # the same open conversation
            await agent.subscribe(cid)
            online = await asyncio.wait_for(tab1.next_event("presence"), TIMEOUT)
            assert online["participant"]["kind"] == "agent" and online["status"] == "online"

            ack = await asyncio.wait_for(tab1.send(cid, "Does this ship to Norway?", "q-1"), TIMEOUT)
            assert (ack.seq, ack.duplicate) == (1, False)
            reply = await asyncio.wait_for(agent.send(cid, "Yes, in 10-20 days."), TIMEOUT)
            assert reply.seq == 2
            for client in (tab1, tab2, agent):  # every connection of every participant
                got = [await asyncio.wait_for(client.next_message(), TIMEOUT) for _ in range(2)]
                assert [(m.seq, m.message.text) for m in got] == [
                    (1, "Does this ship to Norway?"),
                    (2, "Yes, in 10-20 days."),
                ]
                assert got[0].message.client_msg_id == "q-1" and got[1].message.sender is not None
                assert got[1].message.sender.kind == "agent"

            await tab1.typing(cid, True)
            typing = await asyncio.wait_for(agent.next_event("typing"), TIMEOUT)
            assert typing["participant"]["kind"] == "buyer" and typing["active"] is True
            await agent.read(cid, 2)
            for tab in (tab1, tab2):
                read = await asyncio.wait_for(tab.next_event("read"), TIMEOUT)
                expected = {"type": "read", "conversation_id": cid, "participant": online["participant"], "seq": 2}
                assert read == expected
            await agent.close()
            offline = await asyncio.wait_for(tab1.next_event("presence"), TIMEOUT)
            assert offline["status"] == "offline" and offline["participant"]["kind"] == "agent"
    finally:
        server.stop()


async def test_a_message_whose_bus_event_was_lost_still_arrives(
    server: ServerProcess, creds: Credentials, buyer_ws: ClientConnection
) -> None:
    """Stored by another process whose bus this server never hears: the hub's sweep delivers it."""
    from seabridge.services.messaging import Actor

    subscribed = await subscribe(buyer_ws, "mine")
    cid = int(subscribed["conversation_id"])
    outsider = await AppState.open(settings_for(server.database_url, server.data_dir.parent / "outsider"))
    try:
        agent = Actor(creds.store_id, "agent", "99", role="agent")
        sent = await outsider.messaging.send(agent, cid, "lost-bus-event", "your parcel left the warehouse")
    finally:
        await outsider.close()
    frame = await recv_type(buyer_ws, "message")
    assert frame["seq"] == sent.message.seq
    assert frame["message"]["text"] == "your parcel left the warehouse"


async def test_replay_carries_stored_translations(server: ServerProcess, creds: Credentials) -> None:
    from seabridge.services.messaging import Actor

    async with websockets.connect(server.ws_url) as ws:
        await authed(ws, creds.buyer_token)
        cid = int((await subscribe(ws, "mine"))["conversation_id"])
    outsider = await AppState.open(settings_for(server.database_url, server.data_dir.parent / "outsider-tr"))
    try:
        agent = Actor(creds.store_id, "agent", "98", role="agent")
        sent = await outsider.messaging.send(agent, cid, "translated-1", "Your order has shipped")
        async with outsider.sessions() as session, session.begin():
            await conversation_store.save_translation(session, sent.message, "es", "Su pedido ha sido enviado", "test")
    finally:
        await outsider.close()
    async with websockets.connect(server.ws_url) as ws:
        await authed(ws, creds.buyer_token)
        await subscribe(ws, str(cid), after_seq=sent.message.seq - 1)
        frame = await recv_type(ws, "message")
    assert frame["seq"] == sent.message.seq
    assert frame["message"]["translations"] == {"es": "Su pedido ha sido enviado"}
