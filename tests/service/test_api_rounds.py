"""Tests of rounds, publishing a round's run, My group and rotation (``service/api/rounds.py``, ``me.py``, ``services/publish.py``)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from service import db
from service.models import CohortRun, GroupmateHistory, OutboxMessage, Programme, Teacher

from .conftest import ACCOUNTS, TEACHERS, count_rows
from .test_api_cohort_runs import stored_run, wait_done

COORD = ACCOUNTS["coord_n"].headers
COORD_S = ACCOUNTS["coord_s"].headers
TEACHER = ACCOUNTS["teacher_n1"].headers  # n-01
N = TEACHERS["north"]
GROUPS = [N[0:4], N[4:8], N[8:12]]


def make_round(client, name="Autumn 2026", starts="2026-09-07", ends="2026-12-18", headers=COORD) -> int:
    resp = client.post("/api/v1/rounds", json={"name": name, "starts": starts, "ends": ends}, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return int(resp.get_json()["id"])


def round_run(app, round_id: int, groups=GROUPS) -> int:
    run_id = stored_run(app, groups=groups)
    with db.new_session(app) as s:
        s.get_one(CohortRun, run_id).round_id = round_id
    return run_id


def publish(client, run_id: int, headers=COORD):
    tag = client.get(f"/api/v1/cohort-runs/{run_id}", headers=headers).headers.get("ETag", "")
    return client.post(f"/api/v1/cohort-runs/{run_id}/publish", json={}, headers={**headers, "If-Match": tag})


def backdate(app, run_id: int, when: datetime = datetime(2026, 9, 1, tzinfo=timezone.utc)) -> None:
    """Make a published run published as of ``when`` (before the round's start by default), so
    that meetings are proposed over the whole round, as for a round published before it began:
    meetings are proposed only from the day a run is published."""
    with db.new_session(app) as s:
        s.get_one(CohortRun, run_id).published_at = when


# ---- rounds -----------------------------------------------------------------------------


def test_rounds_are_created_and_listed_per_programme(client):
    rid = make_round(client)
    body = client.get("/api/v1/rounds", headers=COORD).get_json()
    assert [(r["id"], r["name"], r["starts"], r["cadence_weeks"], r["published_run_id"]) for r in body["items"]] == [(rid, "Autumn 2026", "2026-09-07", 3, None)]
    assert client.get("/api/v1/rounds", headers=COORD_S).get_json()["items"] == []
    assert client.get(f"/api/v1/rounds/{rid}", headers=COORD_S).status_code == 404
    assert client.post("/api/v1/rounds", json={"name": "Autumn 2026", "starts": "2027-01-04", "ends": "2027-03-26"}, headers=COORD).status_code == 409
    assert client.post("/api/v1/rounds", json={"name": "Backwards", "starts": "2027-03-26", "ends": "2027-01-04"}, headers=COORD).status_code == 422
    with_cadence = client.post("/api/v1/rounds", json={"name": "Spring", "starts": "2027-01-04", "ends": "2027-03-26", "cadence_weeks": 2}, headers=COORD)
    assert with_cadence.status_code == 201 and with_cadence.get_json()["cadence_weeks"] == 2


def test_teachers_and_analysts_cannot_manage_rounds(client):
    body = {"name": "X", "starts": "2026-09-07", "ends": "2026-12-18"}
    for who in ("teacher_n1", "analyst_n"):
        headers = ACCOUNTS[who].headers
        assert client.post("/api/v1/rounds", json=body, headers=headers).status_code == 403
        assert client.get("/api/v1/rounds", headers=headers).status_code == 403


def test_participation_limits_a_rounds_run(client, app):
    assert client.get("/api/v1/me/participation", headers=TEACHER).get_json() == {"status": "in"}
    assert client.put("/api/v1/me/participation", json={"status": "paused"}, headers=TEACHER).get_json() == {"status": "paused"}
    assert client.put("/api/v1/me/participation", json={"status": "maybe"}, headers=TEACHER).status_code == 422
    assert client.put("/api/v1/me/participation", json={"status": "out"}, headers=COORD).status_code == 403
    rid = make_round(client)
    resp = client.post("/api/v1/cohort-runs", json={"round_id": rid, "size_min": 3, "size_max": 5, "seconds": 1}, headers=COORD)
    assert resp.status_code == 202
    params = resp.get_json()["params"]
    assert params["round_id"] == rid and "n-01" not in params["teacher_ids"] and set(params["teacher_ids"]) == set(N) - {"n-01"}
    with db.new_session(app) as s:
        assert s.get_one(CohortRun, resp.get_json()["id"]).round_id == rid
    assert client.post("/api/v1/cohort-runs", json={"round_id": 999999, "seconds": 1}, headers=COORD).status_code == 422
    wait_done(client, resp.headers["Location"])


# ---- publish ----------------------------------------------------------------------------


def test_publish_locks_records_history_and_tells_every_member(client, app):
    rid = make_round(client)
    run_id = round_run(app, rid)
    assert client.post(f"/api/v1/cohort-runs/{run_id}/publish", json={}, headers=COORD).status_code == 428
    assert client.post(f"/api/v1/cohort-runs/{run_id}/publish", json={}, headers={**COORD, "If-Match": '"run-0-v0"'}).status_code == 409
    assert publish(client, run_id, headers=ACCOUNTS["teacher_n1"].headers).status_code == 403
    resp = publish(client, run_id)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["groups"], body["messages"], body["pairs"]) == (3, 12, 18)
    with db.new_session(app) as s:
        run = s.get_one(CohortRun, run_id)
        assert run.status == "done" and run.published_at is not None
        pairs = {tuple(r) for r in s.execute(sa.select(GroupmateHistory.teacher_a, GroupmateHistory.teacher_b).where(GroupmateHistory.round_id == rid))}
        keys = set(s.execute(sa.select(OutboxMessage.idempotency_key).where(OutboxMessage.template == "group_published")).scalars())
        message = s.execute(sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == f"publish-{run_id}-n-01")).scalar_one()
        names = {t.id: t.name.split()[0] for t in s.execute(sa.select(Teacher).where(Teacher.id.in_(N[:4]))).scalars()}
    assert pairs == {tuple(sorted(p)) for g in GROUPS for p in itertools.combinations(g, 2)}
    assert keys == {f"publish-{run_id}-{t}" for g in GROUPS for t in g}
    assert all(names[t] in message.body_text for t in N[1:4]) and "/me/group" in message.body_text and "/me/group" in message.body_html
    assert "First meeting:" in message.body_text
    # locked: edits and a second publish are refused
    got = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD)
    assert got.get_json()["round_id"] == rid and got.get_json()["published_at"] and got.get_json()["status"] == "done"
    tag = got.headers["ETag"]
    assert client.post(f"/api/v1/cohort-runs/{run_id}/groups/1/approve", json={}, headers={**COORD, "If-Match": tag}).status_code == 409
    assert publish(client, run_id).status_code == 409
    other = round_run(app, rid)
    assert publish(client, other).status_code == 409
    assert client.get(f"/api/v1/rounds/{rid}", headers=COORD).get_json()["published_run_id"] == run_id


def test_publish_needs_a_round(client, app):
    run_id = stored_run(app)
    assert publish(client, run_id).status_code == 422


def test_a_failing_message_rolls_back_the_whole_publish(client, app, monkeypatch):
    from service.mail import outbox

    rid = make_round(client)
    run_id = round_run(app, rid)
    real, calls = outbox.enqueue, []

    def flaky(s, **kw):
        calls.append(kw["idempotency_key"])
        if len(calls) == 5:
            raise RuntimeError("mail template broke")
        return real(s, **kw)

    monkeypatch.setattr(outbox, "enqueue", flaky)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert publish(client, run_id).status_code == 500
    assert len(calls) == 5
    assert count_rows(app, OutboxMessage) == 0 and count_rows(app, GroupmateHistory) == 0
    with db.new_session(app) as s:
        assert s.get_one(CohortRun, run_id).published_at is None


# ---- My group ---------------------------------------------------------------------------


def _consent(app, consenting: dict[str, bool]) -> None:
    with db.new_session(app) as s:
        for tid, yes in consenting.items():
            s.execute(sa.update(Teacher).where(Teacher.id == tid).values(consent_share_contact=yes, availability=["mon_pm", "thu_after_school"] if tid != "n-04" else ["thu_after_school"]))


def test_my_group_shows_members_slots_and_contact_by_consent(client, app):
    assert client.get("/api/v1/me/group", headers=TEACHER).status_code == 404
    _consent(app, {"n-01": True, "n-02": True, "n-03": False, "n-04": False})
    rid = make_round(client)
    run_id = round_run(app, rid)
    assert publish(client, run_id).status_code == 200
    backdate(app, run_id)  # published before the round began: meetings over the whole round
    resp = client.get("/api/v1/me/group", headers=TEACHER)
    assert resp.status_code == 200
    body = resp.get_json()
    members = {m["id"]: m for m in body["members"]}
    assert set(members) == set(N[:4]) and members["n-01"]["you"] and body["group"] == 1
    assert members["n-02"]["email"] == "n-02@school.example" and members["n-02"]["contact"] == "email"
    assert members["n-03"]["email"] is None and members["n-03"]["contact"] == "message"
    assert "n-03@school.example" not in resp.get_data(as_text=True)
    # mutual consent: once n-01 withdraws their own consent, n-02's address is no longer shown to them
    _consent(app, {"n-01": False})
    withdrawn = {m["id"]: m for m in client.get("/api/v1/me/group", headers=TEACHER).get_json()["members"]}
    assert withdrawn["n-02"]["email"] is None and withdrawn["n-02"]["contact"] == "message"
    _consent(app, {"n-01": True})
    assert all(m["school"] for m in body["members"])
    assert body["shared_slots"] == ["thu_after_school"]
    assert body["round"]["id"] == rid
    # every 3 weeks on Thursday after school, in term time (autumn half-term skipped), within the round
    starts = [datetime.fromisoformat(m) for m in body["meetings"]]
    assert len(starts) >= 4 and all(d.weekday() == 3 and d.hour == 16 for d in starts)
    assert all(date(2026, 9, 7) <= d.date() <= date(2026, 12, 18) for d in starts)
    assert all((b - a).days >= 21 for a, b in zip(starts, starts[1:]))
    assert client.get("/api/v1/me/group", headers=COORD).status_code == 403
    assert client.get("/api/v1/me/group", headers=ACCOUNTS["teacher_s1"].headers).status_code == 404


def test_group_calendar_parses(client, app):
    icalendar = pytest.importorskip("icalendar")
    _consent(app, {t: False for t in N[:4]})  # all share Thursday after school
    rid = make_round(client)
    run_id = round_run(app, rid)
    assert publish(client, run_id).status_code == 200
    backdate(app, run_id)  # published before the round began: meetings over the whole round
    resp = client.get("/api/v1/me/group.ics", headers=TEACHER)
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(resp.get_data())
    events = [c for c in cal.walk("VEVENT")]
    meetings = client.get("/api/v1/me/group", headers=TEACHER).get_json()["meetings"]
    assert len(events) == len(meetings) >= 4
    assert [e.decoded("DTSTART").isoformat() for e in events] == meetings
    again = icalendar.Calendar.from_ical(client.get("/api/v1/me/group.ics", headers=TEACHER).get_data())
    assert [str(e["UID"]) for e in events] == [str(e["UID"]) for e in again.walk("VEVENT")]
    mine = icalendar.Calendar.from_ical(client.get("/api/v1/me/calendar.ics", headers=TEACHER).get_data())
    assert [str(e["UID"]) for e in mine.walk("VEVENT")] == [str(e["UID"]) for e in events]


def test_messages_to_groupmates_are_relayed_without_addresses_and_limited(client, app):
    app.config["PEERMATCH_RELAY_PER_DAY"] = 2
    rid = make_round(client)
    assert publish(client, round_run(app, rid)).status_code == 200
    ok = client.post("/api/v1/me/group/messages", json={"to": "n-03", "text": "Shall we meet on Thursday?"}, headers=TEACHER)
    assert ok.status_code == 202
    with db.new_session(app) as s:
        m = s.execute(sa.select(OutboxMessage).where(OutboxMessage.template == "group_message")).scalar_one()
        assert m.to_address == "n-03@school.example" and "Shall we meet on Thursday?" in m.body_text and "n-01@school.example" not in m.body_text + m.body_html
    assert client.post("/api/v1/me/group/messages", json={"to": "n-09", "text": "hi"}, headers=TEACHER).status_code == 422
    assert client.post("/api/v1/me/group/messages", json={"to": "n-01", "text": "me"}, headers=TEACHER).status_code == 422
    assert client.post("/api/v1/me/group/messages", json={"to": "n-02", "text": "second"}, headers=TEACHER).status_code == 202
    limited = client.post("/api/v1/me/group/messages", json={"to": "n-02", "text": "third"}, headers=TEACHER)
    assert limited.status_code == 429


# ---- rotation and history -----------------------------------------------------------------


def test_second_rounds_run_avoids_first_round_pairs(client, app):
    with db.new_session(app) as s:  # online meetings: no distance rule, only the history constrains
        s.execute(sa.update(Teacher).where(Teacher.id.in_(N)).values(meeting_mode="online"))
        s.execute(sa.update(Programme).where(Programme.name == "north").values(profiles_version=Programme.profiles_version + 1))
    first = make_round(client)
    assert publish(client, round_run(app, first)).status_code == 200
    second = make_round(client, "Spring 2027", "2027-01-04", "2027-03-26")
    resp = client.post("/api/v1/cohort-runs", json={"round_id": second, "size_min": 3, "size_max": 4, "seconds": 2, "keep_together": [["n-05", "n-07"]]}, headers=COORD)
    assert resp.status_code == 202
    params = resp.get_json()["params"]
    assert params["rotation"] == {"rounds": ["Autumn 2026"], "pairs": 17, "discouraged": 0}  # 18 pairs, less the partner kept
    done = wait_done(client, resp.headers["Location"])
    assert done["status"] == "done", done["error"]
    old = {frozenset(p) for g in GROUPS for p in itertools.combinations(g, 2)} - {frozenset(("n-05", "n-07"))}
    new = {frozenset(p) for g in done["result"]["groups"] for p in itertools.combinations(g["members"], 2)}
    assert not old & new
    assert frozenset(("n-05", "n-07")) in new


def test_rotation_lets_teachers_who_meet_only_in_person_meet_earlier_groupmates_again(client, app):
    with db.new_session(app) as s:
        s.execute(sa.update(Teacher).where(Teacher.id.in_(N)).values(meeting_mode="either", max_travel_km=200))
        s.execute(sa.update(Teacher).where(Teacher.id == "n-01").values(meeting_mode="in_person"))
    first = make_round(client)
    assert publish(client, round_run(app, first)).status_code == 200
    second = make_round(client, "Spring 2027", "2027-01-04", "2027-03-26")
    resp = client.post("/api/v1/cohort-runs", json={"round_id": second, "size_min": 3, "size_max": 4, "seconds": 1}, headers=COORD)
    params = resp.get_json()["params"]
    assert params["rotation"] == {"rounds": ["Autumn 2026"], "pairs": 15, "discouraged": 3}  # n-01's three groupmates
    assert not any("n-01" in pair for pair in params["keep_apart"]) and ["n-02", "n-03"] in params["keep_apart"]
    mates = [sorted(p) for g in GROUPS if "n-01" in g for p in itertools.combinations(g, 2) if "n-01" in p]
    assert params["discourage"] == sorted(mates) and len(mates) == 3  # not dropped: discouraged in the search
    done = wait_done(client, resp.headers["Location"])
    assert done["status"] == "done", done["error"]
    with db.new_session(app) as s:  # the stored record keeps them, so repairs and explanations see them
        assert s.get_one(CohortRun, resp.get_json()["id"]).result["discourage"] == sorted(mates)
    new = {frozenset(p) for g in done["result"]["groups"] for p in itertools.combinations(g["members"], 2)}
    assert not new & {frozenset(p) for p in mates}  # within reach of others: the repeats were avoidable, and avoided


def test_history_csv_round_trip(client, app):
    rid = make_round(client)
    assert publish(client, round_run(app, rid)).status_code == 200
    resp = client.get(f"/api/v1/rounds/{rid}/history.csv", headers=COORD)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0] == "round_name,teacher_a,teacher_b" and len(lines) == 19 and "Autumn 2026,n-01,n-02" in lines
    # into another programme's history: the same pairs, ids unknown there are listed
    imported = client.post("/api/v1/groupmate-history", data=text, headers={**COORD_S, "Content-Type": "text/csv"})
    assert imported.status_code == 200, imported.get_json()
    assert imported.get_json()["imported"] == 18 and imported.get_json()["unknown_teachers"] == N[:12]
    again = client.post("/api/v1/groupmate-history", data=text.replace("Autumn 2026", "Last year"), headers={**COORD, "Content-Type": "text/csv"})
    assert again.get_json() == {"imported": 18, "already_known": 0, "unknown_teachers": []}
    assert client.post("/api/v1/groupmate-history", data=text, headers={**COORD, "Content-Type": "text/csv"}).get_json()["already_known"] == 18
    with db.new_session(app) as s:
        south = s.execute(sa.select(Programme.id).where(Programme.name == "south")).scalar_one()
        rows = {tuple(r) for r in s.execute(sa.select(GroupmateHistory.round_name, GroupmateHistory.teacher_a, GroupmateHistory.teacher_b).where(GroupmateHistory.programme_id == south))}
    assert {",".join(r) for r in rows} == set(lines[1:])
    bad = client.post("/api/v1/groupmate-history", data="round_name,teacher_a,teacher_b\nX,n-01,n-01\nY,,n-02\n", headers={**COORD, "Content-Type": "text/csv"})
    assert bad.status_code == 422 and [(e["row"], e["field"]) for e in bad.get_json()["errors"]] == [(2, "teacher_b"), (3, "teacher_a")]
    assert client.post("/api/v1/groupmate-history", data=text, headers={**TEACHER, "Content-Type": "text/csv"}).status_code == 403


def test_erasure_removes_history_and_participation(client, app):
    from service.models import RoundParticipation

    client.put("/api/v1/me/participation", json={"status": "out"}, headers=TEACHER)
    rid = make_round(client)
    assert publish(client, round_run(app, rid)).status_code == 200
    assert client.delete("/api/v1/teachers/n-01", headers=COORD).status_code == 204
    with db.new_session(app) as s:
        left = s.execute(sa.select(GroupmateHistory).where(sa.or_(GroupmateHistory.teacher_a == "n-01", GroupmateHistory.teacher_b == "n-01"))).first()
        assert left is None and count_rows(app, GroupmateHistory) == 15
        assert s.execute(sa.select(RoundParticipation)).first() is None


def test_members_erased_before_publishing_are_neither_recorded_nor_told(client, app):
    rid = make_round(client)
    run_id = round_run(app, rid)
    assert client.delete("/api/v1/teachers/n-02", headers=COORD).status_code == 204
    body = publish(client, run_id).get_json()
    assert (body["groups"], body["messages"], body["pairs"]) == (3, 11, 15)  # group 1 has 3 members left: 3 pairs
    with db.new_session(app) as s:
        named = {t for r in s.execute(sa.select(GroupmateHistory.teacher_a, GroupmateHistory.teacher_b)) for t in r}
    assert named == set(N[:12]) - {"n-02"}
