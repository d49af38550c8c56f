"""Load fare-tap batches (files or uploaded bytes) into the store, checked and pseudonymised.

Each batch is checked against the store (the terminal registry's vehicles, the service
day's hours, the taps already loaded), its card ids are hashed with the operator's key,
and its good taps go in with one log row in one transaction. A bad row is reported by kind
with examples (and, when asked, written whole to a rejects file); a bad file is reported
and the next one goes on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from busbrain.domain.errors import BadInputError
from busbrain.planning.fares.intake import (
    Intake,
    check_batch,
    parse_batch,
    pseudonymise,
    with_loaded_before,
)
from busbrain.store.days import network_timezone, service_hours
from busbrain.store.ports import NetworkQueries, ScheduleQueries, TerminalRegistry
from busbrain.store.sql_fares import SqlFareTaps


class TapStore(Protocol):
    @property
    def queries(self) -> NetworkQueries: ...
    @property
    def schedule(self) -> ScheduleQueries: ...
    @property
    def terminals(self) -> TerminalRegistry: ...
    @property
    def fares(self) -> SqlFareTaps: ...


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What happened to one batch."""

    source: str
    batch_id: str
    rows: int = 0
    added: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    """Set when the whole batch was refused (unreadable, missing columns)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "batch_id": self.batch_id,
            "rows": self.rows,
            "added": self.added,
            "refused": self.refused,
            "examples": self.examples,
            "error": self.error,
        }


def read_batch(data: bytes, name: str) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """A batch's rows (Parquet by its magic bytes, else CSV: UTF-8 with a header), and the
    CSV lines that have the wrong number of fields, as (line, reason). Each row's `line`
    is its line in the file (the header is line 1)."""
    try:
        if data[:4] == b"PAR1":
            frame = pl.read_parquet(io.BytesIO(data))
            return frame.with_row_index("line", offset=2).with_columns(
                pl.col("line").cast(pl.Int64)
            ), []
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise BadInputError(f"{name}: not a readable Parquet batch: {exc}") from exc
    if _regular(text):
        try:
            frame = pl.read_csv(io.StringIO(text), infer_schema=False)
            return frame.with_row_index("line", offset=2).with_columns(
                pl.col("line").cast(pl.Int64)
            ), []
        except pl.exceptions.PolarsError:
            pass
    # Slow path, for files with ragged rows or quoted newlines: row by row, keeping lines.
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise BadInputError(f"{name}: empty file, no header")
    good: list[list[str]] = []
    lines: list[int] = []
    ragged: list[tuple[int, str]] = []
    start = reader.line_num + 1
    for row in reader:
        if not row:
            start = reader.line_num + 1
            continue
        if len(row) != len(header):
            ragged.append((start, f"has {len(row)} fields, the header has {len(header)}"))
        else:
            good.append(row)
            lines.append(start)
        start = reader.line_num + 1
    frame = pl.DataFrame(
        {"line": lines, **{h: [r[i] for r in good] for i, h in enumerate(header)}},
        schema={"line": pl.Int64(), **dict.fromkeys(header, pl.String())},
    )
    return frame, ragged


def _regular(text: str) -> bool:
    """Every row has the header's number of fields and sits on one line (the csv module
    in C: a fraction of a second for a big batch), so the fast reader's row numbers are
    the file's lines."""
    reader = csv.reader(io.StringIO(text))
    width = -1
    for n, row in enumerate(reader, start=1):
        if width < 0:
            width = len(row)
        elif len(row) != width or reader.line_num != n:
            return False
    return width > 0


class TapLoader:
    """Loads batches one after another into one store, caching what they share."""

    def __init__(self, store: TapStore, key: bytes, *, now: Callable[[], dt.datetime]) -> None:
        self.store = store
        self.key = key
        self.now = now
        self.tz = network_timezone(store.queries)
        vehicles = store.terminals.vehicle_ids()
        self.vehicles: set[str] | None = vehicles or None
        self._hours: dict[dt.date, tuple[dt.datetime, dt.datetime] | None] = {}
        self._pseudonyms: dict[str, str] = {}

    def _windows(self, days: Iterable[dt.date]) -> dict[dt.date, tuple[dt.datetime, dt.datetime]]:
        out = {}
        for day in days:
            if day not in self._hours:
                self._hours[day] = service_hours(self.store.schedule, day, self.tz)
            if (w := self._hours[day]) is not None:
                out[day] = w
        return out

    def load_bytes(self, data: bytes, name: str) -> tuple[BatchReport, Intake | None]:
        """Check and store one batch; never raises for bad content (the report says)."""
        batch_id = Path(name).name.split(".")[0] or "batch"
        try:
            raw, ragged = read_batch(data, name)
            parsed = parse_batch(raw, source=name, tz=self.tz.key, ragged=ragged)
            intake = check_batch(
                parsed,
                batch_id=batch_id,
                vehicles=self.vehicles,
                service_hours=self._windows(parsed.service_dates()),
            )
        except BadInputError as exc:
            return BatchReport(name, batch_id, error=str(exc)), None
        taps = pseudonymise(intake.taps, self.key, self._pseudonyms)
        wrote = self.store.fares.add_batch(
            batch_id, name, taps, rows=intake.rows, problems=intake.counts(), now=self.now()
        )
        intake = with_loaded_before(intake, wrote.repeated)
        report = BatchReport(
            name,
            batch_id,
            rows=intake.rows,
            added=wrote.added,
            refused=intake.counts(),
            examples=intake.examples(),
        )
        return report, intake


def write_rejects(path: Path, intakes: list[tuple[str, Intake]]) -> int:
    """Every refused row of these batches, with its source, line, kind and reason (CSV)."""
    rows = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            ["source", "line", "kind", "reason", "txn_id", "reader_id", "vehicle_id", "reader_time"]
        )
        for source, intake in intakes:
            for r in intake.rejected.iter_rows():
                w.writerow([source, *r])
                rows += 1
    return rows
