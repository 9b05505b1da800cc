"""Tests of ``service/auth.py``, ``service/csrf.py`` and sign-in (``service/api/session.py``)."""

from __future__ import annotations

import sqlalchemy as sa

from service import db
from service.models import ApiToken, LoginAttempt

from .conftest import ACCOUNTS, PASSWORD, count_rows


def test_tokens_are_stored_hashed(app):
    with db.new_session(app) as s:
        hashes = list(s.execute(sa.select(ApiToken.token_hash)).scalars())
    assert hashes and not any(a.token in hashes for a in ACCOUNTS.values())
    assert all(len(h) == 64 for h in hashes)


def test_bad_tokens_are_401_with_challenge(client):
    for header in ("Bearer nope", "Basic abc", "Bearer ", "token"):
        resp = client.get("/api/v1/me", headers={"Authorization": header})
        assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert resp.mimetype == "application/problem+json"


def test_me(client):
    body = client.get("/api/v1/me", headers=ACCOUNTS["teacher_n1"].headers).get_json()
    assert body["role"] == "teacher" and body["teacher_id"] == "n-01" and body["programme"] == "north"


def test_session_login_logout_and_csrf(client):
    resp = client.post("/api/v1/session", json={"username": "teacher_n1", "password": PASSWORD})
    assert resp.status_code == 200
    csrf = resp.get_json()["csrf_token"]
    assert client.get("/api/v1/me").get_json()["username"] == "teacher_n1"
    # A state-changing request with only the cookie needs the CSRF token.
    denied = client.patch("/api/v1/teachers/n-01", json={"about": "x"})
    assert denied.status_code == 403 and denied.get_json()["title"] == "CSRF check failed"
    wrong = client.patch("/api/v1/teachers/n-01", json={"about": "x"}, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    ok = client.patch("/api/v1/teachers/n-01", json={"about": "x"}, headers={"X-CSRF-Token": csrf, "If-Match": "*"})
    assert ok.status_code == 200 and ok.get_json()["about"] == "x"
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_session_cookie_is_httponly(client):
    resp = client.post("/api/v1/session", json={"username": "coord_n", "password": PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_does_not_say_which(client):
    a = client.post("/api/v1/session", json={"username": "coord_n", "password": "wrong"})
    b = client.post("/api/v1/session", json={"username": "nobody", "password": "wrong"})
    assert a.status_code == b.status_code == 401
    assert a.get_json()["detail"] == b.get_json()["detail"]


def test_login_is_rate_limited_even_with_the_right_password(client, app):
    limit = app.config["PEERMATCH_LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert client.post("/api/v1/session", json={"username": "coord_s", "password": "guess"}).status_code == 401
    # The failures were recorded although each request rolled back.
    assert count_rows(app, LoginAttempt) == limit
    resp = client.post("/api/v1/session", json={"username": "coord_s", "password": PASSWORD})
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    # Other users are not locked out.
    assert client.post("/api/v1/session", json={"username": "coord_n", "password": PASSWORD}).status_code == 200


def test_role_change_invalidates_session(client, app):
    from service.models import User

    client.post("/api/v1/session", json={"username": "analyst_n", "password": PASSWORD})
    with db.new_session(app) as s:
        s.execute(sa.update(User).where(User.username == "analyst_n").values(active=False))
    assert client.get("/api/v1/me").status_code == 401
