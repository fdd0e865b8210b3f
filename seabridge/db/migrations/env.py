"""Alembic environment: always runs on a connection handed over by seabridge.db.migrate."""

from __future__ import annotations

from alembic import context

import seabridge.db.agent
import seabridge.db.conversations  # noqa: F401  (registers the messaging tables)
from seabridge.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `seabridge migrate`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
