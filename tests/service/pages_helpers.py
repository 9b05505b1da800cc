"""Helpers for the page tests: sign in through the form, post forms with the CSRF token."""

from __future__ import annotations

import html as html_lib
import re

from .conftest import PASSWORD

CSRF = "test-csrf-token"


def csrf(client) -> str:
    """Put a known CSRF token in the client's session and return it."""
    with client.session_transaction() as sess:
        sess["csrf"] = CSRF
    return CSRF


def sign_in(client, username: str, password: str = PASSWORD):
    """Sign in through the page form; returns the response (a redirect when it worked)."""
    return client.post("/signin", data={"username": username, "password": password, "csrf_token": csrf(client)})


def post(client, path: str, data: dict | None = None, **kwargs):
    """POST a form with this session's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client)}, **kwargs)


def text_of(resp) -> str:
    """The response body as text, tags removed and spaces collapsed (for 'the page says ...')."""
    html = resp.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())
