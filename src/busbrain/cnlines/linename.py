"""Split a line title such as `650路(锦程文丰公交场站-凤凰山脚)` into its parts.

Titles nest brackets: `k578路(左环)(福田交通枢纽-公明汽车站东)`,
`b2路(池华街公交站-市民中心(brt换乘站-南))`. The terminals are the last top-level
bracket group; they are separated by a hyphen at bracket depth 0 within it. The route
name is everything before that group (qualifiers such as `(左环)` included).
"""

from __future__ import annotations

from dataclasses import dataclass

_OPEN = "(（"
_CLOSE = ")）"
_HYPHENS = "-－"


@dataclass(frozen=True, slots=True)
class LineTitle:
    route_name: str
    origin: str
    destination: str


def normalise_name(name: str) -> str:
    """A stop name for comparison: full-width brackets as ASCII, no spaces, lower case."""
    return name.replace("（", "(").replace("）", ")").replace(" ", "").strip().lower()


def _last_group_start(text: str) -> int | None:
    """Index of the bracket opening the group that closes at the end of `text`."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] in _CLOSE:
            depth += 1
        elif text[i] in _OPEN:
            depth -= 1
            if depth == 0:
                return i
    return None


def _top_level_hyphens(inner: str) -> list[int]:
    depth = 0
    cuts: list[int] = []
    for i, char in enumerate(inner):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif char in _HYPHENS and depth == 0:
            cuts.append(i)
    return cuts


def _choose_cut(inner: str, cuts: list[int], first: str | None, last: str | None) -> int:
    """The hyphen splitting origin from destination; stop names break ties."""
    for cut in cuts:
        left, right = normalise_name(inner[:cut]), normalise_name(inner[cut + 1 :])
        if (first is not None and left == normalise_name(first)) or (
            last is not None and right == normalise_name(last)
        ):
            return cut
    return cuts[0]


def parse_line_title(
    text: str, first_stop: str | None = None, last_stop: str | None = None
) -> LineTitle | None:
    """The parts of `route(origin-destination)`, or None when `text` has not that form.

    `first_stop`/`last_stop`, when given, pick the right hyphen if the terminals
    contain hyphens themselves.
    """
    text = text.strip()
    if not text or text[-1] not in _CLOSE:
        return None
    start = _last_group_start(text)
    if start is None or start == 0:
        return None
    inner = text[start + 1 : -1]
    cuts = _top_level_hyphens(inner)
    if not cuts:
        return None
    cut = _choose_cut(inner, cuts, first_stop, last_stop)
    route, origin, dest = text[:start].strip(), inner[:cut].strip(), inner[cut + 1 :].strip()
    if not (route and origin and dest):
        return None
    return LineTitle(route, origin, dest)
