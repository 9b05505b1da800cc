"""Tests of ``service/pages/rounds.py``: the Rounds page (create, publish) and My group."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from service import db
from service.models import CohortRun, OutboxMessage, Programme, Round, Teacher

from .conftest import count_rows
from .pages_helpers import post, sign_in, text_of
from .test_api_cohort_runs import stored_run


def test_coordinator_creates_a_round_and_publishes_its_run(client, app):
    sign_in(client, "coord_n")
    page = client.get("/rounds")
    assert page.status_code == 200 and 'href="/rounds"' in page.get_data(as_text=True) and "No rounds yet" in text_of(page)
    assert "Next round: 14 teachers in, 0 opted out, 0 paused" in text_of(page)
    resp = post(client, "/rounds", {"name": "Autumn 2026", "starts": "2026-09-07", "ends": "2026-12-18", "cadence_weeks": "3"})
    assert resp.status_code == 302
    with db.new_session(app) as s:
        rid = s.execute(sa.select(Round.id)).scalar_one()
    run_id = stored_run(app)
    with db.new_session(app) as s:
        run = s.get_one(CohortRun, run_id)
        run.round_id = rid
        version = run.version
    assert "Publish and tell members" in text_of(client.get("/rounds"))
    generated = post(client, "/cohorts", {"round_id": str(rid), "size_min": "4", "size_max": "6", "seconds": "1"})
    assert generated.status_code == 302
    with db.new_session(app) as s:
        new = s.execute(sa.select(CohortRun).where(CohortRun.id != run_id)).scalar_one()
        assert new.round_id == rid and new.params["rotation"] == {"rounds": [], "pairs": 0, "discouraged": 0}
    stale = post(client, f"/rounds/runs/{run_id}/publish", {"version": str(version - 1)})
    assert stale.status_code == 409 and count_rows(app, OutboxMessage) == 0  # a page older than the run publishes nothing
    done = post(client, f"/rounds/runs/{run_id}/publish", {"version": str(version)}, follow_redirects=True)
    assert "12 messages queued" in text_of(done) and "Publish and tell members" not in text_of(done)
    with db.new_session(app) as s:  # plus the members' "before" questionnaire invitations while that is open
        assert s.execute(sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.template == "group_published")).scalar_one() == 12
    assert "Published" in text_of(client.get(f"/cohorts/{run_id}"))
    backwards = post(client, "/rounds", {"name": "Bad", "starts": "2027-03-01", "ends": "2027-01-01"}, follow_redirects=True)
    assert "must end after it starts" in text_of(backwards)


def test_teacher_sees_my_group_and_sets_participation(client, app):
    with db.new_session(app) as s:
        s.execute(sa.update(Teacher).where(Teacher.id == "n-02").values(consent_share_contact=True))
        s.execute(sa.update(Teacher).where(Teacher.id == "n-03").values(consent_share_contact=False))
    sign_in(client, "teacher_n1")
    empty = client.get("/me/group")
    assert empty.status_code == 200 and "not in a published group yet" in text_of(empty)
    assert 'href="/me/group"' in empty.get_data(as_text=True)
    with db.new_session(app) as s:
        north = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        rnd = Round(programme_id=north, name="Autumn", starts=date(2026, 9, 7), ends=date(2026, 12, 18))
        s.add(rnd)
        s.flush()
        rid = rnd.id
    run_id = stored_run(app)
    with db.new_session(app) as s:
        run = s.get_one(CohortRun, run_id)
        run.round_id, run.published_at = rid, run.created_at
    page = client.get("/me/group")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "n-02@school.example" in html and "n-03@school.example" not in html
    assert 'name="to" value="n-03"' in html and 'name="to" value="n-02"' not in html
    assert post(client, "/me/group/messages", {"to": "n-03", "text": "Hello"}).status_code == 302
    assert count_rows(app, OutboxMessage) == 1
    assert post(client, "/me/group/participation", {"status": "paused"}).status_code == 302
    assert 'value="paused" checked' in client.get("/me/group").get_data(as_text=True)
    sign_in(client, "coord_n")
    assert "Next round: 13 teachers in, 0 opted out, 1 paused" in text_of(client.get("/rounds"))


def test_a_group_without_a_shared_slot_is_told_so_once(client, app):
    """Regression: My group said "shares no free slot" twice (once by itself, once in the plan's note)."""
    with db.new_session(app) as s:
        north = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        for tid, slot in (("n-01", ["mon_am"]), ("n-02", ["tue_pm"]), ("n-03", ["wed_pm"]), ("n-04", ["thu_pm"])):
            s.execute(sa.update(Teacher).where(Teacher.id == tid).values(availability=slot))
        rnd = Round(programme_id=north, name="Autumn", starts=date(2026, 9, 7), ends=date(2026, 12, 18))
        s.add(rnd)
        s.flush()
        rid = rnd.id
    run_id = stored_run(app, groups=[["n-01", "n-02", "n-03", "n-04"]])
    with db.new_session(app) as s:
        run = s.get_one(CohortRun, run_id)
        run.round_id, run.published_at = rid, run.created_at
    sign_in(client, "teacher_n1")
    text = text_of(client.get("/me/group"))
    assert text.count("shares no free slot") == 1, text
    assert "so no dates are proposed: agree a time together" in text
