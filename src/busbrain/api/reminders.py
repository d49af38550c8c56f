"""Reminders: tell a rider once when their bus is N stops or M minutes away, or when to get
off (下车提醒).

A reminder is checked against the live picture (or the timetable, when asked) every few
seconds while its rider listens on Server-Sent Events. It fires on the early side of a
prediction's uncertainty: a bus predicted in 6 minutes give or take 90 s counts as 4.5
minutes away, so nobody misses it because the bus came early. It fires once, then is done.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass, field

from busbrain.api.arrivals import stops_away
from busbrain.domain.live import LiveSnapshot

EXPIRES_S = 3 * 3600.0


@dataclass
class Reminder:
    reminder_id: str
    kind: str
    """"arrival" (the bus is coming to my stop) or "alight" (my stop is coming up)."""
    stop_ids: frozenset[str]
    stop_name: str
    route_id: str | None
    direction_id: int | None
    stops_away: int | None
    minutes: float | None
    basis: str
    """"live" (predictions) or "schedule" (the timetable)."""
    trip_id: str | None
    created_unix: float
    fired_unix: float | None = None
    message: dict[str, object] | None = field(default=None)

    def as_dict(self) -> dict[str, object]:
        return {
            "reminder_id": self.reminder_id,
            "kind": self.kind,
            "stop_ids": sorted(self.stop_ids),
            "stop_name": self.stop_name,
            "route_id": self.route_id,
            "direction_id": self.direction_id,
            "stops_away": self.stops_away,
            "minutes": self.minutes,
            "basis": self.basis,
            "trip_id": self.trip_id,
            "created_unix": round(self.created_unix),
            "fired_unix": None if self.fired_unix is None else round(self.fired_unix),
            "expires_unix": round(self.created_unix + EXPIRES_S),
            "message": self.message,
        }


def _due(minutes_left: float, stops_left: int | None, r: Reminder) -> bool:
    if r.minutes is not None and minutes_left <= r.minutes:
        return True
    return r.stops_away is not None and stops_left is not None and stops_left <= r.stops_away


def check_arrival(
    r: Reminder, board: list[dict[str, object]], now: float
) -> dict[str, object] | None:
    """The message when the reminder's bus is near enough on the stop's board, else None."""
    for line in board:
        if r.route_id is not None and line["route_id"] != r.route_id:
            continue
        if r.direction_id is not None and line["direction_id"] != r.direction_id:
            continue
        arrivals = line["arrivals"]
        assert isinstance(arrivals, list)
        for a in arrivals:
            if (r.basis == "live") != bool(a["live"]):
                continue
            margin = float(a["uncertainty_s"] or 0.0)
            minutes_left = (float(a["arrival_unix"]) - margin - now) / 60.0
            stops = a["stops_away"]
            if _due(minutes_left, stops if isinstance(stops, int) else None, r):
                return {
                    "text": f"{line['line']}还有{stops}站到达{r.stop_name}"
                    if isinstance(stops, int) and r.stops_away is not None
                    else f"{line['line']}约{max(0, round(minutes_left))}分钟后到达{r.stop_name}",
                    "route_id": line["route_id"],
                    "line": line["line"],
                    "direction_id": line["direction_id"],
                    "trip_id": a["trip_id"],
                    "vehicle_id": a["vehicle_id"],
                    "arrival_unix": a["arrival_unix"],
                    "stops_away": stops,
                    "live": a["live"],
                }
            break  # only the next bus of the line counts
    return None


def check_alight(
    r: Reminder, snapshot: LiveSnapshot | None, now: float
) -> dict[str, object] | None:
    """The message when the rider's trip nears their stop, else None."""
    if snapshot is None:
        return None
    bus = next((v for v in snapshot.vehicles if v.trip_id == r.trip_id), None)
    if bus is None:
        return None
    for p in bus.predictions:
        if p.stop_id not in r.stop_ids:
            continue
        stops = stops_away(bus, p)
        minutes_left = (p.arrival_unix - float(p.uncertainty_s or 0) - now) / 60.0
        if _due(minutes_left, stops, r):
            return {
                "text": f"即将到达{r.stop_name}，请准备下车",
                "trip_id": r.trip_id,
                "vehicle_id": bus.vehicle_id,
                "arrival_unix": round(p.arrival_unix),
                "stops_away": stops,
            }
    return None


class ReminderBook:
    """The reminders of one server (in memory: a restart forgets them, riders re-subscribe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Reminder] = {}
        self._ids = itertools.count(1)

    def add(self, r: Reminder) -> Reminder:
        with self._lock:
            # unguessable: whoever holds the id may cancel the reminder
            r.reminder_id = f"R{next(self._ids):06d}-{secrets.token_urlsafe(9)}"
            self._items[r.reminder_id] = r
            return r

    def get(self, reminder_id: str) -> Reminder | None:
        with self._lock:
            return self._items.get(reminder_id)

    def remove(self, reminder_id: str) -> bool:
        with self._lock:
            return self._items.pop(reminder_id, None) is not None

    def fire(self, r: Reminder, message: dict[str, object], now: float) -> bool:
        """Mark fired (once): False if it had fired already."""
        with self._lock:
            if r.fired_unix is not None:
                return False
            r.fired_unix = now
            r.message = message
            return True

    def sweep(self, now: float) -> None:
        with self._lock:
            for key in [k for k, r in self._items.items() if now - r.created_unix > EXPIRES_S]:
                del self._items[key]
