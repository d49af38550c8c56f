"""A simulation scenario: which day, which hours, how much demand, how many faults.

Everything random in a run derives from `seed`, so a scenario and a network give the
same world every time. Rates are per bus-hour unless named otherwise; durations in
seconds; distances in metres; speeds in km/h.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class FaultRates:
    """How often terminals and their GPS misbehave (the defaults are a typical fleet)."""

    gps_sigma_m: float = 3.0
    """Standard deviation of ordinary GPS noise, per axis."""
    gps_outlier_share: float = 0.02
    """Share of fixes off by tens of metres (multipath near tall buildings)."""
    gps_outage_per_h: float = 0.3
    """Urban-canyon spells without a fix (reports keep the last fix, status unfixed)."""
    link_drop_per_h: float = 0.15
    """Lost mobile links (tunnels, dead spots): reports are kept and re-sent in 0x0704
    blind-area batches after the terminal reconnects."""
    offline_per_day: float = 0.1
    """Terminal power losses per bus per day: reports in the gap are lost."""
    duplicate_share: float = 0.005
    """Share of reports sent twice."""
    reorder_share: float = 0.003
    """Share of reports sent after the one that follows them."""
    skewed_clock_share: float = 0.10
    """Share of terminals whose clock is off (by seconds, a few by minutes)."""
    camera_fault_share: float = 0.08
    """Share of terminals whose camera fails for a spell of the day (1-4 h): the alarm
    word's camera-fault bit is set in their reports meanwhile."""
    antenna_cut_share: float = 0.2
    """Share of the spells without a fix that are the GNSS antenna disconnected (the
    alarm word's antenna bit set through the spell) rather than the sky."""

    @classmethod
    def none(cls) -> FaultRates:
        """A perfect fleet: exact positions, no losses (for tests and baselines)."""
        return cls(*(0.0 for _ in cls.__slots__))

    def scaled(self, factor: float) -> FaultRates:
        """Every rate times `factor` (noise sigma too)."""
        return FaultRates(*(getattr(self, f) * factor for f in self.__slots__))


FAULT_LEVELS = {"none": 0.0, "normal": 1.0, "heavy": 3.0}
"""Named fault levels for the command line: multipliers of `FaultRates()`."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """What to simulate. `start_s`/`end_s` bound the reported span in seconds after the
    service day's start (GTFS time); the world is always simulated from the first
    pull-out so that buses and queues are warm when reporting starts."""

    service_date: dt.date
    seed: int = 416
    start_s: int = 0
    end_s: int = 30 * 3600
    demand: float = 1.0
    """Passenger demand relative to a typical day (1.0: about 300 boardings per bus)."""
    persons: int | None = None
    """The day's travellers, when fixed (else from `demand` and the buses the timetable
    runs): a new timetable is compared on the same people, not on as many as it has buses."""
    report_interval_s: int = 10
    parked_interval_s: int = 300
    """Report interval with the ignition off (parked at a terminal or the depot;
    JT/T 808 parameter 0x0027); heartbeats fill the gaps."""
    heartbeat_s: int = 60
    capacity: int = 80
    """Passengers per bus (a 12 m city bus, seated and standing)."""
    speed_limit_kmh: float = 60.0
    """Speed limit for buses used for the truth's speeding episodes (and the terminal's
    overspeed alarm bit, set 10 km/h above it)."""
    faults: FaultRates = field(default_factory=FaultRates)
    version_2019_share: float = 0.3
    """Share of terminals speaking the 2019 edition of JT/T 808."""
    fare_batch_s: int = 3600
    """A fare-clearing batch covers this many seconds of taps."""
    fare_delay_s: int = 1800
    """Clearing delivers a batch this long after the batch closes."""

    def with_faults(self, faults: FaultRates) -> Scenario:
        return replace(self, faults=faults)
