"""The store's tables, as SQLAlchemy Core metadata: what queries and writers address.

The migrations in migrations/versions create these tables; a test compares this
metadata with the migrated database on SQLite and PostgreSQL so they never drift.
Units are in column names: `_s` seconds after the service day's start, `_m` metres,
`lat`/`lon` WGS-84 degrees.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
)

metadata = MetaData()

feed_import = Table(
    "feed_import",
    metadata,
    Column("import_id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("skipped_rows", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
)

agency = Table(
    "agency",
    metadata,
    Column("agency_id", Text, primary_key=True),  # "" when the feed gives none
    Column("agency_name", Text, nullable=False),
    Column("agency_url", Text, nullable=False),
    Column("agency_timezone", Text, nullable=False),
    Column("agency_lang", Text),
    Column("agency_phone", Text),
    Column("agency_fare_url", Text),
    Column("agency_email", Text),
)

stop = Table(
    "stop",
    metadata,
    Column("stop_id", Text, primary_key=True),
    Column("stop_code", Text),
    Column("stop_name", Text),
    Column("name_pinyin", Text),
    Column("tts_stop_name", Text),
    Column("stop_desc", Text),
    Column("stop_lat", Float),
    Column("stop_lon", Float),
    Column("zone_id", Text),
    Column("stop_url", Text),
    Column("location_type", SmallInteger),
    Column("parent_station", Text),
    Column("stop_timezone", Text),
    Column("wheelchair_boarding", SmallInteger),
    Column("level_id", Text),
    Column("platform_code", Text),
)

route = Table(
    "route",
    metadata,
    Column("route_id", Text, primary_key=True),
    Column("agency_id", Text),
    Column("route_short_name", Text),
    Column("route_long_name", Text),
    Column("route_desc", Text),
    Column("route_type", Integer, nullable=False),
    Column("route_url", Text),
    Column("route_color", Text),
    Column("route_text_color", Text),
    Column("route_sort_order", Integer),
    Column("continuous_pickup", SmallInteger),
    Column("continuous_drop_off", SmallInteger),
)

service_calendar = Table(
    "service_calendar",
    metadata,
    Column("service_id", Text, primary_key=True),
    *(
        Column(day, SmallInteger, nullable=False)
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    ),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
)

calendar_date = Table(
    "calendar_date",
    metadata,
    Column("service_id", Text, primary_key=True),
    Column("date", Date, primary_key=True),
    Column("exception_type", SmallInteger, nullable=False),
)

shape = Table(
    "shape",
    metadata,
    Column("shape_id", Text, primary_key=True),
    Column("derived", Boolean, nullable=False),
    Column("length_m", Float, nullable=False),
)

shape_point = Table(
    "shape_point",
    metadata,
    Column("shape_id", Text, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("dist_m", Float, nullable=False),
    Column("dist_traveled", Float),
    sqlite_with_rowid=False,
)

pattern = Table(
    "pattern",
    metadata,
    Column("pattern_id", Text, primary_key=True),
    Column("route_id", Text, nullable=False),
    Column("direction_id", SmallInteger),
    Column("shape_id", Text, nullable=False),
    Column("headsign", Text),
    Column("stop_count", Integer, nullable=False),
    Column("trip_count", Integer, nullable=False),
)

pattern_stop = Table(
    "pattern_stop",
    metadata,
    Column("pattern_id", Text, primary_key=True),
    Column("stop_index", Integer, primary_key=True),
    Column("stop_id", Text, nullable=False),
    Column("dist_m", Float, nullable=False),
    Column("offset_m", Float, nullable=False),
)

trip = Table(
    "trip",
    metadata,
    Column("trip_id", Text, primary_key=True),
    Column("route_id", Text, nullable=False),
    Column("service_id", Text, nullable=False),
    Column("pattern_id", Text),  # None for a trip with fewer than two stop times
    Column("trip_headsign", Text),
    Column("trip_short_name", Text),
    Column("direction_id", SmallInteger),
    Column("block_id", Text),
    Column("shape_id", Text),
    Column("wheelchair_accessible", SmallInteger),
    Column("bikes_allowed", SmallInteger),
)

stop_time = Table(
    "stop_time",
    metadata,
    Column("trip_id", Text, primary_key=True),
    Column("stop_sequence", Integer, primary_key=True),
    Column("stop_id", Text, nullable=False),
    Column("arrival_s", Integer),
    Column("departure_s", Integer),
    Column("stop_headsign", Text),
    Column("pickup_type", SmallInteger),
    Column("drop_off_type", SmallInteger),
    Column("continuous_pickup", SmallInteger),
    Column("continuous_drop_off", SmallInteger),
    Column("shape_dist_traveled", Float),
    Column("timepoint", SmallInteger),
    sqlite_with_rowid=False,
)

frequency = Table(
    "frequency",
    metadata,
    Column("trip_id", Text, primary_key=True),
    Column("start_s", Integer, primary_key=True),
    Column("end_s", Integer, nullable=False),
    Column("headway_s", Integer, nullable=False),
    Column("exact_times", SmallInteger),
)

feed_info = Table(
    "feed_info",
    metadata,
    Column("feed_publisher_name", Text, primary_key=True),
    Column("feed_publisher_url", Text, nullable=False),
    Column("feed_lang", Text, nullable=False),
    Column("default_lang", Text),
    Column("feed_start_date", Date),
    Column("feed_end_date", Date),
    Column("feed_version", Text),
    Column("feed_contact_email", Text),
    Column("feed_contact_url", Text),
)

extra_file = Table(
    "extra_file",
    metadata,
    Column("name", Text, primary_key=True),
    Column("content", LargeBinary, nullable=False),
)

terminal = Table(
    "terminal",
    metadata,
    Column("phone", Text, primary_key=True),  # normalised: digits, no leading zeros
    Column("plate", Text),
    Column("plate_colour", SmallInteger),
    Column("vehicle_id", Text),
    Column("depot", Text),
    Column("auth_code", Text),
    Column("registered_at", DateTime(timezone=True)),
    Column("maker", Text),
    Column("model", Text),
    Column("terminal_id", Text),
)

command_outbox = Table(
    "command_outbox",
    metadata,
    Column("command_id", Integer, primary_key=True, autoincrement=True),
    Column("phone", Text, nullable=False, index=True),
    Column("kind", Text, nullable=False),
    Column("payload", Text, nullable=False),  # JSON
    Column("status", Text, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("done_at", DateTime(timezone=True)),
    Column("serial", Integer),
    Column("detail", Text),
)

# History of the real-time processors: appended in batches, trimmed by `purge` (retention).
# Times are UTC instants (`_utc`); each table is clustered by its key on SQLite (WITHOUT
# ROWID), and a key makes re-writing a batch idempotent.

stop_event = Table(
    "stop_event",
    metadata,
    Column("service_date", Date, primary_key=True),
    Column("trip_id", Text, primary_key=True),
    Column("stop_sequence", Integer, primary_key=True),
    Column("vehicle_id", Text, primary_key=True),
    Column("stop_id", Text, nullable=False),
    Column("arrival_utc", DateTime(timezone=True), nullable=False),
    Column("departure_utc", DateTime(timezone=True), nullable=False),
    Column("stopped", Boolean, nullable=False),
    Column("recorded_utc", DateTime(timezone=True), nullable=False),
    # The console keeps today's events in memory and fetches what was written since.
    Index("ix_stop_event_day_recorded", "service_date", "recorded_utc"),
    sqlite_with_rowid=False,
)

position_history = Table(
    "position_history",
    metadata,
    Column("vehicle_id", Text, primary_key=True),
    Column("ts_utc", DateTime(timezone=True), primary_key=True, index=True),  # for purge
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("speed_kmh", Float),
    Column("heading", Float),  # degrees clockwise from north
    Column("trip_id", Text),
    sqlite_with_rowid=False,
)

# The key leads with (trip_id, stop_sequence), so it is also the index that scoring a
# call's predictions against its stop event reads.
prediction_log = Table(
    "prediction_log",
    metadata,
    Column("trip_id", Text, primary_key=True),
    Column("stop_sequence", Integer, primary_key=True),
    Column("vehicle_id", Text, primary_key=True),
    Column("method", Text, primary_key=True),
    Column("made_utc", DateTime(timezone=True), primary_key=True, index=True),  # for purge
    Column("stop_id", Text, nullable=False),
    Column("predicted_utc", DateTime(timezone=True), nullable=False),
    sqlite_with_rowid=False,
)

# The passenger counters' riders per stop visit (0x1005 door openings matched to a stop
# of the bus's trip by the live processor): keyed like stop_event, so a re-written visit
# replaces the row; counts are people. Purge trims by recorded_utc (indexed): the row has
# no time of its own, and it is made within seconds of the visit.
passenger_load = Table(
    "passenger_load",
    metadata,
    Column("service_date", Date, primary_key=True),
    Column("trip_id", Text, primary_key=True),
    Column("stop_sequence", Integer, primary_key=True),
    Column("vehicle_id", Text, primary_key=True),
    Column("stop_id", Text, nullable=False),
    Column("boarded", Integer, nullable=False),
    Column("alighted", Integer, nullable=False),
    Column("onboard_after", Integer, nullable=False),  # riders on board leaving the stop
    Column("capacity", Integer, nullable=False),  # rated riders (额定载客量)
    Column("recorded_utc", DateTime(timezone=True), nullable=False, index=True),  # for purge
    sqlite_with_rowid=False,
)

# Fare transactions (one row per tap), as the fare-clearing system delivers them. The card
# id is stored only as a keyed hash (card_hash); the raw id never reaches the store.
# Keyed by the reader's own (reader_id, txn_id), so a batch delivered twice adds nothing.
fare_tap = Table(
    "fare_tap",
    metadata,
    Column("reader_id", Text, primary_key=True),
    Column("txn_id", Text, primary_key=True),
    Column("service_date", Date, nullable=False),
    Column("tap_utc", DateTime(timezone=True), nullable=False),
    Column("vehicle_id", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("card_hash", Text),  # null for cash
    Column("fare_fen", Integer, nullable=False),
    Column("batch_id", Text, nullable=False),
    # OD reads by service day; a new batch looks up what was loaded around its hours.
    Index("ix_fare_tap_day_time", "service_date", "tap_utc"),
    sqlite_with_rowid=False,
)

# One row per batch loaded: what came in and what was refused, by kind (JSON).
fare_batch = Table(
    "fare_batch",
    metadata,
    Column("batch_id", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("loaded_utc", DateTime(timezone=True), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("problems", Text, nullable=False),
)

# The dispatch console's accounts, their logins and the audit log (busbrain.access says
# what they mean). A password is kept only as argon2's encoded hash, a session only as the
# SHA-256 of its token: neither table holds anything that logs in.
user_account = Table(
    "user_account",
    metadata,
    Column("username", Text, primary_key=True),  # normalised: lower case
    Column("display_name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created_utc", DateTime(timezone=True), nullable=False),
)

user_session = Table(
    "user_session",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("username", Text, ForeignKey("user_account.username"), nullable=False, index=True),
    Column("created_utc", DateTime(timezone=True), nullable=False),
    Column("expires_utc", DateTime(timezone=True), nullable=False),
    Column("last_seen_utc", DateTime(timezone=True), nullable=False),
)

# Append-only: who did what, when, from where. Read newest first, paged by audit_id.
audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at_utc", DateTime(timezone=True), nullable=False),
    Column("username", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("target", Text),
    Column("detail", Text, nullable=False),  # JSON object
    Column("client", Text),
)

FARE_TABLES: tuple[Table, ...] = (fare_tap, fare_batch)

HISTORY_TABLES: tuple[Table, ...] = (
    stop_event,
    position_history,
    prediction_log,
    passenger_load,
)

# Children first: the order to empty tables in.
# 安全监管: the alarm queue (sql_alarms.py), one row per raised alarm
alarm = Table(
    "alarm",
    metadata,
    Column("alarm_pk", Integer, primary_key=True, autoincrement=True),
    Column("event_key", Text, nullable=False),  # the AlarmRaised event's id
    Column("phone", Text, nullable=False),
    Column("vehicle_id", Text),
    Column("kind", Text, nullable=False),  # "overspeed", "adas.forward_collision", ...
    Column("level", SmallInteger),  # 苏标 1 or 2; null for JT/T 808 bits
    Column("severity", SmallInteger, nullable=False),  # Severity: 1 low, 2 medium, 3 high
    Column("raised_utc", DateTime(timezone=True), nullable=False),
    Column("cleared_utc", DateTime(timezone=True)),
    Column("lat", Float),
    Column("lon", Float),
    Column("alarm_id", Text),  # the terminal's (苏标), which its attachments name
    Column("details", Text, nullable=False),  # JSON object
    Column("status", Text, nullable=False),  # AlarmStatus
    Column("assignee", Text),
    Column("decided_by", Text),
    Column("decided_utc", DateTime(timezone=True)),
    Column("note", Text),
    Index("ix_alarm_event_key", "event_key", unique=True),
    Index("ix_alarm_queue", "status", "severity", "raised_utc"),
    Index("ix_alarm_raised_utc", "raised_utc"),
    Index("ix_alarm_phone_kind", "phone", "kind", "raised_utc"),
)

# 安全监管: files terminals uploaded for their 苏标 alarms (0x1210), by (phone, alarm id);
# linked to an alarm when shown, so a file that comes before its alarm is kept; 0010
alarm_attachment = Table(
    "alarm_attachment",
    metadata,
    Column("phone", Text, primary_key=True),
    Column("alarm_id", Text, primary_key=True),  # the terminal's, as alarm.alarm_id
    Column("file_name", Text, primary_key=True),  # as the terminal named it
    Column("file_type", SmallInteger, nullable=False),  # 0 image, 1 audio, 2 video, ...
    Column("size_bytes", Integer, nullable=False),
    Column("path", Text, nullable=False),  # relative to the attachments folder
    Column("complete", Boolean, nullable=False),
    Column("received_utc", DateTime(timezone=True), nullable=False),
)

# 调度指挥: trip changes (sql_trip_changes.py), one row per instruction; revoked, not deleted
trip_change = Table(
    "trip_change",
    metadata,
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("service_date", Date, nullable=False),
    Column("kind", Text, nullable=False),  # ChangeKind
    Column("trip_id", Text),
    Column("vehicle_id", Text),
    Column("detail", Text, nullable=False),  # JSON object: the kind's other fields
    Column("note", Text, nullable=False),
    Column("made_by", Text, nullable=False),
    Column("made_utc", DateTime(timezone=True), nullable=False),
    Column("revoked_by", Text),
    Column("revoked_utc", DateTime(timezone=True)),
    Index("ix_trip_change_day", "service_date", "change_id"),
)

# 驾驶员考勤: driver shifts (sql_drivers.py), one row per IC card sign-in; migration 0008
driver_shift = Table(
    "driver_shift",
    metadata,
    Column("shift_id", Integer, primary_key=True, autoincrement=True),
    Column("vehicle_id", Text, nullable=False),
    Column("driver_id", Text, nullable=False),  # qualification certificate number
    Column("driver_name", Text),  # personal data: shown on the console's waybills only
    Column("signed_in_utc", DateTime(timezone=True), nullable=False),
    Column("signed_out_utc", DateTime(timezone=True)),  # null: still signed in
    Column("phone", Text, nullable=False),
    Index("ix_driver_shift_vehicle", "vehicle_id", "signed_in_utc", unique=True),
    Index("ix_driver_shift_in", "signed_in_utc"),
)

NETWORK_TABLES: tuple[Table, ...] = (
    stop_time,
    frequency,
    trip,
    pattern_stop,
    pattern,
    shape_point,
    shape,
    calendar_date,
    service_calendar,
    route,
    stop,
    agency,
    feed_info,
    extra_file,
)
