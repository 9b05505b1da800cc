"""Tests of ``service/cli_demo.py``: the demo round ``peermatch init --load-samples`` publishes,
and the coordinator's second round after it."""

from __future__ import annotations

from collections import Counter

import json
import re
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime

import icalendar
import sqlalchemy as sa

from matcher.profiles.io import teachers_to_csv
from matcher.programme import groupmate_pairs
from matcher.samples.generate import generate_teachers
from service import create_app, db
from service.cli_demo import demo_term
from service.models import CheckIn, CohortRun, GroupmateHistory, QuestionnaireResponse

from .test_cli import instance, run  # noqa: F401  (the fixture)

TODAY = date(2026, 11, 2)  # autumn term 2026 of the typical London dates, half-way through


def _samples(path) -> None:
    """24 generated teachers who all share a free slot, except the first, who shares none
    (all may meet online: a small cohort of in-person teachers may be impossible to group)."""
    teachers = [replace(t, meeting_mode="either", previous_groupmates=()) for t in generate_teachers(24, seed=3)]
    shared = [replace(t, availability=("wed_after_school", "thu_pm")) for t in teachers[1:]]
    path.write_text(teachers_to_csv([replace(teachers[0], availability=("weekend",)), *shared]), encoding="utf-8")


def _get(client, path, creds, who):
    return client.get(path, headers={"Authorization": f"Bearer {creds[who]['token']}"})


def test_init_publishes_a_demo_round_once_and_a_second_round_avoids_its_groupmates(instance):  # noqa: F811
    tmp_path, samples, env = instance
    _samples(samples)
    folder = tmp_path / "instance"
    args = ["init", "--load-samples", "--samples", str(samples), "--today", TODAY.isoformat(), "--no-warm-up"]
    first = run(args, env)
    assert first.returncode == 0, first.stderr
    name = "Autumn term 2026 (demo with simulated answers, typical London dates)"
    assert f"demo round: {name!r}, 02 Sep to 18 Dec 2026, meetings every 2 weeks: run 1 generated and published" in first.stdout
    assert "teacher1 sees My group" in first.stdout and "no shared free slot" in first.stdout  # the first teacher shares no slot
    assert re.search(r"teacher[23] sees My group .*: group \d+, \d+ proposed meetings \([1-9]\d* past, [1-9]\d* to come\)", first.stdout), first.stdout
    # The round is under way: the other members have SIMULATED check-ins and 'before' answers.
    seeded = re.search(r"SIMULATED answers \(no real teacher gave them\), in [\d.]+ s: (\d+) check-ins about (\d+) past meetings of (\d+) groups "
                       r"\((\d+) 'not a good fit'\), (\d+) 'before' questionnaires", first.stdout)
    assert seeded, first.stdout
    folder = tmp_path / "instance"
    creds = json.loads((folder / "demo_credentials.json").read_text())
    demo_teachers = {e["teacher_id"] for e in creds.values() if e["role"] == "teacher"}
    app = create_app({"INSTANCE_PATH": str(folder), "PEERMATCH_PAGES": False})
    try:
        with app.app_context(), db.new_session(app) as s:
            demo_run = s.get_one(CohortRun, 1)
            assert demo_run.published_at.date() == date(2026, 9, 2)  # published as of the round's first day
            answers = s.execute(sa.select(CheckIn)).scalars().all()
            before = s.execute(sa.select(QuestionnaireResponse)).scalars().all()
        assert len(answers) == int(seeded[1]) > 0 and len(before) == int(seeded[5]) > 0
        assert not {a.teacher_id for a in answers} & demo_teachers and not {b.teacher_id for b in before} & demo_teachers
        assert all(a.meeting_start.replace(tzinfo=UTC) < datetime(2026, 11, 2, tzinfo=UTC) for a in answers)
        assert {a.met for a in answers} == {"yes", "no"} and {b.phase for b in before} == {"before"}
        answered = {(a.group_number, a.meeting_start) for a in answers}
        assert len(answered) <= int(seeded[2]) and len({a.group_number for a in answers}) <= int(seeded[3])
    finally:
        db.engine(app).dispose()
    # A teacher erased after the demo round stays erased: init neither brings them back nor publishes again.
    erased = max(a.teacher_id for a in answers)  # one with simulated answers: they go with them
    app = create_app({"INSTANCE_PATH": str(folder), "PEERMATCH_PAGES": False})
    try:
        assert app.test_client().delete(f"/api/v1/teachers/{erased}", headers={"Authorization": f"Bearer {creds['coordinator']['token']}"}).status_code == 204
    finally:
        db.engine(app).dispose()
    again = run(args, env)
    assert again.returncode == 0, again.stderr
    assert "23 already present, 1 skipped (erased at the teacher's request)" in again.stdout
    assert f"demo round: {name!r}, 02 Sep to 18 Dec 2026, meetings every 2 weeks: published already" in again.stdout
    assert "simulated answers: added before" in again.stdout and "SIMULATED answers" not in again.stdout

    creds = json.loads((folder / "demo_credentials.json").read_text())
    app = create_app({"INSTANCE_PATH": str(folder), "PEERMATCH_PAGES": False})
    try:
        client = app.test_client()
        rounds = _get(client, "/api/v1/rounds", creds, "coordinator").get_json()["items"]
        assert [(r["name"], r["published_run_id"]) for r in rounds] == [(name, 1)]  # once, though init ran twice

        # A demo teacher (teacher2, or teacher3 added for a group with dates) sees meetings past and to come.
        cutoff = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)
        seen = {}
        for who, entry in creds.items():
            if entry["role"] == "teacher":
                body = _get(client, "/api/v1/me/group", creds, who).get_json()
                seen[who] = [datetime.fromisoformat(m) for m in body["meetings"]]
                assert len(body["members"]) >= 4 and body["round"]["name"] == name
        assert seen["teacher1"] == []
        with_dates = [who for who, starts in seen.items() if starts]
        assert with_dates and ("teacher3" in creds or seen["teacher2"])
        starts = seen[with_dates[0]]
        assert min(starts) < cutoff < max(starts)
        ics = icalendar.Calendar.from_ical(_get(client, "/api/v1/me/group.ics", creds, with_dates[0]).data)
        assert sorted(e.decoded("dtstart") for e in ics.walk("VEVENT")) == sorted(starts)
        # The demo teacher's past meetings wait for their own check-in; the others' answers
        # were seeded once (init ran twice), and the erased teacher's went with them.
        awaiting = _get(client, "/api/v1/me/check-ins", creds, with_dates[0]).get_json()["awaiting"]
        assert {d for d in starts if d < cutoff} <= {datetime.fromisoformat(a["meeting"]) for a in awaiting} <= set(starts)  # (the API's "now" is the real one)
        with app.app_context(), db.new_session(app) as s:
            teachers = list(s.execute(sa.select(CheckIn.teacher_id)).scalars())
        assert erased not in teachers and len(teachers) <= len(answers)
        health = _get(client, "/api/v1/programme/health", creds, "coordinator").get_json()
        assert health["rounds"][0]["met"] > 0 and health["rounds"][0]["n_useful"] > 0

        # Publishing queues one group message and one "before" questionnaire invitation per
        # member; the worker writes them as .eml files.
        queued = _get(client, "/api/v1/messages?per_page=100", creds, "coordinator").get_json()
        assert queued["total"] == 46 and {m["status"] for m in queued["items"]} == {"queued"}
        assert sorted(Counter(m["template"] for m in queued["items"]).items()) == [("group_published", 23), ("questionnaire", 23)]
        from service.mail import make_worker

        assert make_worker(app).drain(None, threading.Event()).sent == 46
        assert len(list((folder / "outbox").glob("*.eml"))) == 46

        # The coordinator's second round keeps apart the demo round's groupmates.
        coord = {"Authorization": f"Bearer {creds['coordinator']['token']}"}
        spring = client.post("/api/v1/rounds", json={"name": "Spring 2027", "starts": "2027-01-04", "ends": "2027-03-25"}, headers=coord)
        assert spring.status_code == 201
        made = client.post("/api/v1/cohort-runs", json={"round_id": spring.get_json()["id"], "seconds": 1, "seed": 1}, headers=coord)
        assert made.status_code == 202, made.get_json()
        with app.app_context(), db.new_session(app) as s:
            rows = s.execute(sa.select(GroupmateHistory.teacher_a, GroupmateHistory.teacher_b).where(GroupmateHistory.round_name == name))
            autumn = {(a, b) for a, b in rows}
        assert made.get_json()["params"]["rotation"] == {"rounds": [name], "pairs": len(autumn), "discouraged": 0} and len(autumn) >= 23
        assert not any(erased in pair for pair in autumn)
        deadline = time.monotonic() + 60
        while (body := client.get(made.headers["Location"], headers=coord).get_json())["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert body["status"] == "done", body
        groups = [g["members"] for g in body["result"]["groups"]]
        assert not groupmate_pairs(groups) & autumn
        tag = client.get(made.headers["Location"], headers=coord).headers["ETag"]
        published = client.post(f"/api/v1/cohort-runs/{body['id']}/publish", json={}, headers={**coord, "If-Match": tag})
        assert published.status_code == 200 and published.get_json()["messages"] == 23
        assert _get(client, "/api/v1/me/group", creds, "teacher1").get_json()["round"]["name"] == "Spring 2027"
    finally:
        from service.services import jobs

        jobs.shutdown(app)
        db.engine(app).dispose()


def test_the_demo_round_is_a_term_with_weeks_to_come():
    from matcher.programme import load_term_dates

    terms = load_term_dates()["typical London"].terms
    assert demo_term(TODAY, terms).name == "Autumn term"
    assert demo_term(date(2026, 12, 10), terms).name == "Spring term"  # too few weeks left of autumn
    assert demo_term(date(2026, 12, 24), terms).starts == date(2027, 1, 4)  # a holiday: the next term
