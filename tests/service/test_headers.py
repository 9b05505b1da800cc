"""Tests of ``service/headers.py``: security headers on every response (issue 13, item 11)."""

from __future__ import annotations

import re

import pytest

from .conftest import ACCOUNTS
from .pages_helpers import sign_in


def assert_secure(resp):
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert resp.headers.get("X-Frame-Options") == "DENY"
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"
    assert resp.headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin")


@pytest.mark.parametrize("path", ["/signin", "/api/v1/themes", "/health", "/static/css/site.css", "/api/v1/openapi.json", "/nowhere", "/api/v1/nowhere"])
def test_anonymous_responses_carry_the_headers(client, path):
    resp = client.get(path)
    resp.close()
    assert_secure(resp)


def test_pages_that_change_things_cannot_be_framed_and_run_no_inline_script(client):
    sign_in(client, "teacher_n1")
    for path in ("/me/erase", "/me/peers", "/me"):
        resp = client.get(path)
        assert resp.status_code == 200
        assert_secure(resp)
        csp = resp.headers["Content-Security-Policy"]
        script = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
        html = resp.get_data(as_text=True)
        # Every script is a file from this site, and no element has an event handler.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert not re.search(r"\son[a-z]+\s*=", html)


def test_api_errors_and_json_carry_the_headers(client):
    assert_secure(client.get("/api/v1/teachers", headers=ACCOUNTS["coord_n"].headers))
    assert_secure(client.get("/api/v1/teachers"))  # 401


def test_the_swagger_ui_has_its_own_policy_and_still_cannot_be_framed(client):
    resp = client.get("/api/v1/swagger")
    assert resp.status_code == 200
    assert_secure(resp)
    assert "'unsafe-inline'" in resp.headers["Content-Security-Policy"]
