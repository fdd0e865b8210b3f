"""The WebSocket send path without a task per send: acks in order, requests after sends wait for
them, a connection closing with sends in flight still stores them, and a storage failure is an
`internal_error` and close 1011 for that connection only.

`Peer` runs on the scripted socket of test_ws_timers.py; storage, writer and hub are real.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from seabridge.messaging.errors import CloseCode
from seabridge.messaging.protocol import ProtocolConfig
from seabridge.state import AppState
from seabridge.storage import conversations as conversation_store
from tests.conftest import make_store
from tests.test_ws_timers import ScriptedSocket, buyer_token, start

TIMEOUT = 10.0


async def _subscribed(state: AppState) -> tuple[ScriptedSocket, asyncio.Task[None], str, int]:
    store = await make_store(state)
    socket, run = start(state, ProtocolConfig(sends_per_s=1000, send_burst=1000, frames_per_s=1000, frame_burst=1000))
    socket.frame({"type": "auth", "token": buyer_token(state, store.id)})
    socket.frame({"type": "subscribe", "conversation_id": "mine"})
    await socket.until(lambda: bool(socket.of_type("subscribed")))
    return socket, run, socket.of_type("subscribed")[0]["conversation_id"], store.id


def _send(socket: ScriptedSocket, cid: str, n: int) -> None:
    socket.frame({"type": "send", "conversation_id": cid, "client_msg_id": f"m{n}", "text": f"message {n}"})


async def _stored_texts(state: AppState, store_id: int, cid: str) -> list[str]:
    async with state.sessions() as session:
        rows = await conversation_store.messages_after(session, store_id, int(cid), 0, 1000)
    return [row.text for row in rows]


async def test_pipelined_sends_are_acked_in_order_before_a_later_request_is_answered(state: AppState) -> None:
    socket, run, cid, _ = await _subscribed(state)
    for n in range(40):
        _send(socket, cid, n)
    socket.frame({"type": "unsubscribe", "conversation_id": cid})
    await socket.until(lambda: bool(socket.of_type("unsubscribed")))
    kinds = [(f["type"], f.get("client_msg_id")) for f in socket.sent if f["type"] in ("ack", "unsubscribed")]
    assert kinds == [("ack", f"m{n}") for n in range(40)] + [("unsubscribed", None)]
    seqs = [f["seq"] for f in socket.of_type("ack")]
    assert seqs == sorted(seqs) and len(set(seqs)) == 40
    # The sender's own copies arrived too, each once, in order.
    assert [f["message"]["client_msg_id"] for f in socket.of_type("message")] == [f"m{n}" for n in range(40)]
    socket.close(1000, "bye")
    await asyncio.wait_for(run, TIMEOUT)


async def test_sends_in_flight_when_the_client_goes_are_still_stored(state: AppState) -> None:
    socket, run, cid, store_id = await _subscribed(state)
    for n in range(25):
        _send(socket, cid, n)
    socket.inbound.put_nowait(None)  # the connection drops right behind the sends
    await asyncio.wait_for(run, TIMEOUT)
    assert await _stored_texts(state, store_id, cid) == [f"message {n}" for n in range(25)]


async def test_a_storage_failure_closes_that_connection_1011_and_the_next_send_works(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    socket, run, cid, _ = await _subscribed(state)
    writer = state.messaging.writer
    real = writer._write_batch

    async def broken(batch: list[Any]) -> list[Any]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(writer, "_write_batch", broken)
    _send(socket, cid, 1)
    await socket.until(lambda: socket.closed is not None)
    assert socket.closed is not None and socket.closed[0] == CloseCode.SERVER_ERROR
    assert [f["code"] for f in socket.of_type("error")] == ["internal_error"]
    assert socket.of_type("ack") == []
    await asyncio.wait_for(run, TIMEOUT)

    monkeypatch.setattr(writer, "_write_batch", real)
    again, run_again, cid_again, store_again = await _subscribed(state)
    _send(again, cid_again, 2)
    await again.until(lambda: bool(again.of_type("ack")))
    assert await _stored_texts(state, store_again, cid_again) == ["message 2"]
    again.close(1000, "bye")
    await asyncio.wait_for(run_again, TIMEOUT)


async def test_a_failure_after_the_commit_still_answers_the_sender(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listener that raises after the message is stored: the connection gets internal_error and 1011
    (it resumes and finds its message) instead of waiting for an answer that never comes."""
    socket, run, cid, store_id = await _subscribed(state)

    def broken(message: Any, text: str) -> None:
        raise RuntimeError("listener bug")

    monkeypatch.setattr(state.messaging, "buyer_message_listeners", [broken])
    _send(socket, cid, 1)
    await socket.until(lambda: socket.closed is not None)
    assert socket.closed is not None and socket.closed[0] == CloseCode.SERVER_ERROR
    await asyncio.wait_for(run, TIMEOUT)
    assert await _stored_texts(state, store_id, cid) == ["message 1"]
