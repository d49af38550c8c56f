"""realtime history

What the real-time processors keep: stop events (for training the predictors), the
position history and the prediction log. Each is keyed so that re-writing a batch is
idempotent, clustered by its key on SQLite (WITHOUT ROWID), and the two big ones have an
index on their time for retention (purge deletes by time without scanning the table).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:52:37.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "position_history",
        sa.Column("vehicle_id", sa.Text(), nullable=False),
        sa.Column("ts_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("trip_id", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("vehicle_id", "ts_utc"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("position_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_position_history_ts_utc"), ["ts_utc"], unique=False)

    op.create_table(
        "prediction_log",
        sa.Column("trip_id", sa.Text(), nullable=False),
        sa.Column("stop_sequence", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Text(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("made_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stop_id", sa.Text(), nullable=False),
        sa.Column("predicted_utc", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("trip_id", "stop_sequence", "vehicle_id", "method", "made_utc"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("prediction_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prediction_log_made_utc"), ["made_utc"], unique=False)

    op.create_table(
        "stop_event",
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("trip_id", sa.Text(), nullable=False),
        sa.Column("stop_sequence", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Text(), nullable=False),
        sa.Column("stop_id", sa.Text(), nullable=False),
        sa.Column("arrival_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("departure_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.Column("recorded_utc", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service_date", "trip_id", "stop_sequence", "vehicle_id"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("stop_event")
    with op.batch_alter_table("prediction_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prediction_log_made_utc"))

    op.drop_table("prediction_log")
    with op.batch_alter_table("position_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_history_ts_utc"))

    op.drop_table("position_history")
