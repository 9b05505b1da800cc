"""Tests of ``service/problems.py``: JSON limits and log hygiene (issue 13, item 13)."""

from __future__ import annotations

import logging

import pytest

from .conftest import ACCOUNTS

DEEP = "[" * 5000 + "]" * 5000
BIG = "9" * 5000
PERSONAL = "Sam Lee <sam@school.example> broke it"


@pytest.mark.parametrize(
    "path, body, auth",
    [
        ("/api/v1/session", DEEP, False),
        ("/api/v1/session", '{"username": ' + BIG + ', "password": "x"}', False),
        ("/api/v1/session", '{"username": "a", "password": ' + '{"a":' * 100 + "1" + "}" * 100 + "}", False),
        ("/api/v1/teachers", DEEP, True),
        ("/api/v1/teachers", '{"id": "t-1", "years_teaching": ' + BIG + "}", True),
        ("/api/v1/cohort-runs", '{"group_size": -' + BIG + "}", True),
        ("/api/v1/teachers/import", "[" + DEEP + "]", True),
    ],
)
def test_abusive_json_is_a_4xx_problem_without_a_traceback(client, caplog, path, body, auth):
    headers = ACCOUNTS["coord_n"].headers if auth else {}
    with caplog.at_level(logging.DEBUG):
        resp = client.post(path, data=body, content_type="application/json", headers=headers)
    assert 400 <= resp.status_code < 500, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/problem+json"
    assert "Traceback" not in caplog.text and BIG not in caplog.text


def test_ordinary_json_still_works(client):
    resp = client.post("/api/v1/session", data='{"username": "nobody", "password": "x"}', content_type="application/json")
    assert resp.status_code == 401
    resp = client.post("/api/v1/session", data="not json", content_type="application/json")
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "body"


def test_unexpected_errors_log_the_type_and_request_id_but_no_message(app, caplog):
    @app.get("/boom-test")
    def boom():
        raise RuntimeError(PERSONAL)

    with caplog.at_level(logging.ERROR):
        resp = app.test_client().get("/boom-test", headers={"X-Request-ID": "req-42", "Accept": "application/json"})
    assert resp.status_code == 500 and "req-42" in resp.get_json()["detail"]
    assert resp.headers["X-Request-ID"] == "req-42"
    assert "RuntimeError" in caplog.text and "req-42" in caplog.text
    assert "sam@school.example" not in caplog.text and "Sam Lee" not in caplog.text


def test_a_huge_number_anywhere_is_a_422_not_a_500(app, caplog):
    @app.get("/digits-test")
    def digits():
        from flask import request

        return str(int(request.args["n"]))

    with caplog.at_level(logging.ERROR):
        resp = app.test_client().get(f"/digits-test?n={BIG}", headers={"Accept": "application/json"})
    assert resp.status_code == 422 and "too many digits" in resp.get_json()["detail"]
    assert "Traceback" not in caplog.text


def test_a_huge_number_in_a_page_form_is_a_4xx(client):
    from .pages_helpers import post, sign_in

    sign_in(client, "coord_n")
    resp = post(client, "/cohorts", {"size_min": BIG, "size_max": "6", "seconds": "1"})
    assert 400 <= resp.status_code < 500
