"""What the line sources do not say and a feed needs: agency, service dates, assumed service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from busbrain.cnlines.schedule import ServicePattern

DEFAULT_AGENCY_NAME = "未注明的公交运营方"
DEFAULT_AGENCY_URL = "https://example.com/"


@dataclass(frozen=True, slots=True)
class FeedOptions:
    """What the sources do not say: the agency, the service dates and the assumed service."""

    start_date: dt.date
    end_date: dt.date
    agency_name: str = DEFAULT_AGENCY_NAME
    agency_url: str = DEFAULT_AGENCY_URL
    timezone: str = "Asia/Shanghai"
    lang: str = "zh"
    pattern: ServicePattern = field(default_factory=ServicePattern)
