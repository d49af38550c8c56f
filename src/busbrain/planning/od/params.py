"""The knobs of OD inference, with the values the literature and our simulated city support."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BANDS: tuple[tuple[str, int, int], ...] = (
    ("early", 0, 7),
    ("am_peak", 7, 9),
    ("midday", 9, 16),
    ("pm_peak", 16, 19),
    ("evening", 19, 30),
)
"""Time bands (name, from hour, to hour) of the OD matrices, in local service-day hours."""


@dataclass(frozen=True, slots=True)
class OdParams:
    walk_limit_m: float = 800.0
    """Farthest a rider is taken to walk from the alighting stop to the next boarding stop."""
    transfer_window_s: float = 1800.0
    """A next boarding within this many seconds of the inferred alighting, on another line,
    is a transfer (one journey); later, it starts a new journey."""
    board_before_s: float = 10.0
    """A tap up to this long before the bus's arrival at a stop counts as boarding there."""
    board_after_s: float = 20.0
    """... and up to this long after its departure (readers are slow, people tap late)."""
    max_board_gap_s: float = 180.0
    """A tap farther than this from every stop call of its bus gets no boarding stop."""
    clock_search_s: int = 120
    """Reader clock offsets tried, from -this to +this seconds."""
    clock_step_s: int = 5
    clock_slack_s: float = 2.0
    """Window around each dwell that a tap must fall in while the clock offset is sought
    (tight, so the best offsets form a narrow range whose middle is taken)."""
    clock_sample: int = 100
    """Taps per bus and day used to find its reader's clock offset."""
    companion_s: float = 120.0
    """A card tapped again on the same bus within this many seconds pays for a companion,
    who rides with the first tap and gets off with it."""
    not_stopped_penalty_s: float = 15.0
    """Added to the time gap of a call the bus seemed to pass without stopping."""
    not_stopped_penalty_m: float = 150.0
    """Added to the distance of a stop the bus passed without stopping (nobody got off)."""
    zone_size_m: float = 1000.0
    """Side of the square zones of the zone-level OD matrix."""
    bands: tuple[tuple[str, int, int], ...] = DEFAULT_BANDS
