"""POST /api/v1/fares/batches: the clearing system pushes a batch, with its token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from busbrain.api import create_app
from busbrain.api.routes.fares import FareUpload
from busbrain.network_io.importer import import_feed
from busbrain.planning.jobs.taps import TapLoader
from busbrain.wiring import Store, open_store
from tests.tinyfeed import TinyFeed

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
TOKEN = "s3cret-clearing-token"
BATCH = (
    b"txn_id,reader_time,vehicle_id,reader_id,channel,card_id,fare_fen\n"
    b"t1,2026-12-01T06:01:10+08:00,V1,R1,ic_card,31000001,90\n"
    b"t2,2026-12-01T06:02:10+08:00,V1,R1,bitcoin,31000002,90\n"
)


@pytest.fixture
def store(tmp_path: Path, tiny: TinyFeed) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'fares.db'}")
    import_feed(tiny.folder(), s.network, now=NOW)
    yield s
    s.close()


def client(store: Store, token: str | None = TOKEN) -> TestClient:
    loader = TapLoader(store, bytes(32), now=lambda: NOW)

    def load(data: bytes, name: str) -> dict[str, object]:
        return loader.load_bytes(data, name)[0].as_dict()

    return TestClient(create_app(store.queries, fare_upload=FareUpload(token, load)))


def post(c: TestClient, body: bytes, token: str | None = TOKEN, name: str = "b1.csv"):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return c.post(f"/api/v1/fares/batches?name={name}", content=body, headers=headers)


def test_a_batch_is_loaded_and_reported(store: Store) -> None:
    c = client(store)
    r = post(c, BATCH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rows"], body["added"]) == (2, 1)
    assert body["refused"]["malformed"] == 1
    assert "channel 'bitcoin'" in body["examples"]["malformed"][0]
    again = post(c, BATCH)
    assert again.json()["added"] == 0  # retries are harmless
    assert store.fares.taps(dt.date(2026, 12, 1), dt.date(2026, 12, 1)).height == 1


def test_without_the_right_token_nothing_is_loaded(store: Store) -> None:
    c = client(store)
    assert post(c, BATCH, token=None).status_code == 401
    wrong = post(c, BATCH, token="guess")
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    off = post(client(store, token=None), BATCH)
    assert off.status_code == 503 and "BUSBRAIN_FARE_UPLOAD_TOKEN" in off.json()["detail"]
    assert store.fares.taps(dt.date(2026, 12, 1), dt.date(2026, 12, 1)).height == 0


def test_bad_requests_are_named(store: Store) -> None:
    c = client(store)
    assert post(c, b"").status_code == 422
    refused = post(c, b"a,b\n1,2\n")
    assert refused.status_code == 422 and "no column txn_id" in refused.json()["error"]
    bad_name = post(c, BATCH, name="../../etc")
    assert bad_name.status_code == 422 and "name:" in bad_name.json()["detail"]
    missing = c.post(
        "/api/v1/fares/batches", content=BATCH, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert missing.status_code == 422 and "name" in missing.text


def test_the_endpoint_is_in_the_openapi_schema(store: Store) -> None:
    schema = client(store).get("/openapi.json").json()
    assert "post" in schema["paths"]["/api/v1/fares/batches"]
