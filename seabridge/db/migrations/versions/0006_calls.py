"""calls

Revision ID: 0006
Revises: 0005

Call records (also each call's shared state between processes), getStats
samples, weekly consult availability and booked appointments.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import seabridge.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consult_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_consult_windows_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_windows")),
    )
    with op.batch_alter_table("consult_windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consult_windows_store_id"), ["store_id"], unique=False)

    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", seabridge.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", seabridge.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("buyer_timezone", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("media", sa.String(length=8), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("reminded_at", seabridge.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", seabridge.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_appointments_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_appointments_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("call_id", name=op.f("uq_appointments_call_id")),
        sa.UniqueConstraint("store_id", "starts_at", name=op.f("uq_appointments_store_id")),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appointments_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointments_reminded_at"), ["reminded_at"], unique=False)

    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("media", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("caller_kind", sa.String(length=16), nullable=False),
        sa.Column("caller_ref", sa.String(length=64), nullable=False),
        sa.Column("callee_kind", sa.String(length=16), nullable=False),
        sa.Column("callee_ref", sa.String(length=64), nullable=True),
        sa.Column("invited_at", seabridge.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", seabridge.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("connected_at", seabridge.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", seabridge.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", seabridge.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("offer_from", sa.String(length=8), nullable=True),
        sa.Column("restarts", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("quality", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_calls_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_calls_store_id_stores"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_id", name=op.f("uq_calls_call_id")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_deadline_at"), ["deadline_at"], unique=False)
        batch_op.create_index("ix_calls_store_invited", ["store_id", "invited_at"], unique=False)

    op.create_table(
        "call_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("participant_kind", sa.String(length=16), nullable=False),
        sa.Column("participant_ref", sa.String(length=64), nullable=False),
        sa.Column("at", seabridge.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("connection_state", sa.String(length=16), nullable=False),
        sa.Column("rtt_ms", sa.Float(), nullable=True),
        sa.Column("jitter_ms", sa.Float(), nullable=True),
        sa.Column("loss_pct", sa.Float(), nullable=True),
        sa.Column("bitrate_kbps", sa.Float(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("candidate_type", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_stats_call_id_calls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_call_stats_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_stats")),
    )
    with op.batch_alter_table("call_stats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_stats_call_id"), ["call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_stats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_stats_call_id"))

    op.drop_table("call_stats")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_store_invited")
        batch_op.drop_index(batch_op.f("ix_calls_deadline_at"))
        batch_op.drop_index(batch_op.f("ix_calls_conversation_id"))

    op.drop_table("calls")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointments_reminded_at"))
        batch_op.drop_index(batch_op.f("ix_appointments_conversation_id"))

    op.drop_table("appointments")
    with op.batch_alter_table("consult_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consult_windows_store_id"))

    op.drop_table("consult_windows")
