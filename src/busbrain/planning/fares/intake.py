"""Check a batch of fare taps row by row, and pseudonymise the card ids.

A bad row never stops a batch: each is set aside with its kind and a reason naming the
line, the field and the value, and the good rows go on. The kinds:

- `malformed`: a field missing or unreadable (time without a UTC offset, unknown channel,
  a fare that is not a whole number of fen, no card id on a card channel);
- `unknown_vehicle`: the vehicle is not in the terminal registry;
- `outside_service`: the tap falls outside the service day's hours (from an hour before
  the first scheduled departure to an hour after the last arrival), or on a day without
  service;
- `duplicate`: the reader's transaction is repeated in the batch, or was loaded before.

Card ids are replaced by a keyed hash (BLAKE2b with the operator's secret key, 80 bits)
before anything is stored: the same card gives the same pseudonym in every batch, which
is all trip chaining needs, and without the key the pseudonym cannot be turned back into
the card number by trying all card numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import polars as pl

from busbrain.domain.errors import BadInputError

CHANNELS = ("ic_card", "senior_card", "unionpay", "wechat", "alipay", "yunshanfu", "cash")
REQUIRED = ("txn_id", "reader_time", "vehicle_id", "reader_id", "channel", "card_id", "fare_fen")
SERVICE_DAY_CUTOFF_H = 3
"""A tap before 03:00 local time belongs to the previous service day (GTFS: past 24:00)."""

UTC_US = pl.Datetime("us", "UTC")
TAP_SCHEMA: dict[str, pl.DataType] = {
    "reader_id": pl.String(),
    "txn_id": pl.String(),
    "service_date": pl.Date(),
    "tap_utc": UTC_US,
    "vehicle_id": pl.String(),
    "channel": pl.String(),
    "card_hash": pl.String(),
    "fare_fen": pl.Int64(),
    "batch_id": pl.String(),
}
"""The taps as stored: the card id only as its keyed hash (null for cash)."""

REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "kind": pl.String(),
    "reason": pl.String(),
    "txn_id": pl.String(),
    "reader_id": pl.String(),
    "vehicle_id": pl.String(),
    "reader_time": pl.String(),
}


class Kind(StrEnum):
    MALFORMED = "malformed"
    UNKNOWN_VEHICLE = "unknown_vehicle"
    OUTSIDE_SERVICE = "outside_service"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class Intake:
    """A batch after its checks: the taps to store and the rows set aside."""

    batch_id: str
    rows: int
    taps: pl.DataFrame
    """TAP_SCHEMA, plus `card_id` (raw) until `pseudonymise` replaces it, and each tap's
    `line` and `reader_time` as written (for reports)."""
    rejected: pl.DataFrame
    """REJECTED_SCHEMA: one row per refused line, in line order."""

    def counts(self) -> dict[str, int]:
        """Rows refused by kind (every kind present, zero when none)."""
        got = dict(self.rejected.group_by("kind").len().iter_rows())
        return {k.value: int(got.get(k.value, 0)) for k in Kind}

    def examples(self, per_kind: int = 3) -> dict[str, list[str]]:
        """A few refused rows of each kind, as 'line N: reason'."""
        out: dict[str, list[str]] = {}
        for kind in Kind:
            rows = self.rejected.filter(pl.col("kind") == kind.value).head(per_kind)
            if rows.height:
                out[kind.value] = [
                    f"line {n}: {r}" for n, r in rows.select("line", "reason").rows()
                ]
        return out


def _fmt(template: str, *args: str | pl.Expr) -> pl.Expr:
    """`template` with each {} replaced by a column (or expression) as text.

    (pl.format is avoided: some polars releases panic on it over filtered frames.)"""
    pieces = template.split("{}")
    if len(pieces) != len(args) + 1:
        raise ValueError(f"{template!r} needs {len(pieces) - 1} values")
    parts: list[pl.Expr] = [pl.lit(pieces[0])]
    for arg, piece in zip(args, pieces[1:], strict=True):
        col = pl.col(arg) if isinstance(arg, str) else arg
        parts += [col.cast(pl.String()).fill_null(""), pl.lit(piece)]
    return pl.concat_str(parts)


def read_rows(raw: pl.DataFrame, source: str) -> pl.DataFrame:
    """The batch's columns as strings (Parquet timestamps with a zone as ISO text), with
    each row's `line` in the file (the header is line 1; taken from a `line` column when
    the reader gives one). A missing column refuses the whole batch, naming it."""
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise BadInputError(
            f"{source}: no column {', '.join(missing)} "
            f"(the header has: {', '.join(c for c in raw.columns if c != 'line')})"
        )
    cols = []
    for name in (*REQUIRED, "batch_id"):
        if name not in raw.columns:
            cols.append(pl.lit(None, pl.String()).alias(name))
        elif isinstance(raw.schema[name], pl.Datetime):
            if raw.schema[name].time_zone is None:  # type: ignore[attr-defined]
                cols.append(pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S%.f").alias(name))
            else:
                cols.append(
                    pl.col(name)
                    .dt.convert_time_zone("UTC")
                    .dt.strftime("%Y-%m-%dT%H:%M:%S%.f+00:00")
                )
        else:
            cols.append(pl.col(name).cast(pl.String()).str.strip_chars().alias(name))
    return (
        raw.select(cols)
        .with_row_index("line", offset=2)
        .with_columns(pl.col("line").cast(pl.Int64))
    )


def _parsed_time(col: pl.Expr) -> pl.Expr:
    text = col.str.replace(" ", "T").str.replace(r"Z$", "+00:00")
    return text.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit="us"
    ).dt.convert_time_zone("UTC")


def check_fields(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows whose every field reads, typed; and the malformed ones with their reason."""
    t = _parsed_time(pl.col("reader_time"))
    fare = pl.col("fare_fen").cast(pl.Int64, strict=False)
    empty = [
        (pl.col(c).is_null() | (pl.col(c) == ""), f"{c} is empty")
        for c in ("txn_id", "reader_id", "vehicle_id", "reader_time", "channel")
    ]
    reason: pl.Expr = pl.lit(None, pl.String())
    checks: list[tuple[pl.Expr, pl.Expr | str]] = [
        *empty,
        (
            t.is_null(),
            _fmt("reader_time '{}' is not ISO 8601 with a UTC offset", pl.col("reader_time")),
        ),
        (
            ~pl.col("channel").is_in(CHANNELS),
            _fmt("channel '{}' is not one of " + ", ".join(CHANNELS), pl.col("channel")),
        ),
        (
            fare.is_null() | (fare < 0),
            _fmt("fare_fen '{}' is not a whole number of fen >= 0", pl.col("fare_fen")),
        ),
        (
            (pl.col("channel") != "cash")
            & (pl.col("card_id").is_null() | (pl.col("card_id") == "")),
            _fmt("card_id is empty for channel {}", pl.col("channel")),
        ),
    ]
    for cond, why in reversed(checks):
        reason = (
            pl.when(cond).then(why if isinstance(why, pl.Expr) else pl.lit(why)).otherwise(reason)
        )
    checked = rows.with_columns(reason.alias("reason"), t.alias("tap_utc"), fare.alias("fare_int"))
    bad = checked.filter(pl.col("reason").is_not_null())
    good = checked.filter(pl.col("reason").is_null())
    return good, _rejected(bad, Kind.MALFORMED)


def _rejected(rows: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    return rows.select(
        "line",
        pl.lit(kind.value).alias("kind"),
        "reason",
        "txn_id",
        "reader_id",
        "vehicle_id",
        "reader_time",
    )


def service_dates(tap_utc: pl.Expr, tz: str) -> pl.Expr:
    """The GTFS service day of a UTC instant: its local date, 03:00 counting as midnight."""
    return (
        (tap_utc.dt.convert_time_zone(tz) - pl.duration(hours=SERVICE_DAY_CUTOFF_H))
        .dt.date()
        .alias("service_date")
    )


@dataclass(frozen=True, slots=True)
class Parsed:
    """A batch read and its fields checked: what the store-side checks need to know."""

    rows: int
    good: pl.DataFrame
    malformed: pl.DataFrame
    tz: str

    def service_dates(self) -> set[dt.date]:
        return set(self.good.get_column("service_date"))

    def time_range(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The earliest and latest tap time (UTC), None for a batch without good rows."""
        if not self.good.height:
            return None
        lo, hi = self.good.get_column("tap_utc").min(), self.good.get_column("tap_utc").max()
        assert isinstance(lo, dt.datetime) and isinstance(hi, dt.datetime)
        return lo, hi


def parse_batch(
    raw: pl.DataFrame, *, source: str, tz: str, ragged: list[tuple[int, str]] | None = None
) -> Parsed:
    """Read a batch and check each row's fields; rows with a bad field are set aside, with
    the `ragged` lines (line, reason) the CSV reader could not split into the columns."""
    try:
        ZoneInfo(tz)  # a bad zone name fails here, not deep in polars
    except (ValueError, KeyError) as exc:
        raise BadInputError(f"unknown time zone {tz!r}") from exc
    rows = read_rows(raw, source)
    good, malformed = check_fields(rows)
    if ragged:
        shaped = pl.DataFrame(
            {"line": [n for n, _ in ragged], "reason": [r for _, r in ragged]},
            schema={"line": pl.Int64(), "reason": pl.String()},
        ).with_columns(
            pl.lit(Kind.MALFORMED.value).alias("kind"),
            *(
                pl.lit(None, pl.String()).alias(c)
                for c in ("txn_id", "reader_id", "vehicle_id", "reader_time")
            ),
        )
        malformed = pl.concat([malformed, shaped.select(list(REJECTED_SCHEMA))])
    return Parsed(
        rows.height + len(ragged or ()),
        good.with_columns(service_dates(pl.col("tap_utc"), tz)),
        malformed,
        tz,
    )


def check_batch(
    parsed: Parsed,
    *,
    batch_id: str,
    vehicles: set[str] | None,
    service_hours: dict[dt.date, tuple[dt.datetime, dt.datetime]],
) -> Intake:
    """The checks against what the store knows.

    `vehicles`: the registry's vehicle ids (None skips that check); `service_hours`: per
    service day, the UTC window a tap may fall in. Taps loaded before are found when
    the batch is stored (`with_loaded_before`).
    """
    tz = parsed.tz
    parts = [parsed.malformed]
    good = parsed.good.with_columns(
        pl.coalesce(pl.col("batch_id"), pl.lit(batch_id)).alias("batch_id"),
    )
    # Repeats inside the batch: the first stays.
    first = good.group_by("reader_id", "txn_id").agg(pl.col("line").min().alias("first_line"))
    good = good.join(first, on=["reader_id", "txn_id"])
    rep = good.filter(pl.col("line") != pl.col("first_line"))
    parts.append(
        _rejected(
            rep.with_columns(
                _fmt(
                    "reader {} transaction {} repeats line {}",
                    "reader_id",
                    "txn_id",
                    "first_line",
                ).alias("reason")
            ),
            Kind.DUPLICATE,
        )
    )
    good = good.filter(pl.col("line") == pl.col("first_line")).drop("first_line")
    if vehicles is not None:
        unknown = ~pl.col("vehicle_id").is_in(sorted(vehicles))
        parts.append(
            _rejected(
                good.filter(unknown).with_columns(
                    _fmt("vehicle {} is not in the terminal registry", "vehicle_id").alias("reason")
                ),
                Kind.UNKNOWN_VEHICLE,
            )
        )
        good = good.filter(~unknown)
    windows = pl.DataFrame(
        {
            "service_date": list(service_hours),
            "opens": [w[0] for w in service_hours.values()],
            "closes": [w[1] for w in service_hours.values()],
        },
        schema={"service_date": pl.Date(), "opens": UTC_US, "closes": UTC_US},
    )
    good = good.join(windows, on="service_date", how="left")
    local = "%Y-%m-%d %H:%M"
    outside = (
        pl.col("opens").is_null()
        | (pl.col("tap_utc") < pl.col("opens"))
        | (pl.col("tap_utc") > pl.col("closes"))
    )
    why = (
        pl.when(pl.col("opens").is_null())
        .then(
            _fmt(
                "tap at {} local is on service day {}, which has no service",
                pl.col("tap_utc").dt.convert_time_zone(tz).dt.strftime(local),
                pl.col("service_date"),
            )
        )
        .otherwise(
            _fmt(
                "tap at {} local is outside service on {} ({} to {})",
                pl.col("tap_utc").dt.convert_time_zone(tz).dt.strftime(local),
                pl.col("service_date"),
                pl.col("opens").dt.convert_time_zone(tz).dt.strftime("%H:%M"),
                pl.col("closes").dt.convert_time_zone(tz).dt.strftime("%H:%M"),
            )
        )
    )
    parts.append(
        _rejected(good.filter(outside).with_columns(why.alias("reason")), Kind.OUTSIDE_SERVICE)
    )
    good = good.filter(~outside).sort("line")
    taps = good.select(
        "reader_id",
        "txn_id",
        "service_date",
        "tap_utc",
        "vehicle_id",
        "channel",
        pl.lit(None, pl.String()).alias("card_hash"),
        pl.col("fare_int").alias("fare_fen"),
        "batch_id",
        pl.when(pl.col("channel") == "cash")
        .then(None)
        .otherwise(pl.col("card_id"))
        .alias("card_id"),
        "line",
        "reader_time",
    )
    return Intake(
        batch_id=batch_id,
        rows=parsed.rows,
        taps=taps,
        rejected=pl.concat(parts).sort("line"),
    )


def with_loaded_before(intake: Intake, repeated: pl.DataFrame) -> Intake:
    """`intake` with the taps the store already held (reader_id, txn_id, batch_id of the
    batch that stored them) moved from its taps to its refused rows, as duplicates."""
    if not repeated.height:
        return intake
    hit = intake.taps.join(
        repeated.rename({"batch_id": "loaded_in"}), on=["reader_id", "txn_id"], how="left"
    )
    again = hit.filter(pl.col("loaded_in").is_not_null()).with_columns(
        _fmt(
            "reader {} transaction {} was loaded before (batch {})",
            "reader_id",
            "txn_id",
            "loaded_in",
        ).alias("reason")
    )
    return Intake(
        batch_id=intake.batch_id,
        rows=intake.rows,
        taps=hit.filter(pl.col("loaded_in").is_null()).drop("loaded_in"),
        rejected=pl.concat([intake.rejected, _rejected(again, Kind.DUPLICATE)]).sort("line"),
    )


def card_pseudonym(card_id: str, key: bytes) -> str:
    """The stored stand-in for a card id: 20 hex digits of BLAKE2b keyed with `key`."""
    return hashlib.blake2b(card_id.encode("utf-8"), key=key, digest_size=10).hexdigest()


def pseudonymise(
    taps: pl.DataFrame, key: bytes, cache: dict[str, str] | None = None
) -> pl.DataFrame:
    """`taps` with `card_hash` filled from `card_id`, and `card_id` gone. Each distinct card
    is hashed once (`cache`, kept by the caller across batches, remembers them)."""
    if not 16 <= len(key) <= 64:
        raise BadInputError(f"the card key must be 16 to 64 bytes, not {len(key)}")
    known = {} if cache is None else cache
    cards = taps.get_column("card_id").drop_nulls().unique().to_list()
    for c in cards:
        if c not in known:
            known[c] = card_pseudonym(c, key)
    table = pl.DataFrame(
        {"card_id": cards, "hashed": [known[c] for c in cards]},
        schema={"card_id": pl.String(), "hashed": pl.String()},
    )
    return (
        taps.join(table, on="card_id", how="left")
        .with_columns(pl.col("hashed").alias("card_hash"))
        .select(list(TAP_SCHEMA))
    )
