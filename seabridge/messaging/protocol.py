"""One WebSocket connection's protocol state machine, sans I/O.

The transport feeds each received message to `Connection.receive`, calls
`tick` when `next_deadline()` passes, and acts on the returned events: it
writes `Outgoing` frames, closes on `CloseRequested`, and answers requests
(`AuthRequested` -> `authenticated`/`reject`, `SendRequested` -> `send(ack)`).
Time comes from an injected clock, so timeouts and rate limits test without
sleeping.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from seabridge.messaging.bucket import TokenBucket
from seabridge.messaging.errors import CloseCode, ErrorCode, ProtocolError
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
    MAX_FRAME_BYTES,
    MAX_SDP_CHARS,
    MAX_TEXT_CHARS,
    AckFrame,
    AuthFrame,
    CallAcceptFrame,
    CallAnswerFrame,
    CallBusyFrame,
    CallCancelFrame,
    CallClientFrame,
    CallDeclineFrame,
    CallHangupFrame,
    CallIceFrame,
    CallInviteFrame,
    CallOfferFrame,
    CallRingingFrame,
    CallStatsFrame,
    ClientFrame,
    ErrorFrame,
    Limits,
    Participant,
    PingFrame,
    PongFrame,
    ReadFrame,
    ReadyFrame,
    SendFrame,
    ServerFrame,
    SubscribedFrame,
    SubscribeFrame,
    TypingFrame,
    UnsubscribedFrame,
    UnsubscribeFrame,
    parse_client_frame,
)


class ConnectionState(Enum):
    CONNECTING = "connecting"  # socket open, awaiting a successful `auth`
    OPEN = "open"
    CLOSING = "closing"  # close requested; inbound frames are discarded
    CLOSED = "closed"


class Trigger(Enum):
    AUTHENTICATED = "authenticated"
    CLOSE = "close"
    SOCKET_CLOSED = "socket_closed"


S = ConnectionState
TRANSITIONS: dict[tuple[ConnectionState, Trigger], ConnectionState] = {
    (S.CONNECTING, Trigger.AUTHENTICATED): S.OPEN,
    (S.CONNECTING, Trigger.CLOSE): S.CLOSING,
    (S.OPEN, Trigger.CLOSE): S.CLOSING,
    (S.CONNECTING, Trigger.SOCKET_CLOSED): S.CLOSED,
    (S.OPEN, Trigger.SOCKET_CLOSED): S.CLOSED,
    (S.CLOSING, Trigger.SOCKET_CLOSED): S.CLOSED,
}


CALL_FRAMES = (
    CallInviteFrame,
    CallRingingFrame,
    CallAcceptFrame,
    CallDeclineFrame,
    CallCancelFrame,
    CallBusyFrame,
    CallHangupFrame,
    CallOfferFrame,
    CallAnswerFrame,
    CallIceFrame,
    CallStatsFrame,
)


class IllegalTransition(RuntimeError):
    """The transport asked for something the connection's state forbids (a bug on our side)."""


@dataclass(frozen=True, slots=True)
class ProtocolConfig:
    max_frame_bytes: int = MAX_FRAME_BYTES
    auth_timeout_s: float = 10.0
    heartbeat_s: float = 25.0
    idle_timeout_s: float = 60.0  # no inbound frame for this long -> close 4002
    frames_per_s: float = 30.0
    frame_burst: int = 60
    sends_per_s: float = 10.0
    send_burst: int = 20
    typing_per_s: float = 2.0
    typing_burst: int = 2
    flood_strikes: int = 10  # rate-limited frames tolerated before closing 4008 ...
    flood_strikes_per_s: float = 0.5  # ... refilled at this rate
    error_budget: int = 5  # non-fatal protocol errors tolerated before closing 4000 ...
    errors_per_s: float = 0.1  # ... refilled at this rate
    max_subscriptions: int = 100
    ack_cache_size: int = 256


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """Who the transport authenticated; `expires_at` is on the connection's clock."""

    session_id: str
    principal_kind: Literal["buyer", "agent"]
    principal_id: str
    expires_at: float | None = None


class Connection:
    def __init__(self, config: ProtocolConfig | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = cfg = config or ProtocolConfig()
        self._clock = clock
        now = clock()
        self._state = ConnectionState.CONNECTING
        self._opened_at = now
        self._last_inbound = now
        self._last_ping = now
        self._pings_sent = 0
        self._auth_pending = False
        self.session: SessionInfo | None = None
        self._subscriptions: set[str] = set()
        # (conversation id, client msg id) -> (seq, message id): plain tuples of atoms, which the cyclic
        # GC does not track (256 frame objects per sending connection made every full collection longer).
        self._acks: OrderedDict[tuple[str, str], tuple[int, str]] = OrderedDict()
        self._frames = TokenBucket(cfg.frames_per_s, cfg.frame_burst, now)
        self._sends = TokenBucket(cfg.sends_per_s, cfg.send_burst, now)
        self._typing = TokenBucket(cfg.typing_per_s, cfg.typing_burst, now)
        self._strikes = TokenBucket(cfg.flood_strikes_per_s, cfg.flood_strikes, now)
        self._errors = TokenBucket(cfg.errors_per_s, cfg.error_budget, now)

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def subscriptions(self) -> frozenset[str]:
        return frozenset(self._subscriptions)

    def _transition(self, trigger: Trigger) -> None:
        new = TRANSITIONS.get((self._state, trigger))
        if new is None:
            raise IllegalTransition(f"{trigger.value} is not allowed in state {self._state.value}")
        self._state = new

    # ---- inbound ---------------------------------------------------------

    def receive(self, data: str | bytes) -> list[Event]:
        """Handle one WebSocket message from the client. Never raises on client input."""
        if self._state in (S.CLOSING, S.CLOSED):
            return []
        now = self._clock()
        self._last_inbound = now
        try:
            frame = parse_client_frame(data, self.config.max_frame_bytes)
        except ProtocolError as err:
            return self._violation(err, now)
        if self._state is S.CONNECTING:
            return self._receive_unauthenticated(frame, now)
        return self._receive_open(frame, now)

    def _receive_unauthenticated(self, frame: ClientFrame, now: float) -> list[Event]:
        if not isinstance(frame, AuthFrame):
            return self._violation(ProtocolError(ErrorCode.AUTH_REQUIRED, "send auth first", close=True), now)
        if self._auth_pending:
            return self._violation(ProtocolError(ErrorCode.AUTH_IN_PROGRESS, "auth already sent", close=True), now)
        self._auth_pending = True
        return [AuthRequested(frame.token)]

    def _receive_open(self, frame: ClientFrame, now: float) -> list[Event]:
        ref = frame.client_msg_id if isinstance(frame, SendFrame) else getattr(frame, "conversation_id", None)
        if wait := self._frames.take(now):
            return self._rate_limited(wait, ref, now)
        if isinstance(frame, PingFrame):
            return [Outgoing(PongFrame(nonce=frame.nonce))]
        if isinstance(frame, PongFrame):
            return []
        if isinstance(frame, AuthFrame):
            return self._violation(ProtocolError(ErrorCode.ALREADY_AUTHENTICATED, "already authenticated"), now)
        if isinstance(frame, SubscribeFrame):
            cid = frame.conversation_id
            if cid not in self._subscriptions and len(self._subscriptions) >= self.config.max_subscriptions:
                limit = self.config.max_subscriptions
                err = ProtocolError(ErrorCode.TOO_MANY_SUBSCRIPTIONS, f"at most {limit} subscriptions", ref=cid)
                return self._violation(err, now)
            return [SubscribeRequested(cid, frame.after_seq)]
        if isinstance(frame, CALL_FRAMES):
            return self._receive_call(frame, now)
        if frame.conversation_id not in self._subscriptions:
            err = ProtocolError(ErrorCode.NOT_SUBSCRIBED, "subscribe to the conversation first", ref=ref)
            return self._violation(err, now)
        if isinstance(frame, UnsubscribeFrame):
            self._subscriptions.discard(frame.conversation_id)
            unsubscribed = UnsubscribedFrame(conversation_id=frame.conversation_id)
            return [UnsubscribeRequested(frame.conversation_id), Outgoing(unsubscribed)]
        if isinstance(frame, SendFrame):
            if wait := self._sends.take(now):
                return self._rate_limited(wait, ref, now)
            key = (frame.conversation_id, frame.client_msg_id)
            if (acked := self._acks.get(key)) is not None:
                self._acks.move_to_end(key)
                seq, message_id = acked
                ack = AckFrame(
                    client_msg_id=key[1], conversation_id=key[0], seq=seq, message_id=message_id, duplicate=True
                )
                return [Outgoing(ack)]
            attachments = tuple(frame.attachments)
            return [SendRequested(frame.conversation_id, frame.client_msg_id, frame.text, attachments)]
        if isinstance(frame, TypingFrame):
            if wait := self._typing.take(now):
                return self._rate_limited(wait, ref, now)
            return [TypingChanged(frame.conversation_id, frame.active)]
        assert isinstance(frame, ReadFrame)
        return [ReadUpTo(frame.conversation_id, frame.seq)]

    def _receive_call(self, frame: CallClientFrame, now: float) -> list[Event]:
        """Call signalling: checked here for what needs no storage, then handed to the call service."""
        if isinstance(frame, CallInviteFrame) and frame.conversation_id not in self._subscriptions:
            err = ProtocolError(ErrorCode.NOT_SUBSCRIBED, "subscribe to the conversation first", ref=frame.call_id)
            return self._violation(err, now)
        if isinstance(frame, CallOfferFrame | CallAnswerFrame) and len(frame.sdp) > MAX_SDP_CHARS:
            err = ProtocolError(
                ErrorCode.SDP_TOO_LARGE, f"sdp is limited to {MAX_SDP_CHARS} characters", ref=frame.call_id
            )
            return self._violation(err, now)
        return [CallRequested(frame)]

    def _violation(self, err: ProtocolError, now: float) -> list[Event]:
        events: list[Event] = [ProtocolViolation(err), Outgoing(_error_frame(err))]
        if err.close:
            return events + self._close(err.close_code, err.code.value)
        if self._state is S.CONNECTING:
            return events + self._close(CloseCode.BAD_FRAME, err.code.value)
        if self._errors.take(now):
            return events + self._close(CloseCode.BAD_FRAME, ErrorCode.TOO_MANY_ERRORS.value)
        return events

    def _rate_limited(self, wait_s: float, ref: str | None, now: float) -> list[Event]:
        err = ProtocolError(ErrorCode.RATE_LIMITED, "slow down", ref=ref)
        frame = ErrorFrame(code=err.code, message=err.message, ref=ref, retry_after_ms=math.ceil(wait_s * 1000))
        events: list[Event] = [ProtocolViolation(err), Outgoing(frame)]
        if self._strikes.take(now):
            return events + self._close(CloseCode.RATE_LIMITED, ErrorCode.RATE_LIMITED.value)
        return events

    # ---- answers from the transport --------------------------------------

    def authenticated(self, session: SessionInfo) -> list[Event]:
        """The token from `AuthRequested` is valid: open the connection and send `ready`."""
        if not self._auth_pending:
            raise IllegalTransition(f"authenticated() without a pending auth in state {self._state.value}")
        self._transition(Trigger.AUTHENTICATED)
        self._auth_pending = False
        self.session = session
        self._last_ping = self._clock()
        cfg = self.config
        ready = ReadyFrame(
            session_id=session.session_id,
            principal=Participant(kind=session.principal_kind, id=session.principal_id),
            heartbeat_s=cfg.heartbeat_s,
            limits=Limits(
                max_frame_bytes=cfg.max_frame_bytes,
                max_text_chars=MAX_TEXT_CHARS,
                sends_per_s=cfg.sends_per_s,
                send_burst=cfg.send_burst,
                typing_per_s=cfg.typing_per_s,
            ),
        )
        return [Outgoing(ready)]

    def reject(self, message: str = "invalid or expired token") -> list[Event]:
        """The token from `AuthRequested` is not valid: send `auth_failed` and close 4003."""
        if self._state is not S.CONNECTING:
            raise IllegalTransition(f"reject() in state {self._state.value}")
        self._auth_pending = False
        frame = ErrorFrame(code=ErrorCode.AUTH_FAILED, message=message)
        return [Outgoing(frame), *self._close(CloseCode.FORBIDDEN, ErrorCode.AUTH_FAILED.value)]

    def send(self, frame: ServerFrame) -> list[Event]:
        """Queue a server frame. Frames sent after close are dropped (fan-out races close)."""
        if self._state in (S.CLOSING, S.CLOSED):
            return []
        if self._state is S.CONNECTING and not isinstance(frame, ErrorFrame):
            raise IllegalTransition(f"cannot send {frame.type!r} before authentication")
        if isinstance(frame, AckFrame) and not frame.duplicate:
            self._acks[(frame.conversation_id, frame.client_msg_id)] = (frame.seq, frame.message_id)
            while len(self._acks) > self.config.ack_cache_size:
                self._acks.popitem(last=False)
        elif isinstance(frame, SubscribedFrame):
            self._subscriptions.add(frame.conversation_id)
        elif isinstance(frame, UnsubscribedFrame):
            self._subscriptions.discard(frame.conversation_id)
        return [Outgoing(frame)]

    def send_error(self, code: ErrorCode, message: str, ref: str | None = None) -> list[Event]:
        """An error found by the transport or storage (e.g. `not_found` for a subscribe)."""
        return self.send(ErrorFrame(code=code, message=message, ref=ref))

    def close(self, code: int = CloseCode.NORMAL, reason: str = "") -> list[Event]:
        """Ask to close (e.g. 4009 when the session is replaced). Idempotent once closing."""
        if self._state in (S.CLOSING, S.CLOSED):
            return []
        return self._close(code, reason)

    def _close(self, code: int, reason: str) -> list[Event]:
        self._transition(Trigger.CLOSE)
        self._auth_pending = False
        return [CloseRequested(int(code), reason)]

    def socket_closed(self) -> None:
        """The socket is gone (either side closed it). Idempotent."""
        if self._state is not S.CLOSED:
            self._transition(Trigger.SOCKET_CLOSED)

    # ---- time ------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When `tick` next has something to do, on the connection's clock."""
        cfg = self.config
        if self._state is S.CONNECTING:
            return self._opened_at + cfg.auth_timeout_s
        if self._state is not S.OPEN:
            return None
        deadlines = [self._last_ping + cfg.heartbeat_s, self._last_inbound + cfg.idle_timeout_s]
        if self.session is not None and self.session.expires_at is not None:
            deadlines.append(self.session.expires_at)
        return min(deadlines)

    def tick(self, now: float | None = None) -> list[Event]:
        """Fire timers due at `now` (default: the clock): auth timeout, expiry, idle, keepalive."""
        now = self._clock() if now is None else now
        cfg = self.config
        if self._state is S.CONNECTING:
            if now - self._opened_at >= cfg.auth_timeout_s:
                return self._fatal(ErrorCode.AUTH_TIMEOUT, "no auth within the time limit")
            return []
        if self._state is not S.OPEN:
            return []
        if self.session is not None and self.session.expires_at is not None and now >= self.session.expires_at:
            return self._fatal(ErrorCode.SESSION_EXPIRED, "session expired; reconnect with a fresh token")
        if now - self._last_inbound >= cfg.idle_timeout_s:
            return self._fatal(ErrorCode.KEEPALIVE_TIMEOUT, "no frames received; reconnect and resume")
        if now - self._last_ping >= cfg.heartbeat_s:
            self._last_ping = now
            self._pings_sent += 1
            return [Outgoing(PingFrame(nonce=str(self._pings_sent)))]
        return []

    def _fatal(self, code: ErrorCode, message: str) -> list[Event]:
        err = ProtocolError(code, message, close=True)
        return [Outgoing(_error_frame(err)), *self._close(err.close_code, code.value)]


def _error_frame(err: ProtocolError) -> ErrorFrame:
    return ErrorFrame(code=err.code, message=err.message, ref=err.ref)
