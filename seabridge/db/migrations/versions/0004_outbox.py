"""outbox

Revision ID: 0004
Revises: 0003

A partial index on the outbox rows not dispatched yet: the webhook dispatcher
looks for exactly those, and without it each pass scanned the whole table
(one row per message ever sent).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNDISPATCHED = "dispatched_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_events_undispatched",
            ["id"],
            unique=False,
            postgresql_where=sa.text(UNDISPATCHED),
            sqlite_where=sa.text(UNDISPATCHED),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_undispatched")
