"""driver shifts

Who drove which bus when: one row per driver shift, from a driver's IC card sign-in on
a bus's terminal (JT/T 808 0x0702, card inserted) to the sign-out (card pulled) or the
next driver's sign-in on that vehicle. driver_id is the qualification certificate
number (从业资格证编码); driver_name is personal data, kept for the console's waybills.
Indexed by vehicle and sign-in time (who drove this bus at t) and by sign-in time.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "driver_shift",
        sa.Column("shift_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("vehicle_id", sa.Text(), nullable=False),
        sa.Column("driver_id", sa.Text(), nullable=False),
        sa.Column("driver_name", sa.Text(), nullable=True),
        sa.Column("signed_in_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_out_utc", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("shift_id"),
    )
    with op.batch_alter_table("driver_shift", schema=None) as batch_op:
        batch_op.create_index(
            "ix_driver_shift_vehicle", ["vehicle_id", "signed_in_utc"], unique=True
        )
        batch_op.create_index("ix_driver_shift_in", ["signed_in_utc"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("driver_shift", schema=None) as batch_op:
        batch_op.drop_index("ix_driver_shift_in")
        batch_op.drop_index("ix_driver_shift_vehicle")
    op.drop_table("driver_shift")
