"""Whole-database snapshots, to prove a rejected import changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from seabridge.db.models import Base


def sync_url(async_url: str) -> str:
    url = make_url(async_url)
    driver = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}[url.get_backend_name()]
    return url.set(drivername=driver).render_as_string(hide_password=False)


def snapshot(async_url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(sync_url(async_url))
    try:
        with engine.connect() as conn:
            return {
                table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()
