"""terminals and command outbox

The terminal registry (phone -> vehicle, auth code) that the gateway checks, and the
outbox through which the API queues commands for terminals without importing the gateway.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:55:50.682680
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "command_outbox",
        sa.Column("command_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("serial", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("command_id"),
    )
    with op.batch_alter_table("command_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_command_outbox_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_command_outbox_status"), ["status"], unique=False)

    op.create_table(
        "terminal",
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("plate", sa.Text(), nullable=True),
        sa.Column("plate_colour", sa.SmallInteger(), nullable=True),
        sa.Column("vehicle_id", sa.Text(), nullable=True),
        sa.Column("depot", sa.Text(), nullable=True),
        sa.Column("auth_code", sa.Text(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("maker", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("terminal_id", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("phone"),
    )


def downgrade() -> None:
    op.drop_table("terminal")
    with op.batch_alter_table("command_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_command_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_command_outbox_phone"))

    op.drop_table("command_outbox")
