"""Entry point: `seabridge serve | demo | migrate | store ... | agent ...`."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from seabridge import __version__
from seabridge.cli import agent, store
from seabridge.cli import eval as eval_cli
from seabridge.cli.common import DataDir, Host, Port, console, load_settings, run, with_state
from seabridge.cli.server import run as run_server

if TYPE_CHECKING:
    from seabridge.state import AppState

app = typer.Typer(
    help="Seabridge: AI customer service, shared inbox and real-time consults for cross-border sellers.\n\n"
    "Start with `seabridge demo` (a generated store, nothing else to install), then import your own "
    "Shopify exports with `seabridge store import DIR` and run `seabridge serve`.\n\n"
    "Every option can also be set by a SEABRIDGE_* environment variable (see docs/configuration.md).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(store.app, name="store")
app.add_typer(agent.app, name="agent")
app.add_typer(eval_cli.app, name="eval")

DEMO_EMAIL = "demo@seabridge.example"
DEMO_PASSWORD = "seabridge-demo"  # noqa: S105 - printed on purpose; the demo listens on loopback only


def _version(value: bool) -> None:
    if value:
        console.print(f"seabridge {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Global options."""


@app.command(
    help="Run Seabridge on your own data (no demo data). Migrations run first.\n\n"
    "Example:  SEABRIDGE_DATABASE_URL=postgresql+asyncpg://localhost/seabridge seabridge serve --port 8080"
)
def serve(host: Host = None, port: Port = None, data_dir: DataDir = None) -> None:
    settings = load_settings(data_dir, host, port)

    def announce() -> None:
        url = settings.effective_public_url
        console.print(f"Seabridge is listening on [bold]{url}[/]  (API docs: {url}/docs)")

    run_server(settings, announce)


@app.command(
    help="Bring up a demo store: generates a store folder (150+ products, 60+ customers in "
    "12+ countries, 200+ orders with shipments in every state), imports it with the normal "
    "importer, and serves it on 127.0.0.1. Prints the URLs and the demo agent login.\n\n"
    "The generated folder (DATA_DIR/demo-store) is also an example of the import format."
)
def demo(host: Host = None, port: Port = None, data_dir: DataDir = None) -> None:
    if data_dir is None and "SEABRIDGE_DATA_DIR" not in os.environ:
        data_dir = Path(".seabridge-demo")
    settings = load_settings(data_dir, host, port)
    from seabridge.demo.setup import prepare_demo

    folder = settings.data_dir / "demo-store"
    info = run(
        with_state(
            settings,
            lambda state: prepare_demo(state, folder, datetime.now(UTC), DEMO_EMAIL, DEMO_PASSWORD),
        )
    )

    def announce() -> None:
        url = settings.effective_public_url
        console.print(f"\n[bold green]Seabridge demo is up:[/] [bold]{url}/[/]")
        console.print(f"  API docs        {url}/docs")
        console.print(f"  Demo store      {url}/demo-store  (the buyer side: chat with the widget)")
        console.print(f"  Agent login     store [bold]{info.slug}[/], {DEMO_EMAIL} / {DEMO_PASSWORD}")
        console.print(f"  Widget key      {info.public_key}")
        console.print(f"  Store folder    {folder}  (the import format, by example)")
        if info.api_key:
            console.print(f"  API key         {info.api_key}  (shown once)")
        console.print("Press Ctrl+C to stop.")

    run_server(settings, announce, static={"/demo/images": folder / "images"})


@app.command(help="Apply database migrations and exit (they also run on every start).")
def migrate(data_dir: DataDir = None) -> None:
    from seabridge.db import migrate as migrations

    settings = load_settings(data_dir)

    async def work(state: AppState) -> str | None:
        return await migrations.current_revision(state.engine)

    revision = run(with_state(settings, work))
    console.print(f"Database is at revision {revision} (head {migrations.head_revision()}).")


def main() -> None:
    app(prog_name="seabridge")


if __name__ == "__main__":
    main()
