"""A multi-depot vehicle scheduling instance and its `.inp` text format.

The `.inp` format (Carpaneto et al. 1989, used by Pepin et al. 2009) is
``m n v_1 .. v_m`` followed by an (m+n) x (m+n) integer cost matrix, row = from,
column = to. Indices 0..m-1 are depots, m..m+n-1 are trips; ``-1`` marks an arc that
is not allowed. Costs are abstract units; the instances put a vehicle's 10 000 fixed
cost half on the pull-out and half on the pull-in arc, so minimising the total cost
minimises the fleet first.

Inside this package trips are numbered 0..n-1 (matrix index minus m).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

FORBIDDEN = -1
"""Cost value that marks an arc that is not allowed."""


class InstanceError(ValueError):
    """The instance text is malformed; the message names the source and the place."""


class InfeasibleError(ValueError):
    """No schedule exists, e.g. the depots together hold fewer vehicles than needed."""


@dataclass(frozen=True, eq=False)
class VspInstance:
    """Depot capacities (vehicles) and the (m+n) x (m+n) arc cost matrix.

    ``costs[a, b]`` is the cost of going from node a to node b, ``-1`` if forbidden;
    nodes 0..m-1 are depots and m..m+n-1 trips. Build with :func:`parse_inp` or
    :meth:`from_parts` so the matrix is validated.
    """

    capacities: tuple[int, ...]
    n_trips: int
    costs: IntArray
    source: str = "<instance>"
    _feasible: BoolArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        m, n = len(self.capacities), self.n_trips
        if self.costs.shape != (m + n, m + n):
            raise InstanceError(
                f"{self.source}: cost matrix is {self.costs.shape}, expected {(m + n, m + n)}"
            )
        self.costs.setflags(write=False)
        feas = self.costs[m:, m:] >= 0
        feas.setflags(write=False)
        object.__setattr__(self, "_feasible", feas)

    @classmethod
    def from_parts(
        cls,
        capacities: tuple[int, ...] | list[int],
        pull_out: npt.ArrayLike,
        pull_in: npt.ArrayLike,
        trip_costs: npt.ArrayLike,
        source: str = "<parts>",
    ) -> VspInstance:
        """Assemble from pull-out (m x n), pull-in (n x m) and trip->trip (n x n) costs."""
        out = np.asarray(pull_out, dtype=np.int64)
        inn = np.asarray(pull_in, dtype=np.int64)
        tt = np.asarray(trip_costs, dtype=np.int64)
        m = len(capacities)
        n = tt.shape[0]
        full = np.full((m + n, m + n), FORBIDDEN, dtype=np.int64)
        full[:m, m:] = out
        full[m:, :m] = inn
        full[m:, m:] = tt
        np.fill_diagonal(full, FORBIDDEN)
        caps = tuple(int(c) for c in capacities)
        if any(v < 0 for v in caps):
            raise InstanceError(f"{source}: capacities {caps} must not be negative")
        _validate(full, m, source)
        return cls(capacities=caps, n_trips=n, costs=full, source=source)

    @property
    def n_depots(self) -> int:
        """Number of depots m."""
        return len(self.capacities)

    @property
    def pull_out(self) -> IntArray:
        """m x n: cost of the arc depot k -> trip j (includes half the fixed cost)."""
        m = self.n_depots
        return self.costs[:m, m:]

    @property
    def pull_in(self) -> IntArray:
        """n x m: cost of the arc trip i -> depot k (includes half the fixed cost)."""
        m = self.n_depots
        return self.costs[m:, :m]

    @property
    def trip_costs(self) -> IntArray:
        """n x n: deadhead cost trip i -> trip j, ``-1`` where j cannot follow i."""
        m = self.n_depots
        return self.costs[m:, m:]

    @property
    def feasible(self) -> BoolArray:
        """n x n: True where trip j may follow trip i in the same block."""
        return self._feasible

    def arcs(self) -> tuple[IntArray, IntArray, IntArray]:
        """All feasible trip->trip arcs as (tails, heads, costs), sorted by tail."""
        tails, heads = np.nonzero(self._feasible)
        return (
            tails.astype(np.int64),
            heads.astype(np.int64),
            self.trip_costs[tails, heads].astype(np.int64),
        )


def format_inp_parts(capacities: tuple[int, ...], n: int, costs: IntArray) -> str:
    """Write the `.inp` text for the given capacities and full cost matrix."""
    head = " ".join(str(v) for v in (len(capacities), n, *capacities))
    rows = ["\t".join(str(int(c)) for c in row) for row in costs]
    return "\n".join([head, *rows]) + "\n"


def format_inp(instance: VspInstance) -> str:
    """The instance as `.inp` text (inverse of :func:`parse_inp`)."""
    return format_inp_parts(instance.capacities, instance.n_trips, instance.costs)


def _int(token: str, source: str, where: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise InstanceError(f"{source}: {where} is {token!r}, not an integer") from None


def parse_inp(text: str, source: str = "<text>") -> VspInstance:
    """Parse `.inp` text; raise :class:`InstanceError` naming source, what and where.

    Rows are counted from 1 as matrix rows (the header line is not a row). Checked:
    header shape, non-negative capacities, at least one depot, one line per matrix row
    with m+n integers each, no value below -1, depot->depot and node->itself arcs
    forbidden, every depot->trip and trip->depot arc allowed.
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise InstanceError(f"{source}: empty file")
    head = lines[0].split()
    if len(head) < 2:
        raise InstanceError(f"{source}: header needs 'm n v_1 .. v_m', got {lines[0]!r}")
    m = _int(head[0], source, "header depot count m")
    n = _int(head[1], source, "header trip count n")
    if m < 1:
        raise InstanceError(f"{source}: header says {m} depots, need at least 1")
    if n < 0:
        raise InstanceError(f"{source}: header says {n} trips, cannot be negative")
    if len(head) != 2 + m:
        raise InstanceError(
            f"{source}: header has {len(head) - 2} depot capacities, expected m = {m}"
        )
    caps = tuple(_int(t, source, f"capacity of depot {k}") for k, t in enumerate(head[2:]))
    for k, v in enumerate(caps):
        if v < 0:
            raise InstanceError(f"{source}: capacity of depot {k} is {v}, cannot be negative")
    size = m + n
    body = lines[1:]
    if len(body) != size:
        raise InstanceError(f"{source}: {len(body)} matrix rows, expected m + n = {size}")
    costs = np.empty((size, size), dtype=np.int64)
    for r, line in enumerate(body):
        tokens = line.split()
        if len(tokens) != size:
            raise InstanceError(f"{source}: row {r + 1} has {len(tokens)} values, expected {size}")
        try:
            costs[r] = np.array(tokens, dtype=np.int64)
        except (ValueError, OverflowError):
            for c, tok in enumerate(tokens):
                _int(tok, source, f"row {r + 1} column {c + 1}")
            raise InstanceError(f"{source}: row {r + 1} has a value out of range") from None
    _validate(costs, m, source)
    return VspInstance(capacities=caps, n_trips=n, costs=costs, source=source)


def _first(mask: BoolArray) -> tuple[int, int]:
    r, c = np.argwhere(mask)[0]
    return int(r), int(c)


def _validate(costs: IntArray, m: int, source: str) -> None:
    """Check the structural rules of the matrix; positions are reported 1-based."""
    if (costs < FORBIDDEN).any():
        r, c = _first(costs < FORBIDDEN)
        raise InstanceError(
            f"{source}: row {r + 1} column {c + 1} is {costs[r, c]}, costs must be >= -1"
        )
    dd = costs[:m, :m] != FORBIDDEN
    if dd.any():
        r, c = _first(dd)
        raise InstanceError(
            f"{source}: row {r + 1} column {c + 1} (depot {r} -> depot {c}) is "
            f"{costs[r, c]}, expected -1"
        )
    diag = np.diagonal(costs) != FORBIDDEN
    if diag.any():
        i = int(np.argmax(diag))
        raise InstanceError(
            f"{source}: row {i + 1} column {i + 1} (node to itself) is {costs[i, i]}, expected -1"
        )
    for block, what in ((costs[:m, m:], "pull-out depot -> trip"), (costs[m:, :m], "pull-in")):
        bad = block == FORBIDDEN
        if bad.any():
            r, c = _first(bad)
            row, col = (r + 1, m + c + 1) if what.startswith("pull-out") else (m + r + 1, c + 1)
            raise InstanceError(
                f"{source}: row {row} column {col} ({what} arc) is -1, "
                "every depot -> trip and trip -> depot arc must be allowed"
            )
