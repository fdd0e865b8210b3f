"""`seabridge store ...`: import store folders, list stores, make keys, show secrets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from seabridge.cli.common import (
    DataDir,
    StoreSlug,
    console,
    err_console,
    load_settings,
    print_row_errors,
    run,
    with_state,
    write_report,
)

if TYPE_CHECKING:  # the app's modules load when a command runs, not for --help
    from seabridge.services import importer
    from seabridge.state import AppState

app = typer.Typer(
    help="Stores (tenants): import a store folder, list stores, API keys and secrets.",
    no_args_is_help=True,
)

IMPORT_HELP = """Import a store folder: all or nothing.

The folder may hold any of these files (see docs/import.md for every column):

  store.toml      name, default_language, currency, timezone, \\[policies], \\[\\[shipping]], \\[hours]
  products.csv    Shopify product CSV export (one row per variant)
  customers.csv   Shopify customer CSV export (+ optional Language, Time Zone columns)
  orders.csv      Shopify order CSV export (one row per line item)
  tracking.jsonl  one AfterShip-style tracking webhook per line

If any row of any file is bad, nothing is written and every bad row is listed
(file, row, column, reason); the exit code is then 1. Importing the same
folder again updates in place (by handle, SKU, e-mail, order name, tracking
number). A new store is created from store.toml and its first API key is
printed once.

Example:  seabridge store import ./my-shop --report errors.csv
"""


@app.command("import", help=IMPORT_HELP)
def import_folder(
    folder: Annotated[
        Path,
        typer.Argument(
            help="Folder with store.toml, products.csv, orders.csv, ...",
            exists=True,
            file_okay=False,
        ),
    ],
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            "-s",
            help="Slug of the store to import into; default: from the name in store.toml.",
        ),
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write every problem to this CSV file.")] = None,
    data_dir: DataDir = None,
) -> None:
    from seabridge.services import importer

    settings = load_settings(data_dir)

    async def work(state: AppState) -> importer.ImportResult:
        return await _async_import(state, folder, store, report)

    try:
        result = run(with_state(settings, work))
    except importer.ImportFailed as exc:
        print_row_errors(exc.errors)
        if report:
            write_report(report, exc.errors)
            err_console.print(f"Report written to {report}")
        raise typer.Exit(1) from exc
    summary = ", ".join(f"{n} {k}" for k, n in result.counts.items())
    console.print(f"[green]Imported[/] into store [bold]{result.slug}[/]: {summary}")
    if result.api_key:
        console.print(f"New store created. API key (shown once, store it now): [bold]{result.api_key}[/]")


async def _async_import(state: AppState, folder: Path, slug: str | None, report: Path | None) -> importer.ImportResult:
    from seabridge.services import importer

    files = importer.read_folder(folder, state.settings.max_import_bytes)
    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done)

        return await importer.import_files(state.sessions, files, slug=slug, progress=on_progress)


@app.command("list", help="List the stores in this data directory.")
def list_stores(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array instead of a table.")] = False,
) -> None:
    from seabridge.storage import stores

    async def work(state: AppState) -> list[tuple[int, str, str, str, str]]:
        async with state.sessions() as session:
            return [(s.id, s.slug, s.name, s.public_key, s.timezone) for s in await stores.list_stores(session)]

    rows = run(with_state(load_settings(data_dir), work))
    if as_json:
        keys = ("id", "slug", "name", "public_key", "timezone")
        print(json.dumps([dict(zip(keys, row, strict=True)) for row in rows], ensure_ascii=False))
        return
    table = Table("id", "slug", "name", "public key (widget)", "time zone")
    for row in rows:
        table.add_row(*(str(v) for v in row))
    console.print(table)


@app.command(
    "create-key",
    help="Create an API key for a store; it is printed once and stored only as a hash.",
)
def create_key(
    store: StoreSlug,
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'shop backend'.")] = "cli",
    data_dir: DataDir = None,
) -> None:
    from seabridge.storage import stores

    async def work(state: AppState) -> str:
        async with state.sessions() as session, session.begin():
            found = await stores.get_by_slug(session, store)
            if found is None:
                raise typer.BadParameter(f"no store with slug {store!r}; see `seabridge store list`")
            _, key = await stores.create_api_key(session, found.id, name)
            return key

    console.print(run(with_state(load_settings(data_dir), work)))


@app.command("secrets", help="Show the store's identity-verification and tracking-webhook secrets.")
def show_secrets(store: StoreSlug, data_dir: DataDir = None) -> None:
    from seabridge.storage import stores

    async def work(state: AppState) -> dict[str, str]:
        async with state.sessions() as session:
            found = await stores.get_by_slug(session, store)
            if found is None:
                raise typer.BadParameter(f"no store with slug {store!r}; see `seabridge store list`")
            return {p: state.store_secret(p, found.id, found.secret_version) for p in ("identity", "tracking-webhook")}

    for purpose, value in run(with_state(load_settings(data_dir), work)).items():
        console.print(f"{purpose:<17} {value}")
