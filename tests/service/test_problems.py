"""Tests of ``service/problems.py``: library errors become problem responses whose ``errors`` name the field."""

from __future__ import annotations

import time

import pytest

from matcher.errors import InfeasibleError

from .conftest import ACCOUNTS, TEACHERS
from .test_api_cohort_runs import stored_run

COORD = ACCOUNTS["coord_n"].headers


def _bad_weights():
    from matcher.affinity.terms import AffinityWeights

    AffinityWeights(interests=-1)


def _string_for_themes():
    from matcher.profiles.themes import validate_themes

    validate_themes("singing", field="challenges")


def _unknown_theme():
    from matcher.profiles.themes import validate_themes

    validate_themes(["singin"], field="challenges")


def _unknown_teacher():
    from matcher.places.schools import load_schools
    from matcher.profiles.teacher import Cohort

    Cohort.from_profiles([], load_schools()).row("t-404")


def _infeasible():
    raise InfeasibleError("7 teachers cannot fill 2 groups of 4 to 4")


LIBRARY_ERRORS = {
    "weights": (_bad_weights, 422, "AffinityWeights.interests"),
    "string": (_string_for_themes, 422, "challenges"),
    "theme": (_unknown_theme, 422, "challenges"),
    "teacher": (_unknown_teacher, 404, "teacher_id"),
    "infeasible": (_infeasible, 422, None),
}


@pytest.fixture
def library_app(app):
    """The app with one extra API route that calls the library with bad input."""

    def fail(name: str):
        LIBRARY_ERRORS[name][0]()
        return {}

    app.add_url_rule("/api/v1/test-library-error/<name>", "test_library_error", fail)
    return app


@pytest.mark.parametrize("name", sorted(LIBRARY_ERRORS))
def test_library_errors_become_problems_listing_their_issues(library_app, name):
    _, status, field = LIBRARY_ERRORS[name]
    resp = library_app.test_client().get(f"/api/v1/test-library-error/{name}")
    assert resp.status_code == status and resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == status and body["detail"]
    assert body["errors"], body
    assert body["errors"][0]["field"] == field
    assert body["errors"][0]["message"]


def test_an_unknown_theme_says_which_and_suggests_the_nearest(library_app):
    body = library_app.test_client().get("/api/v1/test-library-error/theme").get_json()
    assert body["errors"][0]["value"] == "singin" and body["errors"][0]["suggestion"] == "singing"


def test_a_page_lists_issues_but_does_not_repeat_the_detail(library_app):
    library_app.add_url_rule("/test-library-error/<name>", "test_library_error_page", library_app.view_functions["test_library_error"])
    client = library_app.test_client()
    page = client.get("/test-library-error/infeasible", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert page.count("7 teachers cannot fill") == 1 and "<li>" not in page
    page = client.get("/test-library-error/weights", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<li>field &#39;AffinityWeights.interests&#39;: must be a finite number &gt;= 0 (got &#39;-1&#39;)</li>" in page


def test_a_move_into_the_members_own_group_is_422_with_errors(client, app):
    run_id = stored_run(app)
    tag = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).headers["ETag"]
    resp = client.post(
        f"/api/v1/cohort-runs/{run_id}/moves", json={"teacher_id": "n-05", "to_group": 2, "dry_run": True}, headers={**COORD, "If-Match": tag}
    )
    body = resp.get_json()
    assert resp.status_code == 422 and body["errors"] and body["errors"][0]["message"]


def test_a_failed_run_stores_a_non_empty_errors_list(client):
    resp = client.post("/api/v1/cohort-runs", json={"size_min": 5, "size_max": 5, "seconds": 1, "teacher_ids": TEACHERS["north"][:7]}, headers=COORD)
    deadline = time.monotonic() + 60
    while (run := client.get(resp.headers["Location"], headers=COORD).get_json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert run["status"] == "failed" and run["error"]["status"] == 422
    assert run["error"]["errors"] and "7 teachers" in run["error"]["errors"][0]["message"]


def test_a_page_id_beyond_the_databases_integer_range_is_not_found_not_500(client):
    from .pages_helpers import post, sign_in

    sign_in(client, "coord_n")
    huge = "99999999999999999999"  # was an OverflowError from the driver on every <int:...> page route (500)
    for path in (f"/cohorts/{huge}", f"/cohorts/{huge}/export.csv", f"/cohorts/{huge}/map"):
        assert client.get(path).status_code == 404, path
    for path in (f"/messages/{huge}/retry", f"/rounds/runs/{huge}/publish"):
        assert post(client, path, {}).status_code == 404, path
    assert client.get("/cohorts/2147483647").status_code == 404  # the largest id the database holds is still looked up
