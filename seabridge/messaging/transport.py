"""One WebSocket connection: the glue between a `Socket` and the protocol `Connection`.

One task per connection, `Peer.run`'s reader: it feeds frames to the core and
answers its requests (auth, subscribe, send, ...) in order. The core's timers
(auth timeout, keepalive, idle, session expiry) are one timer handle on the
event loop, re-armed at the core's next deadline: no task waits for them. Bus
events from the hub are delivered on the spot; only when one must wait (a gap
to fill from the database, see `hub.SeqCursor`) does a deliverer task start,
and it ends once the queue is empty. Sends are
pipelined: the reader hands each one to the group-commit writer and reads on,
and acks follow in order as their commits finish (other requests wait for the
sends before them). Frames are written with the socket's non-waiting `send`;
a client that does not read is closed with 1013 instead of growing memory.
Failures stay inside the connection: a fault closes it with 1011, never the
process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import OrderedDict, deque
from typing import Any

from seabridge import security
from seabridge.bus.base import BusEvent
from seabridge.calls.signalling import CallSignalling, signalling_for
from seabridge.db.conversations import Message as StoredMessage
from seabridge.messaging.errors import CloseCode, ErrorCode
from seabridge.messaging.events import (
    AuthRequested,
    CallRequested,
    CloseRequested,
    Event,
    Outgoing,
    ProtocolViolation,
    ReadUpTo,
    SendRequested,
    SubscribeRequested,
    TypingChanged,
    UnsubscribeRequested,
)
from seabridge.messaging.frames import (
    AckFrame,
    ErrorFrame,
    MessageFrame,
    MessageUpdatedFrame,
    Participant,
    PresenceFrame,
    ReadEventFrame,
    ResyncRequiredFrame,
    ServerFrame,
    SubscribedFrame,
    TypingEventFrame,
    encode,
)
from seabridge.messaging.hub import (
    Hub,
    ParticipantKey,
    SeqCursor,
    Step,
    message_frame_text,
    presence_event,
    visible,
    wire_message,
)
from seabridge.messaging.protocol import Connection, ConnectionState, ProtocolConfig, SessionInfo
from seabridge.messaging.sockets import WRITE_TIMEOUT_S, Socket
from seabridge.services.messaging import (
    Actor,
    Forbidden,
    NotFound,
    RateLimited,
    Rejected,
    SendResult,
    message_payload,
)
from seabridge.state import AppState
from seabridge.storage import agents

log = logging.getLogger(__name__)

INBOX_LIMIT = 4096  # bus events queued for one connection
SENDS_IN_FLIGHT = 32  # sends of one connection waiting for their commit before the reader waits too
REPLAY_WINDOW = 1000  # messages replayed on subscribe; older gaps get `resync_required`
FETCH_PAGE = 200
MINE = "mine"  # a buyer subscribes to "mine" to get (or open) its conversation


def _conversation_id(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


class Peer:
    def __init__(self, socket: Socket, state: AppState, hub: Hub, config: ProtocolConfig) -> None:
        self._socket = socket
        self._state = state
        self._hub = hub
        self.conn = Connection(config)
        self.actor: Actor | None = None
        self.store_id: int | None = None  # the actor's store, read by the hub for every event: a plain attribute
        self._sends = 0  # pipelined sends handed to the writer, not yet answered
        self._sends_changed: asyncio.Future[None] | None = None  # a waiter for `_sends` to fall
        self._inbox: deque[BusEvent] = deque()  # events waiting for the deliverer, in order
        self._deliverer: asyncio.Task[None] | None = None  # runs only while `_inbox` has events
        self._cursor = SeqCursor()
        self._lock = asyncio.Lock()  # subscribe/replay and live delivery never interleave
        self._timer: asyncio.TimerHandle | None = None  # fires the core's timers
        self._tick_at = 0.0  # the deadline `_timer` is armed for (monotonic clock)
        self._closing = False

    # ---- what the hub sees ----------------------------------------------

    @property
    def participant(self) -> ParticipantKey | None:
        return (self.actor.kind, self.actor.ref) if self.actor else None

    def deliver(self, event: BusEvent) -> None:
        if self._closing:
            return
        # On the spot when nothing is ahead of it (the common case for live messages) ...
        if not self._inbox and not self._lock.locked() and self._deliver_now(event):
            return
        # ... otherwise in order, by the deliverer task (started when the queue fills, ended when it empties).
        if len(self._inbox) >= INBOX_LIMIT:
            self._overflow()
            return
        self._inbox.append(event)
        if self._deliverer is None:
            self._deliverer = asyncio.create_task(self._deliver_queued(), name="ws-deliverer")

    # ---- lifecycle -------------------------------------------------------

    async def run(self) -> None:
        self._arm_timer()
        try:
            await self._read()
        finally:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            # Sends already handed to the writer finish (stored, acked if still possible, published).
            if self._sends:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._sends_below(1), WRITE_TIMEOUT_S)
            if self._deliverer is not None:
                self._deliverer.cancel()
                await asyncio.gather(self._deliverer, return_exceptions=True)
            await self._leave_all()
            self.conn.socket_closed()

    async def _leave_all(self) -> None:
        self._closing = True
        actor = self.actor
        for cid in [c for c in list(self._subscribed_ids())]:
            if self._hub.leave(self, cid) and actor is not None and self.participant is not None:
                with contextlib.suppress(Exception):
                    await self._state.bus.publish(presence_event(actor.store_id, cid, self.participant, "offline"))

    def _subscribed_ids(self) -> list[int]:
        return [cid for s in self.conn.subscriptions if (cid := _conversation_id(s)) is not None]

    async def _read(self) -> None:
        while (data := await self._socket.receive()) is not None:
            try:
                await self._handle(self.conn.receive(data))
            except Exception:
                log.exception("websocket request failed")
                self._fault()
            deadline = self.conn.next_deadline()
            if deadline is None or deadline < self._tick_at:
                self._arm_timer()  # only an earlier deadline needs re-arming; a later one the timer finds itself

    def _arm_timer(self) -> None:
        """Arm the one timer handle for the core's next deadline (none once the core is closed)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.conn.next_deadline()
        if deadline is None:
            self._tick_at = float("inf")
            return
        self._tick_at = deadline
        loop = asyncio.get_running_loop()
        # The core's clock is time.monotonic(); the loop's may count from elsewhere (uvloop), so relative.
        self._timer = loop.call_later(max(0.0, deadline - time.monotonic()), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        try:
            self._emit(self.conn.tick())
        except Exception:
            log.exception("websocket timer failed")
            self._fault()
        if self._timer is None:
            self._arm_timer()

    async def _deliver_queued(self) -> None:
        try:
            while self._inbox:
                event = self._inbox[0]
                try:
                    await self._deliver(event)
                except Exception:
                    log.exception("delivering to a websocket failed", extra={"conversation_id": event.conversation_id})
                    self._fault()
                finally:
                    if self._inbox and self._inbox[0] is event:
                        self._inbox.popleft()
        finally:
            self._deliverer = None

    # ---- output ----------------------------------------------------------

    def _emit(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, Outgoing):
                if not self._socket.send(_shared.encode(event.frame)):
                    self._overflow()
                    return
            elif isinstance(event, CloseRequested):
                self._closing = True
                self._socket.close(event.code, event.reason)
            elif isinstance(event, ProtocolViolation):
                log.info("websocket protocol violation", extra={"code": event.error.code.value})

    def _send(self, frame: ServerFrame) -> None:
        self._emit(self.conn.send(frame))

    def _send_shared(self, event: BusEvent, kind: type[MessageFrame] | type[MessageUpdatedFrame]) -> None:
        """A live message: the text encoded once for every connection it goes to, written directly.

        For an open connection the core's `send` of a message frame only answers "send it"
        (the frame changes none of its state), so that answer is not asked for each receiver;
        in any other state the frame goes through the core as usual.
        """
        if self.conn.state is not ConnectionState.OPEN:
            self._send(_shared.frame(event, kind))
        elif not self._socket.send(_shared.text(event, kind)):
            self._overflow()

    def _overflow(self) -> None:
        """Too slow a reader: close; the client resumes from its last seq."""
        log.warning("websocket client too slow; closing")
        self._closing = True
        self._emit(self.conn.close(CloseCode.TRY_AGAIN_LATER, "slow_consumer"))

    def _fault(self) -> None:
        self._emit(self.conn.send_error(ErrorCode.INTERNAL_ERROR, "server error; reconnect and resume"))
        self._emit(self.conn.close(CloseCode.SERVER_ERROR, ErrorCode.INTERNAL_ERROR.value))

    # ---- requests from the core -----------------------------------------

    async def _handle(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, SendRequested):
                await self._pipeline(event)
                continue
            if self._sends and not isinstance(event, Outgoing | ProtocolViolation):
                await self._sends_below(1)  # every other request waits for the sends before it
            if isinstance(event, AuthRequested):
                await self._handle(await self._authenticate(event.token))
            elif isinstance(event, SubscribeRequested):
                await self._subscribe(event.conversation_id, event.after_seq)
            elif isinstance(event, UnsubscribeRequested):
                await self._unsubscribe(event.conversation_id)
            elif isinstance(event, TypingChanged | ReadUpTo):
                await self._typing_or_read(event)
            elif isinstance(event, CallRequested):
                assert self.actor is not None
                await signalling_for(self._state).handle(self.actor, event.frame, self._send)
            else:
                self._emit([event])

    async def _authenticate(self, token: str) -> list[Event]:
        expires: float
        if token.startswith(security.BUYER_PREFIX):
            try:
                claims = security.verify_buyer_token(self._state.server_key, token)
            except security.TokenError:
                return self.conn.reject()
            actor = Actor(claims.store_id, "buyer", claims.visitor_id, claims.customer_id)
            expires = float(claims.expires_at)
        elif token.startswith(security.SESSION_PREFIX):
            async with self._state.sessions() as session:
                found = await agents.find_session(session, token)
            if found is None:
                return self.conn.reject()
            row, agent = found
            actor = Actor(agent.store_id, "agent", str(agent.id), role=agent.role, language=agent.language)
            expires = row.expires_at.timestamp()
        else:
            return self.conn.reject()
        self.actor, self.store_id = actor, actor.store_id
        info = SessionInfo(
            session_id="ws_" + secrets.token_hex(6),
            principal_kind="buyer" if actor.kind == "buyer" else "agent",
            principal_id=actor.ref,
            expires_at=time.monotonic() + (expires - time.time()),
        )
        return self.conn.authenticated(info)

    async def _subscribe(self, requested: str, after_seq: int | None) -> None:
        actor = self.actor
        assert actor is not None and self.participant is not None
        messaging = self._state.messaging
        if requested == MINE and actor.kind == "buyer":
            cid: int | None = (await messaging.open_for_buyer(actor)).id
        else:
            cid = _conversation_id(requested)
        if cid is None:
            self._emit(self.conn.send_error(ErrorCode.NOT_FOUND, "no such conversation", ref=requested))
            return
        async with self._lock:
            newly_online = self._hub.join(self, cid)
            try:
                # Read last_seq only after joining: every later message then reaches us via the bus.
                async with self._state.sessions() as session:
                    last = (await messaging.conversation_for(actor, cid, session)).last_seq
            except NotFound:
                if str(cid) not in self.conn.subscriptions:
                    self._hub.leave(self, cid)
                self._emit(self.conn.send_error(ErrorCode.NOT_FOUND, "no such conversation", ref=requested))
                return
            self._send(SubscribedFrame(conversation_id=str(cid), last_seq=last))
            if after_seq is None or after_seq >= last:
                self._cursor.start(cid, last)
            elif last - after_seq > REPLAY_WINDOW:
                self._send(ResyncRequiredFrame(conversation_id=str(cid), from_seq=after_seq + 1))
                self._cursor.start(cid, last)
            else:
                self._cursor.start(cid, after_seq)
                await self._fill(actor, cid, last)
        for other in self._hub.online(cid) - {self.participant}:
            self._send(PresenceFrame(participant=_participant(other), status="online", conversation_id=str(cid)))
        if newly_online:
            await self._state.bus.publish(presence_event(actor.store_id, cid, self.participant, "online"))

    async def _unsubscribe(self, requested: str) -> None:
        cid = _conversation_id(requested)
        if cid is None or self.actor is None or self.participant is None:
            return
        async with self._lock:
            self._cursor.stop(cid)
            offline = self._hub.leave(self, cid)
        if offline:
            await self._state.bus.publish(presence_event(self.actor.store_id, cid, self.participant, "offline"))

    async def _pipeline(self, request: SendRequested) -> None:
        """Hand the send to the writer and go on reading; its ack is sent when its commit is done.

        No task per send: the writer calls `_stored` when the batch holding it is committed, in
        the same turn of the loop (sends reach the writer in the order they were received, and
        batches keep that order, so acks do too)."""
        while self._sends >= SENDS_IN_FLIGHT:
            await self._sends_below(SENDS_IN_FLIGHT)
        actor = self.actor
        cid = _conversation_id(request.conversation_id)
        assert actor is not None and cid is not None  # the core only accepts subscribed ids
        ref = request.client_msg_id
        try:
            self._state.messaging.begin_send(
                actor,
                cid,
                ref,
                request.text,
                [{"id": a} for a in request.attachments],
                lambda outcome: self._stored(request, outcome),
            )
        except Exception as exc:
            self._refused(ref, exc)
            return
        self._sends += 1

    async def _sends_below(self, limit: int) -> None:
        """Until fewer than `limit` sends wait for their commit."""
        while self._sends >= limit:
            if self._sends_changed is None or self._sends_changed.done():
                self._sends_changed = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._sends_changed)

    def _stored(self, request: SendRequested, outcome: SendResult | Exception) -> None:
        """The writer's answer to one send: the ack, or the error frame."""
        self._sends -= 1
        if self._sends_changed is not None and not self._sends_changed.done():
            self._sends_changed.set_result(None)
        if isinstance(outcome, Exception):
            self._refused(request.client_msg_id, outcome)
            return
        m = outcome.message
        ack = AckFrame.model_construct(  # our own values, the ones just stored: nothing to validate
            client_msg_id=request.client_msg_id,
            conversation_id=request.conversation_id,
            seq=m.seq,
            message_id=str(m.id),
            duplicate=outcome.duplicate,
        )
        self._send(ack)

    def _refused(self, ref: str, exc: Exception) -> None:
        """A send that was not stored: the error frame that says why (a fault for anything unexpected)."""
        if isinstance(exc, Rejected):
            self._send(
                ErrorFrame(code=ErrorCode.REJECTED, message="message refused", ref=ref, reasons=list(exc.reasons))
            )
        elif isinstance(exc, NotFound):
            self._emit(self.conn.send_error(ErrorCode.NOT_FOUND, "no such conversation", ref=ref))
        elif isinstance(exc, Forbidden):
            self._emit(self.conn.send_error(ErrorCode.FORBIDDEN, "not allowed", ref=ref))
        elif isinstance(exc, RateLimited):
            retry_ms = int(exc.retry_after_s * 1000)
            self._send(ErrorFrame(code=ErrorCode.RATE_LIMITED, message=str(exc), ref=ref, retry_after_ms=retry_ms))
        else:
            log.error("websocket send failed", exc_info=exc)
            self._fault()

    async def _typing_or_read(self, request: TypingChanged | ReadUpTo) -> None:
        actor = self.actor
        cid = _conversation_id(request.conversation_id)
        assert actor is not None and cid is not None
        try:
            if isinstance(request, TypingChanged):
                await self._state.messaging.typing(actor, cid, request.active)
            else:
                await self._state.messaging.mark_read(actor, cid, request.seq)
        except NotFound:
            self._emit(self.conn.send_error(ErrorCode.NOT_FOUND, "no such conversation", ref=request.conversation_id))

    # ---- delivery --------------------------------------------------------

    def _deliver_now(self, event: BusEvent) -> bool:
        """Deliver a live event that needs no database read; False if it must go through `_deliver`."""
        actor = self.actor
        if actor is None:
            return True
        if event.type == "message":  # the hot path: once per live message and connection
            action = self._cursor.advance(event.conversation_id, event.seq)
            if action is Step.FILL:
                return False
            if action is Step.DELIVER and visible(actor, event.payload):
                self._send_shared(event, MessageFrame)
            return True
        cid = event.conversation_id
        if cid not in self._cursor:
            return True
        if event.type == "sync":
            return self._cursor.last(cid) >= event.seq
        self._deliver_other(event)
        return True

    async def _deliver(self, event: BusEvent) -> None:
        actor = self.actor
        cid = event.conversation_id
        if actor is None or cid not in self._cursor:
            return
        if event.type == "sync":
            async with self._lock:
                if cid in self._cursor and self._cursor.last(cid) < event.seq:
                    await self._fill(actor, cid, event.seq)
            return
        if event.type == "message":
            async with self._lock:
                if cid not in self._cursor:
                    return
                action = self._cursor.classify(cid, event.seq)
                if action == "fill":
                    await self._fill(actor, cid, event.seq)
                elif action == "deliver":
                    if visible(actor, event.payload):
                        self._send(_shared.frame(event, MessageFrame))
                    self._cursor.moved_to(cid, event.seq)
            return
        self._deliver_other(event)

    def _deliver_other(self, event: BusEvent) -> None:
        """Updates, typing, reads and presence: straight to the socket, nothing to order."""
        actor, me = self.actor, self.participant
        cid = event.conversation_id
        assert actor is not None
        if event.type == "call":
            CallSignalling.deliver(actor, event, self._send)
            return
        if event.type == "message_updated" and visible(actor, event.payload):
            self._send(_shared.frame(event, MessageUpdatedFrame))
            return
        who = event.payload.get("participant")
        if not isinstance(who, dict) or (who.get("kind"), who.get("id")) == me:
            return  # only other participants' typing, reads and presence
        participant = Participant(kind=who["kind"], id=str(who["id"]))
        if event.type == "typing":
            active = bool(event.payload.get("active"))
            self._send(TypingEventFrame(conversation_id=str(cid), participant=participant, active=active))
        elif event.type == "read":
            self._send(ReadEventFrame(conversation_id=str(cid), participant=participant, seq=int(event.payload["seq"])))
        elif event.type == "presence":
            status = "online" if event.payload.get("status") == "online" else "offline"
            self._send(PresenceFrame(participant=participant, status=status, conversation_id=str(cid)))

    async def _fill(self, actor: Actor, cid: int, up_to: int) -> None:
        """Deliver stored messages after the cursor, at least up to `up_to` (called with the lock held)."""
        while self._cursor.last(cid) < up_to and not self._closing:
            rows = await self._state.messaging.history_after(actor, cid, self._cursor.last(cid), FETCH_PAGE)
            if not rows:
                break
            translations = await self._state.messaging.translations_of(rows)
            for row in rows:
                self._send_stored(cid, row, translations.get(row.id))
                self._cursor.moved_to(cid, row.seq)
        self._cursor.moved_to(cid, up_to)

    def _send_stored(self, cid: int, row: StoredMessage, translations: dict[str, str] | None) -> None:
        payload = message_payload(row, translations)
        self._send(MessageFrame(conversation_id=str(cid), seq=row.seq, message=wire_message(payload)))


class _SharedFrames:
    """One frame object and one JSON text per bus event, shared by every receiving connection.

    A message fans out to every connection in its conversation; building and
    encoding the frame once instead of once per connection saves most of the
    per-receiver cost. Bounded; entries are keyed by the event object itself.
    Small: a live message reaches all its connections in one dispatch, so only a
    connection whose deliverer lags asks later (and then builds the frame again).
    Frames kept for thousands of messages outlived two young collections and
    filled the GC's oldest generation, whose full passes stop the loop.
    """

    def __init__(self, size: int = 128) -> None:
        self._frames: OrderedDict[int, tuple[BusEvent, ServerFrame]] = OrderedDict()
        self._texts: OrderedDict[int, tuple[ServerFrame, str]] = OrderedDict()
        self._last_text: tuple[Any, str] = (None, "")  # (event, text): fan-out asks for one event many times
        self._size = size

    def text(self, event: BusEvent, kind: type[MessageFrame] | type[MessageUpdatedFrame]) -> str:
        if self._last_text[0] is event:
            return self._last_text[1]
        frame_type = "message" if kind is MessageFrame else "message_updated"
        text = message_frame_text(frame_type, event.conversation_id, event.seq, event.payload)
        if text is None:
            text = self.encode(self.frame(event, kind))
        self._last_text = (event, text)
        return text

    def frame(self, event: BusEvent, kind: type[MessageFrame] | type[MessageUpdatedFrame]) -> ServerFrame:
        hit = self._frames.get(id(event))
        if hit is not None and hit[0] is event:
            return hit[1]
        message = wire_message(event.payload)
        frame = kind.model_construct(conversation_id=str(event.conversation_id), seq=event.seq, message=message)
        self._frames[id(event)] = (event, frame)
        if len(self._frames) > self._size:
            self._frames.popitem(last=False)
        return frame

    def encode(self, frame: ServerFrame) -> str:
        if not isinstance(frame, MessageFrame | MessageUpdatedFrame):
            return encode(frame)
        hit = self._texts.get(id(frame))
        if hit is not None and hit[0] is frame:
            return hit[1]
        text = encode(frame)
        self._texts[id(frame)] = (frame, text)
        if len(self._texts) > self._size:
            self._texts.popitem(last=False)
        return text


_shared = _SharedFrames()


def _participant(key: ParticipantKey) -> Participant:
    kind = key[0] if key[0] in ("buyer", "agent", "bot") else "bot"
    return Participant.model_validate({"kind": kind, "id": key[1]})
