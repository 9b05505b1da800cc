"""Tests of ``GET /api/v1/programme/sessions`` (service/api/programme_sessions.py, services/programme_sessions.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from matcher.programme.sessions import plan_sessions
from service import db
from service.models import CheckIn, Programme, Teacher
from service.services.cohort_review import current_cohort

from .conftest import ACCOUNTS, TEACHERS
from .test_api_rounds import make_round, publish, round_run

COORD = ACCOUNTS["coord_n"].headers
N = TEACHERS["north"]
GROUPS = [N[0:4], N[4:8], N[8:12]]
URL = "/api/v1/programme/sessions?start=2026-11-02"


def consent_all(app, programme: str = "north") -> None:
    """Every teacher of ``programme`` consents to share their contact (so leaders exist)."""
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == programme)).scalar_one()
        for t in s.execute(sa.select(Teacher).where(Teacher.programme_id == pid)).scalars():
            t.consent_share_contact = True


def north_cohort(app):
    with app.app_context(), db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        return current_cohort(pid)[0]


@pytest.mark.parametrize(("who", "status"), [("coord_n", 200), ("teacher_n1", 403), ("analyst_n", 403), (None, 401)])
def test_only_coordinators(client, who, status) -> None:
    resp = client.get(URL, headers=ACCOUNTS[who].headers if who else {})
    assert resp.status_code == status
    if status != 200:
        assert resp.mimetype == "application/problem+json"


def test_without_a_published_run_every_challenge_counts(client, app) -> None:
    consent_all(app)
    body = client.get(URL + "&top=20", headers=COORD).get_json()
    assert body["grouped"] is False and body["run_id"] is None and body["round"] is None and body["teachers"] == 14
    cohort = north_cohort(app)
    want = {}
    for p in cohort:
        for t in p.challenges:
            want.setdefault(t, []).append(p.id)
    listed = {s["theme"]: s["wanting"] for s in body["sessions"]} | {u["theme"]: u["wanting"] for u in body["unled"]}
    assert listed == want
    counts = [s["count"] for s in body["sessions"]]
    assert counts == sorted(counts, reverse=True) and body["sessions"][0]["dates"][0] == "2026-11-04"
    assert all(x["contact"].endswith("@school.example") for s in body["sessions"] for x in s["leaders"])
    south = client.get(URL, headers=ACCOUNTS["coord_s"].headers).get_json()
    assert south["teachers"] == 8 and all(t.startswith("s-") for s in south["sessions"] for t in s["wanting"])


def test_published_groups_and_check_ins_decide_demand(client, app) -> None:
    with db.new_session(app) as s:  # before anything caches the cohort (profile edits bump its version)
        s.execute(sa.update(Teacher).where(Teacher.id == "n-13").values(consent_share_contact=False))
    rid = make_round(client)
    run_id = round_run(app, rid, GROUPS)
    assert publish(client, run_id).status_code == 200
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        # group 1 answered and never met; group 2 met; group 3 has no answers
        for tid, group, met in (("n-01", 1, "no"), ("n-02", 1, "rescheduled"), ("n-05", 2, "yes")):
            s.add(CheckIn(programme_id=pid, teacher_id=tid, run_id=run_id, round_id=rid, group_number=group, meeting_start=datetime(2026, 10, 1, 15, tzinfo=UTC), met=met))
    body = client.get(URL + "&top=20&weekday=thu&dates=2", headers=COORD).get_json()
    assert body["grouped"] is True and body["run_id"] == run_id and body["round"] == "Autumn 2026"
    assert body["not_meeting"] == ["1"] and body["check_in_answers"] == 3
    cohort = north_cohort(app)
    expected = plan_sessions(cohort, {str(k + 1): tuple(g) for k, g in enumerate(GROUPS)}, check_ins={"1": ["no", "rescheduled"], "2": ["yes"]}, top=20)
    assert [(s["theme"], s["wanting"]) for s in body["sessions"]] == [(s.theme, list(s.wanting)) for s in expected.sessions]
    assert all(x["teacher_id"] != "n-13" for s in body["sessions"] for x in s["leaders"])
    music = next(s for s in body["sessions"] if s["theme"] == "electronic_music")  # n-01 and n-13 list it as a strength
    assert [x["teacher_id"] for x in music["leaders"]] == ["n-01"] and music["withheld"] == 1
    consenting = {p.id for p in cohort if p.consent_share_contact}
    assert {x["teacher_id"] for s in body["sessions"] for x in s["leaders"]} <= consenting
    assert all(len(s["dates"]) == 2 and s["dates"][0] == "2026-11-05" for s in body["sessions"])


@pytest.mark.parametrize("query", ["weekday=sun", "top=0", "top=21", "dates=0", "start=soon", "start=2026-11-02&start=2026-11-09"])
def test_bad_query_is_422(client, query) -> None:
    resp = client.get(f"/api/v1/programme/sessions?{query}", headers=COORD)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
