"""Protocol editions of JT/T 808 as the codec distinguishes them."""

from __future__ import annotations

from enum import IntEnum


class ProtocolVersion(IntEnum):
    """Edition of JT/T 808.

    The header only tells 2019 (body-attribute bit 14) from the rest; 2011 and 2013
    share one header and differ in a few bodies (0x0100 model length, 0x0801 location),
    so V2011 is only ever assumed by configuration or guessed from a body length.
    """

    V2011 = 2011
    V2013 = 2013
    V2019 = 2019
