"""Real-time messaging: the WebSocket wire protocol and its sans-I/O core.

`frames` owns the wire format (JSON text frames), `protocol` owns one
connection's state machine (frames in, events out), `errors` the error and
close codes, `bucket` the token buckets used for per-connection rate limits.
Nothing here touches a socket, a clock or a database: the transport feeds
frames in, writes `Outgoing` frames out and answers the requests the core
raises (authenticate, subscribe, store a message). See `docs/protocol.md`.
"""

from seabridge.messaging.errors import CloseCode, ErrorCode, ProtocolError
from seabridge.messaging.frames import ClientFrame, ServerFrame, encode, parse_client_frame
from seabridge.messaging.protocol import (
    Connection,
    ConnectionState,
    IllegalTransition,
    ProtocolConfig,
    SessionInfo,
)

__all__ = [
    "ClientFrame",
    "CloseCode",
    "Connection",
    "ConnectionState",
    "ErrorCode",
    "IllegalTransition",
    "ProtocolConfig",
    "ProtocolError",
    "ServerFrame",
    "SessionInfo",
    "encode",
    "parse_client_frame",
]
