"""The baseline for bench/messaging.py: a minimal broadcast server written directly on `websockets`.

    python bench/_ws_baseline.py --port PORT

Clients join one room by id; a message sent to the room gets the next
server-assigned seq (per room, in memory), is acknowledged to the sender and
is broadcast to every connection in the room (the sender's included). No
authentication, no persistence, no validation beyond JSON parsing; the frames
mimic Seabridge's shapes so the load generator treats both alike:

    > {"type": "join", "conversation_id": "7", "who": "buyer:v_7"}
    < {"type": "joined", "conversation_id": "7", "last_seq": 0}
    > {"type": "send", "conversation_id": "7", "client_msg_id": "m1", "text": "t=12.3 hi"}
    < {"type": "ack", "client_msg_id": "m1", "conversation_id": "7", "seq": 1}
    < {"type": "message", "conversation_id": "7", "seq": 1, "message": {...}}   (to every member)

It runs on uvloop when installed (uvicorn, and so `seabridge serve`, does too)
and prints "listening on http://127.0.0.1:PORT" once it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

rooms: dict[str, set[ServerConnection]] = {}
last_seq: dict[str, int] = {}


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"))


async def handle(ws: ServerConnection) -> None:
    room: str | None = None
    who = ""
    try:
        async for raw in ws:
            frame: dict[str, Any] = json.loads(raw)
            kind = frame.get("type")
            if kind == "join" and room is None:
                room, who = str(frame["conversation_id"]), str(frame.get("who", ""))
                rooms.setdefault(room, set()).add(ws)
                await ws.send(_dumps({"type": "joined", "conversation_id": room, "last_seq": last_seq.get(room, 0)}))
            elif kind == "send" and room is not None:
                seq = last_seq[room] = last_seq.get(room, 0) + 1
                ref = frame["client_msg_id"]
                message = {"sender": who, "client_msg_id": ref, "text": frame["text"]}
                ack = {"type": "ack", "client_msg_id": ref, "conversation_id": room, "seq": seq}
                await ws.send(_dumps(ack))
                out = {"type": "message", "conversation_id": room, "seq": seq, "message": message}
                broadcast(rooms[room], _dumps(out))
            elif kind == "ping":
                await ws.send(_dumps({"type": "pong", "nonce": frame.get("nonce")}))
    except ConnectionClosed:
        pass
    finally:
        if room is not None:
            members = rooms.get(room)
            if members is not None:
                members.discard(ws)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(handle, "127.0.0.1", port, compression=None, max_queue=64):
        print(f"baseline listening on http://127.0.0.1:{port}", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    try:
        import uvloop
    except ImportError:
        asyncio.run(main(port))
    else:
        uvloop.run(main(port))
