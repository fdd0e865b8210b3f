"""The settings every SQLite connection gets: the app's pool and the message writer's own connections."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from seabridge.db.engine import WAL_BACKSTOP_PAGES, create_engine
from seabridge.services.messaging import message_payload
from seabridge.services.writer import _WriterThread

EXPECTED = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": 1,
    "temp_store": 2,
    "busy_timeout": 30000,
    "wal_autocheckpoint": WAL_BACKSTOP_PAGES,  # the checkpointer's job; a connection's own only as a backstop
}


def pragmas(raw: sqlite3.Connection) -> dict[str, object]:
    return {name: raw.execute(f"PRAGMA {name}").fetchone()[0] for name in EXPECTED}


async def test_app_connections(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    try:
        async with engine.connect() as conn:
            found = {name: (await conn.execute(text(f"PRAGMA {name}"))).scalar_one() for name in EXPECTED}
    finally:
        await engine.dispose()
    assert found == EXPECTED


def test_message_writer_connections(tmp_path: Path) -> None:
    """The writer's connections (one on the event loop, one in its thread) are the app's settings, except
    that the writer never waits for the lock on the loop (busy_timeout 0) and leaves checkpoints to its
    checkpointer (wal_autocheckpoint 0)."""
    thread = _WriterThread(make_url(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"), message_payload)
    try:
        on_loop = thread._connect(busy_timeout_ms=0)
        in_thread = thread._connect(busy_timeout_ms=30_000)
        assert pragmas(on_loop) == {**EXPECTED, "busy_timeout": 0, "wal_autocheckpoint": 0}
        assert pragmas(in_thread) == {**EXPECTED, "wal_autocheckpoint": 0}
        on_loop.close()
        in_thread.close()
    finally:
        thread.close()
