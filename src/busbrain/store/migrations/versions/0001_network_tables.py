"""network tables

The big tables (stop_time, shape_point) are clustered by their key on SQLite
(WITHOUT ROWID): half the size, and read in key order without a sort.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 06:19:10.850139
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("agency_id", sa.Text(), nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column("agency_url", sa.Text(), nullable=False),
        sa.Column("agency_timezone", sa.Text(), nullable=False),
        sa.Column("agency_lang", sa.Text(), nullable=True),
        sa.Column("agency_phone", sa.Text(), nullable=True),
        sa.Column("agency_fare_url", sa.Text(), nullable=True),
        sa.Column("agency_email", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("agency_id"),
    )
    op.create_table(
        "calendar_date",
        sa.Column("service_id", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("exception_type", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("service_id", "date"),
    )
    op.create_table(
        "extra_file",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "feed_import",
        sa.Column("import_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("skipped_rows", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("import_id"),
    )
    op.create_table(
        "feed_info",
        sa.Column("feed_publisher_name", sa.Text(), nullable=False),
        sa.Column("feed_publisher_url", sa.Text(), nullable=False),
        sa.Column("feed_lang", sa.Text(), nullable=False),
        sa.Column("default_lang", sa.Text(), nullable=True),
        sa.Column("feed_start_date", sa.Date(), nullable=True),
        sa.Column("feed_end_date", sa.Date(), nullable=True),
        sa.Column("feed_version", sa.Text(), nullable=True),
        sa.Column("feed_contact_email", sa.Text(), nullable=True),
        sa.Column("feed_contact_url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("feed_publisher_name"),
    )
    op.create_table(
        "frequency",
        sa.Column("trip_id", sa.Text(), nullable=False),
        sa.Column("start_s", sa.Integer(), nullable=False),
        sa.Column("end_s", sa.Integer(), nullable=False),
        sa.Column("headway_s", sa.Integer(), nullable=False),
        sa.Column("exact_times", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("trip_id", "start_s"),
    )
    op.create_table(
        "pattern",
        sa.Column("pattern_id", sa.Text(), nullable=False),
        sa.Column("route_id", sa.Text(), nullable=False),
        sa.Column("direction_id", sa.SmallInteger(), nullable=True),
        sa.Column("shape_id", sa.Text(), nullable=False),
        sa.Column("headsign", sa.Text(), nullable=True),
        sa.Column("stop_count", sa.Integer(), nullable=False),
        sa.Column("trip_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("pattern_id"),
    )
    op.create_table(
        "pattern_stop",
        sa.Column("pattern_id", sa.Text(), nullable=False),
        sa.Column("stop_index", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Text(), nullable=False),
        sa.Column("dist_m", sa.Float(), nullable=False),
        sa.Column("offset_m", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("pattern_id", "stop_index"),
    )
    op.create_table(
        "route",
        sa.Column("route_id", sa.Text(), nullable=False),
        sa.Column("agency_id", sa.Text(), nullable=True),
        sa.Column("route_short_name", sa.Text(), nullable=True),
        sa.Column("route_long_name", sa.Text(), nullable=True),
        sa.Column("route_desc", sa.Text(), nullable=True),
        sa.Column("route_type", sa.Integer(), nullable=False),
        sa.Column("route_url", sa.Text(), nullable=True),
        sa.Column("route_color", sa.Text(), nullable=True),
        sa.Column("route_text_color", sa.Text(), nullable=True),
        sa.Column("route_sort_order", sa.Integer(), nullable=True),
        sa.Column("continuous_pickup", sa.SmallInteger(), nullable=True),
        sa.Column("continuous_drop_off", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("route_id"),
    )
    op.create_table(
        "service_calendar",
        sa.Column("service_id", sa.Text(), nullable=False),
        sa.Column("monday", sa.SmallInteger(), nullable=False),
        sa.Column("tuesday", sa.SmallInteger(), nullable=False),
        sa.Column("wednesday", sa.SmallInteger(), nullable=False),
        sa.Column("thursday", sa.SmallInteger(), nullable=False),
        sa.Column("friday", sa.SmallInteger(), nullable=False),
        sa.Column("saturday", sa.SmallInteger(), nullable=False),
        sa.Column("sunday", sa.SmallInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("service_id"),
    )
    op.create_table(
        "shape",
        sa.Column("shape_id", sa.Text(), nullable=False),
        sa.Column("derived", sa.Boolean(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("shape_id"),
    )
    op.create_table(
        "shape_point",
        sa.Column("shape_id", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("dist_m", sa.Float(), nullable=False),
        sa.Column("dist_traveled", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("shape_id", "seq"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "stop",
        sa.Column("stop_id", sa.Text(), nullable=False),
        sa.Column("stop_code", sa.Text(), nullable=True),
        sa.Column("stop_name", sa.Text(), nullable=True),
        sa.Column("name_pinyin", sa.Text(), nullable=True),
        sa.Column("tts_stop_name", sa.Text(), nullable=True),
        sa.Column("stop_desc", sa.Text(), nullable=True),
        sa.Column("stop_lat", sa.Float(), nullable=True),
        sa.Column("stop_lon", sa.Float(), nullable=True),
        sa.Column("zone_id", sa.Text(), nullable=True),
        sa.Column("stop_url", sa.Text(), nullable=True),
        sa.Column("location_type", sa.SmallInteger(), nullable=True),
        sa.Column("parent_station", sa.Text(), nullable=True),
        sa.Column("stop_timezone", sa.Text(), nullable=True),
        sa.Column("wheelchair_boarding", sa.SmallInteger(), nullable=True),
        sa.Column("level_id", sa.Text(), nullable=True),
        sa.Column("platform_code", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("stop_id"),
    )
    op.create_table(
        "stop_time",
        sa.Column("trip_id", sa.Text(), nullable=False),
        sa.Column("stop_sequence", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Text(), nullable=False),
        sa.Column("arrival_s", sa.Integer(), nullable=True),
        sa.Column("departure_s", sa.Integer(), nullable=True),
        sa.Column("stop_headsign", sa.Text(), nullable=True),
        sa.Column("pickup_type", sa.SmallInteger(), nullable=True),
        sa.Column("drop_off_type", sa.SmallInteger(), nullable=True),
        sa.Column("continuous_pickup", sa.SmallInteger(), nullable=True),
        sa.Column("continuous_drop_off", sa.SmallInteger(), nullable=True),
        sa.Column("shape_dist_traveled", sa.Float(), nullable=True),
        sa.Column("timepoint", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("trip_id", "stop_sequence"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "trip",
        sa.Column("trip_id", sa.Text(), nullable=False),
        sa.Column("route_id", sa.Text(), nullable=False),
        sa.Column("service_id", sa.Text(), nullable=False),
        sa.Column("pattern_id", sa.Text(), nullable=True),
        sa.Column("trip_headsign", sa.Text(), nullable=True),
        sa.Column("trip_short_name", sa.Text(), nullable=True),
        sa.Column("direction_id", sa.SmallInteger(), nullable=True),
        sa.Column("block_id", sa.Text(), nullable=True),
        sa.Column("shape_id", sa.Text(), nullable=True),
        sa.Column("wheelchair_accessible", sa.SmallInteger(), nullable=True),
        sa.Column("bikes_allowed", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("trip_id"),
    )


def downgrade() -> None:
    op.drop_table("trip")
    op.drop_table("stop_time")
    op.drop_table("stop")
    op.drop_table("shape_point")
    op.drop_table("shape")
    op.drop_table("service_calendar")
    op.drop_table("route")
    op.drop_table("pattern_stop")
    op.drop_table("pattern")
    op.drop_table("frequency")
    op.drop_table("feed_info")
    op.drop_table("feed_import")
    op.drop_table("extra_file")
    op.drop_table("calendar_date")
    op.drop_table("agency")
