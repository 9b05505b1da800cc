"""Sign-in and sign-out pages (``service/pages/session.py``) and who may open which page."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD
from .pages_helpers import csrf, post, sign_in, text_of


def test_signin_page_has_a_labelled_form_with_csrf_token(client):
    resp = client.get("/signin")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert '<label for="username">' in html and '<label for="password">' in html
    assert 'name="csrf_token"' in html
    assert "<main" in html and 'class="skip-link"' in html


@pytest.mark.parametrize(("username", "home"), [("coord_n", "/teachers"), ("teacher_n1", "/me/peers"), ("analyst_n", "/analyst")])
def test_signin_sends_each_role_home(client, username, home):
    resp = sign_in(client, username)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(home)


def test_wrong_password_is_explained_without_saying_which(client):
    resp = sign_in(client, "coord_n", "not the password")
    assert resp.status_code == 401
    assert "Wrong user name or password." in text_of(resp)
    resp = sign_in(client, "nobody", "x")
    assert resp.status_code == 401 and "Wrong user name or password." in text_of(resp)


def test_empty_form_asks_for_both_fields(client):
    resp = client.post("/signin", data={"username": "", "password": "", "csrf_token": csrf(client)})
    assert resp.status_code == 400
    assert "Enter your user name and your password." in text_of(resp)


def test_rate_limit_message_even_with_the_right_password(client, app):
    for _ in range(app.config["PEERMATCH_LOGIN_MAX_FAILURES"]):
        assert sign_in(client, "coord_s", "wrong").status_code == 401
    resp = sign_in(client, "coord_s", PASSWORD)
    assert resp.status_code == 429
    assert "Too many failed sign-ins" in text_of(resp)
    assert resp.headers.get("Retry-After")


def test_signin_without_csrf_token_is_refused(client):
    resp = client.post("/signin", data={"username": "coord_n", "password": PASSWORD})
    assert resp.status_code == 403
    assert "CSRF check failed" in text_of(resp)


def test_next_is_followed_only_within_the_site(client):
    resp = client.post("/signin", data={"username": "coord_n", "password": PASSWORD, "next": "/teachers?page=2", "csrf_token": csrf(client)})
    assert resp.headers["Location"].endswith("/teachers?page=2")
    client.post("/signout", data={"csrf_token": csrf(client)})
    resp = client.post("/signin", data={"username": "coord_n", "password": PASSWORD, "next": "//evil.example/x", "csrf_token": csrf(client)})
    assert "evil.example" not in resp.headers["Location"]


def test_signout_ends_the_session(client):
    sign_in(client, "coord_n")
    assert client.get("/teachers").status_code == 200
    resp = post(client, "/signout")
    assert resp.status_code == 302
    resp = client.get("/teachers")
    assert resp.status_code == 302 and "/signin?next=" in resp.headers["Location"]


def test_signout_needs_the_csrf_token(client):
    sign_in(client, "coord_n")
    assert client.post("/signout").status_code == 403
    assert client.get("/teachers").status_code == 200


PAGES = {
    "/teachers": "coordinator",
    "/teachers/import": "coordinator",
    "/teachers/export.csv": "coordinator",
    "/cohorts": "coordinator",
    "/me": "teacher",
    "/me/peers": "teacher",
    "/me/practice": "teacher",
    "/me/data": "teacher",
    "/me/data.json": "teacher",
    "/me/erase": "teacher",
    "/analyst": "analyst",
}
USERS = {"coordinator": "coord_n", "teacher": "teacher_n1", "analyst": "analyst_n"}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, path):
    resp = client.get(path)
    assert resp.status_code == 302
    assert "/signin?next=" in resp.headers["Location"]
    assert path.replace("/", "%2F") in resp.headers["Location"] or path in resp.headers["Location"]


@pytest.mark.parametrize("path", sorted(PAGES))
@pytest.mark.parametrize("role", sorted(USERS))
def test_each_page_is_for_one_role(client, path, role):
    sign_in(client, USERS[role])
    resp = client.get(path)
    if PAGES[path] == role:
        assert resp.status_code == 200, text_of(resp)[:300]
    else:
        assert resp.status_code == 403
        assert "role" in text_of(resp)


def test_signout_ends_the_session_on_the_server_not_only_in_the_browser(client):
    sign_in(client, "coord_n")
    copied = client.get_cookie("session").value
    assert post(client, "/signout").status_code == 302
    client.set_cookie("session", copied)
    resp = client.get("/teachers")
    assert resp.status_code == 302 and "/signin" in resp.headers["Location"]


def test_throttled_signin_page_says_how_long_to_wait(client, app):
    limit = app.config["PEERMATCH_LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        client.post("/signin", data={"username": "coord_s", "password": "guess", "csrf_token": csrf(client)})
    resp = client.post("/signin", data={"username": "coord_s", "password": PASSWORD, "csrf_token": csrf(client)})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    assert "wait 1 second" in text_of(resp)
