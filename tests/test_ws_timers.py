"""A connection's timers and tasks: the core's deadlines fire from one loop timer, and an idle
connection holds no task besides its reader.

`Peer` runs on a scripted `Socket` (our own seam, sockets.py) so the protocol's
timeouts can be a fraction of a second; everything behind the socket (auth,
storage, hub) is the real thing on the `state` fixture.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from seabridge import security
from seabridge.messaging.errors import CloseCode
from seabridge.messaging.hub import hub_for
from seabridge.messaging.protocol import ProtocolConfig
from seabridge.messaging.transport import Peer
from seabridge.state import AppState
from tests.conftest import make_store

TIMEOUT = 10.0


class ScriptedSocket:
    """Frames in from the test, frames out to a list; `close` ends the input like a real socket."""

    def __init__(self) -> None:
        self.inbound: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self._changed = asyncio.Event()

    async def receive(self) -> str | bytes | None:
        return await self.inbound.get()

    def send(self, text: str) -> bool:
        self.sent.append(json.loads(text))
        self._changed.set()
        return True

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)
        self.inbound.put_nowait(None)
        self._changed.set()

    def frame(self, obj: dict[str, Any]) -> None:
        self.inbound.put_nowait(json.dumps(obj))

    async def until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(TIMEOUT):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [frame for frame in self.sent if frame["type"] == type_]


def buyer_token(state: AppState, store_id: int) -> str:
    claims = security.BuyerClaims(store_id, f"v_{secrets.token_hex(4)}", None, int(time.time()) + 3600)
    return security.sign_buyer_token(state.server_key, claims)


def start(state: AppState, config: ProtocolConfig) -> tuple[ScriptedSocket, asyncio.Task[None]]:
    socket = ScriptedSocket()
    return socket, asyncio.create_task(Peer(socket, state, hub_for(state), config).run())


async def test_no_auth_in_time_closes_4001(state: AppState) -> None:
    socket, run = start(state, ProtocolConfig(auth_timeout_s=0.2))
    await socket.until(lambda: socket.closed is not None)
    assert socket.closed is not None and socket.closed[0] == CloseCode.AUTH_TIMEOUT
    assert [frame["code"] for frame in socket.of_type("error")] == ["auth_timeout"]
    await asyncio.wait_for(run, TIMEOUT)


async def test_keepalive_pings_then_idle_timeout_closes_4002(state: AppState) -> None:
    store = await make_store(state)
    config = ProtocolConfig(auth_timeout_s=0.2, heartbeat_s=0.1, idle_timeout_s=0.6)
    socket, run = start(state, config)
    socket.frame({"type": "auth", "token": buyer_token(state, store.id)})
    await socket.until(lambda: bool(socket.of_type("ready")))
    await socket.until(lambda: len(socket.of_type("ping")) >= 2)  # the timer re-arms after each ping
    assert socket.closed is None  # past the auth deadline: authenticated in time
    socket.frame({"type": "pong", "nonce": socket.of_type("ping")[-1].get("nonce")})
    await socket.until(lambda: socket.closed is not None)  # then silence: no frame for idle_timeout_s
    assert socket.closed is not None and socket.closed[0] == CloseCode.KEEPALIVE_TIMEOUT
    assert socket.of_type("error")[-1]["code"] == "keepalive_timeout"
    pings = len(socket.of_type("ping"))
    await asyncio.wait_for(run, TIMEOUT)
    await asyncio.sleep(0.3)  # three heartbeats: a timer left armed would still send pings
    assert len(socket.of_type("ping")) == pings


def connection_tasks() -> list[str]:
    """What every running task of a connection is running (Peer's coroutines), the workers' left out."""
    names = [getattr(task.get_coro(), "__qualname__", "") for task in asyncio.all_tasks()]
    return sorted(name for name in names if name.startswith("Peer."))


async def test_an_idle_connection_holds_no_task_but_its_reader(state: AppState) -> None:
    store = await make_store(state)
    assert connection_tasks() == []
    peers = [start(state, ProtocolConfig()) for _ in range(20)]
    for socket, _ in peers:
        socket.frame({"type": "auth", "token": buyer_token(state, store.id)})
        socket.frame({"type": "subscribe", "conversation_id": "mine"})
    for socket, _ in peers:
        await socket.until(lambda socket=socket: bool(socket.of_type("subscribed")))  # type: ignore[misc]
    assert connection_tasks() == ["Peer.run"] * len(peers)  # one each: no ticker, no idle deliverer
    for socket, run in peers:
        socket.inbound.put_nowait(None)
        await asyncio.wait_for(run, TIMEOUT)
    assert connection_tasks() == []
