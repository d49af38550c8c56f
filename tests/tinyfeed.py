"""A tiny valid GTFS feed written as text, with any file replaceable to make it bad.

Two routes in a small Chinese town: route 1 runs A→B→C→D (and back), route 2 runs
A→E→F. Stops on both sides of the road share a parent station.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

FILES: dict[str, str] = {
    "agency.txt": (
        "agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
        "JZ,锦州公交,https://bus.example.cn,Asia/Shanghai,zh\n"
    ),
    "stops.txt": (
        "stop_id,stop_code,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "S_A,,中央大街,41.1200,121.1300,1,\n"
        "A1,101,中央大街,41.12010,121.13000,0,S_A\n"
        "A2,102,中央大街,41.11990,121.13000,0,S_A\n"
        "B1,103,解放路口,41.12000,121.13600,0,\n"
        "C1,104,锦州站,41.12000,121.14200,0,\n"
        "D1,105,医科大学,41.12600,121.14200,0,\n"
        "E1,106,古塔公园,41.12600,121.13000,0,\n"
        "F1,107,北普陀山,41.13200,121.13000,0,\n"
    ),
    "routes.txt": (
        "route_id,agency_id,route_short_name,route_long_name,route_type,route_color\n"
        "R1,JZ,1,中央大街至医科大学,3,E03C31\n"
        "R2,JZ,2,中央大街至北普陀山,3,0057B8\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20260101,20261231\n"
    ),
    "calendar_dates.txt": "service_id,date,exception_type\nWD,20261001,2\n",
    "trips.txt": (
        "route_id,service_id,trip_id,trip_headsign,direction_id,block_id,shape_id\n"
        "R1,WD,T1,医科大学,0,B1,SH1\n"
        "R1,WD,T2,中央大街,1,B1,\n"
        "R1,WD,T3,医科大学,0,B1,SH1\n"
        "R2,WD,T4,北普陀山,0,B2,\n"
    ),
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,06:00:00,06:00:00,A1,1\n"
        "T1,06:03:00,06:03:30,B1,2\n"
        "T1,06:06:00,06:06:30,C1,3\n"
        "T1,06:10:00,06:10:00,D1,4\n"
        "T2,06:20:00,06:20:00,D1,1\n"
        "T2,06:24:00,06:24:00,C1,2\n"
        "T2,06:30:00,06:30:00,A2,3\n"
        "T3,24:40:00,24:40:00,A1,1\n"
        "T3,24:43:00,24:43:00,B1,2\n"
        "T3,24:46:00,24:46:00,C1,3\n"
        "T3,24:50:00,24:50:00,D1,4\n"
        "T4,07:00:00,07:00:00,A1,1\n"
        "T4,07:05:00,07:05:00,E1,2\n"
        "T4,07:10:00,07:10:00,F1,3\n"
    ),
    "shapes.txt": (
        "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
        "SH1,41.12000,121.13000,1\n"
        "SH1,41.12000,121.14200,2\n"
        "SH1,41.12600,121.14200,3\n"
    ),
}


class TinyFeed:
    """Write the tiny feed (optionally changed) to a folder or a zip."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.files = dict(FILES)

    def set(self, name: str, text: str) -> TinyFeed:
        self.files[name] = text
        return self

    def drop(self, name: str) -> TinyFeed:
        self.files.pop(name, None)
        return self

    def append(self, name: str, line: str) -> TinyFeed:
        self.files[name] = self.files[name] + line + "\n"
        return self

    def folder(self) -> Path:
        self.base.mkdir(parents=True, exist_ok=True)
        for name, body in self.files.items():
            (self.base / name).write_text(body, encoding="utf-8")
        return self.base

    def zip(self) -> Path:
        self.base.parent.mkdir(parents=True, exist_ok=True)
        out = self.base.with_suffix(".zip")
        with zipfile.ZipFile(out, "w") as zf:
            for name, body in self.files.items():
                zf.writestr(name, body)
        return out
