"""The busbrain command: help everywhere, meaningful exit codes, the store chosen by --db or env."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from busbrain.access.passwords import Passwords
from busbrain.access.records import AuditEntry
from busbrain.access.roles import Role
from busbrain.access.tokens import new_session
from busbrain.cli import app
from busbrain.domain.errors import BadInputError
from busbrain.wiring import Store, open_store
from tests.tinyfeed import TinyFeed

runner = CliRunner()
BUSBRAIN = str(Path(sys.executable).parent / "busbrain")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["gtfs"],
        ["gtfs", "import"],
        ["gtfs", "export"],
        ["gtfs", "validate"],
        ["gtfs", "convert-cn"],
        ["db"],
        ["db", "upgrade"],
        ["db", "status"],
        ["terminals"],
        ["terminals", "import"],
        ["serve"],
        ["demo"],
        ["simulate"],
        ["capture"],
        ["capture", "replay"],
        ["users"],
        ["users", "add"],
        ["users", "list"],
        ["users", "disable"],
        ["users", "passwd"],
    ],
)
def test_every_command_has_help(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_unknown_command_is_bad_usage() -> None:
    assert runner.invoke(app, ["gtfs", "bogus"]).exit_code == 2


def _summary(url: str) -> tuple[int, int]:
    store = open_store(url)
    s = store.queries.summary()
    store.close()
    return s.stops, s.stop_times


def test_import_export_validate(tiny: TinyFeed, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    r = runner.invoke(app, ["--db", db, "gtfs", "import", str(tiny.zip())])
    assert r.exit_code == 0, r.output
    assert _summary(db) == (8, 14)
    out = tmp_path / "out.zip"
    r = runner.invoke(app, ["--db", db, "gtfs", "export", str(out)])
    assert r.exit_code == 0 and out.exists()
    r = runner.invoke(app, ["gtfs", "validate", str(out)])
    assert r.exit_code == 0 and "no notices" in r.output


def test_a_feed_with_errors_is_refused_and_the_store_is_unchanged(
    tiny: TinyFeed, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["--db", db, "gtfs", "import", str(tiny.folder())]).exit_code == 0
    bad = TinyFeed(tmp_path / "bad")
    bad.append("stop_times.txt", "T4,07:15:00,07:15:00,NOPE,4")
    bad.append("stops.txt", "X1,,新站,41.13,121.13,0,")
    report = tmp_path / "notices.json"
    r = runner.invoke(app, ["--db", db, "gtfs", "import", str(bad.folder()), "--json", str(report)])
    assert r.exit_code == 2
    assert "foreign_key_violation" in r.output and "stop_times.txt:16" in r.output
    assert _summary(db) == (8, 14)
    data = json.loads(report.read_text())
    (n,) = [n for n in data["notices"] if n["code"] == "foreign_key_violation"]
    assert (n["file"], n["line"], n["field"], n["value"]) == (
        "stop_times.txt",
        16,
        "stop_id",
        "NOPE",
    )


def test_skip_bad_rows_imports_the_rest(tiny: TinyFeed, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    tiny.append("stop_times.txt", "T4,07:15:00,07:15:00,NOPE,4")
    tiny.append("stops.txt", "X1,,新站,41.13,121.13,0,")
    r = runner.invoke(app, ["--db", db, "gtfs", "import", "--skip-bad-rows", str(tiny.folder())])
    assert r.exit_code == 0, r.output
    assert "skipped bad rows" in r.output
    assert _summary(db) == (9, 14)


def test_validate_a_broken_feed_exits_2(tiny: TinyFeed) -> None:
    tiny.append("routes.txt", "R3,JZ,,,3,")
    r = runner.invoke(app, ["gtfs", "validate", str(tiny.folder())])
    assert r.exit_code == 2
    assert "route_both_short_and_long_name_missing" in r.output


def test_missing_file_exits_2_with_a_message(tmp_path: Path) -> None:
    r = runner.invoke(app, ["gtfs", "validate", str(tmp_path / "none.zip")])
    assert r.exit_code == 2
    assert "no such file" in " ".join(r.output.split())  # long paths wrap


def test_the_database_comes_from_the_environment(tiny: TinyFeed, tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    env = {**os.environ, "BUSBRAIN_DB": f"sqlite:///{db}"}
    proc = subprocess.run(
        [BUSBRAIN, "gtfs", "import", str(tiny.zip())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert db.exists()
    proc = subprocess.run(
        [BUSBRAIN, "db", "status"], env=env, capture_output=True, text=True, timeout=120
    )
    assert "8 stops" in proc.stdout


def test_default_database_is_a_sqlite_file_under_var(tiny: TinyFeed, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BUSBRAIN_DB"}
    proc = subprocess.run(
        [BUSBRAIN, "gtfs", "import", str(tiny.zip())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "var" / "busbrain.db").exists()


def test_postgres_url_works_from_the_cli(tiny: TinyFeed, pg_url: str) -> None:
    r = runner.invoke(app, ["--db", pg_url, "gtfs", "import", str(tiny.zip())])
    assert r.exit_code == 0, r.output
    assert _summary(pg_url) == (8, 14)


AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}"


def test_serve_gives_the_map_page_its_base_map(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BUSBRAIN_TILE_CRS": "gcj02", "BUSBRAIN_TILE_SUBDOMAINS": "12"}
    args = ["--db", f"sqlite:///{tmp_path / 'serve.db'}", "serve", "--port", str(port)]
    args += ["--tile-url", AMAP, "--tile-attribution", "© 高德地图"]
    proc = subprocess.Popen(
        [BUSBRAIN, *args],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            try:
                url = f"http://127.0.0.1:{port}/api/v1/web/config"
                with urllib.request.urlopen(url, timeout=5) as response:
                    config = json.load(response)
                    policy = response.headers["Content-Security-Policy"]
                break
            except OSError:
                assert time.monotonic() < deadline, "busbrain serve did not answer"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert config == {
        "tiles": {
            "url": AMAP,
            "crs": "gcj02",
            "attribution": "© 高德地图",
            "subdomains": ["1", "2"],
        }
    }
    servers = "https://webrd01.is.autonavi.com https://webrd02.is.autonavi.com"
    assert f"img-src 'self' data: {servers};" in policy


def test_a_bad_base_map_is_bad_input_before_anything_is_served_or_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    r = runner.invoke(app, ["--db", db, "serve", "--tile-url", "ftp://tiles.example.org/{z}"])
    assert r.exit_code == 2
    assert "BUSBRAIN_TILE_URL" in r.output
    r = runner.invoke(app, ["--db", db, "demo", "--no-serve", "--tile-url", "tiles/{z}/{x}/{y}"])
    assert r.exit_code == 2
    assert "BUSBRAIN_TILE_URL" in r.output
    assert not (tmp_path / "var" / "demo").exists()  # refused before the city was built
    monkeypatch.setenv("BUSBRAIN_TILE_CRS", "bd09")
    r = runner.invoke(app, ["--db", db, "serve", "--tile-url", AMAP])
    assert r.exit_code == 2
    assert "tile_crs" in r.output


# ---- busbrain users: the dispatch console's accounts ----

GOOD_PASSWORD = "锦州公交 2026 dispatch"


def _users_store(db: str) -> Store:
    return open_store(db)


def _add(db: str, *args: str, password: str = GOOD_PASSWORD) -> Result:
    return runner.invoke(
        app, ["--db", db, "users", "add", *args, "--password-stdin"], input=password + "\n"
    )


def test_users_add_list_disable_and_passwd_are_audited_as_the_cli(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'users.db'}"
    r = runner.invoke(app, ["--db", db, "users", "list"])
    assert r.exit_code == 0 and "busbrain users add NAME --role admin" in r.output
    r = _add(db, "Admin", "--role", "admin", "--name", "系统管理员")
    assert r.exit_code == 0, r.output
    assert "added admin (管理员, admin)" in r.output
    r = runner.invoke(
        app,
        ["--db", db, "users", "add", "diaodu", "--role", "dispatcher"],
        input=f"{GOOD_PASSWORD}\nsomething else\n{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )
    assert r.exit_code == 0, r.output
    assert "do not match" in r.output  # asked twice, and again when the two differ
    r = runner.invoke(app, ["--db", db, "users", "list"])
    assert r.exit_code == 0
    assert "系统管理员" in r.output and "调度员 dispatcher" in r.output and "active" in r.output

    store = _users_store(db)
    try:
        user = store.users.find_user("diaodu")
        assert user is not None and Passwords().check(user.password_hash, GOOD_PASSWORD).ok
        assert GOOD_PASSWORD not in user.password_hash
        _token, session = new_session("diaodu", now=dt.datetime.now(dt.UTC), hours=12)
        store.users.add_session(session, audit=AuditEntry(session.created_utc, "diaodu", "login"))
    finally:
        store.close()

    r = runner.invoke(
        app,
        ["--db", db, "users", "passwd", "DIAODU", "--password-stdin"],
        input="新密码 new password\n",
    )
    assert r.exit_code == 0 and "sessions have ended" in r.output
    r = runner.invoke(app, ["--db", db, "users", "disable", "diaodu"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--db", db, "users", "list"])
    assert "disabled" in r.output

    store = _users_store(db)
    try:
        user = store.users.find_user("diaodu")
        assert user is not None and user.disabled
        assert Passwords().check(user.password_hash, "新密码 new password").ok
        assert store.users.find_session(session.token_hash) is None
        log = list(reversed(store.users.audit_log()))
    finally:
        store.close()
    changes = [(e.username, e.action, e.target) for e in log if e.action != "login"]
    assert changes == [
        ("cli", "user_added", "admin"),
        ("cli", "user_added", "diaodu"),
        ("cli", "password_changed", "diaodu"),
        ("cli", "user_disabled", "diaodu"),
    ]
    assert log[0].detail["role"] == "admin" and log[0].detail["display_name"] == "系统管理员"
    assert all(e.at_utc.tzinfo is not None for e in log)


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["zhang", "--role", "safety"], "short", "at least 10 characters"),
        (["admin", "--role", "admin"], GOOD_PASSWORD, "taken"),
        (["王", "--role", "admin"], GOOD_PASSWORD, "2 to 32 letters"),
        (["boss", "--role", "boss"], GOOD_PASSWORD, "Invalid value"),
    ],
)
def test_users_add_refuses_bad_input_with_exit_2(
    tmp_path: Path, args: list[str], password: str, message: str
) -> None:
    db = f"sqlite:///{tmp_path / 'users.db'}"
    assert _add(db, "admin", "--role", "admin").exit_code == 0
    r = _add(db, *args, password=password)
    assert r.exit_code == 2
    assert message in r.output
    store = _users_store(db)
    try:
        assert [u.username for u in store.users.list_users()] == ["admin"]
        assert len(store.users.audit_log()) == 1
    finally:
        store.close()


def test_users_disable_and_passwd_name_an_unknown_user(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'users.db'}"
    for args in (["disable", "nobody"], ["passwd", "nobody", "--password-stdin"]):
        r = runner.invoke(app, ["--db", db, "users", *args], input=GOOD_PASSWORD + "\n")
        assert r.exit_code == 2 and "no user 'nobody'" in r.output


def test_the_demo_makes_a_user_per_role_with_one_password(tmp_path: Path) -> None:
    from busbrain.cli import DEMO_USERS, _demo_users
    from busbrain.config import Settings

    db = f"sqlite:///{tmp_path / 'demo.db'}"
    random_password = _demo_users(Settings(db=db))
    assert len(random_password) >= 10
    chosen = Settings(db=db, demo_password="演示密码 demo 2026")
    assert _demo_users(chosen) == "演示密码 demo 2026"
    store = _users_store(db)
    try:
        users = {u.username: u for u in store.users.list_users()}
        assert {name: users[name].role for name, _, _ in DEMO_USERS} == {
            "diaodu": Role.DISPATCHER,
            "anquan": Role.SAFETY,
            "jingli": Role.MANAGER,
            "guanli": Role.ADMIN,
        }
        assert all(
            Passwords().check(u.password_hash, "演示密码 demo 2026").ok for u in users.values()
        )
        entries = len(store.users.audit_log())
    finally:
        store.close()
    assert entries == 8  # four added, then four given the chosen password
    _demo_users(chosen)  # the same password again changes nothing
    store = _users_store(db)
    try:
        assert len(store.users.audit_log()) == entries
    finally:
        store.close()
    with pytest.raises(BadInputError, match="BUSBRAIN_DEMO_PASSWORD"):
        _demo_users(Settings(db=db, demo_password="short"))


def test_serve_lets_a_user_made_with_the_cli_log_in(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    add = subprocess.run(
        [BUSBRAIN, "--db", db, "users", "add", "admin", "--role", "admin", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert add.returncode == 0, add.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [BUSBRAIN, "--db", db, "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1/dispatch"
    body = json.dumps({"username": "admin", "password": GOOD_PASSWORD}).encode()
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            try:
                login = urllib.request.Request(
                    f"{base}/login", data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(login, timeout=5) as response:
                    token = json.load(response)["token"]
                    cookie = response.headers["Set-Cookie"]
                break
            except OSError:
                assert time.monotonic() < deadline, "busbrain serve did not answer"
                time.sleep(0.2)
        me = urllib.request.Request(f"{base}/me", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(me, timeout=5) as response:
            who = json.load(response)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert cookie.startswith("busbrain_session=") and "HttpOnly" in cookie
    assert who["role"] == "admin" and "manage:users" in who["permissions"]
