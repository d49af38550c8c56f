"""The `busbrain` command. Thin: parses options, calls wiring and services, maps errors.

Exit codes: 0 done, 1 failure (store, server, a bug), 2 bad usage or bad input
(a missing file, a feed with errors, a malformed option).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from busbrain.access.roles import ROLE_NAMES_ZH, Role
from busbrain.config import Settings
from busbrain.domain.errors import BadInputError, BusbrainError
from busbrain.domain.notices import NoticeBag, Severity

if TYPE_CHECKING:
    from busbrain.access.passwords import Passwords
    from busbrain.access.records import AuditEntry
    from busbrain.api.routes.webconfig import TileConfig
    from busbrain.store.ports import UserStore

app = typer.Typer(
    help="busbrain: the bus cloud brain (公交云脑).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
gtfs_app = typer.Typer(
    help="Import, export, validate and convert GTFS feeds.", no_args_is_help=True
)
db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
terminals_app = typer.Typer(help="The terminal registry (phone -> vehicle).", no_args_is_help=True)
app.add_typer(gtfs_app, name="gtfs")
app.add_typer(db_app, name="db")
app.add_typer(terminals_app, name="terminals")
users_app = typer.Typer(
    help="Accounts of the dispatch console (/dispatch): add, list, disable, change passwords.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")
capture_app = typer.Typer(help="Captured terminal traffic (BBCAP1 files).", no_args_is_help=True)
app.add_typer(capture_app, name="capture")
taps_app = typer.Typer(
    help="Fare transactions (taps) from the clearing system.", no_args_is_help=True
)
app.add_typer(taps_app, name="taps")
plan_app = typer.Typer(
    help="Planning: OD inference, timetables, vehicle scheduling.", no_args_is_help=True
)
app.add_typer(plan_app, name="plan")
out = Console()
err = Console(stderr=True)

DEMO_DB = "sqlite:///var/demo.db"
DEMO_SIM_OUT = Path("var") / "demo" / "sim"
"""Where `busbrain demo` writes the simulated day's ground truth and fare batches."""


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (sqlite:///file or postgresql://...); env BUSBRAIN_DB."
        ),
    ] = None,
) -> None:
    ctx.obj = {"db": db}


def _settings(ctx: typer.Context, **overrides: Any) -> Settings:
    from pydantic import ValidationError

    db = ctx.obj.get("db") if ctx.obj else None
    values = {k: v for k, v in overrides.items() if v is not None}
    if db:
        values["db"] = db
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise BadInputError(f"bad setting: {problems}") from exc


class TileCrs(StrEnum):
    """The coordinate system of a base map's tiles (--tile-crs)."""

    wgs84 = "wgs84"
    gcj02 = "gcj02"


TileUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--tile-url",
        help="Base map tiles for the map page: a URL template with {z} {x} {y} (and {s}); "
        "env BUSBRAIN_TILE_URL. Default: no base map, nothing loaded from elsewhere.",
    ),
]
TileCrsOpt = Annotated[
    TileCrs | None,
    typer.Option(
        "--tile-crs",
        help="What the tiles are drawn in (gcj02: AMap, Tencent); env BUSBRAIN_TILE_CRS.",
    ),
]
TileAttributionOpt = Annotated[
    str | None,
    typer.Option(
        "--tile-attribution", help="Credit shown for the base map; env BUSBRAIN_TILE_ATTRIBUTION."
    ),
]


ClockOpt = Annotated[
    str | None,
    typer.Option(
        "--clock",
        help="Run the server's clock (and the demo's buses) from this local time today, "
        "HH:MM, at real speed: a rush hour at any hour, and tests that do not depend on "
        "when they run. Default: the real time.",
    ),
]


def _clock_offset(store_queries: Any, hhmm: str | None) -> float:
    """Seconds to add to the real clock so that it reads `hhmm` (local to the network)
    now; 0 without one. Raises BadInputError for a malformed time."""
    if hhmm is None:
        return 0.0
    import time

    from busbrain.store.days import network_timezone

    try:
        hour, minute = (int(x) for x in hhmm.split(":"))
        wanted = dt.time(hour, minute)
    except ValueError:
        raise BadInputError(f"--clock {hhmm!r}: give a local time as HH:MM, e.g. 08:00") from None
    tz = network_timezone(store_queries)
    today = dt.datetime.now(tz).date()
    return dt.datetime.combine(today, wanted, tz).timestamp() - time.time()


def _tile_settings(
    url: str | None, crs: TileCrs | None, attribution: str | None
) -> dict[str, str | None]:
    """The tile options as settings overrides (None: keep the environment's or default)."""
    return {
        "tile_url": url,
        "tile_crs": None if crs is None else crs.value,
        "tile_attribution": attribution,
    }


@contextmanager
def _errors() -> Iterator[None]:
    """Map busbrain's errors to messages and exit codes, never a stack trace."""
    try:
        yield
    except BadInputError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    except BusbrainError as exc:
        err.print(f"[red]failed:[/red] {exc}")
        raise typer.Exit(1) from exc


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def _print_notices(bag: NoticeBag, *, limit: int = 20) -> None:
    """A table of notice codes with counts, then the first few notices of each severity."""
    if not bag.counts:
        out.print("[green]no notices[/green]")
        return
    table = Table(title="notices")
    for col in ("severity", "code", "count"):
        table.add_column(col)
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    for (code, sev), n in sorted(bag.counts.items(), key=lambda kv: (order[kv[0][1]], kv[0][0])):
        colour = {"error": "red", "warning": "yellow", "info": "cyan"}[sev.value]
        table.add_row(f"[{colour}]{sev.value}[/{colour}]", code, f"{n:,}")
    out.print(table)
    shown = sorted(bag.notices, key=lambda n: order[n.severity])[:limit]
    for notice in shown:
        out.print(notice.render(), markup=False, highlight=False)
    if len(bag.notices) > limit:
        out.print(f"… {len(bag.notices) - limit} more shown with --json")


def _notices_json(bag: NoticeBag, path: Path) -> None:
    data = {
        "counts": [
            {"code": code, "severity": sev.value, "count": n}
            for (code, sev), n in bag.counts.items()
        ],
        "notices": [
            {
                "code": n.code,
                "severity": n.severity.value,
                "message": n.message,
                "file": n.file,
                "line": n.line,
                "field": n.field,
                "value": n.value,
            }
            for n in bag.notices
        ],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _step_reporter(progress: Progress) -> Callable[[str], None]:
    task = progress.add_task("starting", total=None)

    def step(text: str) -> None:
        progress.update(task, description=text)

    return step


def _import(settings: Settings, path: Path, skip_bad_rows: bool, json_out: Path | None) -> bool:
    from busbrain.network_io.importer import import_feed
    from busbrain.wiring import open_store

    store = open_store(settings.db)
    try:
        with _progress() as progress:
            step = _step_reporter(progress)
            rows_task = progress.add_task("rows written: 0", total=None)
            written = {"rows": 0}

            def on_table(name: str, rows: int) -> None:
                written["rows"] += rows
                progress.update(
                    rows_task, description=f"rows written: {written['rows']:,} ({name})"
                )

            outcome = import_feed(
                path,
                store.network,
                now=dt.datetime.now(dt.UTC),
                skip_bad_rows=skip_bad_rows,
                on_step=step,
                on_table=on_table,
            )
            step("done")
        _print_notices(outcome.findings.notices)
        if json_out:
            _notices_json(outcome.findings.notices, json_out)
        if not outcome.imported:
            err.print(
                "[red]not imported:[/red] the feed has errors; the store is unchanged. "
                "Fix them, or import the rest with --skip-bad-rows."
            )
            return False
        if outcome.dropped_rows:
            dropped = ", ".join(f"{k}: {v:,}" for k, v in outcome.dropped_rows.items() if v)
            out.print(f"[yellow]skipped bad rows[/yellow] — {dropped}")
        counts = ", ".join(f"{k} {v:,}" for k, v in outcome.counts.items() if k != "extra_file")
        out.print(f"[green]imported[/green] {path} into {settings.db}: {counts}")
        return True
    finally:
        store.close()


@gtfs_app.command("import")
def gtfs_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A GTFS .zip or folder.")],
    skip_bad_rows: Annotated[
        bool, typer.Option("--skip-bad-rows", help="Import the rest when some rows have errors.")
    ] = False,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the notices to this JSON file.")
    ] = None,
) -> None:
    """Check a feed and replace the store's network with it (all or nothing)."""
    with _errors():
        if not _import(_settings(ctx), path, skip_bad_rows, json_out):
            raise typer.Exit(2)


@gtfs_app.command("validate")
def gtfs_validate(
    path: Annotated[Path, typer.Argument(help="A GTFS .zip or folder.")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the notices to this JSON file.")
    ] = None,
) -> None:
    """Check a feed against the GTFS rules without importing it. Exit 2 if it has errors."""
    from busbrain.gtfs.load import load_feed

    with _errors():
        with _progress() as progress:
            _, findings = load_feed(path, _step_reporter(progress))
        _print_notices(findings.notices)
        if json_out:
            _notices_json(findings.notices, json_out)
        if findings.notices.has_errors:
            raise typer.Exit(2)


@gtfs_app.command("export")
def gtfs_export(
    ctx: typer.Context,
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="A .zip path or a folder.")],
) -> None:
    """Write the store's network as a GTFS feed."""
    from busbrain.network_io.exporter import export_feed
    from busbrain.wiring import open_store

    with _errors():
        settings = _settings(ctx)
        store = open_store(settings.db)
        try:
            with err.status("exporting"):
                counts = export_feed(store.network, out_path)
        finally:
            store.close()
        out.print(
            f"[green]exported[/green] to {out_path}: "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        )


@gtfs_app.command("convert-cn")
def gtfs_convert_cn(
    source: Annotated[Path, typer.Argument(help="Chinese line data file.")],
    out_path: Annotated[
        Path, typer.Argument(metavar="OUT", help="The GTFS .zip or folder to write.")
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="shenzhen | baidu-lines | beijing")
    ] = "shenzhen",
    crs: Annotated[
        str | None,
        typer.Option(
            "--crs", help="Source coordinates: bd09 | gcj02 | wgs84 (default: the format's)"
        ),
    ] = None,
    agency_name: Annotated[
        str, typer.Option("--agency-name", help="Agency name for agency.txt.")
    ] = "公交集团",
    agency_url: Annotated[
        str, typer.Option("--agency-url", help="Agency web address for agency.txt.")
    ] = "https://example.com/",
    year: Annotated[
        int | None, typer.Option("--year", help="Service calendar year (default: this year).")
    ] = None,
) -> None:
    """Convert Chinese bus-line data (BD-09/GCJ-02 coordinates, no timetables) to GTFS in WGS-84."""
    from busbrain.cnlines import SourceFormat, convert_lines
    from busbrain.domain.chinacoords import CoordSystem
    from busbrain.gtfs.rowwriter import write_rows_feed

    with _errors():
        try:
            source_format = SourceFormat(fmt)
            coord = None if crs is None else CoordSystem(crs.lower().replace("-", ""))
        except ValueError as exc:
            raise BadInputError(f"bad option: {exc}") from exc
        y = year or dt.date.today().year
        with err.status(f"converting {source}"):
            result = convert_lines(
                source,
                source_format,
                crs=coord,
                agency_name=agency_name,
                agency_url=agency_url,
                start_date=dt.date(y, 1, 1),
                end_date=dt.date(y, 12, 31),
            )
            write_rows_feed(result.tables, out_path)
        bag = NoticeBag()
        bag.extend(result.notices)
        _print_notices(bag)
        out.print(
            f"[green]wrote[/green] {out_path}: "
            + ", ".join(f"{k} {v:,}" for k, v in result.stats.items())
        )


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the store's schema to the newest version."""
    from busbrain.store.engine import schema_status
    from busbrain.wiring import open_store

    with _errors():
        store = open_store(_settings(ctx).db)
        current, head = schema_status(store.engine)
        store.close()
        out.print(f"schema at {current} (newest {head})")


@db_app.command("status")
def db_status(ctx: typer.Context) -> None:
    """Show the schema version and what the store's network holds."""
    from busbrain.store.engine import schema_status
    from busbrain.wiring import open_store

    with _errors():
        settings = _settings(ctx)
        store = open_store(settings.db, upgrade=False)
        try:
            current, head = schema_status(store.engine)
            out.print(f"database {settings.db}: schema {current or 'none'} (newest {head})")
            if current == head:
                s = store.queries.summary()
                out.print(
                    f"network: {s.agencies} agencies, {s.routes} routes, {s.stops} stops, "
                    f"{s.patterns} patterns, {s.trips} trips, {s.stop_times:,} stop times; "
                    f"from {s.source or '-'} at {s.imported_at or '-'}"
                )
        finally:
            store.close()


@terminals_app.command("import")
def terminals_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV: phone,plate,plate_colour,vehicle_id,depot")],
    skip_bad_rows: Annotated[
        bool, typer.Option("--skip-bad-rows", help="Import the good rows when some are bad.")
    ] = False,
) -> None:
    """Add or update terminals in the registry from a CSV file (all or nothing)."""
    from busbrain.network_io.terminals_csv import read_terminals
    from busbrain.wiring import open_store

    with _errors():
        records, notices = read_terminals(path)
        bag = NoticeBag()
        bag.extend(notices)
        if notices:
            _print_notices(bag)
        if notices and not skip_bad_rows:
            err.print("[red]not imported:[/red] fix the rows above, or pass --skip-bad-rows.")
            raise typer.Exit(2)
        store = open_store(_settings(ctx).db)
        try:
            n = store.terminals.upsert_terminals(records)
        finally:
            store.close()
        out.print(
            f"[green]imported[/green] {n} terminals"
            + (f", skipped {len(notices)} bad rows" if notices else "")
        )


PasswordStdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input (for scripts) "
        "instead of asking for it twice.",
    ),
]
DEMO_USERS = (
    ("diaodu", "王调度", Role.DISPATCHER),
    ("anquan", "李安全", Role.SAFETY),
    ("jingli", "张经理", Role.MANAGER),
    ("guanli", "系统管理员", Role.ADMIN),
)
"""The console accounts `busbrain demo` keeps: one per role (usernames in pinyin)."""


def _read_password(from_stdin: bool) -> str:
    """The new password, from stdin's first line or asked twice without echo; refused
    (BadInputError) when it breaks the rules (at least 10 characters)."""
    from busbrain.access.passwords import password_problem

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem is not None:
        raise BadInputError(problem)
    return password


def _cli_audit(action: str, target: str, **detail: object) -> AuditEntry:
    """An audit entry for a change made with this command: actor "cli", with the
    operating-system user who ran it, when known."""
    import contextlib
    import getpass

    from busbrain.access.records import CLI_ACTOR, AuditEntry

    with contextlib.suppress(KeyError, OSError):  # no name for this uid (containers)
        detail["os_user"] = getpass.getuser()
    return AuditEntry(dt.datetime.now(dt.UTC), CLI_ACTOR, action, target, dict(detail))


def _existing_user(users: UserStore, username: str) -> str:
    from busbrain.access.accounts import normalise_username

    name = normalise_username(username)
    if users.find_user(name) is None:
        raise BadInputError(f"no user {name!r} (busbrain users list shows them)")
    return name


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: Annotated[
        str, typer.Argument(help="Login name: 2-32 letters, digits, . _ - (a staff number).")
    ],
    role: Annotated[
        Role,
        typer.Option(
            help="dispatcher (调度员), safety (安全员), manager (经理) or admin (管理员)."
        ),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Display name, e.g. 王调度 (default: USERNAME).")
    ] = None,
    password_stdin: PasswordStdinOpt = False,
) -> None:
    """Add a console account (the first admin, then anyone). The password needs at least
    10 characters."""
    from busbrain.access.accounts import new_user, normalise_username, username_problem
    from busbrain.access.passwords import Passwords
    from busbrain.access.records import AuditAction
    from busbrain.wiring import open_store

    with _errors():
        wanted = normalise_username(username)
        problem = username_problem(wanted)
        if problem is not None:
            raise BadInputError(problem)
        store = open_store(_settings(ctx).db)
        try:
            if store.users.find_user(wanted) is not None:
                raise BadInputError(f"the username {wanted!r} is taken")
            user = new_user(
                username=wanted,
                display_name=name,
                role=role,
                password=_read_password(password_stdin),
                passwords=Passwords(),
                now=dt.datetime.now(dt.UTC),
            )
            entry = _cli_audit(
                AuditAction.USER_ADDED,
                user.username,
                role=role.value,
                display_name=user.display_name,
            )
            if not store.users.add_user(user, audit=entry):
                raise BadInputError(f"the username {wanted!r} is taken")
        finally:
            store.close()
        out.print(f"[green]added[/green] {user.username} ({ROLE_NAMES_ZH[role]}, {role.value})")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """The console's accounts, disabled ones too."""
    from busbrain.wiring import open_store

    with _errors():
        store = open_store(_settings(ctx).db)
        try:
            users = store.users.list_users()
        finally:
            store.close()
        if not users:
            out.print(
                "no users yet: add the first admin with `busbrain users add NAME --role admin`"
            )
            return
        table = Table(title="console users")
        for col in ("username", "name", "role", "status", "created (UTC)"):
            table.add_column(col)
        for u in users:
            table.add_row(
                u.username,
                u.display_name,
                f"{ROLE_NAMES_ZH[u.role]} {u.role.value}",
                "[red]disabled[/red]" if u.disabled else "active",
                u.created_utc.strftime("%Y-%m-%d %H:%M"),
            )
        out.print(table)


@users_app.command("disable")
def users_disable(
    ctx: typer.Context, username: Annotated[str, typer.Argument(help="The account to disable.")]
) -> None:
    """Disable an account: it can no longer log in, and its sessions end now."""
    from busbrain.access.records import AuditAction
    from busbrain.wiring import open_store

    with _errors():
        store = open_store(_settings(ctx).db)
        try:
            name = _existing_user(store.users, username)
            store.users.disable_user(name, audit=_cli_audit(AuditAction.USER_DISABLED, name))
        finally:
            store.close()
        out.print(f"[green]disabled[/green] {name}; its sessions have ended")


@users_app.command("passwd")
def users_passwd(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The account whose password to set.")],
    password_stdin: PasswordStdinOpt = False,
) -> None:
    """Set an account's password (at least 10 characters); its sessions end now."""
    from busbrain.access.passwords import Passwords
    from busbrain.access.records import AuditAction
    from busbrain.wiring import open_store

    with _errors():
        store = open_store(_settings(ctx).db)
        try:
            name = _existing_user(store.users, username)
            password_hash = Passwords().hash(_read_password(password_stdin))
            entry = _cli_audit(AuditAction.PASSWORD_CHANGED, name)
            store.users.set_password(name, password_hash, audit=entry)
        finally:
            store.close()
        out.print(f"[green]password set[/green] for {name}; its sessions have ended")


def _demo_users(settings: Settings) -> str:
    """Make sure the demo's console accounts (DEMO_USERS) exist with the demo password:
    `demo_password` if set, else a new random one. Returns the password."""
    from busbrain.access.passwords import Passwords, new_password, password_problem
    from busbrain.wiring import open_store

    password = settings.demo_password or new_password()
    problem = password_problem(password)
    if problem is not None:
        raise BadInputError(f"BUSBRAIN_DEMO_PASSWORD: {problem}")
    passwords = Passwords()
    now = dt.datetime.now(dt.UTC)
    store = open_store(settings.db)
    try:
        for username, display_name, role in DEMO_USERS:
            _demo_user(store.users, passwords, username, display_name, role, password, now)
    finally:
        store.close()
    return password


def _demo_user(
    users: UserStore,
    passwords: Passwords,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    now: dt.datetime,
) -> None:
    """Add one demo account, or give an existing one the demo password (kept as is when
    it has it already; its role and disabled flag are never touched)."""
    from busbrain.access.accounts import new_user
    from busbrain.access.records import AuditAction

    found = users.find_user(username)
    if found is None:
        user = new_user(
            username=username,
            display_name=display_name,
            role=role,
            password=password,
            passwords=passwords,
            now=now,
        )
        entry = _cli_audit(AuditAction.USER_ADDED, username, role=role.value, command="demo")
        users.add_user(user, audit=entry)
    elif not passwords.check(found.password_hash, password).ok:
        entry = _cli_audit(AuditAction.PASSWORD_CHANGED, username, command="demo")
        users.set_password(username, passwords.hash(password), audit=entry)


def _print_demo_users(settings: Settings) -> None:
    """Set up the demo's console accounts and say, once, how to log in."""
    password = _demo_users(settings)
    shown = (
        "the one in BUSBRAIN_DEMO_PASSWORD"
        if settings.demo_password
        else f"[bold]{password}[/bold] (new at every start)"
    )
    names = ", ".join(f"{username} ({ROLE_NAMES_ZH[role]})" for username, _, role in DEMO_USERS)
    out.print(f"dispatch console: http://{settings.host}:{settings.port}/dispatch")
    out.print(f"  users: {names}")
    out.print(f"  password: {shown}")


def _live_processor(store: Any) -> Any:
    """The real-time processor for the network in `store`, today's network loaded."""
    import time

    from busbrain.realtime.live import LiveProcessor, service_date_of
    from busbrain.realtime.rtnet import RtNetwork
    from busbrain.store.days import load_day_network, network_timezone, service_day_start

    tz = network_timezone(store.queries)
    cache: dict[dt.date, RtNetwork | None] = {}

    def day_network(day: dt.date) -> RtNetwork | None:
        if day not in cache:
            cache.clear()  # one day at a time: the processor moves forward only
            try:
                net = load_day_network(store.queries, store.schedule, day)
                cache[day] = RtNetwork.build(net, service_day_start(day, tz))
            except BadInputError:  # no service that day
                cache[day] = None
        return cache[day]

    def learnt(day: dt.date) -> Any:
        from busbrain.runner.learning import learnt_for

        return learnt_for(store.history, day, tz)

    day_network(service_date_of(time.time(), tz))
    return LiveProcessor(day_network, tz, learnt=learnt)


def _speed_limits(settings: Settings) -> Any:
    """The speed-limit table named by the settings (None: the default 60 km/h); a bad
    table stops the server with the line and field at fault."""
    from busbrain.oversight.safety import parse_speed_limits

    if settings.speed_limits is None:
        return None
    path = Path(settings.speed_limits)
    try:
        return parse_speed_limits(path.read_text(encoding="utf-8"), str(path))
    except (OSError, ValueError) as exc:
        raise BadInputError(f"speed limits: {exc}") from exc


def _batch_loader(settings: Settings, store: Any) -> Callable[[bytes, str], dict[str, Any]]:
    """Load one fare batch (bytes, file name) into `store`; returns the batch's report."""
    from busbrain.planning.jobs.taps import TapLoader
    from busbrain.wiring import card_key

    loader = TapLoader(store, card_key(settings), now=lambda: dt.datetime.now(dt.UTC))

    def load(data: bytes, name: str) -> dict[str, Any]:
        report, _ = loader.load_bytes(data, name)
        return report.as_dict()

    return load


def _fare_upload(settings: Settings, store: Any) -> Any:
    """The fare-batch upload endpoint's loader, or None while no token is configured."""
    from busbrain.api.routes.fares import FareUpload

    if settings.fare_upload_token is None:
        return None
    return FareUpload(settings.fare_upload_token, _batch_loader(settings, store))


def _serve(
    settings: Settings,
    gateway_port: int | None = None,
    open_registration: bool = False,
    simulate: Callable[..., Any] | None = None,
    tiles: TileConfig | None = None,
    clock: str | None = None,
    fares_dir: Path | None = None,
) -> None:
    """Serve the API and pages; with `gateway_port`, the terminal gateway in the same loop.
    With `fares_dir`, fare batches dropped there are loaded as they come.
    `tiles` is the map page's base map (from `wiring.tile_config`), or None. `clock`
    (HH:MM) starts the server's clock at that local time; the simulator may move it too
    (set_offset), and the API, the live side and the buses then share one clock."""
    import asyncio
    import time

    import uvicorn

    from busbrain.api.app import create_app
    from busbrain.api.warmup import warm_up
    from busbrain.domain.gtfstime import timezone_of
    from busbrain.domain.live import LiveSnapshot
    from busbrain.gateway.config import GatewayConfig
    from busbrain.gateway.server import Gateway, tune_gc
    from busbrain.oversight.equipment import Equipment
    from busbrain.runner.alarms import consume_alarms
    from busbrain.runner.consumer import ChangeInbox, consume
    from busbrain.runner.devices import consume_devices
    from busbrain.runner.drivers import consume_drivers
    from busbrain.runner.fare_folder import watch_fare_folder
    from busbrain.runner.history import HistoryBuffer
    from busbrain.wiring import open_bus, open_store

    async def run() -> None:
        store = open_store(settings.db)
        latest: list[LiveSnapshot | None] = [None]
        offset = [_clock_offset(store.queries, clock)]
        devices = Equipment(timezone_of([a.timezone for a in store.queries.list_agencies()]))
        trip_inbox = ChangeInbox()  # 调度指挥's trip changes, API -> live processor
        app = create_app(
            store.queries,
            live=lambda: latest[0],
            fare_upload=_fare_upload(settings, store),
            schedule=store.schedule,
            tiles=tiles,
            clock=lambda: time.time() + offset[0],
            users=store.users,
            session_hours=settings.session_hours,
            outbox=store.outbox,
            terminals=store.terminals,
            history=store.history,
            alarms=store.alarms,
            fares=store.fares,
            devices=devices,
            trip_changes=store.trip_changes,
            drivers=store.drivers,
            speed_limits=_speed_limits(settings),
            on_trip_changes=trip_inbox.put,
        )
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=settings.host,
                port=settings.port,
                log_level="warning",
            )
        )
        bus = await open_bus(settings.bus)
        gw = None
        if gateway_port is not None:
            config = GatewayConfig(
                host=settings.host, port=gateway_port, open_registration=open_registration
            )
            gw = Gateway(config, registry=store.terminals, outbox=store.outbox, publisher=bus)
            await gw.start()
        url = f"http://{settings.host}:{settings.port}"
        extra = f"; JT/T 808 gateway on {settings.host}:{gw.port}" if gw else ""
        if tiles is not None:
            extra += f"; base map {tiles.url} ({tiles.crs})"
        out.print(f"serving on [bold]{url}[/bold]{extra} (Ctrl-C stops)")
        if not store.users.list_users():
            out.print(
                f"the dispatch console ({url}/dispatch) has no users yet: add the first admin "
                "with `busbrain users add NAME --role admin`"
            )
        processor = await asyncio.to_thread(_live_processor, store)
        today = app.state.trip_book.day_of(time.time() + offset[0])  # changes made before
        trip_inbox.put(today, (await asyncio.to_thread(app.state.trip_book.day, today)).changes)
        # Build today's timetable for the arrivals boards now, off the event loop, rather
        # than on the first rider's request.
        await asyncio.to_thread(app.state.timetable.today, time.time() + offset[0])
        warm_up(app)  # today's record into memory for the console, in a thread of its own
        # the network, search index and timetable now in memory live as long as the
        # server: freeze them out of the collector, whose full passes over them paused
        # every request for 100-200 ms (the API's latency tail)
        await asyncio.to_thread(app.state.network_cache.finder)
        tune_gc()
        live_task = asyncio.create_task(
            consume(
                processor,
                bus,
                on_snapshot=lambda snap: latest.__setitem__(0, snap),
                to_sim=lambda t: t + offset[0],
                history=HistoryBuffer(store.history),
                changes=trip_inbox,
            )
        )
        alarms_task = asyncio.create_task(consume_alarms(store.alarms, bus))
        drivers_task = asyncio.create_task(consume_drivers(store.drivers, bus))
        devices_task = asyncio.create_task(
            consume_devices(
                devices,
                bus,
                live=lambda: latest[0],
                registry=store.terminals,
                fares=store.fares,
                to_sim=lambda t: t + offset[0],
            )
        )
        fares_task = (
            None
            if fares_dir is None
            else asyncio.create_task(
                watch_fare_folder(
                    fares_dir, await asyncio.to_thread(_batch_loader, settings, store)
                )
            )
        )
        sim_task = None
        if simulate is not None and gw is not None:
            sim_task = asyncio.create_task(
                simulate(
                    "127.0.0.1",
                    gw.port,
                    lambda s: offset.__setitem__(0, s),
                    processor.plan,
                    offset[0],
                )
            )
        try:
            await server.serve()
        finally:
            live_task.cancel()
            alarms_task.cancel()
            drivers_task.cancel()
            devices_task.cancel()
            if fares_task is not None:
                fares_task.cancel()
            if sim_task is not None:
                sim_task.cancel()
            if gw is not None:
                await gw.stop()
            await bus.close()
            store.close()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        out.print("stopped")


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port.")] = None,
    gateway_port: Annotated[
        int | None,
        typer.Option("--gateway-port", help="Also serve JT/T 808 terminals on this port."),
    ] = None,
    bus: Annotated[str | None, typer.Option("--bus", help="'memory' or nats://host:port.")] = None,
    tile_url: TileUrlOpt = None,
    tile_crs: TileCrsOpt = None,
    tile_attribution: TileAttributionOpt = None,
    clock: ClockOpt = None,
    fares_dir: Annotated[
        Path | None,
        typer.Option(
            "--fares-dir",
            help="Load fare batches (CSV or Parquet) dropped in this folder as they come.",
        ),
    ] = None,
) -> None:
    """Serve the API and web pages for the network in the store (and terminals, if asked)."""
    from busbrain.wiring import tile_config

    with _errors():
        tiles = _tile_settings(tile_url, tile_crs, tile_attribution)
        settings = _settings(ctx, host=host, port=port, bus=bus, **tiles)
        _serve(
            settings, gateway_port, tiles=tile_config(settings), clock=clock, fares_dir=fares_dir
        )


@app.command("gateway")
def gateway(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Listen address for terminals.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="TCP port for terminals (JT/T 808).")] = 7808,
    open_registration: Annotated[
        bool,
        typer.Option(
            "--open-registration", help="Accept terminals not in the registry (demo, tests)."
        ),
    ] = False,
    metrics_port: Annotated[
        int | None, typer.Option("--metrics-port", help="Serve Prometheus /metrics on this port.")
    ] = None,
    bus: Annotated[
        str | None, typer.Option("--bus", help="'memory' or nats://host:port; env BUSBRAIN_BUS.")
    ] = None,
    idle_timeout: Annotated[
        float, typer.Option("--idle-timeout", help="Seconds of silence before a connection closes.")
    ] = 180.0,
) -> None:
    """Serve JT/T 808 terminals over TCP; their reports go onto the event bus."""
    import uvloop

    from busbrain.gateway.config import GatewayConfig
    from busbrain.gateway.server import Gateway, tune_gc
    from busbrain.wiring import open_bus, open_store

    settings = _settings(ctx, bus=bus)
    config = GatewayConfig(
        host=host, port=port, open_registration=open_registration, idle_timeout_s=idle_timeout
    )

    async def serve() -> None:
        store = open_store(settings.db)
        event_bus = await open_bus(settings.bus)
        gw = Gateway(config, registry=store.terminals, outbox=store.outbox, publisher=event_bus)
        await gw.start(metrics_port=metrics_port, metrics_host=host)
        tune_gc()
        where = f"{host}:{gw.port}" + (
            f", metrics on :{gw.metrics_port}/metrics" if metrics_port else ""
        )
        out.print(f"gateway listening on {where}; bus {settings.bus} (Ctrl-C stops)")
        try:
            await gw.serve_forever()
        finally:
            await gw.stop()
            await event_bus.close()
            store.close()

    with _errors():
        try:
            uvloop.run(serve())  # libuv's event loop: several times less overhead per frame
        except KeyboardInterrupt:
            out.print("stopped")


@app.command("demo")
def demo(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port.")] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the demo city (default: the built-in one).")
    ] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Build and import, then exit.")
    ] = False,
    gateway_port: Annotated[
        int, typer.Option("--gateway-port", help="JT/T 808 port of the in-process gateway.")
    ] = 7808,
    no_sim: Annotated[
        bool, typer.Option("--no-sim", help="Serve without the simulated buses.")
    ] = False,
    tile_url: TileUrlOpt = None,
    tile_crs: TileCrsOpt = None,
    tile_attribution: TileAttributionOpt = None,
    clock: ClockOpt = None,
) -> None:
    """Build the Jinzhou-like demo city, import it, and serve it on localhost.

    Uses ./var/demo.db unless --db or BUSBRAIN_DB names another store.
    """
    from busbrain.democity import DEFAULT_SEED, write_demo_feed
    from busbrain.wiring import tile_config

    with _errors():
        explicit = (ctx.obj or {}).get("db") or os.environ.get("BUSBRAIN_DB")
        tile_options = _tile_settings(tile_url, tile_crs, tile_attribution)
        settings = _settings(
            ctx, host=host, port=port, db=None if explicit else DEMO_DB, **tile_options
        )
        tiles = tile_config(settings)  # a bad base map fails now, not after the build
        s = DEFAULT_SEED if seed is None else seed
        feed = Path("var") / "demo" / f"jinzhou-{s}.zip"
        with err.status(f"building the demo city (seed {s})"):
            write_demo_feed(feed, s)
        if not _import(settings, feed, False, None):
            raise typer.Exit(1)
        if not no_serve:
            _print_demo_users(settings)
            runner = None if no_sim else _demo_simulator(settings, s)
            _serve(
                settings,
                gateway_port=gateway_port,
                open_registration=True,
                simulate=runner,
                tiles=tiles,
                clock=clock,
                fares_dir=None if no_sim else DEMO_SIM_OUT / "fares",
            )


def _demo_simulator(settings: Settings, seed: int) -> Callable[..., Any]:
    """The demo's simulated buses: today's service in real time, from now (the server's
    clock, when --clock set it), or from 07:30 on a simulated clock when few buses run at
    this hour."""

    async def run(
        host: str,
        port: int,
        set_offset: Callable[[float], None],
        set_plan: Callable[[dict[str, str]], None],
        offset_s: float = 0.0,
    ) -> None:
        import asyncio
        import time

        from busbrain.sim.runner import fleet_records, run_live
        from busbrain.sim.scenario import Scenario
        from busbrain.sim.truth import write_outputs
        from busbrain.sim.world import simulate_world
        from busbrain.store.days import (
            load_day_network,
            network_timezone,
            next_service_day,
            service_day_start,
        )
        from busbrain.wiring import open_store

        def build() -> Any:
            store = open_store(settings.db)
            try:
                tz = network_timezone(store.queries)
                day = next_service_day(store.schedule, dt.datetime.now(tz).date())
                net = load_day_network(store.queries, store.schedule, day)
                world = simulate_world(net, Scenario(day, seed=seed), service_day_start(day, tz))
                store.terminals.upsert_terminals(fleet_records(world))
                return world
            finally:
                store.close()

        world = await asyncio.to_thread(build)
        real_s = time.time() - world.day_start_unix
        now_s = real_s + offset_s
        first = min(b.power_on for b in world.day.buses)
        last = max(b.power_off for b in world.day.buses)
        out_now = sum(1 for b in world.day.buses if b.power_on <= now_s <= b.power_off)
        busy = out_now >= 0.25 * len(world.day.buses)  # a quarter of the fleet or more
        start = now_s if offset_s or (busy and first <= now_s <= last - 3600) else 7.5 * 3600
        hh, mm = int(start // 3600) % 24, int(start % 3600 // 60)
        clock = "" if start == real_s else f" on a simulated clock from {hh:02d}:{mm:02d}"
        set_offset(start - real_s)  # the API and live side run on the buses' clock
        # the dispatch plan (which bus runs which block) is known to a city's brain
        set_plan(
            {t.vehicle_id: d.block_id for t, d in zip(world.terminals, world.duties, strict=True)}
        )
        out.print(
            f"simulating {len(world.terminals)} buses{clock}; truth and fare batches in "
            f"{DEMO_SIM_OUT}"
        )
        truth = asyncio.create_task(
            asyncio.to_thread(write_outputs, world, DEMO_SIM_OUT, fares=False)
        )
        await run_live(
            world, host, port, speed=1.0, span_s=(start, last), fares_to=DEMO_SIM_OUT / "fares"
        )
        await truth

    return run


def _parse_span_time(text: str) -> int:
    """ "HH:MM" or "HH:MM:SS" (hours may pass 24) as seconds after the service day's start."""
    try:
        parts = [int(p) for p in text.split(":")]
    except ValueError:
        parts = []
    if len(parts) not in (2, 3) or any(p < 0 for p in parts) or parts[1] > 59:
        raise BadInputError(f"time {text!r} must be HH:MM or HH:MM:SS")
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) == 3 else 0)


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise BadInputError(f"--gateway {text!r} must be HOST:PORT")
    return host, int(port)


@app.command("simulate")
def simulate(
    ctx: typer.Context,
    date: Annotated[
        str | None, typer.Option(help="Service date YYYY-MM-DD (default: today or next).")
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Start of the reported span, HH:MM.")
    ] = None,
    to: Annotated[str | None, typer.Option(help="End of the reported span, HH:MM.")] = None,
    seed: Annotated[int, typer.Option(help="Seed: same seed, same day.")] = 416,
    demand: Annotated[float, typer.Option(help="Passenger demand, 1.0 a typical day.")] = 1.0,
    persons: Annotated[
        int | None,
        typer.Option(
            help="Fix the number of travellers (default: from --demand and the buses run); "
            "to compare two timetables on the same people."
        ),
    ] = None,
    faults: Annotated[str, typer.Option(help="Terminal faults: none, normal or heavy.")] = "normal",
    interval: Annotated[int, typer.Option(help="Position report interval, seconds.")] = 10,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the ground truth and fare files.")
    ] = Path("var/sim"),
    gateway: Annotated[
        str | None, typer.Option(help="Drive a running gateway at HOST:PORT over TCP.")
    ] = None,
    capture: Annotated[
        Path | None, typer.Option(help="Write the terminals' traffic to a capture file.")
    ] = None,
    speed: Annotated[
        float, typer.Option(help="Simulated seconds per real second with --gateway.")
    ] = 1.0,
    provision: Annotated[
        bool,
        typer.Option(help="Add the simulated fleet to the store's terminal registry."),
    ] = True,
) -> None:
    """Simulate a service day of the network in the store: buses speaking JT/T 808,
    passengers tapping cards, and the ground truth to score against.

    Writes the truth and the fare and passenger-counter files under --out; with
    --gateway drives a gateway over TCP (a day's span in real time, or --speed times
    faster); with --capture records the terminals' bytes for `busbrain capture replay`.
    """
    import asyncio

    from busbrain.sim.runner import fleet_records, run_capture, run_live
    from busbrain.sim.scenario import FAULT_LEVELS, FaultRates, Scenario
    from busbrain.sim.truth import write_outputs
    from busbrain.sim.world import simulate_world
    from busbrain.store.days import (
        load_day_network,
        network_timezone,
        next_service_day,
        service_day_start,
    )
    from busbrain.wiring import open_store

    with _errors():
        if faults not in FAULT_LEVELS:
            raise BadInputError(f"--faults must be one of {', '.join(FAULT_LEVELS)}")
        if interval < 1 or speed <= 0 or demand < 0:
            raise BadInputError("--interval and --speed must be positive, --demand not negative")
        target = _host_port(gateway) if gateway else None
        span_from = float(_parse_span_time(from_)) if from_ else None
        span_to = float(_parse_span_time(to)) if to else None
        settings = _settings(ctx)
        store = open_store(settings.db)
        try:
            tz = network_timezone(store.queries)
            if date is None:
                day = next_service_day(store.schedule, dt.datetime.now(tz).date())
            else:
                try:
                    day = dt.date.fromisoformat(date)
                except ValueError as exc:
                    raise BadInputError(f"--date {date!r} must be YYYY-MM-DD") from exc
            net = load_day_network(store.queries, store.schedule, day)
            if persons is not None and persons < 0:
                raise BadInputError("--persons must be >= 0")
            scenario = Scenario(
                day,
                seed=seed,
                demand=demand,
                persons=persons,
                report_interval_s=interval,
                faults=FaultRates().scaled(FAULT_LEVELS[faults]),
            )
            with _progress() as bar:
                task = bar.add_task(f"simulating {day.isoformat()}", total=None)

                def step(name: str, done: int, total: int) -> None:
                    bar.update(task, description=f"simulating {day}: {name} {done}/{total}")

                world = simulate_world(net, scenario, service_day_start(day, tz), progress=step)
                bar.update(task, description=f"writing the ground truth to {out_dir}")
                counts = write_outputs(world, out_dir, fares=target is None)
            if provision and (target or capture):
                store.terminals.upsert_terminals(fleet_records(world))
        finally:
            store.close()
        out.print(
            f"simulated {len(world.terminals)} buses, {counts['rides']:,} rides, "
            f"{counts['positions']:,} positions; truth in {out_dir}"
        )
        first = min((b.power_on for b in world.day.buses), default=0.0)
        last = max((b.power_off for b in world.day.buses), default=0.0)
        span = (first if span_from is None else span_from, last if span_to is None else span_to)
        if capture is not None:
            with _progress() as bar:
                task = bar.add_task("capturing", total=None)
                stats = run_capture(
                    world,
                    capture,
                    span,
                    progress=lambda n: bar.update(task, description=f"capturing: {n:,} records"),
                )
            out.print(
                f"captured {stats.records:,} records ({stats.locations:,} positions) to {capture}"
            )
        if target is not None:
            host, port = target

            def show(stats: Any) -> None:
                err.print(
                    f"online {stats.connected}, positions {stats.locations_sent:,}, "
                    f"commands answered {stats.commands_answered}",
                    end="\r",
                )

            try:
                live = asyncio.run(
                    run_live(
                        world,
                        host,
                        port,
                        speed=speed,
                        span_s=span,
                        fares_to=out_dir / "fares",
                        progress=show,
                    )
                )
            except KeyboardInterrupt:
                out.print("stopped")
                return
            out.print(
                f"sent {live.locations_sent:,} positions from {len(world.terminals)} terminals "
                f"({live.reconnects} reconnects, {live.auth_failures} auth failures)"
            )


@app.command("replay")
def replay_positions(
    ctx: typer.Context,
    positions: Annotated[Path, typer.Option(help="Recorded positions, CSV.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the results.")],
    date: Annotated[
        str | None, typer.Option(help="Service date YYYY-MM-DD (default: from the positions).")
    ] = None,
    method: Annotated[
        str, typer.Option(help="Prediction method written: kalman, prevbus, delay, schedule.")
    ] = "kalman",
    all_methods: Annotated[
        bool, typer.Option("--all-methods", help="Write every method's predictions.")
    ] = False,
    blocks: Annotated[
        Path | None,
        typer.Option(help="The day's dispatch plan: CSV of vehicle_id, block_id."),
    ] = None,
    gtfs: Annotated[
        Path | None,
        typer.Option(help="The GTFS feed (zip or folder) the buses ran (default: the store's)."),
    ] = None,
    to_store: Annotated[
        bool,
        typer.Option(
            "--to-store",
            help="Also add the stop events to the store's history (as the live side does).",
        ),
    ] = False,
    no_predictions: Annotated[
        bool,
        typer.Option("--no-predictions", help="Only stop events (no predictions.csv): faster."),
    ] = False,
) -> None:
    """Run the real-time pipeline over recorded positions on a simulated clock.

    Positions: vehicle_id, timestamp (unix s), lat, lon, and optional trip_id, bearing,
    speed (km/h), received (unix s). Writes stop_events.csv and predictions.csv (every
    prediction made) under --out, unix seconds throughout. Without --gtfs the network in
    the store is used; with --to-store the stop events also go into the store's history,
    which OD inference and the predictors' training read.
    """
    import collections
    import tempfile

    from busbrain.network_io.importer import import_feed
    from busbrain.realtime.predict import METHODS, SegmentPredictor
    from busbrain.realtime.replay import replay
    from busbrain.realtime.rtnet import RtNetwork
    from busbrain.runner.files import (
        read_positions,
        read_vehicle_blocks,
        stop_event_records,
        write_predictions,
        write_stop_events,
    )
    from busbrain.store.days import load_day_network, network_timezone, service_day_start
    from busbrain.wiring import open_store

    with _errors():
        if method not in METHODS:
            raise BadInputError(f"--method must be one of {', '.join(METHODS)}")
        if gtfs is not None and not gtfs.exists():
            raise BadInputError(f"{gtfs}: no such feed")
        if gtfs is not None and to_store:
            raise BadInputError(
                "--to-store records history for the store's own network: drop --gtfs"
            )
        if not positions.is_file():
            raise BadInputError(f"{positions}: no such file")
        plan = read_vehicle_blocks(blocks) if blocks is not None else {}
        fixes, notices = read_positions(positions)
        for n in notices[:10]:
            err.print(f"[yellow]skipped[/yellow] {n.render()}")
        if len(notices) > 10:
            err.print(f"... and {len(notices) - 10} more bad rows")
        if not fixes:
            raise BadInputError(f"{positions}: no usable positions")
        with tempfile.TemporaryDirectory() as tmp, _progress() as bar:
            task = bar.add_task("loading the network", total=None)
            if gtfs is None:
                store = open_store(_settings(ctx).db)
            else:
                store = open_store(f"sqlite:///{Path(tmp) / 'replay.db'}")
            try:
                if gtfs is not None:
                    bar.update(task, description=f"importing {gtfs.name}")
                    import_feed(gtfs, store.network, now=dt.datetime.now(dt.UTC))
                elif store.queries.summary().trips == 0:
                    raise BadInputError("the store has no network: import one, or pass --gtfs")
                tz = network_timezone(store.queries)
                if date is not None:
                    try:
                        day = dt.date.fromisoformat(date)
                    except ValueError as exc:
                        raise BadInputError(f"--date {date!r} must be YYYY-MM-DD") from exc
                else:
                    days = collections.Counter(
                        (dt.datetime.fromtimestamp(f.t, tz) - dt.timedelta(hours=3)).date()
                        for f in fixes[:: max(len(fixes) // 1000, 1)]
                    )
                    day = days.most_common(1)[0][0]
                net = load_day_network(store.queries, store.schedule, day)
            finally:
                if gtfs is not None or not to_store:
                    store.close()
            rt = RtNetwork.build(net, service_day_start(day, tz))
            predictor = (
                None
                if no_predictions
                else SegmentPredictor(rt, METHODS if all_methods else (method,), through_block=True)
            )
            bar.update(task, description=f"replaying {len(fixes):,} positions of {day}")
            result = replay(
                rt,
                fixes,
                predictor=predictor,
                planned_block=plan,
                progress=lambda n: bar.update(task, description=f"replaying: {n:,} positions"),
            )
        out_dir.mkdir(parents=True, exist_ok=True)
        events = write_stop_events(out_dir / "stop_events.csv", result.events, rt)
        if to_store:
            try:
                stored = store.history.add_stop_events(
                    stop_event_records(result.events, rt, day, dt.datetime.now(dt.UTC))
                )
            finally:
                store.close()
            out.print(f"{stored:,} stop events added to the store's history")
        preds = (
            0
            if no_predictions
            else write_predictions(
                out_dir / "predictions.csv", result.predictions, rt, with_method=all_methods
            )
        )
        out.print(
            f"{result.fixes:,} positions ({result.kept:,} kept, {result.matched:,} on a trip): "
            f"{events:,} stop events, {preds:,} predictions in {out_dir}"
        )
        for (code, sev), count in sorted(result.quality.counts.items()):
            out.print(f"  {sev.value} {code}: {count:,}")


@capture_app.command("replay")
def capture_replay(
    file: Annotated[Path, typer.Argument(help="A capture written by `simulate --capture`.")],
    gateway: Annotated[str, typer.Option(help="The gateway, HOST:PORT.")],
    speed: Annotated[
        str, typer.Option(help="Times the recorded pace, or 'max' for as fast as possible.")
    ] = "1",
) -> None:
    """Send a capture's traffic to any gateway, each terminal on its own connection."""
    import asyncio

    from busbrain.sim.replay import replay_capture

    with _errors():
        host, port = _host_port(gateway)
        try:
            pace = float("inf") if speed == "max" else float(speed)
        except ValueError as exc:
            raise BadInputError("--speed must be a number or 'max'") from exc
        if pace <= 0:
            raise BadInputError("--speed must be positive")
        if not file.is_file():
            raise BadInputError(f"{file}: no such capture file")

        def show(stats: Any) -> None:
            err.print(f"frames sent {stats.frames_sent:,}", end="\r")

        try:
            stats = asyncio.run(replay_capture(file, host, port, speed=pace, progress=show))
        except KeyboardInterrupt:
            out.print("stopped")
            return
        except ValueError as exc:
            raise BadInputError(f"{file}: {exc}") from exc
        out.print(
            f"replayed {stats.frames_sent:,} frames "
            f"({stats.auth_failures} auth failures, {stats.dropped} dropped)"
        )


def _tap_files(paths: list[Path]) -> list[Path]:
    """Files named, and the .csv/.parquet files inside folders named, in name order."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*") if q.suffix in (".csv", ".parquet")))
        elif p.is_file():
            files.append(p)
        else:
            raise BadInputError(f"{p}: no such file or folder")
    return files


def _load_taps(settings: Settings, paths: list[Path], rejects: Path | None) -> list[Any]:
    from busbrain.planning.jobs.taps import TapLoader, write_rejects
    from busbrain.wiring import card_key, open_store

    files = _tap_files(paths)
    key = card_key(settings)
    store = open_store(settings.db)
    reports = []
    refused_rows = []
    try:
        loader = TapLoader(store, key, now=lambda: dt.datetime.now(dt.UTC))
        if loader.vehicles is None:
            err.print(
                "[yellow]warning:[/yellow] the terminal registry has no vehicles: "
                "the unknown-vehicle check is skipped"
            )
        with _progress() as bar:
            task = bar.add_task("loading taps", total=len(files))
            for path in files:
                report, intake = loader.load_bytes(path.read_bytes(), str(path))
                reports.append(report)
                if intake is not None and intake.rejected.height:
                    refused_rows.append((str(path), intake))
                bar.update(task, advance=1, description=f"loading taps: {path.name}")
    finally:
        store.close()
    if rejects is not None:
        n = write_rejects(rejects, refused_rows)
        out.print(f"{n:,} refused rows written to {rejects}")
    return reports


def _print_tap_reports(reports: list[Any]) -> None:
    rows = sum(r.rows for r in reports)
    added = sum(r.added for r in reports)
    refused: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    for r in reports:
        for kind, n in r.refused.items():
            refused[kind] = refused.get(kind, 0) + n
        for kind, lines in r.examples.items():
            examples.setdefault(kind, []).extend(f"{Path(r.source).name} {x}" for x in lines)
    bad_files = [r for r in reports if r.error is not None]
    out.print(
        f"{len(reports) - len(bad_files)} batches read: {rows:,} rows, "
        f"[green]{added:,} taps added[/green]"
    )
    for kind, n in refused.items():
        if n:
            out.print(f"  refused {kind}: {n:,}")
            for line in examples.get(kind, [])[:3]:
                out.print(f"    {line}")
    for r in bad_files:
        err.print(f"[red]batch refused:[/red] {r.error}")


@taps_app.command("load")
def taps_load(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Batch files (CSV or Parquet), or folders of them.")
    ],
    rejects: Annotated[
        Path | None, typer.Option(help="Write every refused row (with its reason) to this CSV.")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON report per batch instead.")
    ] = False,
) -> None:
    """Load fare-tap batches: check each row, pseudonymise card ids, store the good taps.

    Bad rows are refused by kind (malformed, unknown_vehicle, outside_service, duplicate)
    with counts and examples; they never stop a batch. Loading a batch again adds nothing.
    Exit status 1 when a whole batch could not be read.
    """
    import json

    with _errors():
        reports = _load_taps(_settings(ctx), paths, rejects)
        if json_out:
            for r in reports:
                out.print_json(json.dumps(r.as_dict(), ensure_ascii=False))
        else:
            _print_tap_reports(reports)
        if any(r.error for r in reports):
            raise typer.Exit(1)


def _day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise BadInputError(f"{option} {text!r} must be YYYY-MM-DD") from exc


@plan_app.command("od")
def plan_od(
    ctx: typer.Context,
    date_from: Annotated[str, typer.Option("--from", help="First service day, YYYY-MM-DD.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the results.")],
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last service day (default: --from).")
    ] = None,
    fares: Annotated[
        list[Path] | None,
        typer.Option(help="Fare batch files or folders to load first (repeatable)."),
    ] = None,
    walk_limit_m: Annotated[
        float, typer.Option(help="Farthest walk from alighting to the next boarding, metres.")
    ] = 800.0,
    transfer_window_min: Annotated[
        float, typer.Option(help="A next boarding within this many minutes is a transfer.")
    ] = 30.0,
    zone_size_m: Annotated[float, typer.Option(help="Side of the OD zones, metres.")] = 1000.0,
    apc: Annotated[
        list[Path] | None,
        typer.Option(
            help="Passenger-counter door counts (CSV; repeatable): scale each trip's "
            "boardings to the counter's."
        ),
    ] = None,
    report: Annotated[bool, typer.Option(help="Write report.html.")] = True,
) -> None:
    """Infer where riders got off (trip chaining), journeys and transfers, loads per trip
    segment and load profiles, from the fare taps and AVL stop events in the store.

    Writes OD matrices (stop and zone, by time band), loads, load profiles, max-load
    sections, transfer flows and report.html under --out.
    """
    from busbrain.planning.jobs.od import run_od
    from busbrain.planning.jobs.od_report import write_report
    from busbrain.planning.od.params import OdParams
    from busbrain.wiring import open_store

    with _errors():
        first = _day(date_from, "--from")
        last = _day(date_to, "--to") if date_to else first
        if walk_limit_m <= 0 or transfer_window_min <= 0 or zone_size_m <= 0:
            raise BadInputError(
                "--walk-limit-m, --transfer-window-min and --zone-size-m must be positive"
            )
        settings = _settings(ctx)
        if fares:
            reports = _load_taps(settings, fares, None)
            _print_tap_reports(reports)
        params = OdParams(
            walk_limit_m=walk_limit_m,
            transfer_window_s=transfer_window_min * 60,
            zone_size_m=zone_size_m,
        )
        store = open_store(settings.db)
        try:
            with _progress() as bar:
                task = bar.add_task("OD", total=None)
                result, inputs = run_od(
                    store,
                    first,
                    last,
                    out_dir,
                    params,
                    progress=lambda m: bar.update(task, description=m),
                    apc=_tap_files(apc) if apc else None,
                )
                if report:
                    bar.update(task, description="drawing the report")
                    write_report(
                        out_dir / "report.html",
                        result,
                        inputs,
                        store.queries,
                        zone_size_m=zone_size_m,
                    )
        finally:
            store.close()
        r = result.rates
        out.print(
            f"{int(r['taps']):,} taps: {r['boarding_rate']:.1%} with a boarding stop, "
            f"{r['alighting_rate']:.1%} of card rides chained to an alighting stop, "
            f"{int(r['transfers']):,} transfers; results in {out_dir}"
        )


@plan_app.command("loads")
def plan_loads(
    ctx: typer.Context,
    date_from: Annotated[str, typer.Option("--from", help="First service day, YYYY-MM-DD.")],
    apc: Annotated[
        list[Path],
        typer.Option(help="Passenger-counter door counts, CSV (repeatable; files or folders)."),
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for segment_loads.parquet.")],
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last service day (default: --from).")
    ] = None,
) -> None:
    """Loads per trip segment from the passenger counters and the AVL history alone, for
    cities without fare data: `plan timetable --od OUT` takes them as it takes `plan od`'s."""
    from busbrain.planning.jobs.od import run_loads
    from busbrain.wiring import open_store

    with _errors():
        first = _day(date_from, "--from")
        last = _day(date_to, "--to") if date_to else first
        store = open_store(_settings(ctx).db)
        try:
            with _progress() as bar:
                task = bar.add_task("loads", total=None)
                loads = run_loads(
                    store, first, last, _tap_files(apc), out_dir,
                    progress=lambda m: bar.update(task, description=m),
                )  # fmt: skip
        finally:
            store.close()
        out.print(
            f"{loads.height:,} trip segments, {loads['boardings'].sum():,.0f} boardings counted; "
            f"{out_dir / 'segment_loads.parquet'}"
        )


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send whatever is written to file descriptor 1 (C libraries too) to 2 meanwhile."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests capture it)
        yield
        return
    saved = os.dup(fd)
    try:
        os.dup2(sys.stderr.fileno(), fd)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)


@plan_app.command("vsp")
def plan_vsp(
    instance: Annotated[
        Path, typer.Argument(help="A vehicle-scheduling instance (.inp, .inp.gz or .zip).")
    ],
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds the solver may use.")
    ] = 60.0,
) -> None:
    """Solve a multi-depot vehicle-scheduling benchmark instance; print one JSON object:
    {"vehicles", "cost", "seconds"}, after checking the solution (every trip once,
    feasible arcs, depot capacities)."""
    import json

    from busbrain.planning.jobs.vsp import solve_file
    from busbrain.planning.scheduling.instance import InfeasibleError, InstanceError

    with _errors():
        if not instance.is_file():
            raise BadInputError(f"{instance}: no such file")
        if time_limit <= 0:
            raise BadInputError("--time-limit must be positive")
        try:
            with _stdout_to_stderr():  # HiGHS prints a banner from C: keep stdout one JSON
                result = solve_file(instance, time_limit)
        except (InstanceError, InfeasibleError) as exc:
            raise BadInputError(str(exc)) from exc
        print(json.dumps(result))


def _policy(
    capacity: float,
    peak_load_factor: float,
    offpeak_load_factor: float,
    min_headway_min: float,
    max_headway_min: float,
    method: int,
    spacing: str,
) -> Any:
    from busbrain.planning.timetable.frequency import Method
    from busbrain.planning.timetable.plan import Policy, Spacing

    if method not in (1, 2, 3, 4):
        raise BadInputError("--method must be 1, 2, 3 or 4 (Ceder's frequency methods)")
    if spacing not in {s.value for s in Spacing}:
        raise BadInputError("--spacing must be even_headway or even_load")
    if capacity <= 0 or not 0 < peak_load_factor <= 2 or not 0 < offpeak_load_factor <= 2:
        raise BadInputError("--capacity must be positive and the load factors in (0, 2]")
    if not 0 < min_headway_min * 2 <= max_headway_min:
        raise BadInputError(
            "--min-headway-min must be positive and at most half of --max-headway-min"
        )
    return Policy(
        capacity=capacity,
        peak_load_factor=peak_load_factor,
        offpeak_load_factor=offpeak_load_factor,
        min_headway_s=min_headway_min * 60,
        max_headway_s=max_headway_min * 60,
        method=Method(method),
        spacing=Spacing(spacing),
    )


@plan_app.command("timetable")
def plan_timetable(
    ctx: typer.Context,
    od: Annotated[Path, typer.Option(help="The folder `plan od` wrote (load profiles).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the new feed and report.")],
    service: Annotated[str, typer.Option(help="The service to replan, e.g. WD.")] = "WD",
    method: Annotated[
        int, typer.Option(help="Ceder's frequency method: 1, 2 (max load), 3, 4 (profile).")
    ] = 2,
    spacing: Annotated[str, typer.Option(help="even_headway or even_load.")] = "even_headway",
    capacity: Annotated[float, typer.Option(help="Places per bus.")] = 80.0,
    peak_load_factor: Annotated[
        float, typer.Option(help="Desired occupancy in the peaks, share of capacity.")
    ] = 0.65,
    offpeak_load_factor: Annotated[
        float, typer.Option(help="Desired occupancy off-peak, share of capacity.")
    ] = 0.45,
    min_headway_min: Annotated[float, typer.Option(help="Shortest headway, minutes.")] = 3.0,
    max_headway_min: Annotated[float, typer.Option(help="Longest headway, minutes.")] = 12.0,
    blocks: Annotated[
        bool, typer.Option(help="Also chain the new trips into blocks (plan blocks).")
    ] = True,
) -> None:
    """Compile a new timetable (车次计划) from load profiles: frequencies by hour (Ceder's
    methods), departures, stop times from the running times in the AVL history; write the
    network as GTFS with the service's trips replaced (timetable.zip), the comparison
    with the current timetable (comparison.csv) and report.html."""
    import tempfile

    import polars as pl

    from busbrain.network_io.exporter import export_feed
    from busbrain.planning.jobs.blocks import plan_blocks, write_blocks
    from busbrain.planning.jobs.timetable import comparison, gather_lines, write_feed
    from busbrain.planning.jobs.timetable_report import write_report
    from busbrain.wiring import open_store

    with _errors():
        policy = _policy(
            capacity, peak_load_factor, offpeak_load_factor, min_headway_min,
            max_headway_min, method, spacing,
        )  # fmt: skip
        store = open_store(_settings(ctx).db)
        try:
            with _progress() as bar:
                task = bar.add_task("timetable", total=None)

                def say(m: str) -> None:
                    bar.update(task, description=m)

                lines, day = gather_lines(store, od, service, policy, progress=say)
                say("writing the feed")
                out_dir.mkdir(parents=True, exist_ok=True)
                feed = out_dir / "timetable.zip"
                with tempfile.TemporaryDirectory() as tmp:
                    current = Path(tmp) / "current.zip"
                    export_feed(store.network, current)
                    write_feed(current, lines, service, feed)
                    table = comparison(lines)
                    table.write_csv(out_dir / "comparison.csv")
                    before = after = None
                    if blocks:
                        say("blocks for the current timetable")
                        before = plan_blocks(current, service, progress=say)
                        say("blocks for the new timetable")
                        after = plan_blocks(feed, service, progress=say)
                        write_blocks(feed, service, after, feed)
                say("drawing the report")
                write_report(out_dir / "report.html", lines, before, after, policy, day)
        finally:
            store.close()
        totals = table.group_by("timetable").agg(
            pl.col("trips").sum(), pl.col("vehicle_hours").sum()
        )
        got = {r[0]: r for r in totals.iter_rows()}
        now, new = got["current"], got["new"]
        out.print(
            f"{len(lines)} lines and directions of service {service}: trips {now[1]:,} -> "
            f"{new[1]:,}, vehicle-hours {now[2]:,.0f} -> {new[2]:,.0f}"
            + (
                f", buses {sum(r.day.fleet for r in before)} -> {sum(r.day.fleet for r in after)}"
                if before is not None and after is not None
                else ""
            )
            + f"; feed, comparison and report in {out_dir}"
        )


@plan_app.command("blocks")
def plan_blocks_cmd(
    feed: Annotated[Path, typer.Argument(help="A GTFS feed (zip).")],
    out_path: Annotated[Path, typer.Option("--out", help="The feed with block_id filled (zip).")],
    service: Annotated[str, typer.Option(help="The service whose trips to chain.")] = "WD",
    layover_min: Annotated[float, typer.Option(help="Shortest layover, minutes.")] = 5.0,
) -> None:
    """Chain a service's trips into blocks (路牌) per line, fewest buses first, then least
    deadhead and idle time; print the fleet per line against its lower bounds."""
    from busbrain.planning.jobs.blocks import BlockParams, plan_blocks, write_blocks

    with _errors():
        if not feed.is_file():
            raise BadInputError(f"{feed}: no such file")
        if layover_min < 0:
            raise BadInputError("--layover-min must be >= 0")
        with _progress() as bar:
            task = bar.add_task("blocks", total=None)
            plans = plan_blocks(
                feed,
                service,
                BlockParams(layover_s=layover_min * 60),
                progress=lambda m: bar.update(task, description=m),
            )
            write_blocks(feed, service, plans, out_path)
        table = Table(title=f"blocks of service {service}")
        for col in (
            "line",
            "trips",
            "buses",
            "lower bound",
            "deficit bound",
            "deadhead h",
            "idle h",
        ):
            table.add_column(col)
        for r in plans:
            d = r.day
            table.add_row(
                r.route_id, str(r.trips), str(d.fleet), str(d.lower_bound), str(d.deficit_bound),
                f"{d.deadhead_s / 3600:.1f}", f"{d.idle_s / 3600:.1f}",
            )  # fmt: skip
        out.print(table)
        out.print(
            f"{sum(r.trips for r in plans):,} trips in {sum(r.day.fleet for r in plans)} blocks "
            f"(lower bound {sum(r.day.lower_bound for r in plans)}); written to {out_path}"
        )


def main() -> None:
    app()
