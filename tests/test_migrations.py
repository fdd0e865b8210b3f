"""The numbered migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from seabridge.db import migrate
from seabridge.db.models import Base
from seabridge.state import AppState


async def test_migrations_match_models(state: AppState) -> None:
    async with state.engine.connect() as conn:
        diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    assert diff == []


async def test_database_is_at_head_and_upgrade_is_repeatable(state: AppState) -> None:
    assert await migrate.current_revision(state.engine) == migrate.head_revision()
    await migrate.upgrade(state.engine)  # a second run is a no-op, as on every start
    assert await migrate.current_revision(state.engine) == migrate.head_revision()
