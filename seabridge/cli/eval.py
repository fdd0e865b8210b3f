"""`seabridge eval`: measure the AI agent against a suite of conversations."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from seabridge.cli.common import console, run
from seabridge.settings import Settings

if TYPE_CHECKING:  # the agent loads when the command runs, not for --help
    from seabridge.agent.engine import Engine

app = typer.Typer(help="Measure the AI agent.", no_args_is_help=True)


def _engine(kind: str) -> Callable[[Settings], Engine]:
    def factory(settings: Settings) -> Engine:
        from seabridge.agent.factory import engine_from_settings

        return engine_from_settings(Settings(), kind)  # the LLM endpoint comes from SEABRIDGE_LLM_*

    return factory


@app.command(
    "agent",
    help="Play a suite of buyer conversations through the real conversation path and score the bot.\n\n"
    "The store folder (the `seabridge store import` format) is loaded into a fresh temporary database. "
    "Prints intent accuracy (overall and per language), language match, fact accuracy (`contains` / "
    "`not_contains`), escalation precision and recall, and per-turn latency p50/p95.\n\n"
    "Example:  seabridge eval agent --store evals/store --suite evals/dev.jsonl --now 2026-11-20T12:00:00+00:00\n\n"
    "With --engine llm the SEABRIDGE_LLM_* settings name the endpoint. Suite format: evals/README.md.",
)
def agent(
    store: Annotated[Path, typer.Option(help="Store folder to load.", exists=True, file_okay=False)],
    suite: Annotated[Path, typer.Option(help="JSONL suite, one conversation per line.", exists=True, dir_okay=False)],
    engine: Annotated[str, typer.Option(help="offline or llm.")] = "offline",
    now: Annotated[str, typer.Option(help="Fix the clock (ISO-8601), e.g. 2026-11-20T12:00:00+00:00.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: metrics and every turn.")] = False,
) -> None:
    from seabridge.agent.evaluation import SuiteError, play, read_suite, score

    if engine not in ("offline", "llm"):
        raise typer.BadParameter("must be offline or llm", param_hint="--engine")
    try:
        clock = datetime.fromisoformat(now) if now else datetime.now(UTC)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO-8601 time: {now!r}", param_hint="--now") from exc
    if clock.tzinfo is None:
        clock = clock.replace(tzinfo=UTC)
    try:
        cases = read_suite(suite)
    except SuiteError as exc:
        console.print(f"[red]Bad suite:[/] {exc}")
        raise typer.Exit(1) from exc
    total = sum(len(c.turns) for c in cases)
    factory = _engine(engine)
    with Progress(
        TextColumn("turns"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, disable=as_json, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("turns", total=total)
        try:
            records = run(play(store, cases, factory, clock, lambda n: bar.advance(task, n)))
        except SuiteError as exc:
            console.print(f"[red]Bad suite:[/] {exc}")
            raise typer.Exit(1) from exc
    metrics = score(records)
    if as_json:
        print(json.dumps({"metrics": metrics, "turns": [r.public() for r in records]}, ensure_ascii=False))
        return
    _print(metrics)


def _print(metrics: dict[str, object]) -> None:
    table = Table(title="Agent evaluation", show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in metrics.items():
        if isinstance(value, dict):
            continue
        table.add_row(key, _fmt(value))
    console.print(table)
    by_language = metrics.get("intent_accuracy_by_language")
    if isinstance(by_language, dict):
        per = Table(title="Intent accuracy by language")
        for code in by_language:
            per.add_column(code, justify="right")
        per.add_row(*(_fmt(v) for v in by_language.values()))
        console.print(per)


def _fmt(value: object) -> str:
    if isinstance(value, float) and value <= 1.0:
        return f"{value:.1%}"
    return str(value)
