"""What a connection needs from its WebSocket, and the adapter for any ASGI server.

`Peer` (transport.py) reads with `receive` and writes with `send` and `close`,
which do not wait: fan-out hands one encoded frame to every connection of a
conversation in a plain loop. `seabridge serve` runs /v1/ws on `native.py`,
whose `send` writes straight to the socket's transport; `AsgiSocket` gives
the same interface over a Starlette `WebSocket` (any ASGI server), with a
queue and a writer task behind `send`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect

OUTGOING_LIMIT = 2048  # frames queued for one client before it counts as too slow
WRITE_BUFFER_LIMIT = 1024 * 1024  # bytes waiting in the kernel-side buffer for one client, likewise
WRITE_TIMEOUT_S = 10.0


class Socket(Protocol):
    async def receive(self) -> str | bytes | None:
        """The next message from the client; None once the connection is gone."""

    def send(self, text: str) -> bool:
        """Write (or queue) one text frame without waiting; False when the client reads too slowly."""

    def close(self, code: int, reason: str) -> None:
        """Close with `code` once the frames already sent are on their way; later sends are dropped."""


class AsgiSocket:
    """`Socket` over a Starlette WebSocket: a pump task for input, a writer task for output."""

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket
        self._in: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self._out: asyncio.Queue[str | tuple[int, str]] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    async def start(self) -> None:
        await self._ws.accept()
        self._tasks = {asyncio.create_task(self._pump()), asyncio.create_task(self._write())}

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def receive(self) -> str | bytes | None:
        return await self._in.get()

    def send(self, text: str) -> bool:
        if self._closed:
            return True
        if self._out.qsize() >= OUTGOING_LIMIT:
            return False
        self._out.put_nowait(text)
        return True

    def close(self, code: int, reason: str) -> None:
        if not self._closed:
            self._closed = True
            self._out.put_nowait((code, reason))

    async def _pump(self) -> None:
        try:
            while True:
                try:
                    message = await self._ws.receive()
                except (WebSocketDisconnect, RuntimeError):
                    return
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                self._in.put_nowait(text if text is not None else (message.get("bytes") or b""))
        finally:
            self._in.put_nowait(None)

    async def _write(self) -> None:
        try:
            while True:
                item = await self._out.get()
                if isinstance(item, tuple):
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(self._ws.close(*item), WRITE_TIMEOUT_S)
                    return
                async with asyncio.timeout(WRITE_TIMEOUT_S):
                    await self._ws.send_text(item)
        except Exception:
            return  # gone or stuck: the connection ends, the client resumes elsewhere
        finally:
            self._closed = True
            self._in.put_nowait(None)
