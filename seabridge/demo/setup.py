"""Preparing the demo: generate the store folder, import it, make the demo agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from seabridge.demo.generator import generate_store
from seabridge.services import importer
from seabridge.state import AppState
from seabridge.storage import agents, stores

DEMO_SLUG = "demo"


@dataclass(frozen=True, slots=True)
class DemoInfo:
    slug: str
    public_key: str
    api_key: str | None
    counts: dict[str, int]


async def prepare_demo(state: AppState, folder: Path, now: datetime, email: str, password: str) -> DemoInfo:
    generate_store(folder, now=now)
    files = importer.read_folder(folder, state.settings.max_import_bytes)
    with Progress(
        TextColumn("importing {task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done)

        result = await importer.import_files(state.sessions, files, slug=DEMO_SLUG, progress=on_progress)
    async with state.sessions() as session, session.begin():
        store = await stores.get_by_slug(session, DEMO_SLUG)
        assert store is not None
        if await agents.get_by_email(session, store.id, email) is None:
            await agents.create_agent(
                session, store.id, email=email, name="Demo Owner", role="owner", password=password
            )
        return DemoInfo(store.slug, store.public_key, result.api_key, result.counts)
