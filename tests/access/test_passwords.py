"""Passwords: the rules, argon2id hashing, rehashing on new parameters, and the dummy
check that keeps unknown usernames from being told apart by timing."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from busbrain.access.accounts import new_user, normalise_username, username_problem
from busbrain.access.passwords import (
    MIN_PASSWORD_CHARS,
    Passwords,
    Verdict,
    new_password,
    password_problem,
)
from busbrain.access.roles import Role
from busbrain.access.tokens import new_session, token_hash
from busbrain.domain.errors import BadInputError

NOW = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)


def cheap(time_cost: int = 1, memory_cost: int = 8) -> Passwords:
    return Passwords(PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1))


def test_a_password_needs_ten_characters_any_kind() -> None:
    assert MIN_PASSWORD_CHARS == 10
    assert password_problem("123456789") == "a password needs at least 10 characters"
    assert password_problem("1234567890") is None
    assert password_problem("锦州公交调度中心密码一") is None  # ten Chinese characters
    assert password_problem("x" * 2000) is not None


def test_a_hash_is_argon2id_salted_and_checks_only_its_password() -> None:
    pw = cheap()
    first, second = pw.hash("锦州 dispatch 1"), pw.hash("锦州 dispatch 1")
    assert first.startswith("$argon2id$") and first != second  # salted
    assert pw.check(first, "锦州 dispatch 1") == Verdict(ok=True)
    assert pw.check(first, "锦州 dispatch 2") == Verdict(ok=False)
    assert pw.check("not a hash", "锦州 dispatch 1") == Verdict(ok=False)


def test_an_unknown_user_is_checked_against_a_dummy_hash() -> None:
    calls: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            calls.append(str(hash))
            return super().verify(hash, password)

    pw = Passwords(Counting(time_cost=1, memory_cost=8, parallelism=1))
    assert pw.check(None, "whatever you like") == Verdict(ok=False)
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_a_hash_with_old_parameters_comes_back_rehashed() -> None:
    old = cheap(time_cost=1, memory_cost=8).hash("correct horse battery")
    verdict = cheap(time_cost=2, memory_cost=16).check(old, "correct horse battery")
    assert verdict.ok and verdict.new_hash is not None
    assert "m=16,t=2" in verdict.new_hash
    assert cheap(time_cost=2, memory_cost=16).check(verdict.new_hash, "correct horse battery") == (
        Verdict(ok=True)
    )


def test_generated_passwords_follow_the_rules_and_differ() -> None:
    made = {new_password() for _ in range(20)}
    assert len(made) == 20
    assert all(password_problem(p) is None and not set(p) & set("0O1lI") for p in made)


def test_usernames_are_lower_case_and_simple() -> None:
    assert normalise_username("  DiaoDu ") == "diaodu"
    assert username_problem("diaodu") is None and username_problem("zh.wang-01") is None
    for bad in ("d", "王调度", "-x", "a b", "x" * 33):
        assert username_problem(bad) is not None, bad


def test_new_user_hashes_the_password_and_names_what_is_wrong() -> None:
    pw = cheap()
    user = new_user(
        username="DiaoDu", display_name=None, role=Role.DISPATCHER, password="p" * 10,
        passwords=pw, now=NOW,
    )  # fmt: skip
    assert (user.username, user.display_name, user.disabled) == ("diaodu", "diaodu", False)
    assert pw.check(user.password_hash, "p" * 10).ok
    with pytest.raises(BadInputError, match="at least 10"):
        new_user(
            username="x1", display_name="X", role=Role.ADMIN, password="short",
            passwords=pw, now=NOW,
        )  # fmt: skip
    with pytest.raises(BadInputError, match="display name is empty"):
        new_user(
            username="x1", display_name="  ", role=Role.ADMIN, password="p" * 10,
            passwords=pw, now=NOW,
        )  # fmt: skip


def test_a_session_stores_the_tokens_hash_and_expires_without_sliding() -> None:
    token, session = new_session("diaodu", now=NOW, hours=12)
    assert len(token) >= 43 and session.token_hash == token_hash(token) != token
    assert len(session.token_hash) == 64
    assert session.expires_utc == NOW + dt.timedelta(hours=12)
    assert not session.expired(NOW + dt.timedelta(hours=11, minutes=59))
    assert session.expired(NOW + dt.timedelta(hours=12))
    assert new_session("diaodu", now=NOW, hours=12)[0] != token
