"""Call set-up time: through Seabridge signalling vs. a direct aiortc-to-aiortc exchange.

    python -m bench.calls [--calls 20] [--json]

Starts a Seabridge server process (SQLite in a temporary folder) and makes
`--calls` calls between an aiortc "buyer" and an aiortc "agent", each over the
real signalling protocol (invite, ringing, accept, offer, answer). For each call it
measures, from the moment the callee sends `call_accept`:

- connected: both peer connections report `connected` (ICE + DTLS done);
- first frame: both peers have received their first remote media frame.

In the same run, the same peers connect directly (offer and answer handed over
in-process, no server), timed from the moment the offer is created. `ratio` is
Seabridge's connected p50 over the direct one. Peers use loopback host
candidates and no ICE servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiortc import RTCConfiguration

from seabridge.state import AppState
from tests.support.callpeer import MediaPeer, Signal, connect_call, use_loopback
from tests.support.server import ServerProcess, buyer_token, make_credentials, settings_for

LIMIT_S = 20.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 1)


def summary(connected: list[float], first: list[float]) -> dict[str, float]:
    return {
        "connected_p50_ms": percentile(connected, 50),
        "connected_p95_ms": percentile(connected, 95),
        "first_frame_p50_ms": percentile(first, 50),
        "first_frame_p95_ms": percentile(first, 95),
    }


async def settle(a: MediaPeer, b: MediaPeer, started: float) -> tuple[float, float]:
    """(connected ms, first frame ms) after `started`, both counted when the later peer gets there."""
    async with asyncio.timeout(LIMIT_S):
        await a.connected.wait()
        await b.connected.wait()
        await a.frames_at_least("video", 1)
        await b.frames_at_least("video", 1)
    assert a.connected_at and b.connected_at and a.first_frame_at and b.first_frame_at
    connected = max(a.connected_at, b.connected_at) - started
    first = max(a.first_frame_at, b.first_frame_at) - started
    return connected * 1000, first * 1000


async def through_seabridge(server: ServerProcess, store_id: int, agent_token: str, calls: int) -> dict[str, float]:
    connected: list[float] = []
    first: list[float] = []
    async with Signal(server.ws_url, agent_token) as agent:
        for _ in range(calls):
            async with Signal(server.ws_url, buyer_token(store_id)) as buyer:
                cid = await buyer.subscribe("mine")
                await agent.subscribe(cid)
                call_id = "c_" + uuid.uuid4().hex
                a, b, accepted_at = await connect_call(buyer, agent, cid, call_id)
                try:
                    c, f = await settle(a, b, accepted_at)
                    connected.append(c)
                    first.append(f)
                    await buyer.send({"type": "call_hangup", "call_id": call_id})
                    await agent.state(call_id, "ended")
                finally:
                    await a.close()
                    await b.close()
                await agent.send({"type": "unsubscribe", "conversation_id": cid})
    return summary(connected, first)


async def direct(calls: int) -> dict[str, float]:
    connected: list[float] = []
    first: list[float] = []
    for _ in range(calls):
        a = MediaPeer(RTCConfiguration(iceServers=[]))
        b = MediaPeer(RTCConfiguration(iceServers=[]))
        try:
            started = time.perf_counter()
            answer = await b.answer(await a.offer())
            await a.accept_answer(answer)
            c, f = await settle(a, b, started)
            connected.append(c)
            first.append(f)
        finally:
            await a.close()
            await b.close()
    return summary(connected, first)


async def run(calls: int) -> dict[str, Any]:
    use_loopback()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = f"sqlite+aiosqlite:///{root / 'seabridge.db'}"
        state = await AppState.open(settings_for(url, root / "data"))
        try:
            creds = await make_credentials(state)
        finally:
            await state.close()
        server = ServerProcess(url, root / "data")
        server.start()
        try:
            await direct(2)  # warm-up: codecs and crypto loaded once
            seabridge = await through_seabridge(server, creds.store_id, creds.agent_token, calls)
            plain = await direct(calls)
        finally:
            server.stop()
    ratio = round(seabridge["connected_p50_ms"] / plain["connected_p50_ms"], 2)
    return {"seabridge": seabridge, "direct": plain, "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = asyncio.run(run(args.calls))
    if args.json:
        print(json.dumps(result))
        return
    for name in ("seabridge", "direct"):
        figures = result[name]
        print(
            f"{name:>9}: connected p50 {figures['connected_p50_ms']} ms, p95 {figures['connected_p95_ms']} ms; "
            f"first frame p50 {figures['first_frame_p50_ms']} ms, p95 {figures['first_frame_p95_ms']} ms"
        )
    print(f"    ratio: {result['ratio']} (Seabridge connected p50 / direct)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
