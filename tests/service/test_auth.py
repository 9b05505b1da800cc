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


# ---- sessions are server-side (issue 13, items 1, 6, 15, 16) -----------------------------


def _login(client, username: str) -> str:
    resp = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["csrf_token"]


def test_an_erased_teachers_cookie_does_not_open_the_next_account(client, app):
    """SQLite reuses the id of a deleted highest row: the old cookie must not follow the id."""
    from service.models import Programme, User
    from service.services import accounts

    csrf = _login(client, "teacher_s1")  # the newest account: the highest user id
    with db.new_session(app) as s:
        old_id = s.execute(sa.select(User.id).where(User.username == "teacher_s1")).scalar_one()
    stolen = client.get_cookie("session").value
    assert client.delete("/api/v1/teachers/s-01", headers={"X-CSRF-Token": csrf}).status_code == 204
    with app.test_request_context(), db.new_session(app) as s:
        south = s.execute(sa.select(Programme).where(Programme.name == "south")).scalar_one()
        new = accounts.create_user(s, "teacher_s2", "teacher", south, password="violet kettle orbit", teacher_id="s-02")
        new_id = new.id
    if app.config["DATABASE_URL"].startswith("sqlite"):
        assert new_id == old_id  # the reuse that made the attack possible
    client.set_cookie("session", stolen)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/teachers/s-02").status_code == 401
    assert client.get("/api/v1/teachers/s-02/data-export").status_code == 401


def test_sessions_are_stored_hashed_and_the_cookie_names_no_user(client, app):
    from flask.sessions import SecureCookieSessionInterface

    from service.models import UserSession

    _login(client, "coord_n")
    raw = client.get_cookie("session").value
    data = SecureCookieSessionInterface().get_signing_serializer(app).loads(raw)
    assert "user_id" not in data and "role" not in data and len(data["sid"]) >= 43
    with db.new_session(app) as s:
        rows = list(s.execute(sa.select(UserSession)).scalars())
    assert len(rows) == 1 and rows[0].token_hash != data["sid"] and len(rows[0].token_hash) == 64


def test_sign_out_revokes_the_session_on_the_server(client):
    csrf = _login(client, "coord_n")
    stolen = client.get_cookie("session").value
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.set_cookie("session", stolen)  # a copy of the cookie taken before signing out
    assert client.get("/api/v1/me").status_code == 401


def test_sessions_end_after_the_idle_timeout_and_the_absolute_lifetime(client, app):
    from datetime import timedelta

    from service.models import UserSession, utcnow

    _login(client, "coord_n")
    assert client.get("/api/v1/me").status_code == 200
    idle = app.config["PEERMATCH_SESSION_IDLE_SECONDS"]
    with db.new_session(app) as s:
        s.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(seconds=idle + 5)))
    assert client.get("/api/v1/me").status_code == 401

    _login(client, "coord_n")
    lifetime = app.config["PEERMATCH_SESSION_MAX_SECONDS"]
    with db.new_session(app) as s:
        s.execute(sa.update(UserSession).values(created_at=utcnow() - timedelta(seconds=lifetime + 5)))
    # Recent activity does not extend the absolute lifetime.
    assert client.get("/api/v1/me").status_code == 401


def test_session_limits_are_configured_and_the_cookie_is_not_renewed(app):
    assert app.config["PEERMATCH_SESSION_MAX_SECONDS"] == 12 * 3600
    assert app.config["PEERMATCH_SESSION_IDLE_SECONDS"] == 2 * 3600
    assert app.permanent_session_lifetime.total_seconds() == 12 * 3600
    assert app.config["SESSION_REFRESH_EACH_REQUEST"] is False


def test_secure_cookie_when_configured(database_url, tmp_path):
    from service import create_app

    from .conftest import base_config

    app = create_app({**base_config(database_url, tmp_path), "PEERMATCH_AUTO_MIGRATE": False, "SESSION_COOKIE_SECURE": True})
    try:
        resp = app.test_client().post("/api/v1/session", json={"username": "coord_n", "password": PASSWORD})
        assert "Secure" in resp.headers["Set-Cookie"] and "HttpOnly" in resp.headers["Set-Cookie"]
    finally:
        db.engine(app).dispose()


def test_an_empty_or_bad_authorization_header_never_falls_back_to_the_cookie(client):
    _login(client, "teacher_n1")
    for header in ("", "Bearer", "Bearer ", "Basic x"):
        resp = client.patch("/api/v1/teachers/n-01", json={"about": "forged"}, headers={"Authorization": header})
        assert resp.status_code == 401, (header, resp.status_code)
        assert client.get("/api/v1/me", headers={"Authorization": header}).status_code == 401
    assert client.get("/api/v1/teachers/n-01").get_json()["about"] != "forged"


def test_a_valid_token_needs_no_csrf_token(client):
    _login(client, "teacher_n2")  # a cookie of someone else does not matter
    resp = client.patch("/api/v1/teachers/n-01", json={"about": "by token"}, headers={**ACCOUNTS["teacher_n1"].headers, "If-Match": "*"})
    assert resp.status_code == 200 and resp.get_json()["about"] == "by token"


def test_anonymous_requests_get_401_before_any_body_validation(client):
    for method, path, body in (
        ("post", "/api/v1/teachers", {"id": 1, "unknown": True}),
        ("patch", "/api/v1/teachers/n-01", {"years_teaching": "many"}),
        ("post", "/api/v1/cohort-runs", {"group_size": "x"}),
        ("put", "/api/v1/teachers/n-01/peers/n-02/decision", {"decision": 42}),
        ("post", "/api/v1/me/password", {"nope": 1}),
    ):
        resp = getattr(client, method)(path, json=body)
        assert resp.status_code == 401, (path, resp.status_code, resp.get_json())
        assert "errors" not in resp.get_json()
    # Public operations still validate as before.
    assert client.post("/api/v1/session", json={"username": ""}).status_code == 422


def test_ended_sessions_are_forgotten_at_the_next_sign_in(client, app):
    from service.models import UserSession

    for _ in range(3):
        csrf = _login(client, "coord_n")
        assert client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    _login(client, "coord_n")
    with db.new_session(app) as s:
        rows = list(s.execute(sa.select(UserSession)).scalars())
    assert len(rows) == 1 and rows[0].revoked_at is None
