"""Open the store named by a URL, and bring its schema up to date.

URLs: `sqlite:///var/busbrain.db` (the embedded default), `postgresql://host/db`
(production; the psycopg driver is chosen for you). A plain file path means SQLite.
For PostgreSQL, `?options=-csearch_path%3Dname` selects a schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from busbrain.domain.errors import BadInputError, StoreError

DEFAULT_URL = "sqlite:///var/busbrain.db"


def normalise_url(url: str) -> str:
    """The SQLAlchemy URL for a user's database URL or SQLite file path."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def open_engine(url: str) -> Engine:
    """An engine for `url`; the SQLite file's folder is created if missing."""
    try:
        sa_url = make_url(normalise_url(url))
    except ArgumentError as exc:
        raise BadInputError(f"not a database URL: {url!r} ({exc})") from exc
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(sa_url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if sa_url.get_backend_name() == "postgresql":
        return create_engine(sa_url, pool_pre_ping=True)
    raise BadInputError(
        f"unsupported database {sa_url.get_backend_name()!r}: use sqlite or postgresql"
    )


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "busbrain.store:migrations")
    return cfg


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (idempotent)."""
    cfg = _alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"migration failed on {engine.url.render_as_string()}: {exc}") from exc


def schema_status(engine: Engine) -> tuple[str | None, str]:
    """(the database's revision, the newest revision)."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head
