"""Events the protocol core hands to the transport.

Requests (`AuthRequested`, `SubscribeRequested`, ...) need an answer from the
transport or storage; `Outgoing` is a frame to write; `CloseRequested` asks
the transport to close the socket; `ProtocolViolation` is for logs and metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

from seabridge.messaging.errors import ProtocolError
from seabridge.messaging.frames import CallClientFrame, ServerFrame


@dataclass(frozen=True, slots=True)
class AuthRequested:
    """Verify `token`, then call `authenticated(...)` or `reject(...)`."""

    token: str


@dataclass(frozen=True, slots=True)
class SubscribeRequested:
    """Check membership, then send `subscribed` and replay seq > after_seq (or `resync_required`)."""

    conversation_id: str
    after_seq: int | None


@dataclass(frozen=True, slots=True)
class UnsubscribeRequested:
    conversation_id: str


@dataclass(frozen=True, slots=True)
class SendRequested:
    """Store the message idempotently on (conversation_id, client_msg_id), then send `ack`."""

    conversation_id: str
    client_msg_id: str
    text: str
    attachments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypingChanged:
    conversation_id: str
    active: bool


@dataclass(frozen=True, slots=True)
class ReadUpTo:
    conversation_id: str
    seq: int


@dataclass(frozen=True, slots=True)
class CallRequested:
    """A call signalling frame from a participant: hand it to `seabridge.calls.signalling`."""

    frame: CallClientFrame


@dataclass(frozen=True, slots=True)
class Outgoing:
    frame: ServerFrame


@dataclass(frozen=True, slots=True)
class CloseRequested:
    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    error: ProtocolError


Event = (
    AuthRequested
    | SubscribeRequested
    | UnsubscribeRequested
    | SendRequested
    | TypingChanged
    | ReadUpTo
    | CallRequested
    | Outgoing
    | CloseRequested
    | ProtocolViolation
)
