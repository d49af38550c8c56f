"""fare taps

Fare transactions as the fare-clearing system delivers them (card ids only as a keyed
hash), keyed by the reader's (reader_id, txn_id) so that a batch loaded twice adds
nothing, with an index on (service date, tap time): OD reads by day, a new batch looks up
the taps loaded around its hours; and a log of the
batches loaded with what each refused.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fare_batch",
        sa.Column("batch_id", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("loaded_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    op.create_table(
        "fare_tap",
        sa.Column("reader_id", sa.Text(), nullable=False),
        sa.Column("txn_id", sa.Text(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("tap_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vehicle_id", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("card_hash", sa.Text(), nullable=True),
        sa.Column("fare_fen", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("reader_id", "txn_id"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("fare_tap", schema=None) as batch_op:
        batch_op.create_index("ix_fare_tap_day_time", ["service_date", "tap_utc"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fare_tap", schema=None) as batch_op:
        batch_op.drop_index("ix_fare_tap_day_time")
    op.drop_table("fare_tap")
    op.drop_table("fare_batch")
