"""The wire format: JSON text frames `{"type": ..., ...}`, parsed and encoded.

Client frames are validated strictly (no type coercion, no unknown fields);
server frames are built by the core and encoded as compact JSON.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from seabridge.messaging.errors import ErrorCode, ProtocolError

MAX_FRAME_BYTES = 64 * 1024
MAX_TEXT_CHARS = 4000
MAX_ATTACHMENTS = 10
MAX_SEQ = 2**63 - 1

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def no_nul(text: str) -> str:
    """Message text may hold any character but NUL, which no text column stores (PostgreSQL refuses it)."""
    if "\x00" in text:
        raise ValueError("text must not contain the NUL character (U+0000)")
    return text


MessageText = Annotated[str, Field(max_length=MAX_TEXT_CHARS), AfterValidator(no_nul)]
Seq = Annotated[int, Field(ge=0, le=MAX_SEQ)]


class _Frame(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---- client -> server ----------------------------------------------------


class AuthFrame(_Frame):
    type: Literal["auth"] = "auth"
    token: Annotated[str, Field(min_length=1, max_length=512)]


class SubscribeFrame(_Frame):
    type: Literal["subscribe"] = "subscribe"
    conversation_id: Id
    after_seq: Seq | None = None


class UnsubscribeFrame(_Frame):
    type: Literal["unsubscribe"] = "unsubscribe"
    conversation_id: Id


class SendFrame(_Frame):
    type: Literal["send"] = "send"
    conversation_id: Id
    client_msg_id: Id
    text: MessageText = ""
    attachments: Annotated[list[Id], Field(max_length=MAX_ATTACHMENTS)] = []

    @model_validator(mode="after")
    def _not_empty(self) -> SendFrame:
        if not self.text.strip() and not self.attachments:
            raise ValueError("a message needs text or attachments")
        return self


class TypingFrame(_Frame):
    type: Literal["typing"] = "typing"
    conversation_id: Id
    active: bool


class ReadFrame(_Frame):
    type: Literal["read"] = "read"
    conversation_id: Id
    seq: Seq


class PingFrame(_Frame):
    """Sent by either side; the peer answers with `pong` echoing the nonce."""

    type: Literal["ping"] = "ping"
    nonce: Annotated[str, Field(max_length=64)] | None = None


class PongFrame(_Frame):
    type: Literal["pong"] = "pong"
    nonce: Annotated[str, Field(max_length=64)] | None = None


# ---- calls (docs/protocol.md, "Calls"); the call machine is seabridge/calls/machine.py ----

MAX_SDP_CHARS = 32_000  # checked by the core, which answers `sdp_too_large`
CallId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Reason = Annotated[str, Field(max_length=64, pattern=r"^[a-z0-9_]*$")]


class CallInviteFrame(_Frame):
    type: Literal["call_invite"] = "call_invite"
    conversation_id: Id
    call_id: CallId  # chosen by the caller (e.g. a UUID); unique
    media: Literal["video", "audio"] = "video"


class _CallAction(_Frame):
    call_id: CallId


class CallRingingFrame(_CallAction):
    type: Literal["call_ringing"] = "call_ringing"


class CallAcceptFrame(_CallAction):
    type: Literal["call_accept"] = "call_accept"


class CallDeclineFrame(_CallAction):
    type: Literal["call_decline"] = "call_decline"
    reason: Reason = ""


class CallCancelFrame(_CallAction):
    type: Literal["call_cancel"] = "call_cancel"


class CallBusyFrame(_CallAction):
    type: Literal["call_busy"] = "call_busy"


class CallHangupFrame(_CallAction):
    type: Literal["call_hangup"] = "call_hangup"
    reason: Reason = ""  # e.g. "media_failed" when the client gives up


class CallOfferFrame(_CallAction):
    """Also sent by the server, relaying the other party's offer (renegotiation and ICE restart too)."""

    type: Literal["call_offer"] = "call_offer"
    sdp: str
    ice_restart: bool = False


class CallAnswerFrame(_CallAction):
    type: Literal["call_answer"] = "call_answer"
    sdp: str


class IceCandidate(_Frame):
    candidate: Annotated[str, Field(max_length=1024)]  # "" marks the end of candidates
    sdp_mid: Annotated[str, Field(max_length=64)] | None = None
    sdp_mline_index: Annotated[int, Field(ge=0, le=64)] | None = None


class CallIceFrame(_CallAction):
    type: Literal["call_ice"] = "call_ice"
    candidate: IceCandidate


class CallStatsFrame(_CallAction):
    """A getStats summary, every few seconds; `connection_state` "connected" / "failed" moves the call."""

    type: Literal["call_stats"] = "call_stats"
    connection_state: Literal["new", "checking", "connecting", "connected", "disconnected", "failed", "closed"] = "new"
    rtt_ms: Annotated[float, Field(ge=0, le=600_000)] | None = None
    jitter_ms: Annotated[float, Field(ge=0, le=600_000)] | None = None
    loss_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    bitrate_kbps: Annotated[float, Field(ge=0, le=1_000_000)] | None = None
    width: Annotated[int, Field(ge=0, le=16384)] | None = None
    height: Annotated[int, Field(ge=0, le=16384)] | None = None
    fps: Annotated[float, Field(ge=0, le=1000)] | None = None
    candidate_type: Literal["host", "srflx", "prflx", "relay", ""] = ""


CallClientFrame = (
    CallInviteFrame
    | CallRingingFrame
    | CallAcceptFrame
    | CallDeclineFrame
    | CallCancelFrame
    | CallBusyFrame
    | CallHangupFrame
    | CallOfferFrame
    | CallAnswerFrame
    | CallIceFrame
    | CallStatsFrame
)

ClientFrame = (
    AuthFrame
    | SubscribeFrame
    | UnsubscribeFrame
    | SendFrame
    | TypingFrame
    | ReadFrame
    | PingFrame
    | PongFrame
    | CallClientFrame
)

CLIENT_FRAME_TYPES: dict[str, type[ClientFrame]] = {
    "auth": AuthFrame,
    "subscribe": SubscribeFrame,
    "unsubscribe": UnsubscribeFrame,
    "send": SendFrame,
    "typing": TypingFrame,
    "read": ReadFrame,
    "ping": PingFrame,
    "pong": PongFrame,
    "call_invite": CallInviteFrame,
    "call_ringing": CallRingingFrame,
    "call_accept": CallAcceptFrame,
    "call_decline": CallDeclineFrame,
    "call_cancel": CallCancelFrame,
    "call_busy": CallBusyFrame,
    "call_hangup": CallHangupFrame,
    "call_offer": CallOfferFrame,
    "call_answer": CallAnswerFrame,
    "call_ice": CallIceFrame,
    "call_stats": CallStatsFrame,
}


# ---- server -> client ----------------------------------------------------


class Participant(_Frame):
    kind: Literal["buyer", "agent", "bot"]
    id: str


class Limits(_Frame):
    max_frame_bytes: int
    max_text_chars: int
    sends_per_s: float
    send_burst: int
    typing_per_s: float


class ReadyFrame(_Frame):
    type: Literal["ready"] = "ready"
    session_id: str
    principal: Participant
    heartbeat_s: float
    limits: Limits


class SubscribedFrame(_Frame):
    type: Literal["subscribed"] = "subscribed"
    conversation_id: str
    last_seq: int


class UnsubscribedFrame(_Frame):
    type: Literal["unsubscribed"] = "unsubscribed"
    conversation_id: str


class AckFrame(_Frame):
    type: Literal["ack"] = "ack"
    client_msg_id: str
    conversation_id: str
    seq: int
    message_id: str
    duplicate: bool = False


class Message(_Frame):
    """A stored message as delivered; `sender` is absent for system messages."""

    id: str
    kind: Literal["text", "image", "system", "note"] = "text"  # "note": internal, agents only
    sender: Participant | None = None
    text: str = ""
    attachments: list[str] = []
    created_at: str
    client_msg_id: str | None = None
    language: str | None = None  # detected language of `text`
    data: dict[str, Any] | None = None  # structured facts of system messages, e.g. {"event": "shipment_status"}
    translations: dict[str, str] = {}


class MessageFrame(_Frame):
    type: Literal["message"] = "message"
    conversation_id: str
    seq: int
    message: Message


class MessageUpdatedFrame(_Frame):
    """A message changed after delivery (e.g. a translation arrived); same seq."""

    type: Literal["message_updated"] = "message_updated"
    conversation_id: str
    seq: int
    message: Message


class TypingEventFrame(_Frame):
    type: Literal["typing"] = "typing"
    conversation_id: str
    participant: Participant
    active: bool


class PresenceFrame(_Frame):
    type: Literal["presence"] = "presence"
    participant: Participant
    status: Literal["online", "offline"]
    conversation_id: str | None = None


class ReadEventFrame(_Frame):
    type: Literal["read"] = "read"
    conversation_id: str
    participant: Participant
    seq: int


class ResyncRequiredFrame(_Frame):
    type: Literal["resync_required"] = "resync_required"
    conversation_id: str
    from_seq: int
    reason: str = "gap_too_old"


class ErrorFrame(_Frame):
    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    ref: str | None = None
    retry_after_ms: int | None = None
    reasons: list[str] | None = None  # with `rejected`: moderation reason codes


class CallStateFrame(_Frame):
    """Every change of a call's state, to both parties (and to the callee's devices while it rings)."""

    type: Literal["call_state"] = "call_state"
    call_id: str
    conversation_id: str
    state: Literal["inviting", "ringing", "accepted", "connected", "ended"]
    media: Literal["video", "audio"]
    caller: Participant
    callee: Participant | None = None  # None while a buyer's call rings for any agent
    outcome: Literal["completed", "declined", "cancelled", "missed", "busy", "failed"] | None = None
    reason: str | None = None
    duration_s: float | None = None


class IceServerEntry(_Frame):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class CallIceServersFrame(_Frame):
    """The ICE servers (TURN credentials minted for this call) and transport policy for one participant."""

    type: Literal["call_ice_servers"] = "call_ice_servers"
    call_id: str
    ice_servers: list[IceServerEntry]
    ice_transport_policy: Literal["all", "relay"] = "all"
    expires_at: int | None = None


ServerFrame = (
    CallStateFrame
    | CallIceServersFrame
    | CallOfferFrame
    | CallAnswerFrame
    | CallIceFrame
    | ReadyFrame
    | SubscribedFrame
    | UnsubscribedFrame
    | AckFrame
    | MessageFrame
    | MessageUpdatedFrame
    | TypingEventFrame
    | PresenceFrame
    | ReadEventFrame
    | ResyncRequiredFrame
    | PingFrame
    | PongFrame
    | ErrorFrame
)


# ---- parsing and encoding ------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_client_frame(data: str | bytes, max_bytes: int = MAX_FRAME_BYTES) -> ClientFrame:
    """Parse one WebSocket message from a client, or raise `ProtocolError`."""
    # Every char is one to four UTF-8 bytes, so the cheap length checks come first.
    if len(data) > max_bytes or (
        isinstance(data, str) and len(data) * 4 > max_bytes and len(data.encode("utf-8", "surrogatepass")) > max_bytes
    ):
        raise ProtocolError(ErrorCode.FRAME_TOO_LARGE, f"frames are limited to {max_bytes} bytes", close=True)
    if not isinstance(data, str):
        raise ProtocolError(ErrorCode.BINARY_NOT_SUPPORTED, "send JSON in text frames")
    try:
        obj = json.loads(data, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ProtocolError(ErrorCode.MALFORMED_JSON, "frame is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError(ErrorCode.NOT_AN_OBJECT, "a frame is a JSON object")
    frame_type = obj.get("type")
    if not isinstance(frame_type, str):
        raise ProtocolError(ErrorCode.INVALID_FRAME, "type: a string field is required")
    if frame_type == "send" and (send := _well_formed_send(obj)) is not None:
        return send
    model = CLIENT_FRAME_TYPES.get(frame_type)
    if model is None:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown frame type (known: {', '.join(CLIENT_FRAME_TYPES)})")
    try:
        return model.model_validate(obj, strict=True)
    except ValidationError as exc:
        raise ProtocolError(ErrorCode.INVALID_FRAME, _describe(exc), ref=_ref(obj)) from None


_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # `Id`, as a full match
_SEND_FIELDS = frozenset(SendFrame.model_fields)


def _well_formed_send(obj: dict[str, Any]) -> SendFrame | None:
    """The hot frame without the model's walk: a `SendFrame` if `obj` is one beyond doubt, else None.

    Accepts only what `SendFrame.model_validate(obj, strict=True)` accepts (exact types, the
    same limits); anything else, valid or not, returns None and goes through the model, which
    gives the precise error. About half the cost of a validation by the model.
    """
    if not obj.keys() <= _SEND_FIELDS:
        return None
    cid, ref = obj.get("conversation_id"), obj.get("client_msg_id")
    text, attachments = obj.get("text", ""), obj.get("attachments", [])
    if (
        type(cid) is not str
        or type(ref) is not str
        or type(text) is not str
        or type(attachments) is not list
        or len(text) > MAX_TEXT_CHARS
        or len(attachments) > MAX_ATTACHMENTS
        or not _ID.fullmatch(cid)
        or not _ID.fullmatch(ref)
        or not all(type(a) is str and _ID.fullmatch(a) for a in attachments)
        or (not text.strip() and not attachments)
        or "\x00" in text
    ):
        return None
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:  # a lone surrogate (e.g. from a "\\ud800" escape): the model decides
            return None
    return SendFrame.model_construct(conversation_id=cid, client_msg_id=ref, text=text, attachments=attachments)


def _describe(exc: ValidationError) -> str:
    # Field paths and constraints only: the rejected values may be personal data.
    parts = []
    for err in exc.errors(include_url=False, include_input=False)[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "frame"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def _ref(obj: dict[str, Any]) -> str | None:
    ref = obj.get("client_msg_id")
    return ref if isinstance(ref, str) and 0 < len(ref) <= 64 and ref.isascii() and ref.isprintable() else None


def encode(frame: ClientFrame | ServerFrame) -> str:
    """Compact JSON text for one frame; absent optional fields are omitted."""
    return frame.model_dump_json(exclude_none=True)
