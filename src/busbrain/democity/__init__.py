"""The built-in demo city: a bus network modelled on Jinzhou (锦州, Liaoning) as GTFS.

`build_demo_feed(seed)` lays out streets, lines, stations, shapes, timetables and
vehicle blocks deterministically from `seed` and returns the GTFS tables as rows;
`write_demo_feed(path, seed)` writes them to a .zip or a folder.
"""

from busbrain.democity.feed import DEFAULT_SEED, build_demo_feed, write_demo_feed

__all__ = ["DEFAULT_SEED", "build_demo_feed", "write_demo_feed"]
