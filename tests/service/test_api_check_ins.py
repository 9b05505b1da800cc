"""Tests of check-ins (``service/api/check_ins.py``, ``services/check_ins.py``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from service import db
from service.models import CheckIn, CohortRun, Teacher
from service.services import check_ins

from .conftest import ACCOUNTS, TEACHERS, count_rows
from .test_api_rounds import backdate, make_round, publish, round_run

COORD = ACCOUNTS["coord_n"].headers
TEACHER = ACCOUNTS["teacher_n1"].headers  # n-01, in group 1 (n-01..n-04)
N = TEACHERS["north"]


class Clock:
    """A settable "now" for check-ins."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def share_thursdays(app, ids=N[:12]) -> None:
    with db.new_session(app) as s:
        s.execute(sa.update(Teacher).where(Teacher.id.in_(ids)).values(availability=["thu_after_school"]))


@pytest.fixture
def meetings(client, app) -> list[str]:
    """Round Autumn 2026 published (groups n-01..04, n-05..08, n-09..12, all free on Thursdays after school): n-01's meetings."""
    share_thursdays(app)
    rid = make_round(client)
    run_id = round_run(app, rid)
    assert publish(client, run_id).status_code == 200
    backdate(app, run_id)  # published 1 Sep, before the round began: meetings over the whole round
    found = client.get("/api/v1/me/group", headers=TEACHER).get_json()["meetings"]
    assert len(found) >= 4
    return found


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock(datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc))  # after the first meetings, before the last
    monkeypatch.setattr(check_ins, "clock", c)
    return c


def post(client, body, headers=TEACHER):
    return client.post("/api/v1/me/check-ins", json=body, headers=headers)


def test_first_answer_201_change_within_week_200_after_409(client, app, meetings, clock):
    first = meetings[0]
    resp = post(client, {"meeting": first, "met": "yes", "useful": 4, "tried": "  Cold-calling with\r\nmini whiteboards  ", "not_a_good_fit": True})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["meeting"] == first and body["group"] == 1 and body["useful"] == 4 and body["editable"]
    assert body["tried"] == "Cold-calling with\nmini whiteboards"
    with db.new_session(app) as s:
        row = s.execute(sa.select(CheckIn)).scalar_one()
        assert row.meeting_start == datetime.fromisoformat(first).astimezone(timezone.utc) and row.not_a_good_fit

    clock.now += timedelta(days=6, hours=23)
    again = post(client, {"meeting": first, "met": "no", "useful": 5})
    assert again.status_code == 200, again.get_json()
    # the group did not meet: no rating is kept, and the private flag is cleared as answered
    assert again.get_json()["useful"] is None and again.get_json()["met"] == "no" and not again.get_json()["not_a_good_fit"]
    assert count_rows(app, CheckIn) == 1

    clock.now += timedelta(hours=2)
    late = post(client, {"meeting": first, "met": "yes", "useful": 2})
    assert late.status_code == 409 and late.mimetype == "application/problem+json"
    assert "7 days" in late.get_json()["detail"]
    listed = client.get("/api/v1/me/check-ins", headers=TEACHER).get_json()
    assert [c["met"] for c in listed["check_ins"]] == ["no"] and not listed["check_ins"][0]["editable"]


def test_bad_answers_are_422_naming_the_field(client, app, meetings, clock):
    first = meetings[0]

    def fields(body) -> set[str]:
        resp = post(client, body)
        assert resp.status_code == 422 and resp.mimetype == "application/problem+json", resp.get_json()
        return {e["field"] for e in resp.get_json()["errors"]}

    assert "useful" in fields({"meeting": first, "met": "yes"})
    assert "useful" in fields({"meeting": first, "met": "yes", "useful": 6})
    assert "met" in fields({"meeting": first, "met": "maybe", "useful": 3})
    assert "tried" in fields({"meeting": first, "met": "no", "tried": "x" * 501})
    assert "tried" in fields({"meeting": first, "met": "no", "tried": "Sam\u202e"})
    assert "meeting" in fields({"meeting": "2026-10-01T16:00:00", "met": "no"})  # no offset
    assert "meeting" in fields({"meeting": "next Thursday", "met": "no"})
    assert "meeting" in fields({"meeting": "2026-06-02T16:00:00+01:00", "met": "no"})  # before the round: not a meeting of the group
    # (a Friday within the round, 2026-10-02, is now accepted as a meeting the group arranged itself)
    assert post(client, {"meeting": first, "met": "no", "extra": 1}).status_code == 422  # unknown fields are refused
    future = next(m for m in meetings if datetime.fromisoformat(m) > clock.now)
    resp = post(client, {"meeting": future, "met": "yes", "useful": 3})
    assert resp.status_code == 422 and "has not happened yet" in resp.get_json()["detail"]
    assert datetime.fromisoformat(future).strftime("%d %B %Y").lstrip("0") in resp.get_json()["detail"]
    assert count_rows(app, CheckIn) == 0


def test_only_signed_in_teachers_check_in(client, app, meetings, clock):
    body = {"meeting": meetings[0], "met": "no"}
    assert client.post("/api/v1/me/check-ins", json=body).status_code == 401
    assert client.get("/api/v1/me/check-ins").status_code == 401
    assert post(client, body, headers=COORD).status_code == 403
    assert client.get("/api/v1/me/check-ins", headers=COORD).status_code == 403
    assert post(client, body, headers=ACCOUNTS["analyst_n"].headers).status_code == 403
    # a teacher of another programme has no such meeting
    assert post(client, body, headers=ACCOUNTS["teacher_s1"].headers).status_code == 422
    assert count_rows(app, CheckIn) == 0


def test_a_teacher_moved_out_of_the_group_cannot_check_in(client, app, meetings, clock):
    assert post(client, {"meeting": meetings[0], "met": "yes", "useful": 3}).status_code == 201
    with db.new_session(app) as s:  # n-01 repaired out of group 1
        run = s.execute(sa.select(CohortRun).where(CohortRun.published_at.is_not(None))).scalar_one()
        result = dict(run.result)
        result["groups"] = [{**g, "members": [m for m in g["members"] if m != "n-01"]} for g in result["groups"]]
        run.result = result
    resp = post(client, {"meeting": meetings[0], "met": "no"})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "meeting"
    listed = client.get("/api/v1/me/check-ins", headers=TEACHER).get_json()
    assert len(listed["check_ins"]) == 1 and not listed["check_ins"][0]["editable"] and listed["awaiting"] == []


def test_list_shows_answers_and_past_meetings_awaiting_one(client, app, meetings, clock):
    past = [m for m in meetings if datetime.fromisoformat(m) <= clock.now]
    assert len(past) >= 2
    empty = client.get("/api/v1/me/check-ins", headers=TEACHER).get_json()
    assert empty["check_ins"] == [] and [a["meeting"] for a in empty["awaiting"]] == sorted(past, key=datetime.fromisoformat, reverse=True)
    oldest = empty["awaiting"][-1]
    assert oldest["meeting"].endswith("+01:00") and oldest["check_in_url"] == "/me/check-in?meeting=" + oldest["meeting"].replace(":", "%3A").replace("+", "%2B")
    assert post(client, {"meeting": past[0], "met": "rescheduled"}).status_code == 201
    listed = client.get("/api/v1/me/check-ins", headers=TEACHER).get_json()
    assert [c["meeting"] for c in listed["check_ins"]] == [past[0]]
    assert past[0] not in [a["meeting"] for a in listed["awaiting"]] and len(listed["awaiting"]) == len(past) - 1
    # another member's answers are not mine
    assert client.get("/api/v1/me/check-ins", headers=ACCOUNTS["teacher_n2"].headers).get_json()["check_ins"] == []


def test_openapi_lists_check_ins(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    ops = doc["paths"]["/api/v1/me/check-ins"]
    assert {"get", "post"} <= set(ops)
    assert "not_a_good_fit" in str(doc["components"]["schemas"]["CheckInIn"])


def test_data_export_has_my_check_ins_and_erasure_removes_them(client, app, meetings, clock):
    assert post(client, {"meeting": meetings[0], "met": "yes", "useful": 5, "tried": "Exit tickets", "not_a_good_fit": True}).status_code == 201
    assert post(client, {"meeting": meetings[0], "met": "no"}, headers=ACCOUNTS["teacher_n2"].headers).status_code == 201
    data = client.get("/api/v1/teachers/n-01/data-export", headers=TEACHER).get_json()
    assert [(c["met"], c["useful"], c["tried"], c["not_a_good_fit"], c["group"]) for c in data["check_ins"]] == [("yes", 5, "Exit tickets", True, 1)]
    assert datetime.fromisoformat(data["check_ins"][0]["meeting_start"]) == datetime.fromisoformat(meetings[0])
    assert client.delete("/api/v1/teachers/n-01", headers=TEACHER).status_code == 204
    with db.new_session(app) as s:
        assert s.execute(sa.select(CheckIn.teacher_id)).scalars().all() == ["n-02"]  # n-01's answer is gone, n-02's stays


def test_the_same_first_answer_twice_at_once_updates_instead_of_failing(client, app, meetings, clock, monkeypatch):
    assert post(client, {"meeting": meetings[0], "met": "no"}).status_code == 201
    real, calls = check_ins._stored, []

    def not_seen_yet(*args):  # the second request looked before the first had stored its answer
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(check_ins, "_stored", not_seen_yet)
    resp = post(client, {"meeting": meetings[0], "met": "yes", "useful": 3})
    assert resp.status_code == 200 and resp.get_json()["met"] == "yes" and len(calls) == 2
    assert count_rows(app, CheckIn) == 1


@pytest.fixture
def no_dates(client, app) -> None:
    """Round Autumn 2026 published; group 1 (n-01..n-04) shares no free slot, so it has no proposed meetings."""
    with db.new_session(app) as s:
        for tid, slot in zip(N[:4], ("mon_am", "tue_am", "wed_am", "fri_am"), strict=True):
            s.execute(sa.update(Teacher).where(Teacher.id == tid).values(availability=[slot]))
    rid = make_round(client)
    run_id = round_run(app, rid)
    assert publish(client, run_id).status_code == 200
    backdate(app, run_id)  # published 1 Sep, before the round began
    assert client.get("/api/v1/me/group", headers=TEACHER).get_json()["meetings"] == []


def test_a_group_without_proposed_dates_reports_a_meeting_it_arranged(client, app, no_dates, clock, monkeypatch):
    """Regression: a group whose members share no free slot had no date it could check in about (422)."""
    arranged = "2026-11-12T16:30:00+00:00"
    resp = post(client, {"meeting": arranged, "met": "yes", "useful": 5})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["group"] == 1 and resp.get_json()["meeting"] == arranged
    # one answer per member per meeting: the same time again changes it
    assert post(client, {"meeting": "2026-11-12T16:30:00Z", "met": "yes", "useful": 4}).status_code == 200
    with db.new_session(app) as s:
        row = s.execute(sa.select(CheckIn)).scalar_one()
        assert (row.meeting_start, row.group_number, row.useful) == (datetime(2026, 11, 12, 16, 30, tzinfo=timezone.utc), 1, 4)
    listed = client.get("/api/v1/me/check-ins", headers=TEACHER).get_json()["check_ins"]
    assert [c["editable"] for c in listed] == [True]
    # still refused: a time to come, a time outside the round's dates
    assert "has not happened yet" in post(client, {"meeting": "2026-12-10T16:00:00+00:00", "met": "no"}).get_json()["detail"]
    assert post(client, {"meeting": "2027-01-12T16:00:00+00:00", "met": "no"}).status_code == 422
    assert count_rows(app, CheckIn) == 1
    # a groupmate (n-02) reports the same meeting a quarter of an hour later: a second meeting (accepted)
    assert post(client, {"meeting": "2026-11-12T16:45:00+00:00", "met": "yes", "useful": 3}, headers=ACCOUNTS["teacher_n2"].headers).status_code == 201
    # programme health counts it as a met meeting of group 1
    from service.services import health

    monkeypatch.setattr(health, "utcnow", lambda: clock.now)
    body = client.get("/api/v1/programme/health", headers=COORD).get_json()
    g1 = next(g for g in body["groups"] if g["group"] == 1)
    assert g1["proposed"] == 0 and g1["met"] == 2 and g1["mean_useful"] is not None


def test_a_group_with_dates_may_also_report_another_day(client, app, meetings, clock):
    friday = "2026-10-02T16:00:00+01:00"  # not one of group 1's Thursdays
    assert post(client, {"meeting": friday, "met": "yes", "useful": 3}).status_code == 201
    with db.new_session(app) as s:
        assert s.execute(sa.select(CheckIn.meeting_start)).scalar_one() == datetime(2026, 10, 2, 15, 0, tzinfo=timezone.utc)
def test_a_round_published_part_way_through_proposes_no_meeting_before_it(client, app, clock):
    """Regression: meetings were proposed from the round's start, so a run published weeks
    into its round had "past meetings" nobody was told of, check-ins for them and health
    counting them as not met."""
    share_thursdays(app)
    rid = make_round(client)  # 7 Sep - 18 Dec 2026
    run_id = round_run(app, rid)
    assert publish(client, run_id).status_code == 200
    backdate(app, run_id, datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc))  # published 20 Nov, a Friday
    from_publication = client.get("/api/v1/me/group", headers=TEACHER).get_json()["meetings"]
    assert from_publication and all(datetime.fromisoformat(m).date() >= date(2026, 11, 20) for m in from_publication)
    backdate(app, run_id)  # as if published before the round began: 1 October was a meeting
    whole = client.get("/api/v1/me/group", headers=TEACHER).get_json()["meetings"]
    before = [m for m in whole if datetime.fromisoformat(m) < datetime(2026, 11, 20, tzinfo=timezone.utc)]
    assert len(before) >= 3
    backdate(app, run_id, datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc))
    resp = post(client, {"meeting": before[0], "met": "yes", "useful": 4})  # the clock: 1 December
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "meeting"
    ics = client.get("/api/v1/me/group.ics", headers=TEACHER).get_data(as_text=True)
    assert ics.count("BEGIN:VEVENT") == len(from_publication)
    from service.services.health import programme_health

    with app.app_context(), db.new_session(app) as s:
        health = programme_health(s, int(s.get_one(CohortRun, run_id).programme_id), now=clock.now)
    mine = [g for g in health.groups if g.run_id == run_id]
    assert len(mine) == 3 and all(g.proposed <= 1 and g.not_met == 0 for g in mine)  # at most the 26 Nov meeting so far
    assert not any(r.teacher_id == "n-01" for r in health.at_risk if "not_met_twice" in r.codes)
