"""field_format: values parse as their kind; required fields and columns are present."""

from __future__ import annotations

from busbrain.domain.notices import Severity
from tests.gtfs.helpers import load, notices, where
from tests.tinyfeed import TinyFeed


def test_invalid_time_names_file_line_and_field(tiny: TinyFeed) -> None:
    tiny.append("stop_times.txt", "T4,7:1:00,07:15:00,A2,4")
    _, findings = load(tiny.folder())
    assert where(findings, "invalid_time") == [("stop_times.txt", 16, "arrival_time")]
    assert notices(findings, "invalid_time")[0].value == "7:1:00"


def test_invalid_date_and_integer(tiny: TinyFeed) -> None:
    tiny.append("calendar_dates.txt", "WD,2026-10-02,2")
    tiny.append("stop_times.txt", "T4,07:15:00,07:15:00,A2,four")
    _, findings = load(tiny.folder())
    assert where(findings, "invalid_date") == [("calendar_dates.txt", 3, "date")]
    assert where(findings, "invalid_integer") == [("stop_times.txt", 16, "stop_sequence")]


def test_latitude_out_of_range_is_an_error(tiny: TinyFeed) -> None:
    tiny.append("stops.txt", "X1,,远方,141.2,121.1,0,")
    _, findings = load(tiny.folder())
    assert where(findings, "number_out_of_range") == [("stops.txt", 10, "stop_lat")]


def test_missing_required_field_and_column(tiny: TinyFeed) -> None:
    tiny.append("routes.txt", "R3,JZ,3,三路,,FFFFFF")
    tiny.set("calendar_dates.txt", "service_id,date\nWD,20261001\n")
    _, findings = load(tiny.folder())
    assert where(findings, "missing_required_field") == [("routes.txt", 4, "route_type")]
    assert where(findings, "missing_required_column") == [
        ("calendar_dates.txt", None, "exception_type")
    ]


def test_unexpected_enum_value_is_a_warning_read_as_empty(tiny: TinyFeed) -> None:
    tiny.set(
        "trips.txt",
        tiny.files["trips.txt"].replace("T4,北普陀山,0,", "T4,北普陀山,7,"),
    )
    feed, findings = load(tiny.folder())
    (n,) = notices(findings, "unexpected_enum_value")
    assert (n.severity, n.line, n.field, n.value) == (Severity.WARNING, 5, "direction_id", "7")
    assert feed.tables["trips.txt"]["direction_id"].to_list()[3] is None


def test_unknown_column_is_info(tiny: TinyFeed) -> None:
    tiny.set(
        "agency.txt",
        "agency_id,agency_name,agency_url,agency_timezone,color\nJZ,a,http://a,Asia/Shanghai,red\n",
    )
    _, findings = load(tiny.folder())
    assert [(n.severity, n.field) for n in notices(findings, "unknown_column")] == [
        (Severity.INFO, "color")
    ]


def test_invalid_color(tiny: TinyFeed) -> None:
    tiny.set("routes.txt", tiny.files["routes.txt"].replace("0057B8", "blue"))
    _, findings = load(tiny.folder())
    assert where(findings, "invalid_color") == [("routes.txt", 3, "route_color")]
