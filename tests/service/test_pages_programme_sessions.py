"""Tests of ``service/pages/programme_sessions.py``: the coordinator's Sessions page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from service import db
from service.models import Teacher

from .conftest import ACCOUNTS
from .pages_helpers import sign_in, text_of


@pytest.mark.parametrize(("who", "status"), [("teacher_n1", 403), ("analyst_n", 403)])
def test_only_coordinators_see_the_page(client, who, status) -> None:
    assert client.get("/programme/sessions").status_code == 302  # anonymous: to sign in
    sign_in(client, who)
    assert client.get("/programme/sessions").status_code == status


def test_page_lists_sessions_with_consenting_leaders_venue_and_dates(client, app) -> None:
    with db.new_session(app) as s:  # n-13 could lead electronic music, but withdraws consent
        s.execute(sa.update(Teacher).where(Teacher.id == "n-13").values(consent_share_contact=False))
    sign_in(client, "coord_n")
    resp = client.get("/programme/sessions?start=2026-10-19&weekday=wed&top=20&dates=2")
    assert resp.status_code == 200
    html, text = resp.get_data(as_text=True), text_of(resp)
    assert 'href="/programme/sessions" aria-current="page"' in html  # the nav link
    assert "No run is published yet, so every challenge of every teacher counts" in text
    assert "Wed 21 Oct 2026, Wed 04 Nov 2026" in text  # 28 October is half-term
    assert "mailto:n-01@school.example" in html and "n-13@school.example" not in html
    assert "more could lead but have not consented" in text and "within the distance they said they can travel" in text


@pytest.mark.parametrize("query", ["start=tomorrow", "weekday=sat"])
def test_bad_options_are_422(client, query) -> None:
    sign_in(client, "coord_n")
    resp = client.get(f"/programme/sessions?{query}")
    assert resp.status_code == 422


def test_the_check_ins_read_are_counted_in_plain_words(client, app) -> None:
    """Regression: the page said "(1 answers read)" and that groups "never reported meeting"
    without saying that groups nobody answered for still count as covering."""
    from datetime import UTC, datetime

    from service.models import CheckIn, Programme

    from .test_api_programme_sessions import GROUPS
    from .test_api_rounds import make_round, publish, round_run

    rid = make_round(client)
    run_id = round_run(app, rid, GROUPS)
    assert publish(client, run_id).status_code == 200
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        s.add(CheckIn(programme_id=pid, teacher_id="n-01", run_id=run_id, round_id=rid, group_number=1, meeting_start=datetime(2026, 10, 1, 15, tzinfo=UTC), met="no"))
    sign_in(client, "coord_n")
    text = text_of(client.get("/programme/sessions?start=2026-11-02"))
    assert "1 check-in answer read" in text and "answers read" not in text
    assert "has members who checked in and never said they met" in text and "groups without answers count as covering" in text


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01"])
def test_a_start_date_at_the_ends_of_the_calendar_is_not_a_500(client, start) -> None:
    sign_in(client, "coord_n")
    assert client.get(f"/programme/sessions?start={start}").status_code == 200  # was OverflowError (500) for 9999-12-31
    api = client.get(f"/api/v1/programme/sessions?start={start}", headers=ACCOUNTS["coord_n"].headers)
    assert api.status_code == 200
    assert start < "2000" or all(not s["dates"] for s in api.get_json()["sessions"])  # no term dates that late: no dates, said as none
