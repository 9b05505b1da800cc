"""Tests of ``service/api/accounts.py``: tokens, users and password changes through the API."""

from __future__ import annotations

import sqlalchemy as sa

from service import db
from service.models import User

from .conftest import ACCOUNTS, PASSWORD

COORD_N = ACCOUNTS["coord_n"].headers


def user_id(app, username):
    with db.new_session(app) as s:
        return s.execute(sa.select(User.id).where(User.username == username)).scalar_one()


def test_coordinators_list_their_programmes_tokens_never_the_tokens(client):
    body = client.get("/api/v1/tokens", headers=COORD_N).get_json()
    users = {k["username"] for k in body["items"]}
    assert users == {"coord_n", "analyst_n", "teacher_n1", "teacher_n2"}
    assert all(k["state"] == "active" and k["prefix"] and "token" not in k for k in body["items"])
    assert not any(a.token in str(body) for a in ACCOUNTS.values())
    own = client.get("/api/v1/tokens", headers=ACCOUNTS["teacher_n1"].headers).get_json()["items"]
    assert [k["username"] for k in own] == ["teacher_n1"]


def test_revoking_a_token(client):
    items = client.get("/api/v1/tokens", headers=COORD_N).get_json()["items"]
    analyst = next(k for k in items if k["username"] == "analyst_n")
    south = client.get("/api/v1/tokens", headers=ACCOUNTS["coord_s"].headers).get_json()["items"][0]
    # Another programme's token is "missing", exactly like an unknown one.
    other = client.delete(f"/api/v1/tokens/{south['id']}", headers=COORD_N)
    missing = client.delete("/api/v1/tokens/99999", headers=COORD_N)
    assert other.status_code == missing.status_code == 404
    assert set(other.get_json()) == set(missing.get_json())
    # A teacher cannot revoke a colleague's token.
    assert client.delete(f"/api/v1/tokens/{analyst['id']}", headers=ACCOUNTS["teacher_n1"].headers).status_code == 404
    resp = client.delete(f"/api/v1/tokens/{analyst['id']}", headers=COORD_N)
    assert resp.status_code == 200 and resp.get_json()["state"] == "revoked"
    assert client.get("/api/v1/me", headers=ACCOUNTS["analyst_n"].headers).status_code == 401


def test_coordinators_deactivate_their_programmes_users_only(client, app):
    client.post("/api/v1/session", json={"username": "teacher_n2", "password": PASSWORD})
    assert client.get("/api/v1/me").status_code == 200
    south = client.post(f"/api/v1/users/{user_id(app, 'teacher_s1')}/deactivate", headers=COORD_N)
    assert south.status_code == 404
    assert client.post(f"/api/v1/users/{user_id(app, 'coord_n')}/deactivate", headers=COORD_N).status_code == 422
    assert client.post(f"/api/v1/users/{user_id(app, 'teacher_n1')}/deactivate", headers=ACCOUNTS["teacher_n2"].headers).status_code == 403
    resp = client.post(f"/api/v1/users/{user_id(app, 'teacher_n2')}/deactivate", headers=COORD_N)
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert client.get("/api/v1/me").status_code == 401  # the session ended
    assert client.get("/api/v1/me", headers=ACCOUNTS["teacher_n2"].headers).status_code == 401  # the token too
    listed = client.get("/api/v1/users", headers=COORD_N).get_json()["items"]
    assert {u["username"] for u in listed} == {"coord_n", "analyst_n", "teacher_n1", "teacher_n2"}


def test_changing_my_password(client, app):
    csrf = client.post("/api/v1/session", json={"username": "teacher_n1", "password": PASSWORD}).get_json()["csrf_token"]
    other = app.test_client()
    other.post("/api/v1/session", json={"username": "teacher_n1", "password": PASSWORD})
    assert other.get("/api/v1/me").status_code == 200
    headers = {"X-CSRF-Token": csrf}
    wrong = client.post("/api/v1/me/password", json={"current_password": "nope", "new_password": "amber willow saxophone"}, headers=headers)
    assert wrong.status_code == 403
    weak = client.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "teacher_n1!!!!"}, headers=headers)
    assert weak.status_code == 422 and weak.get_json()["errors"][0]["field"] == "password"
    assert "user name" in weak.get_json()["detail"]
    ok = client.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "amber willow saxophone"}, headers=headers)
    assert ok.status_code == 204
    assert other.get("/api/v1/me").status_code == 401  # the other browser is signed out
    assert client.get("/api/v1/me").status_code == 200  # this one carries on, same CSRF token
    assert client.patch("/api/v1/teachers/n-01", json={"about": "still me"}, headers={**headers, "If-Match": "*"}).status_code == 200
    fresh = app.test_client()
    assert fresh.post("/api/v1/session", json={"username": "teacher_n1", "password": "amber willow saxophone"}).status_code == 200


def test_guessing_the_current_password_is_throttled_like_sign_in(client, app):
    """/me/password compared the current password with no throttle: a stolen token or session
    could try passwords at full speed, then change it and keep the account."""
    app.config["PEERMATCH_LOGIN_MAX_FAILURES"] = 3
    headers = ACCOUNTS["teacher_n1"].headers
    body = {"new_password": "amber willow saxophone"}
    for n in range(3):
        assert client.post("/api/v1/me/password", json={**body, "current_password": f"guess {n}"}, headers=headers).status_code == 403
    blocked = client.post("/api/v1/me/password", json={**body, "current_password": PASSWORD}, headers=headers)
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    # the same failures slow down signing in as that user from this address too
    assert client.post("/api/v1/session", json={"username": "teacher_n1", "password": PASSWORD}).status_code == 429


def test_an_id_beyond_the_databases_integer_range_is_never_a_500(client):
    # Regression (found on PostgreSQL by schemathesis): NumericValueOutOfRange became a 500.
    for path in ("/api/v1/tokens/99999999999999999", "/api/v1/cohort-runs/99999999999999999"):
        method = client.delete if "tokens" in path else client.get
        resp = method(path, headers=COORD_N)
        assert resp.status_code in (404, 422), (path, resp.status_code)
