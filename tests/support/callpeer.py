"""aiortc call peers for tests and the call benchmark: a signalling socket and a media endpoint.

`Signal` is a raw protocol client (one WebSocket, frames queued by type) so a
test sees every call frame the server sends. `MediaPeer` wraps an aiortc
`RTCPeerConnection` with generated audio and video tracks, counts the frames
it receives per kind and notes when it connected and when the first remote
frame arrived. `use_loopback()` makes aioice offer 127.0.0.1 (it skips
loopback by default), so peers on one machine meet without a LAN address.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import aioice.ice
import websockets
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack
from av import VideoFrame
from websockets.asyncio.client import ClientConnection

TIMEOUT = 15.0


def use_loopback() -> None:
    """Host candidates on 127.0.0.1 only (in this process): aioice leaves loopback out by default."""
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]  # type: ignore[assignment]


class PatternVideo(VideoStreamTrack):
    """Small generated frames (a changing brightness) so encoding stays cheap on a busy machine."""

    def __init__(self, width: int = 160, height: int = 120) -> None:
        super().__init__()
        self.width, self.height = width, height
        self.sent = 0

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(self.width, self.height, "yuv420p")
        for index, plane in enumerate(frame.planes):  # a brightness that changes every frame
            plane.update(bytes([(self.sent * 7) % 256 if index == 0 else 128]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        self.sent += 1
        return frame


class ToneAudio(AudioStreamTrack):
    """Silence with a counter: aiortc's own audio track, counted."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    async def recv(self) -> Any:
        frame = await super().recv()
        self.sent += 1
        return frame


class Signal:
    """One protocol connection; frames are kept in arrival order and awaited by predicate."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.ws: ClientConnection | None = None
        self.frames: list[dict[str, Any]] = []
        self._arrived = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Signal:
        self.ws = await websockets.connect(self.url, max_size=2**20)
        self._reader = asyncio.create_task(self._read())
        await self.send({"type": "auth", "token": self.token})
        await self.expect("ready")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def _read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("type") == "ping":
                    await self.send({"type": "pong", "nonce": frame.get("nonce")})
                async with self._arrived:
                    self.frames.append(frame)
                    self._arrived.notify_all()

    async def send(self, frame: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps({k: v for k, v in frame.items() if v is not None}))

    async def expect(
        self,
        type_: str,
        where: Callable[[dict[str, Any]], bool] = lambda f: True,
        timeout: float = TIMEOUT,  # noqa: ASYNC109  (a per-wait limit reads best at the call site)
    ) -> dict[str, Any]:
        """The first frame (received so far or later) of this type matching `where`; consumed."""
        async with asyncio.timeout(timeout), self._arrived:
            while True:
                for i, frame in enumerate(self.frames):
                    if frame.get("type") == type_ and where(frame):
                        return self.frames.pop(i)
                await self._arrived.wait()

    async def subscribe(self, conversation_id: str) -> str:
        await self.send({"type": "subscribe", "conversation_id": conversation_id})
        return str((await self.expect("subscribed"))["conversation_id"])

    async def state(self, call_id: str, state: str, timeout: float = TIMEOUT) -> dict[str, Any]:  # noqa: ASYNC109
        return await self.expect("call_state", lambda f: f["call_id"] == call_id and f["state"] == state, timeout)


def rtc_configuration(frame: dict[str, Any] | None) -> RTCConfiguration:
    """aiortc configuration from a `call_ice_servers` frame (None: no ICE servers at all)."""
    if frame is None:
        return RTCConfiguration(iceServers=[])
    servers = [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in frame["ice_servers"]
    ]
    relay = frame.get("ice_transport_policy") == "relay"
    policy = RTCIceTransportPolicy.RELAY if relay else RTCIceTransportPolicy.ALL
    return RTCConfiguration(iceServers=servers, iceTransportPolicy=policy)


class MediaPeer:
    """One side's media: sends generated audio+video (or audio only), counts what arrives."""

    def __init__(self, config: RTCConfiguration, *, video: bool = True) -> None:
        self.config = config
        self.pc = RTCPeerConnection(configuration=config)
        self.video = PatternVideo() if video else None
        self.audio = ToneAudio()
        self.pc.addTrack(self.audio)
        if self.video is not None:
            self.pc.addTrack(self.video)
        self.received: dict[str, int] = {"audio": 0, "video": 0}
        self.connected_at: float | None = None
        self.first_frame_at: float | None = None
        self.connected = asyncio.Event()
        self.failed = asyncio.Event()
        self._frame_arrived = asyncio.Event()
        self._consumers: set[asyncio.Task[None]] = set()
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)

    def _on_state(self) -> None:
        if self.pc.connectionState == "connected" and self.connected_at is None:
            self.connected_at = time.perf_counter()
            self.connected.set()
        elif self.pc.connectionState == "failed":
            self.failed.set()

    def _on_track(self, track: MediaStreamTrack) -> None:
        task = asyncio.create_task(self._consume(track))
        self._consumers.add(task)
        task.add_done_callback(self._consumers.discard)

    async def _consume(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                if self.first_frame_at is None:
                    self.first_frame_at = time.perf_counter()
                self.received[track.kind] += 1
                self._frame_arrived.set()

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def answer(self, sdp: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    async def accept_answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def frames_at_least(self, kind: str, count: int, limit_s: float = TIMEOUT) -> None:
        async with asyncio.timeout(limit_s):
            while self.received[kind] < count:
                self._frame_arrived.clear()
                await self._frame_arrived.wait()

    def selected_pair(self) -> tuple[str, str] | None:
        """(local, remote) candidate types of the nominated pair of the first transport."""
        for transceiver in self.pc.getTransceivers():
            sender = transceiver.sender
            if sender.transport is None:
                continue
            ice = sender.transport.transport._connection
            for pair in ice._check_list:
                if pair.nominated:
                    return pair.local_candidate.type, pair.remote_candidate.type
        return None

    def stats_frame(self, call_id: str, state: str | None = None) -> dict[str, Any]:
        """A `call_stats` frame as a client sends it every few seconds."""
        pair = self.selected_pair()
        return {
            "type": "call_stats",
            "call_id": call_id,
            "connection_state": state or self.pc.connectionState,
            "rtt_ms": 1.0,
            "jitter_ms": 0.5,
            "loss_pct": 0.0,
            "bitrate_kbps": 300.0,
            "width": self.video.width if self.video else None,
            "height": self.video.height if self.video else None,
            "fps": 30.0 if self.video else None,
            "candidate_type": pair[0] if pair else "",
        }

    async def close(self) -> None:
        await self.pc.close()
        for task in list(self._consumers):
            task.cancel()
        await asyncio.gather(*self._consumers, return_exceptions=True)


async def connect_call(
    caller: Signal, callee: Signal, conversation_id: str, call_id: str, *, video: bool = True
) -> tuple[MediaPeer, MediaPeer, float]:
    """Invite, ring, accept, offer/answer through the server; returns the peers and the accept time."""
    await caller.send(
        {
            "type": "call_invite",
            "conversation_id": conversation_id,
            "call_id": call_id,
            "media": "video" if video else "audio",
        }
    )
    caller_ice = await caller.expect("call_ice_servers", lambda f: f["call_id"] == call_id)
    await callee.state(call_id, "inviting")
    await callee.send({"type": "call_ringing", "call_id": call_id})
    await caller.state(call_id, "ringing")
    accepted_at = time.perf_counter()
    await callee.send({"type": "call_accept", "call_id": call_id})
    callee_ice = await callee.expect("call_ice_servers", lambda f: f["call_id"] == call_id)
    a = MediaPeer(rtc_configuration(caller_ice), video=video)
    b = MediaPeer(rtc_configuration(callee_ice), video=video)
    await caller.state(call_id, "accepted")
    await caller.send({"type": "call_offer", "call_id": call_id, "sdp": await a.offer()})
    offer = await callee.expect("call_offer", lambda f: f["call_id"] == call_id)
    await callee.send({"type": "call_answer", "call_id": call_id, "sdp": await b.answer(offer["sdp"])})
    answer = await caller.expect("call_answer", lambda f: f["call_id"] == call_id)
    await a.accept_answer(answer["sdp"])
    return a, b, accepted_at
