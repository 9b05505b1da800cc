"""Tests of ``service/services/accounts.py`` and ``passwords.py``: sign-in throttling,
password policy, deactivation, token expiry (issue 13, items 7 and 12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from service import db
from service.models import ApiToken, LoginAttempt, User, utcnow
from service.services import accounts
from service.services.passwords import password_issues

from .conftest import ACCOUNTS, PASSWORD


def attempt(client, username, password, address="198.51.100.7"):
    return client.post("/api/v1/session", json={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address})


def age_attempts(app, seconds):
    """Move every recorded attempt ``seconds`` into the past (instead of sleeping)."""
    with db.new_session(app) as s:
        for a in s.execute(sa.select(LoginAttempt)).scalars():
            a.at = a.at - timedelta(seconds=seconds)


def test_failures_under_made_up_names_do_not_lock_real_users_from_that_address(client):
    for n in range(30):
        assert attempt(client, f"made-up-{n}", "guess", "203.0.113.5").status_code == 401
    assert attempt(client, "coord_n", PASSWORD, "203.0.113.5").status_code == 200


def test_bad_passwords_for_a_name_slow_down_that_pair_only(client, app):
    limit = app.config["PEERMATCH_LOGIN_MAX_FAILURES"]
    for _ in range(limit + 3):
        resp = attempt(client, "coord_s", "guess", "203.0.113.9")
        assert resp.status_code in (401, 429)
    # The attacker's address is throttled for that name...
    throttled = attempt(client, "coord_s", PASSWORD, "203.0.113.9")
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    # ...but the owner signs in from their own address at once.
    assert attempt(client, "coord_s", PASSWORD, "192.0.2.44").status_code == 200


def test_delays_grow_and_are_capped_and_answered_with_retry_after(client, app):
    limit = app.config["PEERMATCH_LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert attempt(client, "coord_n", "guess").status_code == 401
    waits = []
    for _ in range(4):
        resp = attempt(client, "coord_n", "guess")
        assert resp.status_code == 429
        waits.append(int(resp.headers["Retry-After"]))
        age_attempts(app, waits[-1])  # wait exactly as told
        assert attempt(client, "coord_n", "guess").status_code == 401  # allowed again (and wrong)
    assert waits == [1, 2, 4, 8]
    with db.new_session(app) as s:
        s.add_all(LoginAttempt(username="coord_n", address="198.51.100.7", succeeded=False) for _ in range(40))
    capped = attempt(client, "coord_n", PASSWORD)
    assert capped.status_code == 429 and int(capped.headers["Retry-After"]) <= app.config["PEERMATCH_LOGIN_MAX_DELAY_SECONDS"]
    # After the delay the right password works, and the success clears the slate.
    age_attempts(app, app.config["PEERMATCH_LOGIN_MAX_DELAY_SECONDS"])
    assert attempt(client, "coord_n", PASSWORD).status_code == 200
    fresh = app.test_client()
    assert attempt(fresh, "coord_n", "typo").status_code == 401
    assert attempt(app.test_client(), "coord_n", PASSWORD).status_code == 200


def test_one_address_has_a_generous_cap_across_names(client, app):
    cap = app.config["PEERMATCH_LOGIN_ADDRESS_MAX_FAILURES"]
    assert cap >= 50
    with db.new_session(app) as s:
        s.add_all(LoginAttempt(username=f"x{n}", address="203.0.113.77", succeeded=False) for n in range(cap))
    resp = attempt(client, "coord_n", PASSWORD, "203.0.113.77")
    assert resp.status_code == 429 and 0 < int(resp.headers["Retry-After"]) <= app.config["PEERMATCH_LOGIN_WINDOW_SECONDS"]
    assert attempt(client, "coord_n", PASSWORD, "192.0.2.1").status_code == 200


@pytest.mark.parametrize(
    "password, username, message",
    [
        ("short-one", "sam", "at least 12"),
        ("coord_n-is-my-password", "coord_n", "user name"),
        ("Password1234", "sam", "too common"),
        ("aaaaaaaaaaaaaaaa", "sam", "too common"),
        ("x" * 201, "sam", "at most 200"),
    ],
)
def test_password_policy(password, username, message):
    assert any(message in p for p in password_issues(password, username=username))


def test_password_policy_knows_the_email():
    assert password_issues("sam.lee@school.example!", username="t-1", email="sam.lee@school.example")
    assert password_issues("walnut kettle orbit", username="sam", email="sam.lee@school.example") == []


def test_create_user_applies_the_policy(app):
    from service.problems import Problem

    with app.test_request_context(), db.new_session(app) as s:
        programme = accounts.get_or_create_programme(s, "north")
        with pytest.raises(Problem) as info:
            accounts.create_user(s, "newbie", "analyst", programme, password="newbie")
    assert info.value.status == 422 and {e["field"] for e in info.value.errors} == {"password"}
    assert "newbie" not in str(info.value.errors)  # the password is not echoed


def test_deactivation_ends_sessions_and_revokes_tokens(client, app):
    assert attempt(client, "analyst_n", PASSWORD).status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    with app.test_request_context(), db.new_session(app) as s:
        user = s.execute(sa.select(User).where(User.username == "analyst_n")).scalar_one()
        assert accounts.deactivate_user(s, user) == 1
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=ACCOUNTS["analyst_n"].headers).status_code == 401
    assert attempt(client, "analyst_n", PASSWORD, "192.0.2.9").status_code == 401


def test_role_change_ends_sessions(client, app):
    assert attempt(client, "analyst_s", PASSWORD).status_code == 200
    with app.test_request_context(), db.new_session(app) as s:
        user = s.execute(sa.select(User).where(User.username == "analyst_s")).scalar_one()
        accounts.set_role(s, user, "coordinator")
    assert client.get("/api/v1/me").status_code == 401
    assert attempt(client, "analyst_s", PASSWORD).get_json()["role"] == "coordinator"


def test_tokens_expire_by_default_and_expired_tokens_are_refused(client, app):
    with app.test_request_context(), db.new_session(app) as s:
        user = s.execute(sa.select(User).where(User.username == "coord_n")).scalar_one()
        token = accounts.create_token(s, user, name="ci")
        row = s.execute(sa.select(ApiToken).where(ApiToken.name == "ci")).scalar_one()
        days = (row.expires_at - utcnow()).total_seconds() / 86400
    assert 89.9 < days <= 90
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with db.new_session(app) as s:
        s.execute(sa.update(ApiToken).where(ApiToken.name == "ci").values(expires_at=utcnow() - timedelta(seconds=1)))
    resp = client.get("/api/v1/me", headers=headers)
    assert resp.status_code == 401 and "expired" in resp.get_json()["detail"]


def test_behind_a_trusted_proxy_the_throttle_sees_the_client_address(database_url, tmp_path):
    from service import create_app

    from .conftest import base_config

    app = create_app({**base_config(database_url, tmp_path), "PEERMATCH_AUTO_MIGRATE": False, "PEERMATCH_PROXY_COUNT": 1})
    try:
        client = app.test_client()
        limit = app.config["PEERMATCH_LOGIN_MAX_FAILURES"]
        for _ in range(limit + 1):
            client.post("/api/v1/session", json={"username": "coord_n", "password": "guess"}, headers={"X-Forwarded-For": "203.0.113.1"})
        victim = client.post("/api/v1/session", json={"username": "coord_n", "password": PASSWORD}, headers={"X-Forwarded-For": "192.0.2.8"})
        assert victim.status_code == 200
        with db.new_session(app) as s:
            addresses = set(s.execute(sa.select(LoginAttempt.address)).scalars())
        assert addresses == {"203.0.113.1", "192.0.2.8"}
    finally:
        db.engine(app).dispose()
