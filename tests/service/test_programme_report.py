"""Tests of the programme report (``service/services/outcomes_report.py``, ``/programme/report``,
``/api/v1/programme/report[.csv]``): roles, figures against hand-computed numbers,
suppression, CSV safety, pseudonyms for analysts, and the cache following new answers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from service import db
from service.models import Programme, QuestionnaireResponse, Teacher
from service.services.common import pseudonym

from .conftest import ACCOUNTS, TEACHERS
from .pages_helpers import sign_in, text_of
from .test_api_rounds import make_round, publish, round_run

COORD = ACCOUNTS["coord_n"].headers
ANALYST = ACCOUNTS["analyst_n"].headers
N = TEACHERS["north"]
TODAY = datetime.now(UTC).date()
# Connection changes 0, 1, 1, 2, 1 (mean 1, sd √0.5: 95% t interval 1 ± 2.776 × √0.5/√5 = 0.122 to 1.878);
# isolation agreement 4 -> 2 for all five (a score of 2 -> 4: +2 each, no spread).
CONNECTION = {"n-01": (2, 2), "n-02": (2, 3), "n-03": (3, 4), "n-04": (1, 3), "n-05": (3, 4)}


def seeded(client, app, name: str = "Autumn") -> int:
    """A published round of north (n-01..n-12) with five paired answers and one 'before' only."""
    rid = make_round(client, name=name, starts=(TODAY - timedelta(days=30)).isoformat(), ends=(TODAY + timedelta(days=60)).isoformat())
    assert publish(client, round_run(app, rid)).status_code == 200
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        for i, t in enumerate(N[:5]):
            s.execute(sa.update(Teacher).where(Teacher.id == t).values(department_size=1 if i < 4 else 3, years_teaching=1 if i == 0 else 10))
            before, after = CONNECTION[t]
            s.add(QuestionnaireResponse(programme_id=pid, teacher_id=t, round_id=rid, phase="before", answers={"connection": before, "isolation": 4}))
            s.add(QuestionnaireResponse(programme_id=pid, teacher_id=t, round_id=rid, phase="after", answers={"connection": after, "isolation": 2}))
        s.add(QuestionnaireResponse(programme_id=pid, teacher_id="n-06", round_id=rid, phase="before", answers={"connection": 1}))
    return rid


def cell(body: dict, context: str, measure: str) -> dict:
    return next(r for r in body["summary"] if r["context"] == context and r["measure"] == measure)


def test_figures_match_hand_computed_numbers(client, app):
    rid = seeded(client, app)
    resp = client.get("/api/v1/programme/report", headers=COORD)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    conn = cell(body, "all", "connection")
    assert conn["n"] == 5 and conn["before"] == pytest.approx(2.2) and conn["after"] == pytest.approx(3.2)
    assert (conn["change"], round(conn["ci_low"], 3), round(conn["ci_high"], 3)) == (pytest.approx(1.0), 0.122, 1.878)
    iso = cell(body, "all", "isolation")
    assert (iso["before"], iso["after"], iso["change"], iso["ci_low"], iso["ci_high"]) == (2.0, 4.0, 2.0, 2.0, 2.0)  # reverse-scored: less isolated is +
    assert cell(body, "all", "challenges")["n"] == 0 and cell(body, "all", "challenges")["change"] is None
    rates = body["rates"]
    assert [(r["round_id"], r["round"], r["members"], r["before"], r["after"], r["both"]) for r in rates] == [(rid, "Autumn", 12, 6, 5, 5)]
    assert "not a controlled trial" in body["not_causal"] and "Higher is better" in body["scale"]


def test_small_cells_show_no_figures(client, app):
    seeded(client, app)
    body = client.get("/api/v1/programme/report", headers=COORD).get_json()
    dept = cell(body, "department_of_one", "connection")  # n-01..n-04: four teachers
    early = cell(body, "early_career", "isolation")  # n-01 only
    assert (dept["n"], dept["suppressed"], dept["change"], dept["ci_low"]) == (4, True, None, None)
    assert (early["n"], early["suppressed"], early["change"]) == (1, True, None)
    text = client.get("/api/v1/programme/report.csv", headers=COORD).get_data(as_text=True)
    rows = {(r["context"], r["measure"]): r for r in csv.DictReader(io.StringIO(text))}
    assert rows[("department_of_one", "connection")]["mean_change_points"] == "" and rows[("department_of_one", "connection")]["suppressed"] == "yes"
    assert rows[("all", "connection")]["mean_change_points"] == "1.000" and rows[("all", "connection")]["ci95_low"] == "0.122"


def test_csv_is_formula_safe(client, app):
    rid = seeded(client, app, name="=HYPERLINK(\"http://x.example\")")
    resp = client.get(f"/api/v1/programme/report.csv?round_id={rid}", headers=COORD)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    first = next(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert first["rounds"].startswith("'=HYPERLINK")


@pytest.mark.parametrize("path", ["/api/v1/programme/report", "/api/v1/programme/report.csv", "/programme/report"])
def test_teachers_cannot_see_the_report(client, app, path):
    assert client.get(path, headers=ACCOUNTS["teacher_n1"].headers).status_code == 403
    assert client.get(path).status_code in (401, 302)


def test_another_programmes_round_is_not_found(client, app):
    rid = seeded(client, app)
    assert client.get(f"/api/v1/programme/report?round_id={rid}", headers=ACCOUNTS["coord_s"].headers).status_code == 404


def test_analysts_get_pseudonymised_k_anonymous_teacher_rows_and_coordinators_do_not(client, app):
    seeded(client, app)
    assert client.get("/api/v1/programme/report.csv?level=teachers", headers=COORD).status_code == 403
    resp = client.get("/api/v1/programme/report.csv?level=teachers", headers=ANALYST)
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert "n-0" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    with app.app_context():
        assert {r["pseudonym"] for r in rows} == {pseudonym(t) for t in N[:5]}
    combos: dict[tuple[str, ...], int] = {}
    for r in rows:
        key = (r["department_of_one"], r["high_fsm"], r["early_career"])
        combos[key] = combos.get(key, 0) + 1
    assert all(n >= 5 or key == ("*", "*", "*") for key, n in combos.items())
    assert sorted(r["connection_change"] for r in rows) == ["0.000", "1.000", "1.000", "1.000", "2.000"]


def test_the_page_states_scale_direction_and_not_causal_and_has_a_chart(client, app):
    seeded(client, app)
    sign_in(client, "coord_n")
    page = client.get("/programme/report")
    html, text = page.get_data(as_text=True), text_of(page)
    assert page.status_code == 200 and '<svg' in html and 'role="img"' in html and "<script>" not in html
    assert "Ratings are 1-5" in text and "not a controlled trial" in text and "reverse-scored" in text
    assert "too few teachers to show" in text and "+1.00" in text
    assert "level=teachers" not in html
    client.post("/signout")
    sign_in(client, "analyst_n")
    analyst = client.get("/programme/report")
    assert analyst.status_code == 200 and "level=teachers" in analyst.get_data(as_text=True) and "n-01" not in analyst.get_data(as_text=True)


def test_new_answers_show_at_once(client, app):
    rid = seeded(client, app)
    assert cell(client.get("/api/v1/programme/report", headers=COORD).get_json(), "all", "connection")["n"] == 5
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        s.add(QuestionnaireResponse(programme_id=pid, teacher_id="n-06", round_id=rid, phase="after", answers={"connection": 5}))
    body = client.get("/api/v1/programme/report", headers=COORD).get_json()
    assert cell(body, "all", "connection")["n"] == 6 and body["rates"][0]["both"] == 6


def test_a_programme_without_answers_has_an_empty_report(client, app):
    # regression: an empty answers frame failed to merge with the rounds' members (500)
    rid = make_round(client, name="Quiet", starts=(TODAY - timedelta(days=30)).isoformat(), ends=(TODAY + timedelta(days=60)).isoformat())
    assert publish(client, round_run(app, rid)).status_code == 200
    body = client.get("/api/v1/programme/report", headers=COORD).get_json()
    assert body["rates"][0]["members"] == 12 and body["rates"][0]["both"] == 0
    assert all(r["n"] == 0 for r in body["summary"])
    assert client.get("/api/v1/programme/report", headers=ACCOUNTS["coord_s"].headers).status_code == 200  # no round at all


def test_kept_round_parts_after_new_edited_and_deleted_answers_equal_a_fresh_report(client, app):
    """A new or edited answer re-pairs only its teacher; a deleted one re-reads the round; the
    figures are those computed from nothing."""
    rid = seeded(client, app)
    client.get("/api/v1/programme/report", headers=COORD)
    later = datetime.now(UTC) + timedelta(minutes=1)
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        s.add(QuestionnaireResponse(programme_id=pid, teacher_id="n-06", round_id=rid, phase="after", answers={"connection": 5}))
        row = s.execute(sa.select(QuestionnaireResponse).where(QuestionnaireResponse.teacher_id == "n-02", QuestionnaireResponse.phase == "after")).scalar_one()
        row.answers, row.updated_at = {"connection": 1, "isolation": 2}, later
    body = client.get("/api/v1/programme/report", headers=COORD).get_json()
    assert cell(body, "all", "connection")["n"] == 6 and cell(body, "all", "connection")["before"] == pytest.approx(12 / 6)
    assert cell(body, "all", "connection")["after"] == pytest.approx((2 + 1 + 4 + 3 + 4 + 5) / 6)  # n-02 now 1, n-06 answered 5 (before 1)
    with db.new_session(app) as s:
        s.execute(sa.delete(QuestionnaireResponse).where(QuestionnaireResponse.teacher_id == "n-01", QuestionnaireResponse.phase == "after"))
    body = client.get("/api/v1/programme/report", headers=COORD).get_json()
    assert cell(body, "all", "connection")["n"] == 5
    for key in [k for k in app.extensions if k.startswith("peermatch.outcomes_report")]:
        app.extensions.pop(key)
    assert client.get("/api/v1/programme/report", headers=COORD).get_json() == body


def test_the_page_takes_a_round_number_no_row_can_have_without_a_500(client, app):
    sign_in(client, "coord_n")
    assert client.get("/programme/report?round_id=99999999999999999999").status_code == 200  # was OverflowError in the query (500)
