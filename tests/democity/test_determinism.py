"""The demo feed is a pure function of its seed, and quick to build."""

from __future__ import annotations

from pathlib import Path

from busbrain.democity import DEFAULT_SEED, build_demo_feed, write_demo_feed
from busbrain.gtfs.rowwriter import write_rows_feed

from .helpers import Feed


def test_same_seed_same_bytes(feed: Feed, tmp_path: Path) -> None:
    """A second build, written by write_demo_feed, matches the fixture's build byte for byte."""
    again = write_demo_feed(tmp_path / "again", DEFAULT_SEED)
    first = write_rows_feed(feed, tmp_path / "first")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    assert {"agency.txt", "stops.txt", "shapes.txt", "feed_info.txt"} <= set(names)
    for name in names:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name


def test_other_seed_other_feed(feed: Feed) -> None:
    other = build_demo_feed(DEFAULT_SEED + 1)
    assert other["stops.txt"] != feed["stops.txt"]
    assert other["trips.txt"] != feed["trips.txt"]
    assert other["stop_times.txt"] != feed["stop_times.txt"]


def test_same_seed_same_zip(tmp_path: Path) -> None:
    a = write_demo_feed(tmp_path / "a.zip", DEFAULT_SEED)
    b = write_demo_feed(tmp_path / "b.zip", DEFAULT_SEED)
    assert a.read_bytes() == b.read_bytes()
