"""Shared CLI pieces: settings from options, running async work, printing errors."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from seabridge.settings import Settings

if TYPE_CHECKING:  # the app's modules load when a command runs, not for --help
    from seabridge.formats.records import RowError
    from seabridge.state import AppState

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        "-d",
        help="Data directory (SQLite file, key, uploads). Env: SEABRIDGE_DATA_DIR.",
        show_default=False,
    ),
]
Host = Annotated[
    str | None,
    typer.Option(help="Address to listen on. Env: SEABRIDGE_HOST.", show_default="127.0.0.1"),
]
Port = Annotated[int | None, typer.Option(help="Port to listen on. Env: SEABRIDGE_PORT.", show_default="8080")]
StoreSlug = Annotated[str, typer.Option("--store", "-s", help="The store's slug, as `seabridge store list` shows it.")]


def load_settings(data_dir: Path | None = None, host: str | None = None, port: int | None = None) -> Settings:
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    return Settings(**overrides)  # type: ignore[arg-type]


def run(coro: Awaitable[T]) -> T:
    async def wrapper() -> T:
        return await coro

    return asyncio.run(wrapper())


async def with_state(settings: Settings, work: Callable[[AppState], Awaitable[T]]) -> T:
    from seabridge.state import AppState

    state = await AppState.open(settings)
    try:
        return await work(state)
    finally:
        await state.close()


def print_row_errors(errors: list[RowError], limit: int = 50) -> None:
    table = Table(title=f"{len(errors)} problem(s); nothing was changed", title_style="bold red")
    for column in ("file", "row", "column", "reason"):
        table.add_column(column)
    for e in errors[:limit]:
        table.add_row(e.file, str(e.row), e.column or "", e.reason)
    err_console.print(table)
    if len(errors) > limit:
        err_console.print(f"... and {len(errors) - limit} more (use --report FILE for all of them)")


def write_report(path: Path, errors: list[RowError]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "row", "column", "reason"])
        for e in errors:
            writer.writerow([e.file, e.row, e.column or "", e.reason])
