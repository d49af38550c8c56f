"""The store contract, run on SQLite and on the PostgreSQL server of this machine."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from busbrain.domain.errors import StoreError
from busbrain.domain.network import LocationType
from busbrain.network_io.importer import import_feed, to_rows
from busbrain.store.days import load_day_network
from busbrain.store.engine import migrate, schema_status
from busbrain.store.ports import ImportRecord
from busbrain.store.schema import metadata
from busbrain.wiring import Store, open_store
from tests.gtfs.helpers import load
from tests.tinyfeed import TinyFeed

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(store_url: str) -> Store:
    s = open_store(store_url)
    yield s  # type: ignore[misc]
    s.close()


def test_migrations_are_idempotent_and_at_head(store: Store) -> None:
    migrate(store.engine)
    current, head = schema_status(store.engine)
    assert current == head == "0011"


def test_schema_matches_the_metadata(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if d[0] != "remove_table" or d[1].name != "alembic_version"] == []


def test_import_then_read_back(store: Store, tiny: TinyFeed) -> None:
    outcome = import_feed(tiny.folder(), store.network, now=NOW)
    assert outcome.imported
    q = store.queries
    s = q.summary()
    assert (s.agencies, s.routes, s.stops, s.trips, s.stop_times, s.patterns) == (1, 2, 8, 4, 14, 3)
    assert s.bbox is not None and s.bbox.min_lat == pytest.approx(41.1199)
    assert s.imported_at == NOW
    stops = {st.stop_id: st for st in q.list_stops()}
    assert stops["A1"].name == "中央大街" and stops["A1"].name_pinyin == "zhong yang da jie"
    assert stops["S_A"].location_type is LocationType.STATION
    assert stops["A2"].parent_station == "S_A"
    routes = {r.route_id: r for r in q.list_routes()}
    assert routes["R1"].color == "E03C31" and routes["R1"].short_name == "1"
    pats = {p.pattern_id: p for p in q.list_patterns()}
    assert [ps.stop_id for ps in pats["R1:0:1"].stops] == ["A1", "B1", "C1", "D1"]
    shapes = {sh.shape_id: sh for sh in q.list_shapes()}
    assert shapes["SH1"].length_m == pytest.approx(1006 + 667, rel=0.02)
    trip = q.find_trip("T3")
    assert trip is not None and trip.pattern_id == "R1:0:1" and trip.block_id == "B1"
    assert q.find_trip("nope") is None


def test_read_network_returns_what_was_written(store: Store, tiny: TinyFeed) -> None:
    feed, _ = load(tiny.folder())
    from busbrain.gtfs.patterns import build_network

    rows = to_rows(feed, build_network(feed))
    store.network.replace_network(rows, ImportRecord("tiny", NOW, 0, 0))
    back = store.network.read_network()
    for name in ("stop", "trip", "stop_time", "calendar_date", "service_calendar", "pattern_stop"):
        want = rows.tables[name]
        got = back.tables[name].select(want.columns)
        key = want.columns[:2]
        assert got.sort(key).equals(want.sort(key).cast(got.schema), null_equal=True), name


def test_a_failed_write_leaves_the_previous_network(store: Store, tiny: TinyFeed) -> None:
    assert import_feed(tiny.folder(), store.network, now=NOW).imported
    feed, _ = load(tiny.folder())
    from busbrain.gtfs.patterns import build_network

    rows = to_rows(feed, build_network(feed))
    # A duplicate primary key deep in the biggest table makes the write fail midway.
    st = rows.tables["stop_time"]
    rows.tables["stop_time"] = pl.concat([st, st.tail(1)])
    rows.tables["stop"] = rows.tables["stop"].with_columns(pl.col("stop_name") + "（新）")
    with pytest.raises(StoreError, match="store unchanged"):
        store.network.replace_network(rows, ImportRecord("bad", NOW, 0, 0))
    names = {s.name for s in store.queries.list_stops()}
    assert "中央大街" in names and not any("新" in n for n in names)
    assert store.queries.summary().stop_times == 14


def test_reimport_replaces_rather_than_adds(store: Store, tiny: TinyFeed) -> None:
    import_feed(tiny.folder(), store.network, now=NOW)
    import_feed(tiny.folder(), store.network, now=NOW)
    assert store.queries.summary().stop_times == 14


def test_big_tables_stream_in_key_order(store: Store, tiny: TinyFeed) -> None:
    import_feed(tiny.folder(), store.network, now=NOW)
    chunks = list(store.network.iter_rows("stop_time", chunk_rows=3))
    assert [c.height for c in chunks] == [3, 3, 3, 3, 2]
    keys = pl.concat(chunks).select("trip_id", "stop_sequence").rows()
    assert keys == sorted(keys)
    assert store.network.filled_columns("stop_time") == {
        "trip_id",
        "stop_sequence",
        "stop_id",
        "arrival_s",
        "departure_s",
    }


def test_services_and_blocks_on_a_day(store: Store, tiny: TinyFeed) -> None:
    tiny.append("calendar_dates.txt", "HOL,20261001,1")
    import_feed(tiny.folder(), store.network, now=NOW)
    services = {c.service_id: c for c in store.schedule.list_services()}
    assert services["WD"].runs_on(dt.date(2026, 6, 1)) and not services["WD"].runs_on(
        dt.date(2026, 6, 6)
    )
    assert not services["WD"].runs_on(dt.date(2026, 10, 1))  # removed by calendar_dates
    hol = services["HOL"]  # defined by calendar_dates.txt alone
    assert hol.runs_on(dt.date(2026, 10, 1)) and not hol.runs_on(dt.date(2026, 10, 2))
    blocks = {b.block_id: b for b in store.schedule.list_blocks(dt.date(2026, 6, 1))}
    assert [t.trip_id for t in blocks["B1"].trips] == ["T1", "T2", "T3"]
    t1 = blocks["B1"].trips[0]
    assert (t1.first_departure_s, t1.last_arrival_s, t1.first_stop_id, t1.last_stop_id) == (
        6 * 3600,
        6 * 3600 + 600,
        "A1",
        "D1",
    )
    assert blocks["B1"].trips[2].first_departure_s == 24 * 3600 + 40 * 60  # past midnight
    assert store.schedule.list_blocks(dt.date(2026, 10, 1)) == []


def test_upgrade_from_the_first_schema_keeps_the_network(store_url: str, tiny: TinyFeed) -> None:
    from alembic import command
    from alembic.config import Config

    from busbrain.store.engine import open_engine

    engine = open_engine(store_url)
    cfg = Config()
    cfg.set_main_option("script_location", "busbrain.store:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    from busbrain.store.sql_network import SqlNetworkRepository

    assert import_feed(tiny.folder(), SqlNetworkRepository(engine), now=NOW).imported
    engine.dispose()
    upgraded = open_store(store_url)  # migrates to the newest schema
    assert schema_status(upgraded.engine)[0] == "0011"
    assert upgraded.queries.summary().stop_times == 14
    assert upgraded.terminals.find_terminal("1") is None
    upgraded.close()


def test_trip_times_on_a_day(store: Store, tiny: TinyFeed) -> None:
    import_feed(tiny.folder(), store.network, now=NOW)
    trips = {t.trip_id: t for t in store.schedule.trip_times_on(dt.date(2026, 6, 1))}
    assert sorted(trips) == ["T1", "T2", "T3", "T4"]
    t1 = trips["T1"]
    assert (t1.route_id, t1.block_id) == ("R1", "B1")
    assert t1.stop_ids[0] == "A1" and t1.stop_ids[-1] == "D1"
    assert t1.departure_s[0] == 6 * 3600 and t1.arrival_s[-1] == 6 * 3600 + 600
    assert len(t1.stop_ids) == len(t1.arrival_s) == len(t1.departure_s)
    assert store.schedule.trip_times_on(dt.date(2026, 6, 6)) == []  # a Saturday: no WD


def test_trip_times_carry_the_feeds_timepoints(store: Store, tiny: TinyFeed) -> None:
    """Where the feed marks timepoints (an early bus waits there), the day's trips say so."""
    lines = tiny.files["stop_times.txt"].splitlines()
    marks = {"T1": ["1", "0", "1", "1"]}  # T1's B1 approximate; the others left blank
    out = [lines[0] + ",timepoint"]
    seen: dict[str, int] = {}
    for line in lines[1:]:
        trip = line.split(",")[0]
        k = seen[trip] = seen.get(trip, -1) + 1
        out.append(line + "," + (marks[trip][k] if trip in marks else ""))
    tiny.set("stop_times.txt", "\n".join(out) + "\n")
    import_feed(tiny.folder(), store.network, now=NOW)
    trips = {t.trip_id: t for t in store.schedule.trip_times_on(dt.date(2026, 6, 1))}
    assert trips["T1"].timepoints == (1, 0, 1, 1)
    assert trips["T2"].timepoints == (None, None, None)
    net = load_day_network(store.queries, store.schedule, dt.date(2026, 6, 1))
    waits = {t.trip_id: t.waits for t in net.trips}
    assert waits["T1"] == (0, 2, 3) and waits["T2"] == ()
