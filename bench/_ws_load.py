"""The load generator of bench/messaging.py: many lean WebSocket clients in one process.

    python bench/_ws_load.py PLAN.json

PLAN.json (written by bench/messaging.py) names the server URL and PID, the
phase durations and one entry per connection: its handshake frames (each
answered by a frame of an expected type), the conversation it is in and
whether it sends. Phases, in order:

1. connect every client (64 at a time), run its handshake; then, after
   `settle_s` of silence, read the server's VmRSS (before and after);
2. warm-up: the max-throughput loop for `warmup_s`, not counted;
3. max: every sender keeps `window` sends without an ack in flight, for
   `duration_s`; `message` frames received in that interval are counted;
4. fixed: every sender sends open-loop at `fixed_fraction` of the max phase's
   acknowledged sends/s (spread evenly over senders, random phases) for
   `duration_s`; each message's text starts with its send time
   (`time.monotonic()`, shared by the processes of one machine) and every
   receiver records now - that time.

Progress goes to stdout as JSON lines {"event": ...}; the last line is
{"result": {...}}. Only `message`, `ack`, `ping` and handshake frames matter;
message frames are recognised by prefix and the timestamp is sliced out of the
text without a full JSON parse, to keep the generator's own cost low.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.utils import accept_key

try:  # websockets' C helper, as its own client masks frames
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover
    from websockets.utils import apply_mask

MESSAGE_PREFIX = '{"type":"message"'
TEXT_MARK = '"text":"t='
TEXT = "t={:.6f} does this ship to Norway?"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


@dataclass(slots=True)
class Stats:
    delivered: int = 0
    acked: int = 0
    errors: int = 0
    closed: int = 0
    latency_from: float = float("inf")  # record latencies of messages sent in [from, to)
    latency_to: float = float("-inf")
    latencies: list[float] = field(default_factory=list)
    error_codes: dict[str, int] = field(default_factory=dict)


class Client(asyncio.Protocol):
    """One lean WebSocket client (RFC 6455, text frames, no extensions) on a raw asyncio transport.

    The generator shares the machine with the server it measures, so its cost per received frame is
    kept small: no task, queue or frame object per message, only a scan of the bytes received for
    frame boundaries. (The `websockets` client, used here before, spent ~30 µs of CPU per received
    message; at 20,000 deliveries a second that is most of a core taken from the server, and its
    own queueing showed up in the latencies it reported.)
    """

    def __init__(self, index: int, spec: dict[str, Any], stats: Stats, window: int) -> None:
        self.index = index
        self.spec = spec
        self.stats = stats
        self.conversation_id: str = spec["conversation_id"]
        self.window = asyncio.Semaphore(window)
        self.in_flight = 0
        self.sent = 0
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._upgraded = False
        self._opened: asyncio.Future[None] | None = None
        self._lost: asyncio.Future[None] | None = None
        self._waiting: tuple[str, asyncio.Future[dict[str, Any]]] | None = None
        self._key = ""

    # ---- connecting --------------------------------------------------------------

    async def open(self, url: str) -> None:
        parts = urlsplit(url)
        loop = asyncio.get_running_loop()
        self._opened = loop.create_future()
        self._lost = loop.create_future()
        self._key = base64.b64encode(os.urandom(16)).decode()
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        await asyncio.wait_for(loop.create_connection(lambda: self, host, port), 60)
        assert self._transport is not None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._transport.write(
            (
                f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {self._key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        await asyncio.wait_for(self._opened, 60)
        for step in self.spec["handshake"]:
            future: asyncio.Future[dict[str, Any]] = loop.create_future()
            self._waiting = (step["expect"], future)
            self.send_text(json.dumps(step["frame"]))
            frame = await asyncio.wait_for(future, 60)
            if frame.get("type") != step["expect"]:
                raise RuntimeError(f"handshake: expected {step['expect']}, got {frame}")
        self._waiting = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a TCP transport (uvloop's is not a subclass)

    def connection_lost(self, exc: Exception | None) -> None:
        self.stats.closed += 1
        self._transport = None
        if self._opened is not None and not self._opened.done():
            self._opened.set_exception(ConnectionError("closed before the upgrade"))
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)

    # ---- receiving ---------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            response = bytes(buffer[:end]).decode("latin-1")
            del buffer[: end + 4]
            accept = accept_key(self._key)
            if not response.startswith("HTTP/1.1 101") or accept not in response:
                assert self._opened is not None
                self._opened.set_exception(RuntimeError(f"upgrade refused: {response.splitlines()[0]}"))
                return
            self._upgraded = True
            assert self._opened is not None
            self._opened.set_result(None)
        pos, size = 0, len(buffer)
        while size - pos >= 2:
            first, length = buffer[pos], buffer[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buffer[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buffer[pos + 2 : pos + 10], "big"), 10
            if size - pos < head + length:
                break
            payload = buffer[pos + head : pos + head + length]
            pos += head + length
            opcode = first & 0x0F
            if opcode == 0x1:
                self._text(payload.decode())
            elif opcode == 0x9:
                self._send_frame(0xA, bytes(payload))
            elif opcode == 0x8 and self._transport is not None:
                self._send_frame(0x8, bytes(payload[:2]))  # echo the close, then hang up
                self._transport.close()
        del buffer[:pos]

    def _text(self, raw: str) -> None:
        stats = self.stats
        if raw.startswith(MESSAGE_PREFIX):
            now = time.monotonic()
            stats.delivered += 1
            i = raw.find(TEXT_MARK)
            if i >= 0:
                start = i + len(TEXT_MARK)
                sent_at = float(raw[start : raw.index(" ", start)])
                if stats.latency_from <= sent_at < stats.latency_to:
                    stats.latencies.append(now - sent_at)
            return
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind == "ack":
            self._acked()
        elif kind == "ping":
            self.send_text(json.dumps({"type": "pong", "nonce": frame.get("nonce")}))
        elif self._waiting is not None and kind in (self._waiting[0], "error"):
            self._waiting[1].set_result(frame)
            self._waiting = None
        elif kind == "error":
            stats.errors += 1
            code = str(frame.get("code"))
            stats.error_codes[code] = stats.error_codes.get(code, 0) + 1
            if self.in_flight and str(frame.get("ref") or "").startswith("m"):
                self._acked(counted=False)

    def _acked(self, counted: bool = True) -> None:
        if counted:
            self.stats.acked += 1
        self.in_flight -= 1
        self.window.release()

    # ---- sending -----------------------------------------------------------------

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        """A client frame: FIN, `opcode`, masked with a fresh key (RFC 6455 5.3)."""
        if self._transport is None or self._transport.is_closing():
            return
        length = len(payload)
        if length < 126:
            header = bytes((0x80 | opcode, 0x80 | length))
        elif length < 65536:
            header = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
        else:
            header = bytes((0x80 | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
        mask = os.urandom(4)
        self._transport.write(header + mask + apply_mask(payload, mask))

    def send_text(self, text: str) -> None:
        self._send_frame(0x1, text.encode())

    async def send_message(self) -> None:
        self.sent += 1
        self.in_flight += 1
        frame = {
            "type": "send",
            "conversation_id": self.conversation_id,
            "client_msg_id": f"m{self.index}x{self.sent}",
            "text": TEXT.format(time.monotonic()),
        }
        self.send_text(json.dumps(frame, separators=(",", ":")))

    async def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._send_frame(0x8, (1000).to_bytes(2, "big"))
        if self._lost is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._lost), 10)
            except TimeoutError:
                if self._transport is not None:
                    self._transport.abort()


async def connect_all(clients: list[Client], url: str) -> None:
    gate = asyncio.Semaphore(64)

    async def one(client: Client) -> None:
        async with gate:
            await client.open(url)

    await asyncio.gather(*(one(c) for c in clients))


async def max_loop(senders: list[Client], stop_at: float) -> None:
    async def run(client: Client) -> None:
        while True:
            await client.window.acquire()
            if time.monotonic() >= stop_at:
                client.window.release()
                return
            await client.send_message()

    await asyncio.gather(*(run(c) for c in senders))


async def paced_loop(senders: list[Client], sends_per_s: float, start: float, stop_at: float, lag: list[float]) -> None:
    interval = len(senders) / sends_per_s

    async def run(client: Client) -> None:
        due = start + random.uniform(0, interval)
        while due < stop_at:
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                lag.append(-delay)
            await client.send_message()
            due += interval

    await asyncio.gather(*(run(c) for c in senders))


async def drain(senders: list[Client], limit_s: float) -> bool:
    deadline = time.monotonic() + limit_s
    while any(c.in_flight > 0 for c in senders):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # the last broadcasts after the last ack
    return True


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Meter:
    """Delivered/acked counters and CPU time of server and generator between start() and stop()."""

    def __init__(self, stats: Stats, server_pid: int) -> None:
        self.stats = stats
        self.pid = server_pid
        self.t = self.delivered = self.acked = self.server_cpu = self.own_cpu = 0.0

    def start(self) -> None:
        self.t = time.monotonic()
        self.delivered, self.acked = self.stats.delivered, self.stats.acked
        self.server_cpu, self.own_cpu = cpu_s(self.pid), time.process_time()

    def stop(self) -> dict[str, float]:
        elapsed = time.monotonic() - self.t
        return {
            "seconds": round(elapsed, 3),
            "delivered_per_s": round((self.stats.delivered - self.delivered) / elapsed, 1),
            "acked_per_s": round((self.stats.acked - self.acked) / elapsed, 1),
            "server_cpu": round((cpu_s(self.pid) - self.server_cpu) / elapsed, 3),
            "loadgen_cpu": round((time.process_time() - self.own_cpu) / elapsed, 3),
        }


async def paced_phase(
    senders: list[Client], clients: list[Client], stats: Stats, meter: Meter, offered: float, duration: float
) -> tuple[dict[str, Any], bool]:
    """Open-loop sends at `offered` per second for `duration` s: latency, throughput and CPU; and whether
    every send was answered afterwards."""
    start = time.monotonic() + 0.5
    stats.latencies.clear()
    # Every message sent from `start` on belongs to this phase (nothing is sent after it), including
    # the last ones if the generator fell behind its schedule: all of them count for latency and for
    # the delivery check (latency_samples == expected_samples).
    stats.latency_from, stats.latency_to = start, float("inf")
    sent_before = sum(c.sent for c in senders)
    lag: list[float] = []
    emit({"event": "fixed_start", "offered_per_s": round(offered, 1)})
    await asyncio.sleep(0.5)
    meter.start()
    await paced_loop(senders, offered, start, start + duration, lag)
    phase = meter.stop()
    sent = sum(c.sent for c in senders) - sent_before
    drained = await drain(senders, 30)
    latencies = stats.latencies
    fanout = len(clients) / max(1, len({c.conversation_id for c in clients}))
    emit({"event": "fixed_done", **phase})
    return {
        **phase,
        "offered_per_s": round(offered, 1),
        "sent": sent,
        "latency_samples": len(latencies),
        "expected_samples": round(sent * fanout),
        "p50_ms": round(quantile(latencies, 0.50) * 1000, 2),
        "p90_ms": round(quantile(latencies, 0.90) * 1000, 2),
        "p99_ms": round(quantile(latencies, 0.99) * 1000, 2),
        "max_ms": round(max(latencies, default=float("nan")) * 1000, 2),
        "send_lag_p99_ms": round(quantile(lag, 0.99) * 1000, 2) if lag else 0.0,
    }, drained


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    stats = Stats()
    pid = int(plan["server_pid"])
    clients = [Client(i, spec, stats, int(plan["window"])) for i, spec in enumerate(plan["connections"])]
    senders = [c for c in clients if c.spec["sender"]]
    duration = float(plan["duration_s"])

    rss_before = rss_kib(pid)
    t0 = time.monotonic()
    await connect_all(clients, plan["url"])
    connect_s = time.monotonic() - t0
    await asyncio.sleep(float(plan["settle_s"]))
    rss_after = rss_kib(pid)
    emit({"event": "connected", "connections": len(clients), "connect_s": round(connect_s, 2)})

    await max_loop(senders, time.monotonic() + float(plan["warmup_s"]))
    await drain(senders, 30)

    emit({"event": "max_start"})
    meter = Meter(stats, pid)
    meter.start()
    stop_at = time.monotonic() + duration
    loop_task = asyncio.create_task(max_loop(senders, stop_at))
    await asyncio.sleep(stop_at - time.monotonic())
    max_phase = meter.stop()
    await loop_task
    drained = await drain(senders, 30)
    emit({"event": "max_done", **max_phase})

    # Half of this server's own maximum, unless the plan fixes the rate (to compare two versions at one load).
    offered = float(plan.get("fixed_offered") or max(1.0, float(plan["fixed_fraction"]) * max_phase["acked_per_s"]))
    fixed, ok = await paced_phase(senders, clients, stats, meter, offered, duration)
    drained = drained and ok
    # The latency curve (`--sweep`): more paced phases, each at a fraction of this server's own maximum.
    curve: list[dict[str, Any]] = []
    for fraction in plan.get("sweep_fractions") or []:
        rate = max(1.0, float(fraction) * max_phase["acked_per_s"])
        point, ok = await paced_phase(senders, clients, stats, meter, rate, duration)
        drained = drained and ok
        curve.append({"fraction": float(fraction), **point})

    closed_early = stats.closed
    for c in clients:
        await c.close()
    return {
        "connections": len(clients),
        "senders": len(senders),
        "connect_s": round(connect_s, 2),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "idle_kib_per_conn": round((rss_after - rss_before) / len(clients), 1),
        "max": max_phase,
        "fixed": fixed,
        "curve": curve,
        "drained": drained,
        "errors": stats.error_codes,
        "closed_early": closed_early,
    }


def main() -> None:
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(plan))
    else:
        result = uvloop.run(run(plan))
    emit({"result": result})


if __name__ == "__main__":
    main()
