"""Messaging benchmark: Seabridge's WebSocket endpoint against a minimal `websockets` broadcast server.

    .venv/bin/python bench/messaging.py [--json] [--connections 1000] [--conversations 100] [--duration 10]
        [--database-url postgresql://postgres@127.0.0.1:5432] [--repeat 3] [--py-spy FILE]

Seabridge: a real `seabridge serve` process (its per-connection and
per-conversation rate limits raised through its settings, as in
tests/support/server.py) on a free loopback
port, over embedded SQLite in a temporary data dir, or over a scratch database
created (and dropped) on the PostgreSQL server given by `--database-url`. The
benchmark makes one store, `--conversations` buyer conversations and a few
agents directly in the database, then points the load generator
(bench/_ws_load.py, a separate process) at it. Each conversation has
connections/conversations connections: its buyer on half of them (browser tabs,
rounded up) and one connection for each of the other half's agents (agent k
of the store connects once to every conversation). Two connections per
conversation send: the buyer's first and the first agent's. Every message is
delivered to every connection of its conversation, the sender's included.

Baseline: bench/_ws_baseline.py, a room broadcast server written directly on
`websockets` (join by id, server-assigned seq, ack, broadcast; no auth, no
storage), under the same connections, rooms, senders and phases.

Measured on each server (see bench/_ws_load.py for the phases): idle memory
per connection (VmRSS after connecting and subscribing everyone, minus VmRSS
before, over the connection count), maximum delivered message frames/s with a
window of unacknowledged sends per sender, and end-to-end latency p50/p99 at a
fixed offered load of half that maximum (the latency figures reported at the
top level). The ratio is Seabridge's max delivered/s over the baseline's.
Processes, temporary files and the scratch database are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

from seabridge import security
from seabridge.services import importer
from seabridge.services.messaging import Actor
from seabridge.settings import Settings
from seabridge.state import AppState
from seabridge.storage import agents

HERE = Path(__file__).resolve().parent
SECRET_KEY = "bench-messaging-key"  # noqa: S105 (a throwaway server key for a temporary database)
STORE_TOML = """\
name = "Bench Store"
default_language = "en"
currency = "USD"
timezone = "UTC"
[policies]
return_window_days = 30
payment_methods = ["card"]
[[shipping]]
countries = ["*"]
days_min = 7
days_max = 12
cost = 6.9
"""
# Limits for load: no per-connection or per-conversation rate limiting during the run (the
# settings `seabridge serve` reads; the keepalive pongs of the load generator keep idle clients open).
LIMITS = {
    "SEABRIDGE_WS_SENDS_PER_S": "1000000",
    "SEABRIDGE_WS_SEND_BURST": "1000000",
    "SEABRIDGE_WS_FRAMES_PER_S": "1000000",
    "SEABRIDGE_WS_FRAME_BURST": "1000000",
    "SEABRIDGE_CONVERSATION_MESSAGES_PER_10S": "1000000000",
    # The bot would answer every buyer message; its turns are the agent benchmark's subject, and here
    # agents are connected to every conversation. Off, as in the messaging tests.
    "SEABRIDGE_AGENT_ENGINE": "off",
}
KEYS = ("delivered_per_s", "p50_ms", "p99_ms", "idle_kib_per_conn")


@dataclass(frozen=True, slots=True)
class Layout:
    connections: int
    conversations: int

    @property
    def per_conversation(self) -> int:
        return self.connections // self.conversations

    @property
    def buyer_connections(self) -> int:
        return (self.per_conversation + 1) // 2

    @property
    def agents(self) -> int:
        return self.per_conversation - self.buyer_connections


# --- processes -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server subprocess that prints a line with "listening" and its http:// URL once it accepts."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.output: list[str] = []
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        self.url = ""
        for line in self.proc.stdout:
            self.output.append(line)
            match = re.search(r"http://(127\.0\.0\.1:\d+)", line)
            if match and "listening" in line:
                self.url = f"ws://{match.group(1)}"
                break
        if not self.url:
            self.stop()
            raise RuntimeError("server did not start:\n" + "".join(self.output))
        self._drain = threading.Thread(target=self._read_rest, daemon=True)
        self._drain.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read_rest(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def run_load(plan: dict[str, Any], folder: Path, server: Server, py_spy: Path | None, log: Console) -> dict[str, Any]:
    """Run bench/_ws_load.py on `plan`; return its result (and profile the server's max phase if asked)."""
    path = folder / f"plan-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps(plan))
    proc = subprocess.Popen([sys.executable, str(HERE / "_ws_load.py"), str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    result: dict[str, Any] | None = None
    spy: subprocess.Popen[bytes] | None = None
    recorded: set[str] = set()
    for line in proc.stdout:
        item = json.loads(line)
        if "result" in item:
            result = item["result"]
            continue
        log.log(f"  {item}")
        if item["event"] in ("max_start", "fixed_start") and item["event"] not in recorded and py_spy is not None:
            recorded.add(item["event"])  # the half-load phase, not the sweep's phases after it
            if spy is not None:
                spy.wait()
            # The max phase to FILE, the fixed phase (half load) to FILE's name with ".fixed" before its suffix.
            output = py_spy if item["event"] == "max_start" else py_spy.with_suffix(".fixed" + py_spy.suffix)
            spy_args = ["py-spy", "record", "--pid", str(server.pid), "--duration", str(int(plan["duration_s"]))]
            spy_args += ["--format", "raw", "--nonblocking", "--gil", "--output", str(output)]
            spy = subprocess.Popen(spy_args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.wait()
    if spy is not None:
        spy.wait()
    if proc.returncode != 0 or result is None:
        raise RuntimeError(f"load generator failed ({proc.returncode}); server output:\n" + "".join(server.output))
    return result


def plan_for(url: str, pid: int, connections: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    return {
        "url": url,
        "server_pid": pid,
        "connections": connections,
        "duration_s": args.duration,
        "warmup_s": 2.0,
        "settle_s": 2.0,
        "window": args.window,
        "fixed_fraction": 0.5,
        "fixed_offered": args.offered,
        "sweep_fractions": args.sweep,
    }


# --- Seabridge -----------------------------------------------------------------


@contextmanager
def scratch_database(server_url: str | None, folder: Path) -> Iterator[str]:
    """A SQLAlchemy URL: a SQLite file in `folder`, or a fresh PostgreSQL database dropped afterwards."""
    if server_url is None:
        yield f"sqlite+aiosqlite:///{folder / 'seabridge.db'}"
        return
    server_url = server_url.rstrip("/")
    name = f"seabridge_bench_msg_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{server_url}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    finally:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


async def seabridge_connections(settings: Settings, layout: Layout) -> list[dict[str, Any]]:
    """Make the store, agents and conversations; return the connection specs for the load generator."""
    state = await AppState.open(settings)
    try:
        result = await importer.import_files(state.sessions, {"store.toml": STORE_TOML.encode()})
        store_id = result.store_id
        agent_tokens: list[str] = []
        async with state.sessions() as session, session.begin():
            for k in range(layout.agents):
                agent = await agents.create_agent(
                    session, store_id, email=f"agent{k}@example.com", name=f"Agent {k}", role="agent", password="x" * 12
                )
                token, _ = await agents.start_session(session, agent, hours=2)
                agent_tokens.append(token)
        specs: list[dict[str, Any]] = []
        expires = int(time.time()) + 2 * 3600
        for c in range(layout.conversations):
            visitor = f"v_bench_{c}"
            conv = await state.messaging.open_for_buyer(Actor(store_id, "buyer", visitor))
            cid = str(conv.id)
            buyer = security.sign_buyer_token(state.server_key, security.BuyerClaims(store_id, visitor, None, expires))
            tokens = [buyer] * layout.buyer_connections + agent_tokens
            for i, token in enumerate(tokens):
                specs.append(
                    {
                        "conversation_id": cid,
                        "sender": i in (0, layout.buyer_connections),
                        "handshake": [
                            {"frame": {"type": "auth", "token": token}, "expect": "ready"},
                            {"frame": {"type": "subscribe", "conversation_id": cid}, "expect": "subscribed"},
                        ],
                    }
                )
        return specs
    finally:
        await state.close()


def run_seabridge(args: argparse.Namespace, layout: Layout, folder: Path, log: Console) -> dict[str, Any]:
    data_dir = folder / "data"
    data_dir.mkdir()
    with scratch_database(args.database_url, folder) as database_url:
        settings = Settings(data_dir=data_dir, database_url=database_url, secret_key=SECRET_KEY)
        specs = asyncio.run(seabridge_connections(settings, layout))
        env = {
            **os.environ,
            "SEABRIDGE_DATA_DIR": str(data_dir),
            "SEABRIDGE_DATABASE_URL": database_url,
            "SEABRIDGE_SECRET_KEY": SECRET_KEY,
            "SEABRIDGE_LOG_LEVEL": "WARNING",
            "COLUMNS": "200",
            **LIMITS,
        }
        server = Server([sys.executable, "-m", "seabridge", "serve", "--port", str(free_port())], env)
        try:
            log.log(f"seabridge ({'postgresql' if args.database_url else 'sqlite'}) pid {server.pid}")
            return run_load(plan_for(server.url + "/v1/ws", server.pid, specs, args), folder, server, args.py_spy, log)
        finally:
            server.stop()


# --- baseline ------------------------------------------------------------------


def baseline_connections(layout: Layout) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = []
    for c in range(layout.conversations):
        cid = str(c + 1)
        members = [f"buyer:v_{c}"] * layout.buyer_connections + [f"agent:{k}" for k in range(layout.agents)]
        for i, who in enumerate(members):
            join = {"type": "join", "conversation_id": cid, "who": who}
            specs.append(
                {
                    "conversation_id": cid,
                    "sender": i in (0, layout.buyer_connections),
                    "handshake": [{"frame": join, "expect": "joined"}],
                }
            )
    return specs


def run_baseline(args: argparse.Namespace, layout: Layout, folder: Path, log: Console) -> dict[str, Any]:
    args_ = [sys.executable, str(HERE / "_ws_baseline.py"), "--port", str(free_port())]
    server = Server(args_, dict(os.environ))
    try:
        log.log(f"baseline pid {server.pid}")
        return run_load(plan_for(server.url, server.pid, baseline_connections(layout), args), folder, server, None, log)
    finally:
        server.stop()


# --- report --------------------------------------------------------------------


def summary(result: dict[str, Any]) -> dict[str, Any]:
    fixed = result["fixed"]
    return {
        "delivered_per_s": result["max"]["delivered_per_s"],
        "p50_ms": fixed["p50_ms"],
        "p99_ms": fixed["p99_ms"],
        "idle_kib_per_conn": result["idle_kib_per_conn"],
        "offered_per_s": fixed["offered_per_s"],
        "fixed_delivered_per_s": fixed["delivered_per_s"],
        "server_cpu_fixed": fixed["server_cpu"],
        "max_sends_per_s": result["max"]["acked_per_s"],
        "server_cpu_max": result["max"]["server_cpu"],
        # Robust to a shared machine: what a core of server CPU delivers (the server may have had less than one).
        "delivered_per_server_cpu_s": round(result["max"]["delivered_per_s"] / max(result["max"]["server_cpu"], 1e-9)),
        "loadgen_cpu_max": result["max"]["loadgen_cpu"],
        "loadgen_cpu_fixed": fixed["loadgen_cpu"],
        "curve": [_point(p) for p in result.get("curve", [])],
        "detail": result,
    }


def _point(phase: dict[str, Any]) -> dict[str, Any]:
    """One point of the latency curve: the load (as a fraction of this server's max) and what it got."""
    keys = ("fraction", "offered_per_s", "p50_ms", "p99_ms", "server_cpu")
    return {key: phase[key] for key in keys}


def medians(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the runs (a figure's own run may differ from another's)."""
    numbers = [key for key, value in summaries[0].items() if isinstance(value, int | float)]
    result: dict[str, Any] = {key: round(statistics.median(s[key] for s in summaries), 2) for key in numbers}
    result["curve"] = [
        {key: round(statistics.median(s["curve"][i][key] for s in summaries), 3) for key in point}
        for i, point in enumerate(summaries[0]["curve"])
    ]
    return result


def _brief(summary_: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in summary_.items() if key != "detail"}


def print_table(report: dict[str, Any], console: Console) -> None:
    table = Table(title=f"Messaging: {report['connections']} connections, {report['conversations']} conversations")
    table.add_column("measure")
    table.add_column("Seabridge", justify="right")
    table.add_column("baseline", justify="right")
    rows = [
        ("max delivered msgs/s", "delivered_per_s"),
        ("max sends/s (acked)", "max_sends_per_s"),
        ("server CPU at max (cores)", "server_cpu_max"),
        ("delivered msgs per server CPU-second", "delivered_per_server_cpu_s"),
        ("load generator CPU at max (cores)", "loadgen_cpu_max"),
        ("offered sends/s (fixed phase)", "offered_per_s"),
        ("latency p50 ms (fixed)", "p50_ms"),
        ("latency p99 ms (fixed)", "p99_ms"),
        ("idle KiB per connection", "idle_kib_per_conn"),
    ]
    for label, key in rows:
        table.add_row(label, f"{report['seabridge'][key]:,}", f"{report['baseline'][key]:,}")
    console.print(table)
    console.print(f"backend: {report['backend']}; ratio (delivered/s): {report['ratio']}")
    if report["seabridge"]["curve"]:
        print_curve(report, console)


def print_curve(report: dict[str, Any], console: Console, target_ms: float = 50.0) -> None:
    """p99 latency against load, each server at fractions of its own maximum, as bars (log scale)."""
    table = Table(title=f"Latency curve (p99; the line marks the {target_ms:g} ms target)")
    for column in ("server", "load", "sends/s", "p50 ms", "p99 ms", "server CPU", "p99 (log scale)"):
        table.add_column(column, justify="left" if column in ("server", "p99 (log scale)") else "right", no_wrap=True)
    width, top = 30, 1000.0  # 1 ms .. 1 s across the bar
    mark = round(width * math.log10(target_ms) / math.log10(top))
    for name in ("seabridge", "baseline"):
        for point in report[name]["curve"]:
            filled = max(1, min(width, round(width * math.log10(max(point["p99_ms"], 1.0)) / math.log10(top))))
            bar = "".join("█" if i < filled else ("│" if i == mark else " ") for i in range(width))
            colour = "green" if point["p99_ms"] < target_ms else "red"
            table.add_row(
                name,
                f"{point['fraction']:.0%}",
                f"{point['offered_per_s']:,.0f}",
                f"{point['p50_ms']:,}",
                f"{point['p99_ms']:,}",
                f"{point['server_cpu']:.2f}",
                f"[{colour}]{bar}[/]",
            )
    console.print(table)


def _fractions(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not values or any(not 0 < v <= 1 for v in values):
        raise argparse.ArgumentTypeError("fractions of the max load, each in (0, 1], e.g. 0.25,0.5,0.75")
    return values


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each measured phase")
    parser.add_argument("--window", type=int, default=4, help="unacknowledged sends per sender in the max phase")
    parser.add_argument("--database-url", help="a PostgreSQL server (postgresql://user@host:port); default SQLite")
    parser.add_argument(
        "--py-spy", type=Path, help="record the Seabridge server's max phase (and, as FILE.fixed, the fixed one)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of both servers, alternating; the figures are the medians"
    )
    parser.add_argument(
        "--offered",
        type=float,
        help="sends/s of the fixed phase, for both servers (default: half of each server's own max phase);"
        " to compare two versions of the code at one load",
    )
    parser.add_argument(
        "--sweep",
        type=_fractions,
        default=[],
        metavar="F,F,...",
        help="after the half-load phase, more paced phases at these fractions of each server's own max"
        " (e.g. 0.25,0.5,0.75): p50/p99 and CPU against load, drawn as a chart; each adds --duration s",
    )
    parser.add_argument("--skip-baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    layout = Layout(args.connections, args.conversations)
    if args.connections % args.conversations or layout.per_conversation < 2:
        parser.error("--connections must be a multiple of --conversations, with at least 2 per conversation")
    log = Console(stderr=True, quiet=args.json)
    runs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for _ in range(max(1, args.repeat)):
        with tempfile.TemporaryDirectory(prefix="seabridge-bench-msg-") as tmp:
            folder = Path(tmp)
            seabridge = summary(run_seabridge(args, layout, folder, log))
            baseline = summary(run_baseline(args, layout, folder, log)) if not args.skip_baseline else seabridge
        runs.append((seabridge, baseline))
    ratios = [s["delivered_per_s"] / b["delivered_per_s"] for s, b in runs]
    report = {
        "seabridge": runs[0][0] if len(runs) == 1 else medians([s for s, _ in runs]),
        "baseline": runs[0][1] if len(runs) == 1 else medians([b for _, b in runs]),
        "ratio": round(statistics.median(ratios), 3),
        "backend": "postgresql" if args.database_url else "sqlite",
        "connections": args.connections,
        "conversations": args.conversations,
        "mix": f"{layout.buyer_connections} buyer + {layout.agents} agent connections per conversation, 2 senders",
    }
    if len(runs) > 1:
        report["runs"] = [
            {"seabridge": _brief(s), "baseline": _brief(b), "ratio": round(r, 3)}
            for (s, b), r in zip(runs, ratios, strict=True)
        ]
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report, Console())


if __name__ == "__main__":
    main()
