"""Async engine and session factory for SQLite (embedded) or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


WAL_BACKSTOP_PAGES = 10_000  # ~40 MB of WAL: see `sqlite_pragmas`


def sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry | None) -> None:
    """Every SQLite connection's settings (the app's pool and the message writer's own connections).

    WAL lets readers run beside the writer; foreign keys are off by default in SQLite. Temporary
    storage in memory: a statement journal (a multi-row INSERT or UPDATE that could fail half-way),
    a RETURNING clause's rows and a sort are otherwise temporary files, created, written and
    deleted per transaction (under chat load as many write calls as the WAL's own). Checkpoints:
    the message writer's checkpointer thread copies the WAL back every second (services/writer.py);
    a connection here runs one itself only past `WAL_BACKSTOP_PAGES`, when nothing else does (a CLI
    import, say). At SQLite's default of 1,000 pages the bot's state save, a commit every turn,
    ran the checkpoint now and then, and the turn waited for it (5 ms at the slowest tenth of turns).
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
