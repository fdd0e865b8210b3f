"""`GET /v1/ws`: the real-time messaging endpoint (protocol in docs/protocol.md).

`seabridge serve` runs it natively on the `websockets` protocol inside uvicorn
(`native_protocol`, see messaging/native.py); the Starlette route below serves
the same endpoint under any other ASGI server.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, WebSocket

from seabridge.messaging.hub import hub_for
from seabridge.messaging.native import SeabridgeWebSocketProtocol, protocol_class
from seabridge.messaging.protocol import ProtocolConfig
from seabridge.messaging.sockets import AsgiSocket, Socket
from seabridge.messaging.transport import Peer
from seabridge.settings import Settings
from seabridge.state import AppState

router = APIRouter()


def protocol_config(settings: Settings) -> ProtocolConfig:
    """Per-connection limits from settings (`SEABRIDGE_WS_*`); everything else keeps the protocol defaults."""
    return ProtocolConfig(
        sends_per_s=settings.ws_sends_per_s,
        send_burst=settings.ws_send_burst,
        frames_per_s=settings.ws_frames_per_s,
        frame_burst=settings.ws_frame_burst,
    )


async def serve_socket(state: AppState, socket: Socket) -> None:
    """Run one client connection until it closes."""
    await Peer(socket, state, hub_for(state), protocol_config(state.settings)).run()


@router.websocket("/v1/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    socket = AsgiSocket(websocket)
    await socket.start()
    try:
        await serve_socket(websocket.app.state.seabridge, socket)
    finally:
        await socket.stop()


def native_protocol(app: FastAPI) -> type[SeabridgeWebSocketProtocol]:
    """uvicorn's `ws` protocol class serving /v1/ws of `app` natively (after its lifespan opened the state)."""

    async def handler(socket: Socket) -> None:
        await serve_socket(app.state.seabridge, socket)

    return protocol_class(handler)
