"""Settings, loaded once and validated: from options, then BUSBRAIN_* variables, then defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from busbrain.store.engine import DEFAULT_URL


class Settings(BaseSettings):
    """What an operator can set. Each component receives only its own part."""

    model_config = SettingsConfigDict(env_prefix="BUSBRAIN_", extra="ignore")

    db: str = Field(
        default=DEFAULT_URL,
        description="Database URL: sqlite:///path (default ./var/busbrain.db) or postgresql://host/db",
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP server listens on")
    port: int = Field(default=8000, ge=1, le=65535, description="Port of the HTTP server")
    bus: str = Field(
        default="memory",
        description="Event bus: 'memory' (in-process) or a NATS URL such as nats://127.0.0.1:4222",
    )
    card_key: str | None = Field(
        default=None,
        description="Secret key (hex, 32-128 digits) for pseudonymising card ids; "
        "when unset, the key in card_key_file is used (created on first use)",
    )
    card_key_file: str = Field(
        default="var/card.key",
        description="File with the card-pseudonymisation key (hex), readable by the operator only",
    )
    fare_upload_token: str | None = Field(
        default=None,
        description="Bearer token the clearing system sends to POST /api/v1/fares/batches; "
        "the endpoint refuses every upload while unset",
    )
    tile_url: str | None = Field(
        default=None,
        description="Base map of the map page: a tile URL template with {z}, {x}, {y} and "
        "optionally {s}, e.g. https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1"
        "&scale=1&style=8&x={x}&y={y}&z={z}; unset: no base map (nothing loaded from "
        "elsewhere, works offline)",
    )
    tile_crs: Literal["wgs84", "gcj02"] = Field(
        default="wgs84",
        description="Coordinate system the tiles are drawn in: 'gcj02' for Chinese web maps "
        "(AMap, Tencent), whose offset the page then applies to everything it draws",
    )
    tile_attribution: str = Field(
        default="", description="Credit for the base map, shown on the map as plain text"
    )
    tile_subdomains: str = Field(
        default="1234",
        description="What {s} in tile_url stands for: each character one subdomain, or a "
        "comma-separated list",
    )
    speed_limits: str | None = Field(
        default=None,
        description="CSV of the speed limits 安全监管 judges speeding against (columns "
        "scope,name,route_id,min_lat,min_lon,max_lat,max_lon,limit_kmh; scope default, "
        "route or zone); unset: 60 km/h everywhere",
    )
    session_hours: float = Field(
        default=12.0,
        gt=0,
        le=24 * 30,
        description="How long a dispatch console login lasts, hours (from the login: using "
        "the console does not extend it)",
    )
    demo_password: str | None = Field(
        default=None,
        description="The password of `busbrain demo`'s console users (at least 10 "
        "characters); unset: a random one, printed when the demo starts",
    )
