"""passenger loads

The passenger counters' riders per stop visit (JT/T 1078 0x1005 door openings the live
processor matched to a stop of the bus's trip): boarded, alighted, riders on board
leaving the stop and the bus's rated capacity, for 服务监管's 满载率 and 数据分析's load
profile. Keyed like stop_event, clustered by its key on SQLite (WITHOUT ROWID), with an
index on recorded_utc for retention.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passenger_load",
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("trip_id", sa.Text(), nullable=False),
        sa.Column("stop_sequence", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Text(), nullable=False),
        sa.Column("stop_id", sa.Text(), nullable=False),
        sa.Column("boarded", sa.Integer(), nullable=False),
        sa.Column("alighted", sa.Integer(), nullable=False),
        sa.Column("onboard_after", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("recorded_utc", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service_date", "trip_id", "stop_sequence", "vehicle_id"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("passenger_load", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_passenger_load_recorded_utc"), ["recorded_utc"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("passenger_load", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passenger_load_recorded_utc"))
    op.drop_table("passenger_load")
