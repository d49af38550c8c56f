"""Settings, loaded once and validated: from options, then BUSBRAIN_* variables, then defaults."""

from __future__ import annotations

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
