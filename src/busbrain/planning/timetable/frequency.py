"""How many trips each time period needs: Ceder's four frequency methods.

Inputs for one line and direction: `loads[j, i]`, the passengers crossing segment i
(between consecutive stops) during period j, and `lengths[i]` in metres. A period's
desired occupancy `d_o[j]` (passengers per bus at the busiest point: the load standard,
e.g. 80% of 80 places off-peak) and its minimum frequency `f_min[j]` (from the longest
headway policy allows) bound the answer. Frequencies are trips per period.

- Method 1, max load (point check, daily): the load at the day's max-load segment,
  F = max(P_md,j / d_o,j, F_min,j).
- Method 2, max load (point check, per period): the load at the period's own max-load
  segment, F = max(P_m,j / d_o,j, F_min,j).
- Method 3, load profile (ride check): the average load along the line,
  F = max(A_j / (d_o,j L), F_min,j), where A_j = sum_i P_ij l_i (passenger-metres) and L
  the line's length.
- Method 4, load profile with a crowding limit: as method 3, but no segment may carry
  more than the vehicle's capacity c, F = max(A_j / (d_o,j L), P_m,j / c, F_min,j).

Methods 1-2 need counts at a point; 3-4 need the whole profile (which OD inference gives)
and save trips where the busy part of a line is short.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class Method(IntEnum):
    MAX_LOAD_DAILY = 1
    MAX_LOAD_PERIOD = 2
    LOAD_PROFILE = 3
    LOAD_PROFILE_CROWDING = 4


def frequencies(
    loads: npt.ArrayLike,
    lengths: npt.ArrayLike,
    d_o: npt.ArrayLike,
    f_min: npt.ArrayLike,
    capacity: float,
    method: Method,
) -> FloatArray:
    """Trips needed per period (not rounded). Shapes: loads (periods, segments),
    lengths (segments,), d_o and f_min (periods,)."""
    p = np.asarray(loads, dtype=np.float64)
    length = np.asarray(lengths, dtype=np.float64)
    occ = np.asarray(d_o, dtype=np.float64)
    low = np.asarray(f_min, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != length.shape[0]:
        raise ValueError(f"loads {p.shape} and lengths {length.shape} do not match")
    if occ.shape != (p.shape[0],) or low.shape != (p.shape[0],):
        raise ValueError("d_o and f_min need one value per period")
    if np.any(occ <= 0) or capacity <= 0 or np.any(length < 0) or np.any(p < 0):
        raise ValueError("occupancy and capacity must be positive, loads and lengths >= 0")
    if p.shape[1] == 0:
        return low.copy()
    peak = p.max(axis=1)
    if method is Method.MAX_LOAD_DAILY:
        point = int(np.argmax(p.sum(axis=0)))
        need = p[:, point] / occ
    elif method is Method.MAX_LOAD_PERIOD:
        need = peak / occ
    else:
        total = float(length.sum())
        if total <= 0:
            raise ValueError("the line has no length")
        need = (p @ length) / (occ * total)
        if method is Method.LOAD_PROFILE_CROWDING:
            need = np.maximum(need, peak / capacity)
    return np.maximum(need, low)


def trips_needed(freq: FloatArray, *, slack: float = 1e-9) -> npt.NDArray[np.int64]:
    """Whole trips per period: the frequency rounded up (a hair below an integer stays)."""
    return np.ceil(np.asarray(freq) - slack).astype(np.int64)
