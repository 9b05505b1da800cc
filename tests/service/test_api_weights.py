"""Tests of learned weights: ``service/api/weights.py`` and ``services/learned_weights.py`` (check-ins SIMULATED)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from service import db
from service.models import CheckIn, CohortRun, Programme, WeightProposal

from .conftest import ACCOUNTS, TEACHERS
from .test_api_cohort_runs import stored_run, wait_done
from .test_api_rounds import make_round

COORD = ACCOUNTS["coord_n"].headers
COORD_S = ACCOUNTS["coord_s"].headers
N = TEACHERS["north"][:12]
LEARNED = {"complementarity": 0.1, "interests": 0.5, "context": 0.05, "practicality": 0.35, "priority": 0.3, "one_way": 0.6}
DEFAULTS = {"complementarity": 0.45, "interests": 0.2, "context": 0.15, "practicality": 0.2, "priority": 0.3, "one_way": 0.25}


def programme_id(app, name="north") -> int:
    with db.new_session(app) as s:
        return int(s.execute(sa.select(Programme.id).where(Programme.name == name)).scalar_one())


def seed_check_ins(app, runs=4, meetings=2, seed=0) -> int:
    """``runs`` published-like runs of the north programme (3 groups of 4 each, reshuffled),
    every member answering every meeting with a random rating (a few with none, a few
    rescheduled); returns the number of answers with a rating of a meeting that happened."""
    rng = np.random.default_rng(seed)
    pid, rows = programme_id(app), 0
    for _ in range(runs):
        order = list(rng.permutation(N))
        groups = [order[0:4], order[4:8], order[8:12]]
        run_id = stored_run(app, groups=groups)
        with db.new_session(app) as s:
            for g, members in enumerate(groups, start=1):
                for m in range(meetings):
                    start = datetime(2026, 10, 1, 16, tzinfo=UTC) + timedelta(weeks=3 * m)
                    for t in members:
                        met = "rescheduled" if rng.random() < 0.1 else "yes"
                        useful = None if rng.random() < 0.1 else int(rng.integers(1, 6))
                        s.add(CheckIn(programme_id=pid, teacher_id=str(t), run_id=run_id, group_number=g, meeting_start=start, met=met, useful=useful))
                        rows += met == "yes" and useful is not None
    return rows


def proposal(app, round_id, *, better=True, status="proposed") -> int:
    """A stored proposal (the learning itself is tested in tests/matcher/learning)."""
    with db.new_session(app) as s:
        p = WeightProposal(
            programme_id=programme_id(app), round_id=round_id, learned=LEARNED, current=DEFAULTS, learned_score=0.12, current_score=0.03,
            metric="R²", n_answers=500, evidence={"better": better, "margin": 0.05 if better else -0.01, "sentence": "From 500 check-in answers ...", "n_groups": 80},
            status=status,
        )
        s.add(p)
        s.flush()
        return p.id


def test_learning_from_check_ins_stores_a_proposal_beside_todays_weights(client, app):
    rid = make_round(client)
    rated = seed_check_ins(app)
    resp = client.post("/api/v1/programme/weights", json={"round_id": rid}, headers=COORD)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "proposed" and body["round_id"] == rid
    assert body["current"] == DEFAULTS and body["n_answers"] == rated >= 60  # no rating, or rescheduled: left out, not a zero
    assert all(v >= 0 for v in body["learned"].values()) and body["learned"]["priority"] == DEFAULTS["priority"]
    assert "R²" in body["metric"] and {row["term"] for row in body["terms"]} == set(DEFAULTS)
    assert body["sentence"].startswith(f"From {body['n_answers']} check-in answers")
    listed = client.get("/api/v1/programme/weights", headers=COORD).get_json()
    assert [p["id"] for p in listed["items"]] == [body["id"]] and listed["defaults"] == DEFAULTS
    assert client.get("/api/v1/programme/weights", headers=COORD_S).get_json()["items"] == []
    assert client.get(f"/api/v1/programme/weights/{body['id']}", headers=COORD_S).status_code == 404


def test_too_few_answers_is_422_saying_how_many_are_needed(client, app):
    rid = make_round(client)
    seed_check_ins(app, runs=1)  # 3 groups: too few
    resp = client.post("/api/v1/programme/weights", json={"round_id": rid}, headers=COORD)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["needed"] == {"answers": 60, "groups": 10} and body["have"]["groups"] == 3
    assert "at least 60" in body["detail"] and body["errors"]


@pytest.mark.parametrize("payload", [{"round_id": 999999}, {}, {"round_id": "x"}, {"round_id": 1, "extra": 2}])
def test_bad_learn_requests_are_422(client, payload):
    assert client.post("/api/v1/programme/weights", json=payload, headers=COORD).status_code == 422


def test_a_published_round_cannot_get_new_weights(client, app):
    rid = make_round(client)
    run_id = stored_run(app)
    with db.new_session(app) as s:
        run = s.get_one(CohortRun, run_id)
        run.round_id, run.published_at = rid, datetime(2026, 9, 1, tzinfo=UTC)
    resp = client.post("/api/v1/programme/weights", json={"round_id": rid}, headers=COORD)
    assert resp.status_code == 422 and "published already" in resp.get_json()["detail"]


def test_another_programmes_round_is_unknown(client):
    rid = make_round(client, headers=COORD_S)
    resp = client.post("/api/v1/programme/weights", json={"round_id": rid}, headers=COORD)
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "round_id"


@pytest.mark.parametrize("who", ["teacher_n1", "analyst_n"])
@pytest.mark.parametrize(
    "method,path", [("get", "/api/v1/programme/weights"), ("post", "/api/v1/programme/weights"), ("get", "/api/v1/programme/weights/{id}"),
                    ("post", "/api/v1/programme/weights/{id}/accept"), ("post", "/api/v1/programme/weights/{id}/refuse")]
)
def test_only_coordinators_see_and_decide(client, app, who, method, path):
    rid = make_round(client)
    pid = proposal(app, rid)
    resp = getattr(client, method)(path.format(id=pid), json={"round_id": rid}, headers=ACCOUNTS[who].headers)
    assert resp.status_code == 403
    assert client.get("/api/v1/programme/weights").status_code == 401


def test_accepted_weights_reach_a_new_run_of_the_round(client, app):
    rid = make_round(client)
    pid = proposal(app, rid)
    resp = client.post(f"/api/v1/programme/weights/{pid}/accept", headers=COORD)
    assert resp.status_code == 200 and resp.get_json()["status"] == "accepted" and resp.get_json()["decided_by"] is not None
    assert client.post(f"/api/v1/programme/weights/{pid}/refuse", headers=COORD).status_code == 409  # decided once
    placeable = [t for t in TEACHERS["north"] if t != "n-10"]  # n-10 can meet nobody in the fixture
    run = client.post("/api/v1/cohort-runs", json={"round_id": rid, "teacher_ids": placeable, "size_min": 3, "size_max": 5, "seconds": 1}, headers=COORD)
    assert run.status_code == 202
    params = run.get_json()["params"]
    assert params["weights"] == LEARNED and params["weights_proposal_id"] == pid
    done = wait_done(client, run.headers["Location"])
    assert done["status"] == "done", done
    with db.new_session(app) as s:
        stored = s.get_one(CohortRun, run.get_json()["id"]).result
    assert stored["weights"] == LEARNED  # the grouping keeps them, so its review explains with them
    other = make_round(client, name="Spring 2027", starts="2027-01-04", ends="2027-03-26")  # another round keeps the defaults
    params = client.post("/api/v1/cohort-runs", json={"round_id": other, "size_min": 3, "size_max": 5, "seconds": 1}, headers=COORD).get_json()["params"]
    assert params["weights"] == DEFAULTS and params["weights_proposal_id"] is None


def test_refused_weights_are_not_used(client, app):
    rid = make_round(client)
    pid = proposal(app, rid)
    resp = client.post(f"/api/v1/programme/weights/{pid}/refuse", headers=COORD)
    assert resp.status_code == 200 and resp.get_json()["status"] == "refused"
    params = client.post("/api/v1/cohort-runs", json={"round_id": rid, "size_min": 3, "size_max": 5, "seconds": 1}, headers=COORD).get_json()["params"]
    assert params["weights"] == DEFAULTS and params["weights_proposal_id"] is None


def test_weights_that_are_not_better_cannot_be_accepted(client, app):
    rid = make_round(client)
    pid = proposal(app, rid, better=False)
    resp = client.post(f"/api/v1/programme/weights/{pid}/accept", headers=COORD)
    assert resp.status_code == 422 and "cannot be accepted" in resp.get_json()["detail"]
    assert client.get(f"/api/v1/programme/weights/{pid}", headers=COORD).get_json()["status"] == "proposed"
    assert client.post("/api/v1/programme/weights/999999/accept", headers=COORD).status_code == 404
    assert client.post(f"/api/v1/programme/weights/{pid}/accept", headers=COORD_S).status_code == 404


def test_a_decision_made_meanwhile_is_not_overwritten(app, monkeypatch) -> None:
    """Two coordinators at once: the second, who read the proposal as "proposed" before the
    first decided, gets a 409 and the first decision stays."""
    from sqlalchemy.orm.attributes import set_committed_value

    from service.auth import Identity
    from service.problems import Problem
    from service.services import learned_weights

    rid = proposal(app, None)
    with app.test_request_context():
        s = db.session()
        coord = Identity(1, "coord_n", "coordinator", programme_id(app), None, "token")
        read = learned_weights.get_proposal_for(coord, rid)
        s.execute(sa.update(WeightProposal).where(WeightProposal.id == rid).values(status="refused").execution_options(synchronize_session=False))  # the other coordinator
        set_committed_value(read, "status", "proposed")  # what the second request read before that
        monkeypatch.setattr(learned_weights, "get_proposal_for", lambda identity, proposal_id: read)
        with pytest.raises(Problem) as err:
            learned_weights.decide(coord, rid, accept=True)
        assert err.value.status == 409
        assert s.execute(sa.select(WeightProposal.status).where(WeightProposal.id == rid)).scalar_one() == "refused"
