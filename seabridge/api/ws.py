"""`GET /v1/ws`: the real-time messaging endpoint (protocol in docs/protocol.md)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from seabridge.messaging.hub import hub_for
from seabridge.messaging.protocol import ProtocolConfig
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


@router.websocket("/v1/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    state: AppState = websocket.app.state.seabridge
    await Peer(websocket, state, hub_for(state), protocol_config(state.settings)).run()
