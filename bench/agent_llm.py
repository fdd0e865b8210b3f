"""LLM engine overhead: Seabridge's own time per turn beyond the model server's.

    .venv/bin/python bench/agent_llm.py [--json] [--turns 500] [--warmup 50]

A fake OpenAI-compatible server (tests/support/fake_openai.py, uvicorn on a
loopback port in the same event loop) answers every turn instantly with the
same two streamed completions: first `track_shipment("#1001")` plus
`classify("order_status")` as tool-call deltas, then an answer that quotes the
tracking number. The engine runs that turn for real: prompt, two streamed
requests, SSE parsing and tool-call assembly, argument checks, the buyer's
orders read from a fresh SQLite database holding the fixture shop (started
when the turn starts, so it runs while the first completion streams; the tool
call waits for what is left of it), the grounding check and the reply.

Baseline: a raw `httpx` client making the same two HTTP exchanges (the very
request bodies the engine sent, pre-serialised) against the same server and
reading both streams to the end without parsing them. Turns alternate between
the engine and the baseline so both see the same machine noise. Overhead is the
engine's turn time minus the baseline's, at p50 and at p95 (and, as
`llm_overhead_paired_ms`, the percentiles of each engine turn minus the
baseline turn that follows it). The baseline is the server's time to answer as
a client that does nothing else sees it, so the overhead is everything the
engine adds: its own Python, the database read, and waiting for either. The
server runs in the same process and event loop, so its work also competes with
the engine's orders read (a real model server never does). The JSON also
reports the orders read on its own (`orders_read_ms`, a fresh `Tools` each
turn, so nothing is cached), how long the tool call still waited for it
(`tool_wait_ms`), the overhead without that wait, and the fake server's
handler time per turn, and the overhead in CPU time (`llm_overhead_cpu_ms`:
the process's CPU time per engine turn minus per baseline turn, all threads),
which other load on the machine disturbs less than wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seabridge.agent import llm_tools  # noqa: E402
from seabridge.agent.catalog import CatalogIndex  # noqa: E402
from seabridge.agent.engine import DialogueState, Reply, Turn  # noqa: E402
from seabridge.agent.llm import LLMEngine  # noqa: E402
from seabridge.agent.profile import store_profile  # noqa: E402
from seabridge.agent.tools import Tools  # noqa: E402
from seabridge.agent.views import BuyerProfile, StoreProfile  # noqa: E402
from seabridge.services import importer  # noqa: E402
from seabridge.settings import Settings  # noqa: E402
from seabridge.state import AppState  # noqa: E402
from seabridge.storage import agent as agent_store  # noqa: E402
from seabridge.storage import customers  # noqa: E402
from tests.support.fake_openai import FakeOpenAI  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "shop_export"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TRACKING = "YT2427512345678901"
ANSWER = f"Your order #1001 is on its way: tracking number {TRACKING}, last seen departing Shenzhen."


class _NoFallback:
    name = "none"

    async def reply(self, turn: Turn) -> Reply:
        raise RuntimeError("the benchmark turn fell back; the figures would be meaningless")


def _script(server: FakeOpenAI) -> None:
    server.call(("track_shipment", {"order_number": "#1001"}), ("classify", {"intent": "order_status"}))
    server.answer(ANSWER)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _shop(state: AppState) -> tuple[StoreProfile, CatalogIndex, BuyerProfile]:
    files = {p.name: p.read_bytes() for p in FIXTURE.iterdir() if p.is_file()}
    result = await importer.import_files(state.sessions, files)
    async with state.sessions() as session:
        from seabridge.storage import stores

        store = await stores.get_by_id(session, result.store_id)
        assert store is not None
        catalog = CatalogIndex.build(await agent_store.catalog(session, store.id))
        lucia = await customers.get_by_email(session, store.id, "lucia.fernandez@example.com")
        assert lucia is not None
        buyer = BuyerProfile(lucia.id, lucia.first_name, lucia.country, lucia.language, lucia.timezone)
        return store_profile(store), catalog, buyer


async def run(turns: int, warmup: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        state = await AppState.open(Settings(data_dir=Path(folder), secret_key=secrets.token_hex(16)))
        try:
            profile, catalog, buyer = await _shop(state)
            async with FakeOpenAI() as server, httpx.AsyncClient(timeout=30) as raw:
                in_tools: list[float] = []
                reads: list[float] = []
                track = llm_tools.HANDLERS["track_shipment"]
                read_orders = Tools._read_orders

                async def timed_read(self: Tools, customer_id: int) -> Any:
                    started = time.perf_counter()
                    try:
                        return await read_orders(self, customer_id)
                    finally:
                        reads.append(time.perf_counter() - started)

                async def timed_track(record: Any, arguments: dict[str, Any]) -> Any:
                    started = time.perf_counter()
                    try:
                        return await track(record, arguments)
                    finally:
                        in_tools.append(time.perf_counter() - started)

                llm_tools.HANDLERS["track_shipment"] = timed_track
                Tools._read_orders = timed_read  # type: ignore[method-assign]
                engine = LLMEngine(server.base_url, model="fake-model", timeout_s=30, fallback=_NoFallback())

                def tools() -> Tools:
                    return Tools(
                        state.sessions, profile, catalog, customer_id=buyer.customer_id, conversation_id=None, now=NOW
                    )

                async def engine_turn() -> tuple[float, float, float, float, float]:
                    _script(server)
                    turn = Turn("where is my order #1001?", "en", NOW, DialogueState(), tools(), buyer, "bot", "en")
                    before, tools_before, reads_before = len(server.handler_s), len(in_tools), len(reads)
                    started, cpu = time.perf_counter(), time.process_time()
                    reply = await engine.reply(turn)
                    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                    assert reply.engine == "llm" and TRACKING in reply.text
                    assert len(reads) == reads_before + 1  # the orders were read once, ahead of the tool call
                    waited = sum(in_tools[tools_before:])
                    return elapsed, sum(server.handler_s[before:]), waited, sum(reads[reads_before:]), cpu

                await engine_turn()
                bodies = [json.dumps(r.body).encode() for r in server.requests[-2:]]
                headers = {"content-type": "application/json"}

                async def baseline_turn() -> tuple[float, float]:
                    _script(server)
                    started, cpu = time.perf_counter(), time.process_time()
                    for body in bodies:
                        async with raw.stream(
                            "POST", f"{server.base_url}/chat/completions", content=body, headers=headers
                        ) as response:
                            async for _ in response.aiter_bytes():
                                pass
                    return time.perf_counter() - started, time.process_time() - cpu

                ours: list[float] = []
                base: list[float] = []
                handler: list[float] = []
                waits: list[float] = []
                lookups: list[float] = []
                without_tools: list[float] = []
                cpu_ours: list[float] = []
                cpu_base: list[float] = []
                for i in range(warmup + turns):
                    elapsed, in_handler, in_tool, read, cpu = await engine_turn()
                    baseline, baseline_cpu = await baseline_turn()
                    if i >= warmup:
                        cpu_ours.append(cpu)
                        cpu_base.append(baseline_cpu)
                        ours.append(elapsed)
                        base.append(baseline)
                        handler.append(in_handler)
                        waits.append(in_tool)
                        lookups.append(read)
                        without_tools.append(elapsed - in_tool)
                await engine.aclose()
        finally:
            await state.close()

    def ms(value: float) -> float:
        return round(value * 1000, 3)

    return {
        "llm_overhead_ms": {
            "p50": ms(_percentile(ours, 0.5) - _percentile(base, 0.5)),
            "p95": ms(_percentile(ours, 0.95) - _percentile(base, 0.95)),
        },
        "turns": turns,
        "requests_per_turn": 2,
        "engine_turn_ms": {"p50": ms(_percentile(ours, 0.5)), "p95": ms(_percentile(ours, 0.95))},
        "baseline_turn_ms": {"p50": ms(_percentile(base, 0.5)), "p95": ms(_percentile(base, 0.95))},
        # The same, turn by turn: each engine turn minus the baseline turn run right after it (noisier: both
        # turns' noise adds up, where the difference of percentiles lets some of it cancel).
        "llm_overhead_paired_ms": {
            "p50": ms(_percentile([a - b for a, b in zip(ours, base, strict=True)], 0.5)),
            "p95": ms(_percentile([a - b for a, b in zip(ours, base, strict=True)], 0.95)),
        },
        "llm_overhead_without_tool_ms": {
            "p50": ms(_percentile(without_tools, 0.5) - _percentile(base, 0.5)),
            "p95": ms(_percentile(without_tools, 0.95) - _percentile(base, 0.95)),
        },
        # CPU time of the whole process (engine, server, database threads) per turn, engine minus baseline:
        # what Seabridge costs in work, less sensitive than wall time to other load on the machine.
        "llm_overhead_cpu_ms": {
            "p50": ms(_percentile(cpu_ours, 0.5) - _percentile(cpu_base, 0.5)),
            "p95": ms(_percentile(cpu_ours, 0.95) - _percentile(cpu_base, 0.95)),
        },
        "tool_wait_ms": {"p50": ms(_percentile(waits, 0.5)), "p95": ms(_percentile(waits, 0.95))},
        "orders_read_ms": {"p50": ms(_percentile(lookups, 0.5)), "p95": ms(_percentile(lookups, 0.95))},
        "server_handler_ms_per_turn": {"p50": ms(statistics.median(handler))},
        "database": "sqlite",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.turns, args.warmup))
    if args.json:
        print(json.dumps(result))
    else:
        overhead = result["llm_overhead_ms"]
        print(f"LLM engine overhead per turn: p50 {overhead['p50']} ms, p95 {overhead['p95']} ms ({args.turns} turns)")
        keys = ("llm_overhead_without_tool_ms", "engine_turn_ms", "baseline_turn_ms", "tool_wait_ms", "orders_read_ms")
        for key in keys:
            print(f"  {key}: p50 {result[key]['p50']} ms, p95 {result[key]['p95']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
