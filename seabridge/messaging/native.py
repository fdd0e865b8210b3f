"""/v1/ws served directly on the `websockets` sans-I/O protocol, inside uvicorn.

uvicorn hands every WebSocket upgrade to its `ws` protocol class. This class is
uvicorn's own `websockets` sans-I/O implementation for every other path; for
/v1/ws it answers the handshake itself and runs a `Peer` on the connection
without the ASGI layers in between: received text goes straight to the peer's
input, and `send` frames the text and writes it to the transport on the spot.
That is what a message's fan-out costs per connection: no task, no queue, no
awaited ASGI send. Frames written during one turn of the event loop are
coalesced per connection and flushed at the end of the turn, one `write` (one
system call) for all of them: a group commit delivers a batch of messages and
acks at once, so a connection typically gets several frames in a turn.
`seabridge serve` uses it (`protocol_class`); any other ASGI
server gets the same endpoint through the Starlette route in `api/ws.py`.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.exceptions import InvalidState
from websockets.http11 import Request
from websockets.protocol import State

from seabridge.messaging.sockets import WRITE_BUFFER_LIMIT

log = logging.getLogger(__name__)

WS_PATH = "/v1/ws"
INBOUND_PAUSE = 64  # received messages waiting for the peer before we stop reading the socket

Handler = Callable[["NativeSocket"], Awaitable[None]]  # runs one connection


class SeabridgeWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, with /v1/ws handled natively (see the module docstring)."""

    handler: Handler | None = None  # set on the subclass made by `protocol_class`

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._native = False
        # Received messages for the peer, and the reader's future while it waits (an asyncio.Queue
        # would do, at several times the memory: this is kept for every connection).
        self._inbound: deque[str | bytes | None] | None = None
        self._reader: asyncio.Future[None] | None = None
        self._corked: list[bytes] = []  # frames written this turn of the loop, not yet on the transport
        self._corked_size = 0

    # ---- uvicorn's hooks -------------------------------------------------

    def handle_connect(self, event: Request) -> None:
        if self.handler is None or event.path.partition("?")[0] != WS_PATH:
            super().handle_connect(event)
            return
        self.request = event
        self.response = self.conn.accept(event)
        self.handshake_initiated = True
        self.handshake_complete = True
        if self.response.status_code != 101:
            self.close_sent = True
            self.conn.send_response(self.response)
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()
            return
        del self.response.headers["Date"]
        self.response.headers.update(
            (name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in self.default_headers
        )
        self._native = True
        self._inbound = deque()
        self.conn.send_response(self.response)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.start_keepalive()
        task: asyncio.Task[None] = self.loop.create_task(self._run(), name="ws-native")
        task.add_done_callback(self.on_task_complete)
        self.tasks.add(task)

    def send_receive_event_to_app(self) -> None:
        if not self._native:
            super().send_receive_event_to_app()
            return
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        if self.close_sent or self._inbound is None:
            return  # past our close: discard, keep reading until the client's close arrives
        if self.curr_msg_data_type == "text":
            try:
                self._push(data.decode())
            except UnicodeDecodeError:
                self.conn.send_close(1007)
                self.handle_parser_exception()
                return
        else:
            self._push(bytes(data))
        if len(self._inbound) >= INBOUND_PAUSE and not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._corked.clear()
        super().connection_lost(exc)
        if self._inbound is not None:
            self._push(None)

    async def _run(self) -> None:
        assert self.handler is not None
        try:
            await self.handler(NativeSocket(self))
        except Exception:
            log.exception("websocket connection failed")
        finally:
            if self.close_timer is None:
                self.transport.close()

    # ---- what `NativeSocket` uses -----------------------------------------

    def _push(self, item: str | bytes | None) -> None:
        assert self._inbound is not None
        self._inbound.append(item)
        if self._reader is not None and not self._reader.done():
            self._reader.set_result(None)

    async def next_inbound(self) -> str | bytes | None:
        inbound = self._inbound
        assert inbound is not None
        while not inbound:
            self._reader = self.loop.create_future()
            try:
                await self._reader
            finally:
                self._reader = None
        item = inbound.popleft()
        if self.read_paused and len(inbound) < INBOUND_PAUSE // 2 and not self.close_sent:
            self.read_paused = False
            self.transport.resume_reading()
        return item

    def write_text(self, text: str) -> bool:
        if self.close_sent or self.disconnected:
            return True  # fan-out racing a close: nothing to do
        if self.transport.get_write_buffer_size() + self._corked_size > WRITE_BUFFER_LIMIT:
            return False
        if self.conn.extensions or self.conn.state is not State.OPEN:
            self._flush()
            try:  # compressed per connection (or closing): websockets frames it
                self.conn.send_text(text.encode())
            except InvalidState:
                return True
            self.transport.write(b"".join(self.conn.data_to_send()))
            return True
        data = _frame_bytes(text)
        if not self._corked:
            _flusher(self.loop).add(self)
        self._corked.append(data)
        self._corked_size += len(data)
        return True

    def _flush(self) -> None:
        """Write what this turn of the loop produced (control frames uvicorn writes itself may go first:
        they can come between messages; a close cannot, so `write_close` flushes before it)."""
        corked = self._corked
        if not corked:
            return
        self._corked, self._corked_size = [], 0
        if self.disconnected or self.transport.is_closing() or self.conn.state is not State.OPEN:
            return  # the client's close came first: it reads nothing more (and resumes from its last seq)
        self.transport.write(corked[0] if len(corked) == 1 else b"".join(corked))

    def write_close(self, code: int, reason: str) -> None:
        if self.close_sent or self.disconnected or self.transport.is_closing():
            return
        self._flush()
        try:
            self.conn.send_close(code, reason)
        except InvalidState:
            return
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.loop.call_later(self.close_timeout, self.transport.close)


class _Flusher:
    """One callback per turn of the loop that flushes every connection written to in that turn.

    A message fans out to ten connections: one scheduled callback for all of them instead of a
    callback each (their writes, one per connection, stay as they were).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._pending: list[SeabridgeWebSocketProtocol] = []

    def add(self, protocol: SeabridgeWebSocketProtocol) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush_all)
        self._pending.append(protocol)

    def _flush_all(self) -> None:
        pending, self._pending = self._pending, []
        for protocol in pending:
            try:
                protocol._flush()
            except Exception:  # one connection's failure never keeps the others' frames back
                log.exception("writing to a websocket failed")


_flushers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Flusher] = weakref.WeakKeyDictionary()


def _flusher(loop: asyncio.AbstractEventLoop) -> _Flusher:
    found = _flushers.get(loop)
    if found is None:
        found = _flushers[loop] = _Flusher(loop)
    return found


class NativeSocket:
    """The `Socket` (sockets.py) of one natively served connection."""

    __slots__ = ("_protocol", "send")

    def __init__(self, protocol: SeabridgeWebSocketProtocol) -> None:
        self._protocol = protocol
        # `send` is the protocol's own method: called once per frame, one Python call less.
        self.send: Callable[[str], bool] = protocol.write_text

    async def receive(self) -> str | bytes | None:
        return await self._protocol.next_inbound()

    def close(self, code: int, reason: str) -> None:
        self._protocol.write_close(code, reason)


_last_frame: tuple[object, bytes] = (object(), b"")  # (text, its frame)


def _frame_bytes(text: str) -> bytes:
    """One unmasked, uncompressed text frame, serialized once for the run of connections it goes to.

    Fan-out writes the same text object to every connection of a conversation in a row, and a
    server's frames are not masked, so the bytes are the same for all of them. (What websockets'
    `send_text` would write, minus its checks: the state is checked above and we never fragment.)
    """
    global _last_frame
    if _last_frame[0] is not text:
        payload = text.encode()
        _last_frame = (text, _text_frame_header(len(payload)) + payload)
    return _last_frame[1]


def _text_frame_header(length: int) -> bytes:
    """RFC 6455 5.2: FIN and the text opcode, then the unmasked payload length (7 bits, or 126 and 16
    bits, or 127 and 64 bits), as websockets' `Frame(Opcode.TEXT, data).serialize(mask=False)` writes it."""
    if length < 126:
        return bytes((0x81, length))
    if length < 65536:
        return bytes((0x81, 126)) + length.to_bytes(2, "big")
    return bytes((0x81, 127)) + length.to_bytes(8, "big")


def protocol_class(handler: Handler) -> type[SeabridgeWebSocketProtocol]:
    """uvicorn's `ws` protocol class with /v1/ws run by `handler(socket)`, for `uvicorn.Config(ws=...)`."""
    return type("SeabridgeWebSocketProtocol", (SeabridgeWebSocketProtocol,), {"handler": staticmethod(handler)})
