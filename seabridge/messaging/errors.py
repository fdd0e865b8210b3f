"""Protocol error codes, WebSocket close codes and the `ProtocolError` exception."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class CloseCode(IntEnum):
    """WebSocket close codes used by the server (documented in docs/protocol.md)."""

    NORMAL = 1000
    POLICY_VIOLATION = 1008
    TOO_BIG = 1009
    SERVER_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_FRAME = 4000
    AUTH_TIMEOUT = 4001
    KEEPALIVE_TIMEOUT = 4002
    FORBIDDEN = 4003
    NOT_FOUND = 4004
    RATE_LIMITED = 4008
    SESSION_REPLACED = 4009


class ErrorCode(StrEnum):
    """The `code` of an `error` frame."""

    MALFORMED_JSON = "malformed_json"
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_FRAME = "invalid_frame"
    FRAME_TOO_LARGE = "frame_too_large"
    BINARY_NOT_SUPPORTED = "binary_not_supported"
    AUTH_REQUIRED = "auth_required"
    AUTH_IN_PROGRESS = "auth_in_progress"
    AUTH_FAILED = "auth_failed"
    AUTH_TIMEOUT = "auth_timeout"
    ALREADY_AUTHENTICATED = "already_authenticated"
    NOT_SUBSCRIBED = "not_subscribed"
    TOO_MANY_SUBSCRIPTIONS = "too_many_subscriptions"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    REJECTED = "rejected"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_ERRORS = "too_many_errors"
    KEEPALIVE_TIMEOUT = "keepalive_timeout"
    SESSION_EXPIRED = "session_expired"
    INTERNAL_ERROR = "internal_error"
    CALL_NOT_FOUND = "call_not_found"
    CALL_EXISTS = "call_exists"
    CALL_STATE_INVALID = "call_state_invalid"
    SDP_TOO_LARGE = "sdp_too_large"


# Close code used when an error of this code ends the connection by itself.
CLOSE_CODE_FOR: dict[ErrorCode, CloseCode] = {
    ErrorCode.FRAME_TOO_LARGE: CloseCode.TOO_BIG,
    ErrorCode.AUTH_REQUIRED: CloseCode.FORBIDDEN,
    ErrorCode.AUTH_FAILED: CloseCode.FORBIDDEN,
    ErrorCode.AUTH_TIMEOUT: CloseCode.AUTH_TIMEOUT,
    ErrorCode.RATE_LIMITED: CloseCode.RATE_LIMITED,
    ErrorCode.TOO_MANY_ERRORS: CloseCode.BAD_FRAME,
    ErrorCode.KEEPALIVE_TIMEOUT: CloseCode.KEEPALIVE_TIMEOUT,
    ErrorCode.SESSION_EXPIRED: CloseCode.SESSION_REPLACED,
    ErrorCode.INTERNAL_ERROR: CloseCode.SERVER_ERROR,
}


class ProtocolError(Exception):
    """A frame the client should not have sent.

    `close` says whether the error ends the connection on its own; errors that
    don't still count against the connection's error budget.
    """

    def __init__(self, code: ErrorCode, message: str, close: bool = False, *, ref: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.close = close
        self.ref = ref

    @property
    def close_code(self) -> CloseCode:
        return CLOSE_CODE_FOR.get(self.code, CloseCode.BAD_FRAME)

    def __repr__(self) -> str:
        return f"ProtocolError({self.code.value!r}, {self.message!r}, close={self.close})"
