"""Tests of programme health (``service/api/programme_health.py``, ``services/health.py``, ``services/health_flags.py``)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from matcher.cohorts import Grouping
from service import db
from service.models import CheckIn, CohortRun, GroupmateHistory, OutboxMessage, Programme
from service.services import health
from service.services.cohort_review import grouping_of

from .conftest import ACCOUNTS
from .health_helpers import A, B, GROUPS, NOW, seed_health

COORD = ACCOUNTS["coord_n"].headers
URL = "/api/v1/programme/health"


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(health, "utcnow", lambda: NOW)


@pytest.mark.parametrize("who, status", [("teacher_n1", 403), ("analyst_n", 403), (None, 401)])
def test_only_coordinators_see_health(client, who, status):
    headers = ACCOUNTS[who].headers if who else {}
    assert client.get(URL, headers=headers).status_code == status
    assert client.get(f"{URL}/flags/n-02/repair", headers=headers).status_code == status
    assert client.post(f"{URL}/flags/n-02/repair", json={"to_group": 2}, headers=headers).status_code == status


def test_counts_usefulness_and_risks_on_known_answers(client, app, fixed_now):
    seed_health(app)
    resp = client.get(URL, headers=COORD)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    groups = {g["group"]: g for g in body["groups"]}
    # group 1: "no, no" then "no, rescheduled, yes" (1 of 3): not met twice; usefulness 3 from one answer
    assert (groups[1]["met"], groups[1]["not_met"], groups[1]["no_answer"], groups[1]["mean_useful"], groups[1]["n_useful"]) == (0, 2, 0, 3.0, 1)
    assert groups[1]["not_met_twice"] and groups[1]["proposed"] == 0
    # group 2: "yes, no" is a tie (met), then three yes; usefulness (4 + 5 + 4 + 5) / 4
    assert (groups[2]["met"], groups[2]["not_met"], groups[2]["mean_useful"], groups[2]["n_useful"], groups[2]["not_met_twice"]) == (2, 0, 4.5, 4, False)
    # group 3: Wednesday meetings proposed, nobody answered
    g3 = groups[3]
    assert g3["proposed"] >= 2 and g3["no_answer"] == g3["proposed"] and g3["met"] == 0 and g3["mean_useful"] is None and g3["not_met_twice"]
    assert g3["meetings_this_half_term"] >= 1 and g3["half_term"] == "not_met" and groups[2]["half_term"] == "no_dates"  # no shared slot: no dates will come
    # this half-term: after the October half-term, before Christmas (typical London dates)
    window = body["half_term"]
    assert date(2026, 10, 26) < date.fromisoformat(window["starts"]) <= date(2026, 11, 2) and date.fromisoformat(window["ends"]) <= date(2026, 12, 21)
    r = body["current_round"]
    assert (r["name"], r["met"], r["not_met"], r["no_answer"], r["mean_useful"], r["n_useful"]) == ("Autumn 2026", 2, 2, g3["proposed"], 4.2, 5)
    assert body["rounds"] == [r]
    risks = {a["teacher_id"]: a for a in body["at_risk"]}
    assert set(risks) == set(GROUPS[0]) | set(GROUPS[2]) | {"n-05", "n-13"} and body["at_risk_total"] == 10
    assert [a["codes"] for a in body["at_risk"][:8]] == [["not_met_twice"]] * 8  # not meeting comes before circumstance
    assert risks["n-13"]["group"] is None and "in no group this round" in risks["n-13"]["reasons"][0]
    assert risks["n-05"]["codes"] == ["department_of_one"] and "1 Oct: not met; 22 Oct: not met" in risks["n-01"]["reasons"][0]
    assert risks["n-01"]["reasons"][0].startswith("group 1 did not meet at its last two meetings")
    # regression: nobody answered for group 3, which is not the same as saying it did not meet
    assert risks["n-09"]["reasons"][0].startswith("group 3 has no meeting reported at its last two meetings (") and "no answer" in risks["n-09"]["reasons"][0]
    assert [(f["teacher_id"], f["group"]) for f in body["flags"]] == [("n-02", 1)]
    assert set(body["rules"]) == {"met", "useful", "at_risk", "flags"}
    assert len(client.get(URL + "?at_risk_limit=3", headers=COORD).get_json()["at_risk"]) == 3
    assert client.get(URL + "?at_risk_limit=5000", headers=COORD).status_code == 422
    assert client.get(URL + "?round_id=999", headers=COORD).status_code == 404


def test_another_programme_sees_none_of_it(client, app, fixed_now):
    seed_health(app)
    body = client.get(URL, headers=ACCOUNTS["coord_s"].headers).get_json()
    assert body["groups"] == [] and body["flags"] == [] and body["current_round"] is None
    assert all(a["teacher_id"].startswith("s-") for a in body["at_risk"])
    assert client.get(f"{URL}/flags/n-02/repair", headers=ACCOUNTS["coord_s"].headers).status_code == 404


def test_a_check_in_after_now_is_not_counted(app, fixed_now):
    seed_health(app)
    with app.app_context():
        s = db.session()
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        early = health.programme_health(s, pid, now=NOW.replace(month=10, day=15))
    assert [(g.met, g.not_met) for g in early.groups[:2]] == [(0, 1), (1, 0)]
    assert not early.flags  # n-02 flagged on 23 Oct


def test_flag_repair_moves_only_the_flagged_member_after_if_match(client, app, fixed_now):
    _, run_id = seed_health(app)
    resp = client.get(f"{URL}/flags/n-02/repair", headers=COORD)
    assert resp.status_code == 200, resp.get_json()
    proposal = resp.get_json()
    assert proposal["from_group"] == 1 and proposal["to_group"] in (2, 3) and proposal["teacher_id"] == "n-02"
    with db.new_session(app) as s:
        assert s.get_one(CohortRun, run_id).version == proposal["version"]  # nothing saved by the suggestion
    target = proposal["to_group"]
    url = f"{URL}/flags/n-02/repair"
    assert client.post(url, json={"to_group": target}, headers=COORD).status_code == 428
    assert client.post(url, json={"to_group": target}, headers={**COORD, "If-Match": '"run-1-v999"'}).status_code == 409
    assert client.post(url, json={"to_group": 1, "version": proposal["version"]}, headers=COORD).status_code == 422
    done = client.post(url, json={"to_group": target}, headers={**COORD, "If-Match": resp.headers["ETag"]})
    assert done.status_code == 200, done.get_json()
    with db.new_session(app) as s:
        groups = Grouping.from_dict(s.get_one(CohortRun, run_id).result).groups
        history = {(h.teacher_a, h.teacher_b) for h in s.execute(sa.select(GroupmateHistory)).scalars()}
        told = s.execute(sa.select(OutboxMessage).where(OutboxMessage.teacher_id == "n-02")).scalars().all()
    expected = [list(g) for g in GROUPS]
    expected[0].remove("n-02")
    expected[target - 1].append("n-02")
    assert [sorted(g) for g in groups] == [sorted(g) for g in expected]  # everyone else keeps their group
    assert all(tuple(sorted(("n-02", m))) in history for m in GROUPS[target - 1])
    assert len(told) == 1 and f"group {target}" in told[0].body_text
    # the flag is resolved: n-02 is no longer in the group they flagged
    assert client.get(URL, headers=COORD).get_json()["flags"] == []
    assert client.get(url, headers=COORD).status_code == 404


def test_a_new_or_edited_check_in_shows_at_once(client, app, fixed_now):
    """The kept answer is recomputed when a check-in arrives or changes (not served stale)."""
    _, run_id = seed_health(app)
    first = {g["group"]: g for g in client.get(URL, headers=COORD).get_json()["groups"]}
    assert first[2]["n_useful"] == 4
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        at = NOW - timedelta(hours=2)
        s.add(CheckIn(programme_id=pid, teacher_id="n-08", run_id=run_id, group_number=2, meeting_start=B, met="yes", useful=1, created_at=at, updated_at=at))
    second = {g["group"]: g for g in client.get(URL, headers=COORD).get_json()["groups"]}
    assert (second[2]["n_useful"], second[2]["mean_useful"]) == (5, 3.8)
    with db.new_session(app) as s:
        row = s.execute(sa.select(CheckIn).where(CheckIn.teacher_id == "n-06", CheckIn.meeting_start == B)).scalar_one()
        row.met, row.useful, row.updated_at = "no", None, NOW - timedelta(hours=1)
    third = {g["group"]: g for g in client.get(URL, headers=COORD).get_json()["groups"]}
    assert (third[2]["n_useful"], third[2]["met"]) == (4, 2)  # 3 of 4 still said yes on 22 Oct


def test_groups_aggregated_again_after_changes_equal_a_fresh_computation(client, app, fixed_now):
    """Only the groups whose check-ins changed are aggregated again; a deletion re-reads the run;
    either way the answer is the one computed from nothing."""
    _, run_id = seed_health(app)
    client.get(URL, headers=COORD)
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        at = NOW - timedelta(hours=2)
        s.add(CheckIn(programme_id=pid, teacher_id="n-04", run_id=run_id, group_number=1, meeting_start=B, met="yes", useful=2, created_at=at, updated_at=at))
        row = s.execute(sa.select(CheckIn).where(CheckIn.teacher_id == "n-07", CheckIn.meeting_start == B)).scalar_one()
        row.useful, row.updated_at = 1, at
    kept = client.get(URL, headers=COORD).get_json()
    by_group = {g["group"]: g for g in kept["groups"]}
    assert (by_group[1]["n_useful"], by_group[1]["met"], by_group[2]["mean_useful"]) == (2, 1, 3.5)  # 22 Oct: 2 of 4 said yes: met
    with db.new_session(app) as s:
        s.execute(sa.delete(CheckIn).where(CheckIn.teacher_id == "n-05", CheckIn.meeting_start == A))
    after_delete = client.get(URL, headers=COORD).get_json()
    assert {g["group"]: g for g in after_delete["groups"]}[2]["n_useful"] == 3
    for cache in (health._CACHE, health._GROUPINGS, health._HEALTH):
        cache.clear()
    fresh = client.get(URL, headers=COORD).get_json()
    assert after_delete == fresh


def test_under_the_common_slot_rule_the_repair_keeps_a_shared_free_slot(client, app, fixed_now):
    """Regression: the suggested repair could move n-02 (free Monday mornings) into group 3 (Wednesdays only)."""
    _, run_id = seed_health(app)
    with db.new_session(app) as s:
        run = s.get_one(CohortRun, run_id)
        run.result = dataclasses.replace(grouping_of(run), common_slot=True).to_dict()
    url = f"{URL}/flags/n-02/repair"
    resp = client.get(url, headers=COORD)
    assert resp.status_code == 200 and resp.get_json()["to_group"] == 2  # group 2 listed no free time: no constraint
    refused = client.post(url, json={"to_group": 3}, headers={**COORD, "If-Match": resp.headers["ETag"]})
    assert refused.status_code == 422 and "share no free slot" in refused.get_json()["detail"]
    assert client.post(url, json={"to_group": 2}, headers={**COORD, "If-Match": resp.headers["ETag"]}).status_code == 200
