"""Tests of ``service/services/gdpr.py``: export everything about a teacher, and erase them."""

from __future__ import annotations

import json

import sqlalchemy as sa

from service import db
from service.models import CohortRun, ConsentDecision, Programme, Teacher, User
from service.services.common import pseudonym

from .conftest import ACCOUNTS, SECRET


def _add_run_with(app, members: list[str], name: str) -> int:
    with db.new_session(app) as s:
        programme = s.execute(sa.select(Programme).where(Programme.name == "north")).scalar_one()
        run = CohortRun(
            programme_id=programme.id,
            status="done",
            params={"keep_apart": [[members[0], members[1]]]},
            result={"groups": [{"index": 0, "members": members, "reasons": [f"{name}'s strength in singing meets a challenge"]}]},
        )
        s.add(run)
        s.flush()
        return run.id


def test_teacher_exports_own_data(client, app):
    resp = client.get("/api/v1/teachers/n-01/data-export", headers=ACCOUNTS["teacher_n1"].headers)
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    data = resp.get_json()
    assert data["profile"]["id"] == "n-01" and data["profile"]["email"] == "n-01@school.example"
    assert data["accounts"][0]["username"] == "teacher_n1"
    assert "token_hash" not in json.dumps(data) and ACCOUNTS["teacher_n1"].token not in json.dumps(data)
    assert client.get("/api/v1/teachers/n-02/data-export", headers=ACCOUNTS["teacher_n1"].headers).status_code == 403


def test_export_lists_cohort_memberships(client, app):
    run_id = _add_run_with(app, ["n-01", "n-02", "n-03"], "Someone")
    data = client.get("/api/v1/teachers/n-01/data-export", headers=ACCOUNTS["teacher_n1"].headers).get_json()
    assert data["cohort_groups"] == [{"cohort_run": run_id, "created_at": data["cohort_groups"][0]["created_at"], "group": 0, "group_size": 3}]


def test_teacher_erases_themselves(client, app):
    with db.new_session(app) as s:
        name = s.get(Teacher, "n-01").name
        s.add(ConsentDecision(teacher_id="n-02", peer_id="n-01", decision="accepted"))
        s.add(ConsentDecision(teacher_id="n-01", peer_id="n-02", decision="accepted"))
        s.get(Teacher, "n-03").previous_groupmates = ["n-01", "n-04"]
    run_id = _add_run_with(app, ["n-01", "n-02", "n-03"], name)
    resp = client.delete("/api/v1/teachers/n-01", headers=ACCOUNTS["teacher_n1"].headers)
    assert resp.status_code == 204
    with app.app_context():
        alias = pseudonym("n-01")
    with db.new_session(app) as s:
        assert s.get(Teacher, "n-01") is None
        assert s.execute(sa.select(User).where(User.username == "teacher_n1")).first() is None
        assert s.execute(sa.select(ConsentDecision).where(sa.or_(ConsentDecision.teacher_id == "n-01", ConsentDecision.peer_id == "n-01"))).first() is None
        run = s.get(CohortRun, run_id)
        stored = json.dumps([run.result, run.params])
        assert "n-01" not in stored and name not in stored
        # The run stores a matcher.cohorts.Grouping (ids only; reasons are written on read).
        assert run.result["groups"][0][0] == alias and run.result["erased"] == [alias] and run.params["keep_apart"][0][0] == alias
        assert s.get(Teacher, "n-03").previous_groupmates == [alias, "n-04"]
    # The account is gone: its token no longer works.
    assert client.get("/api/v1/me", headers=ACCOUNTS["teacher_n1"].headers).status_code == 401
    # The coordinator no longer sees the teacher, and exports no longer contain them.
    coord = ACCOUNTS["coord_n"].headers
    assert client.get("/api/v1/teachers/n-01", headers=coord).status_code == 404
    assert "n-01" not in client.get("/api/v1/teachers/export", headers=coord).get_data(as_text=True)


def test_pseudonyms_are_keyed_and_stable(app):
    with app.app_context():
        a, b = pseudonym("n-01"), pseudonym("n-02")
    assert a != b and a.startswith("p-") and len(a) == 14
    assert SECRET not in a


def test_coordinator_erases_only_own_programme(client):
    assert client.delete("/api/v1/teachers/s-01", headers=ACCOUNTS["coord_n"].headers).status_code == 404
    assert client.delete("/api/v1/teachers/n-05", headers=ACCOUNTS["coord_n"].headers).status_code == 204
    assert client.delete("/api/v1/teachers/n-05", headers=ACCOUNTS["coord_n"].headers).status_code == 404


def test_erasure_leaves_only_a_pseudonym_in_a_real_run(client, app):
    from .test_api_cohort_runs import COORD, meet_online, wait_done

    meet_online(client, [f"n-{i:02d}" for i in range(1, 15)])
    resp = client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 5, "seconds": 2}, headers=COORD)
    run = wait_done(client, resp.headers["Location"])
    assert run["status"] == "done"
    with db.new_session(app) as s:
        name = s.get(Teacher, "n-07").name
    assert "n-07" in json.dumps(run["result"])
    assert client.delete("/api/v1/teachers/n-07", headers=COORD).status_code == 204
    after = client.get(resp.headers["Location"], headers=COORD).get_json()
    text = json.dumps(after)
    assert "n-07" not in text and name not in text and name.split()[0] not in text
    with app.app_context():
        alias = pseudonym("n-07")
    assert alias in [t for g in after["result"]["groups"] for t in g["members"]]
