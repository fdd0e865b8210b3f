"""An async Python client for the Seabridge WebSocket protocol (docs/protocol.md).

It keeps what a reconnect must not lose: the subscriptions with the last seq
seen in each (re-subscribed with `after_seq` after every reconnect), and an
outbox of unacknowledged sends (re-sent with the same `client_msg_id` until
acknowledged). Received messages are de-duplicated by (conversation, seq).
Sends are paced with the limits the server announces in `ready`.

    async with SeabridgeClient("ws://127.0.0.1:8080/v1/ws", token) as client:
        cid = await client.subscribe("mine")
        ack = await client.send(cid, "Does this ship to Norway?")
        async for message in client.messages():
            ...
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from seabridge.messaging.bucket import TokenBucket
from seabridge.messaging.frames import AckFrame, MessageFrame

FATAL_CLOSE_CODES = {1008, 1009, 4000, 4003, 4004}  # reconnecting unchanged cannot help


class ClientError(Exception):
    """The server refused something; `code` is the protocol error code."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass(slots=True)
class _Pending:
    conversation_id: str
    text: str
    future: asyncio.Future[AckFrame]


class SeabridgeClient:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        backoff_s: float = 0.5,
        backoff_max_s: float = 30.0,
        open_timeout_s: float = 10.0,
        max_in_flight: int = 64,
    ) -> None:
        self.url = url
        # Sends written but not yet acked on this connection; more would only queue on the server
        # (and delay its keepalive answers), so the client waits instead.
        self.max_in_flight = max_in_flight
        self._in_flight: set[str] = set()
        self._window = asyncio.Semaphore(max_in_flight)
        self.token = token
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.open_timeout_s = open_timeout_s
        self.last_seq: dict[str, int] = {}  # subscribed conversation -> highest seq received
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=10_000)  # typing, presence, errors, ...
        self.connects = 0
        self.close_codes: list[int | None] = []
        self._outbox: dict[str, _Pending] = {}
        self._subscribing: deque[tuple[str, asyncio.Future[str] | None]] = deque()
        self._new_subscriptions: list[tuple[str, int | None, asyncio.Future[str]]] = []
        self._messages: asyncio.Queue[MessageFrame] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._send_queue: asyncio.Queue[str] = asyncio.Queue()
        self._ready = asyncio.Event()
        self._stopped = asyncio.Event()
        self._failure: BaseException | None = None
        self._timers: set[asyncio.TimerHandle] = set()
        self._runner: asyncio.Task[None] | None = None
        self._background: set[asyncio.Future[None]] = set()

    # ---- lifecycle -------------------------------------------------------

    async def __aenter__(self) -> SeabridgeClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Start the connection loop and wait for the first `ready`."""
        self._runner = asyncio.create_task(self._run(), name="seabridge-client")
        ready = asyncio.create_task(self._ready.wait())
        await asyncio.wait({ready, self._runner}, timeout=self.open_timeout_s, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if not self._ready.is_set():
            await self.close()
            raise self._failure or TimeoutError("no ready from the server")

    async def close(self) -> None:
        self._stopped.set()
        for timer in self._timers:
            timer.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        for pending in self._outbox.values():
            if not pending.future.done():
                pending.future.cancel()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    # ---- public operations -----------------------------------------------

    async def subscribe(self, conversation_id: str, after_seq: int | None = None) -> str:
        """Subscribe (a buyer may pass "mine"); returns the conversation id the server confirmed."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._new_subscriptions.append((conversation_id, after_seq, future))
        if self._ready.is_set():
            await self._subscribe_frame(conversation_id, after_seq, future)
        return await future

    async def send(self, conversation_id: str, text: str, client_msg_id: str | None = None) -> AckFrame:
        """Send once per `client_msg_id`, re-sending across reconnects until acknowledged."""
        client_msg_id = client_msg_id or uuid.uuid4().hex
        pending = self._outbox.get(client_msg_id)
        if pending is None:
            future: asyncio.Future[AckFrame] = asyncio.get_running_loop().create_future()
            pending = self._outbox[client_msg_id] = _Pending(conversation_id, text, future)
            self._send_queue.put_nowait(client_msg_id)
        return await asyncio.shield(pending.future)

    async def typing(self, conversation_id: str, active: bool) -> None:
        await self._write({"type": "typing", "conversation_id": conversation_id, "active": active})

    async def read(self, conversation_id: str, seq: int) -> None:
        await self._write({"type": "read", "conversation_id": conversation_id, "seq": seq})

    async def messages(self) -> AsyncIterator[MessageFrame]:
        """Every message received, once per (conversation, seq), in seq order per conversation."""
        while True:
            yield await self._messages.get()

    async def next_message(self) -> MessageFrame:
        return await self._messages.get()

    async def next_event(self, type_: str) -> dict[str, Any]:
        """The next non-message frame of this type (earlier ones of other types are dropped)."""
        while True:
            frame = await self.events.get()
            if frame["type"] == type_:
                return frame

    # ---- connection loop -------------------------------------------------

    async def _run(self) -> None:
        delay = self.backoff_s
        while not self._stopped.is_set():
            try:
                async with websockets.connect(self.url, open_timeout=self.open_timeout_s, max_size=None) as ws:
                    self._ws = ws
                    await self._session(ws)
            except ClientError as exc:
                self._failure = exc
                return
            except (OSError, TimeoutError, websockets.ConnectionClosed, websockets.InvalidHandshake):
                pass
            finally:
                if self._ws is not None:
                    self.close_codes.append(self._ws.close_code)
                    if self._ws.close_code in FATAL_CLOSE_CODES:
                        self._failure = ClientError("closed", f"connection closed with {self._ws.close_code}")
                self._ws = None
                self._ready.clear()
            if self._failure is not None:
                return
            if self._ready_seen:
                delay = self.backoff_s
            self._ready_seen = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), delay * (0.5 + random.random()))
            delay = min(delay * 2, self.backoff_max_s)

    _ready_seen = False

    async def _session(self, ws: ClientConnection) -> None:
        await ws.send(json.dumps({"type": "auth", "token": self.token}))
        first = json.loads(await asyncio.wait_for(ws.recv(), self.open_timeout_s))
        if first.get("type") != "ready":
            raise ClientError(str(first.get("code", "auth_failed")), str(first.get("message", "")))
        limits = first["limits"]
        bucket = TokenBucket(limits["sends_per_s"] * 0.9, max(1, limits["send_burst"] // 2), _now())
        self.connects += 1
        self._ready_seen = True
        self._subscribing.clear()
        for cid, seq in self.last_seq.items():
            await self._subscribe_frame(cid, seq if seq > 0 else None, None)
        for cid, after, future in self._new_subscriptions:
            if not future.done():
                await self._subscribe_frame(cid, after, future)
        self._send_queue = asyncio.Queue()
        self._in_flight = set()
        self._window = asyncio.Semaphore(self.max_in_flight)
        for client_msg_id in self._outbox:
            self._send_queue.put_nowait(client_msg_id)
        self._ready.set()
        sender = asyncio.create_task(self._pace_sends(ws, self._send_queue, bucket))
        try:
            async for raw in ws:
                self._on_frame(json.loads(raw))
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                await sender

    async def _pace_sends(self, ws: ClientConnection, queue: asyncio.Queue[str], bucket: TokenBucket) -> None:
        while True:
            client_msg_id = await queue.get()
            pending = self._outbox.get(client_msg_id)
            if pending is None or client_msg_id in self._in_flight:
                continue
            await self._window.acquire()
            self._in_flight.add(client_msg_id)
            if wait := bucket.take(_now()):
                await asyncio.sleep(wait)  # pacing to the announced rate, not synchronisation
                bucket.take(_now())
            frame = {"type": "send", "conversation_id": pending.conversation_id, "client_msg_id": client_msg_id}
            await ws.send(json.dumps({**frame, "text": pending.text}))

    async def _subscribe_frame(self, cid: str, after_seq: int | None, future: asyncio.Future[str] | None) -> None:
        self._subscribing.append((cid, future))
        frame: dict[str, Any] = {"type": "subscribe", "conversation_id": cid}
        if after_seq is not None:
            frame["after_seq"] = after_seq
        await self._write(frame)

    async def _write(self, frame: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None:
            raise ClientError("not_connected", "the connection is down; retry after reconnecting")
        await ws.send(json.dumps(frame))

    # ---- frames from the server ------------------------------------------

    def _on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message":
            message = MessageFrame.model_validate(frame)
            cid = message.conversation_id
            if message.seq > self.last_seq.get(cid, 0):
                self.last_seq[cid] = message.seq
                self._messages.put_nowait(message)
        elif kind == "ack":
            ack = AckFrame.model_validate(frame)
            self._landed(ack.client_msg_id)
            pending = self._outbox.pop(ack.client_msg_id, None)
            if pending is not None and not pending.future.done():
                pending.future.set_result(ack)
        elif kind == "subscribed":
            self._subscribed(str(frame["conversation_id"]), int(frame["last_seq"]))
        elif kind == "ping":
            if self._ws is not None:
                pong = {"type": "pong", **({"nonce": frame["nonce"]} if "nonce" in frame else {})}
                task = asyncio.ensure_future(self._ws.send(json.dumps(pong)))
                self._background.add(task)
                task.add_done_callback(self._pong_done)
        elif kind == "error":
            self._on_error(frame)
        if kind not in ("message", "ack", "ping") and not self.events.full():
            self.events.put_nowait(frame)

    def _landed(self, client_msg_id: str) -> None:
        """The server answered this send (ack or error): it no longer counts against the window."""
        if client_msg_id in self._in_flight:
            self._in_flight.discard(client_msg_id)
            self._window.release()

    def _retry(self, client_msg_id: str) -> None:
        self._send_queue.put_nowait(client_msg_id)

    def _pong_done(self, task: asyncio.Future[None]) -> None:
        self._background.discard(task)
        if not task.cancelled():
            task.exception()  # a pong lost with the connection is fine

    def _subscribed(self, cid: str, last_seq: int) -> None:
        _, future = self._subscribing.popleft() if self._subscribing else (cid, None)
        self.last_seq.setdefault(cid, 0)
        if future is not None and not future.done():
            future.set_result(cid)
            self._new_subscriptions = [s for s in self._new_subscriptions if s[2] is not future]

    def _on_error(self, frame: dict[str, Any]) -> None:
        code, ref = str(frame.get("code")), frame.get("ref")
        if isinstance(ref, str):
            self._landed(ref)
        pending = self._outbox.get(ref) if isinstance(ref, str) else None
        if pending is not None and isinstance(ref, str):
            if code == "rate_limited":
                delay = int(frame.get("retry_after_ms") or 100) / 1000
                timer = asyncio.get_running_loop().call_later(delay, self._retry, ref)
                self._timers.add(timer)
            elif code != "internal_error" and not pending.future.done():
                del self._outbox[ref]
                pending.future.set_exception(ClientError(code, str(frame.get("message", ""))))
            return
        subscribe_error = code in ("not_found", "forbidden", "too_many_subscriptions")
        if subscribe_error and self._subscribing and self._subscribing[0][0] == ref:
            _, future = self._subscribing.popleft()
            if future is not None and not future.done():
                future.set_exception(ClientError(code, str(frame.get("message", ""))))
                self._new_subscriptions = [s for s in self._new_subscriptions if s[2] is not future]


def _now() -> float:
    return asyncio.get_running_loop().time()
