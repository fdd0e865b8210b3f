"""What a running Seabridge process holds: settings, database and the server key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from seabridge import security
from seabridge.db import migrate
from seabridge.db.engine import create_engine, session_factory
from seabridge.settings import Settings


@dataclass(slots=True)
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    server_key: bytes

    @classmethod
    async def open(cls, settings: Settings, *, run_migrations: bool = True) -> AppState:
        engine = create_engine(settings.effective_database_url)
        if run_migrations:
            await migrate.upgrade(engine)
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        key = security.load_server_key(settings.data_dir, secret)
        return cls(settings, engine, session_factory(engine), key)

    async def close(self) -> None:
        await self.engine.dispose()

    def store_secret(self, purpose: str, store_id: int, version: int) -> str:
        return security.derive_secret(self.server_key, purpose, store_id, version)
