"""GTFS rows for the demo city's static parts: agency, feed info, stops, routes, shapes."""

from __future__ import annotations

from busbrain.democity.city import City
from busbrain.democity.geo import to_wgs84
from busbrain.democity.service import FEED_END, FEED_START
from busbrain.domain.gtfstime import format_date

Row = dict[str, object]

AGENCY_ID = "JZBUS"
AGENCY_NAME = "锦州市公共交通有限公司"
AGENCY_URL = "https://jzbus.example.com/"
TIMEZONE = "Asia/Shanghai"
BUS = 3
"""GTFS route_type of a bus."""
FIRST_POLE_CODE = 10001
"""stop_code (the number painted on the pole) of the first pole."""


def agency_rows() -> list[Row]:
    return [
        {
            "agency_id": AGENCY_ID,
            "agency_name": AGENCY_NAME,
            "agency_url": AGENCY_URL,
            "agency_timezone": TIMEZONE,
            "agency_lang": "zh",
        }
    ]


def feed_info_rows(seed: int) -> list[Row]:
    return [
        {
            "feed_publisher_name": AGENCY_NAME,
            "feed_publisher_url": AGENCY_URL,
            "feed_lang": "zh",
            "feed_start_date": format_date(FEED_START),
            "feed_end_date": format_date(FEED_END),
            "feed_version": f"democity.{seed}",
            "feed_contact_url": f"{AGENCY_URL}contact",
        }
    ]


def stop_ids(city: City) -> dict[int, str]:
    """Pole index -> stop_id: the station's id and the pole's number within it ("S0012_1")."""
    stations = sorted({p.station for p in city.poles})
    station_id = {s: f"S{k + 1:04d}" for k, s in enumerate(stations)}
    out: dict[int, str] = {}
    for pole in sorted(city.poles, key=lambda p: (p.station, -p.sign)):
        out[pole.index] = f"{station_id[pole.station]}_{1 if pole.sign > 0 else 2}"
    return out


def stop_rows(city: City, ids: dict[int, str]) -> list[Row]:
    """Stations (location_type 1) each followed by its poles (location_type 0)."""
    poles_of: dict[int, list[int]] = {}
    for pole in city.poles:
        poles_of.setdefault(pole.station, []).append(pole.index)
    rows: list[Row] = []
    code = FIRST_POLE_CODE
    for station in sorted(poles_of):
        st = city.stations[station]
        mine = sorted(poles_of[station], key=lambda i: ids[i])
        parent = ids[mine[0]].split("_")[0]
        rows.append(_stop_row(parent, "", st.name, to_wgs84(st.pos), 1, ""))
        for index in mine:
            pos = to_wgs84(city.poles[index].pos)
            rows.append(_stop_row(ids[index], str(code), st.name, pos, 0, parent))
            code += 1
    return rows


def _stop_row(
    stop_id: str, code: str, name: str, latlon: tuple[float, float], kind: int, parent: str
) -> Row:
    return {
        "stop_id": stop_id,
        "stop_code": code,
        "stop_name": name,
        "stop_lat": latlon[0],
        "stop_lon": latlon[1],
        "location_type": kind,
        "parent_station": parent,
    }


def route_rows(city: City) -> list[Row]:
    return [
        {
            "route_id": r.route_id,
            "agency_id": AGENCY_ID,
            "route_short_name": r.short_name,
            "route_long_name": r.long_name,
            "route_type": BUS,
            "route_color": r.color,
            "route_text_color": r.text_color,
        }
        for r in city.routes
    ]


def shape_rows(city: City) -> list[Row]:
    rows: list[Row] = []
    for route in city.routes:
        for pattern in route.patterns:
            for k, ((lat, lon), d) in enumerate(
                zip(pattern.points, pattern.shape_dist, strict=True), start=1
            ):
                rows.append(
                    {
                        "shape_id": pattern.shape_id,
                        "shape_pt_lat": lat,
                        "shape_pt_lon": lon,
                        "shape_pt_sequence": k,
                        "shape_dist_traveled": d,
                    }
                )
    return rows
