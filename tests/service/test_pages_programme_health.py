"""Tests of ``service/pages/programme_health.py``: the Programme health page and a flag's repair page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matcher.cohorts import Grouping
from service import db
from service.models import CohortRun, Programme, Teacher
from service.services import health

from .health_helpers import NOW, seed_health
from .pages_helpers import post, sign_in, text_of


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(health, "utcnow", lambda: NOW)


def test_page_lists_risks_first_with_charts_and_scales(client, app, fixed_now):
    seed_health(app)
    sign_in(client, "coord_n")
    page = client.get("/programme/health")
    assert page.status_code == 200
    html, text = page.get_data(as_text=True), text_of(page)
    assert 'href="/programme/health" aria-current="page"' in html  # in the coordinator's nav
    assert html.index('id="at-risk"') < html.index('id="flags"') < html.index('id="meetings"') < html.index('id="usefulness"')
    assert html.count('<svg') == 3 and html.count('role="img"') == 3 and "<script>" not in html
    assert "3 = neutral" in html and "4 or more = good" in text and "good: mostly met" in text
    assert "Teachers at risk 10 in all" in text and "not met twice running" in text and "department of one" in text
    assert "4.2 (n = 5)" in text  # the round's usefulness with its n
    assert "see the suggested repair" in text and "Group 1" in text


@pytest.mark.parametrize("who", ["teacher_n1", "analyst_n"])
def test_page_is_for_coordinators_only(client, who):
    sign_in(client, who)
    assert client.get("/programme/health").status_code == 403
    assert client.get("/programme/health/flags/n-02").status_code == 403
    assert post(client, "/programme/health/flags/n-02", {"to_group": "2", "version": "1"}).status_code == 403


def test_flag_repair_is_shown_then_applied_with_the_version(client, app, fixed_now):
    _, run_id = seed_health(app)
    sign_in(client, "coord_n")
    page = client.get("/programme/health/flags/n-02")
    with db.new_session(app) as s:
        name = s.execute(sa.select(Teacher.name).where(Teacher.id == "n-02")).scalar_one()
    # named as the health page names them (regression: the page said only "n-02")
    assert page.status_code == 200 and f"Suggested repair for {name} (n-02)" in text_of(page)
    assert f"Move {name} (n-02) from group 1 to group" in text_of(page)
    with db.new_session(app) as s:
        run = s.get_one(CohortRun, run_id)
        version, before = run.version, Grouping.from_dict(run.result).groups
    assert before[0][1] == "n-02"  # showing the suggestion changed nothing
    assert post(client, "/programme/health/flags/n-02", {"to_group": "2", "version": str(version + 5)}).status_code == 409
    done = post(client, "/programme/health/flags/n-02", {"to_group": "2", "version": str(version)}, follow_redirects=True)
    assert done.status_code == 200 and f"{name} (n-02) moved to group 2" in text_of(done) and "No open flags." in text_of(done)
    with db.new_session(app) as s:
        after = Grouping.from_dict(s.get_one(CohortRun, run_id).result).groups
    assert "n-02" in after[1] and "n-02" not in after[0] and set(after[2]) == set(before[2])


def test_groups_without_proposed_dates_are_not_said_to_have_none_due_yet(client, app, fixed_now):
    """Regression: groups whose members share no free slot (no dates in the whole round) were
    counted as "no meeting due yet this half-term", as if dates were to come."""
    seed_health(app)  # groups 1 and 2 share no slot; group 3 has Wednesday dates
    sign_in(client, "coord_n")
    text = text_of(client.get("/programme/health"))
    assert "No meeting due yet this half-term 0" in text and "No dates proposed this round 2" in text
    assert "2 of 3 groups have no proposed meeting dates and no meeting reported" in text and "We met at another time" in text


def test_flag_repair_says_whether_the_new_group_would_have_meeting_dates(client, app, fixed_now):
    """The suggested group may share no free slot with the member (then no dates are proposed):
    the page says so rather than leaving the coordinator to find out after the move."""
    seed_health(app)
    sign_in(client, "coord_n")
    text = text_of(client.get("/programme/health/flags/n-02"))
    # group 1 shares nothing (Monday morning and Friday afternoon); group 2 said nothing, so n-02's Monday morning stands
    assert "Free time shared: group 1 now none; group 2 with them Mon" in text and "no meeting dates" not in text
    with db.new_session(app) as s:
        for t in s.execute(sa.select(Teacher).where(Teacher.id.in_(["n-05", "n-06", "n-07", "n-08"]))).scalars():
            t.availability = ["tue_pm"]
        s.execute(sa.update(Programme).where(Programme.name == "north").values(profiles_version=Programme.profiles_version + 1))
    text = text_of(client.get("/programme/health/flags/n-02"))
    assert "with them none" in text and "no meeting dates" in text and "agree a time themselves" in text


def test_digits_that_int_cannot_read_are_junk_not_500(client, app) -> None:
    """"²".isdigit() is true but int("²") raises: the pages' number fields now read decimals only."""
    sign_in(client, "coord_n")
    assert client.get("/programme/health?round_id=²").status_code == 200  # was ValueError (500)
    assert client.get("/programme/report?round_id=²").status_code == 200
    sign_in(client, "teacher_n1")
    resp = post(client, "/me/check-in", {"meeting": "2026-10-01T16:30:00+01:00", "met": "yes", "useful": "²"})
    assert resp.status_code == 422  # said as a missing usefulness (or an unknown meeting), not a 500
