"""`seabridge eval agent`: plays suite conversations through the real conversation path and scores the bot.

The store folder is imported into a fresh temporary SQLite database; every
buyer turn is sent with `MessagingService.send` (moderation, language
detection, storage) and answered by the same `BotRunner` the server uses.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from seabridge.agent.engine import Engine
from seabridge.agent.runner import BotRunner
from seabridge.services import importer
from seabridge.services.messaging import Actor
from seabridge.settings import Settings
from seabridge.state import AppState
from seabridge.storage import customers


class SuiteError(ValueError):
    """A suite line that is not in the documented format."""


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    customer: str | None
    turns: list[dict[str, Any]]


def read_suite(path: Path) -> list[Case]:
    cases: list[Case] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            turns = doc["turns"]
            if not isinstance(turns, list) or not all(isinstance(t.get("buyer"), str) for t in turns):
                raise SuiteError("every turn needs a `buyer` text")
            cases.append(Case(str(doc["id"]), doc.get("customer"), turns))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError, SuiteError) as exc:
            raise SuiteError(f"{path}:{number}: {exc}") from exc
    return cases


@dataclass(slots=True)
class TurnRecord:
    conversation_id: str
    turn: int
    language: str
    intent: str
    escalated: bool
    reply: str
    tool_calls: list[dict[str, Any]]
    latency_ms: float
    expect: dict[str, Any] = field(default_factory=dict)
    buyer_language: str = ""
    send_ms: float = 0.0  # storing the buyer's message (`MessagingService.send`): bench/agent.py's baseline
    cpu_ms: float = 0.0  # the turn's CPU time (Outcome.cpu_ms)
    send_cpu_ms: float = 0.0

    def public(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "turn": self.turn,
            "language": self.language,
            "intent": self.intent,
            "escalated": self.escalated,
            "reply": self.reply,
            "tool_calls": self.tool_calls,
            "latency_ms": round(self.latency_ms, 3),
        }


async def play(
    store_dir: Path,
    cases: list[Case],
    engine_factory: Callable[[Settings], Engine],
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> list[TurnRecord]:
    records: list[TurnRecord] = []
    with tempfile.TemporaryDirectory(prefix="seabridge-eval-") as tmp:
        settings = Settings(data_dir=Path(tmp), agent_engine="off", conversation_messages_per_10s=10_000)
        state = await AppState.open(settings)
        try:
            await state.bus.start()
            files = importer.read_folder(store_dir, settings.max_import_bytes)
            result = await importer.import_files(state.sessions, files)
            runner = BotRunner(state.sessions, state.messaging, engine_factory(settings), clock=lambda: now)
            for number, case in enumerate(cases):
                records += await _play_case(state, runner, result.store_id, case, number)
                if progress is not None:
                    progress(len(case.turns))
        finally:
            await state.close()
    return records


async def _play_case(state: AppState, runner: BotRunner, store_id: int, case: Case, number: int) -> list[TurnRecord]:
    customer_id = None
    if case.customer:
        async with state.sessions() as session:
            customer = await customers.get_by_email(session, store_id, case.customer)
        if customer is None:
            raise SuiteError(f"{case.id}: no customer {case.customer!r} in the store")
        customer_id = customer.id
    buyer = Actor(store_id, "buyer", f"eval-{number}", customer_id=customer_id)
    conv = await state.messaging.open_for_buyer(buyer)
    out: list[TurnRecord] = []
    for index, turn in enumerate(case.turns):
        started, cpu = time.perf_counter(), time.process_time()
        sent = await state.messaging.send(buyer, conv.id, f"turn-{index}", turn["buyer"])
        send_ms, send_cpu_ms = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        runner.remember(sent.message, turn["buyer"])
        outcome = await runner.answer(store_id, conv.id)
        if outcome is None:
            expect = dict(turn.get("expect", {}))
            out.append(
                TurnRecord(case.id, index, "", "", False, "", [], 0.0, expect, send_ms=send_ms, send_cpu_ms=send_cpu_ms)
            )
            continue
        reply = outcome.reply
        out.append(
            TurnRecord(
                conversation_id=case.id,
                turn=index,
                language=reply.language,
                intent=reply.intent,
                escalated=reply.escalated,
                reply=reply.text,
                tool_calls=[{"name": c.name, "arguments": c.arguments} for c in reply.tool_calls],
                latency_ms=outcome.latency_ms,
                expect=dict(turn.get("expect", {})),
                buyer_language=sent.message.language,
                send_ms=send_ms,
                cpu_ms=outcome.cpu_ms,
                send_cpu_ms=send_cpu_ms,
            )
        )
    return out


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def score(records: list[TurnRecord]) -> dict[str, Any]:
    intent_hits = intent_total = lang_hits = lang_total = fact_hits = fact_total = 0
    per_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    true_pos = false_pos = false_neg = 0
    tools_hits = tools_total = 0
    for r in records:
        expect = r.expect
        if "intent" in expect:
            intent_total += 1
            ok = r.intent == expect["intent"]
            intent_hits += ok
            language = expect.get("language") or r.buyer_language or "?"
            per_language[language][0] += ok
            per_language[language][1] += 1
        if "language" in expect:
            lang_total += 1
            lang_hits += r.language == expect["language"]
        reply = r.reply.casefold()
        for needle in expect.get("contains", []):
            fact_total += 1
            fact_hits += str(needle).casefold() in reply
        for needle in expect.get("not_contains", []):
            fact_total += 1
            fact_hits += str(needle).casefold() not in reply
        if "escalate" in expect:
            if r.escalated and expect["escalate"]:
                true_pos += 1
            elif r.escalated:
                false_pos += 1
            elif expect["escalate"]:
                false_neg += 1
        for name in expect.get("tools", []):
            tools_total += 1
            tools_hits += any(c["name"] == name for c in r.tool_calls)
    latencies = sorted(r.latency_ms for r in records) or [0.0]
    return {
        "turns": len(records),
        "intent_accuracy": _rate(intent_hits, intent_total),
        "intent_accuracy_by_language": {
            lang: _rate(hits, total) for lang, (hits, total) in sorted(per_language.items())
        },
        "language_match": _rate(lang_hits, lang_total),
        "fact_accuracy": _rate(fact_hits, fact_total),
        "escalation_precision": _rate(true_pos, true_pos + false_pos),
        "escalation_recall": _rate(true_pos, true_pos + false_neg),
        "tool_accuracy": _rate(tools_hits, tools_total),
        "latency_ms_p50": round(statistics.median(latencies), 3),
        "latency_ms_p95": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 3),
    }
