"""Tests of check-in requests by mail (``service/services/check_in_requests.py``, ``service/mail/periodic.py``)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from service import db
from service.mail import make_worker
from service.mail.outbox import set_paused
from service.mail.periodic import Periodic, PeriodicJob, check_in_requests_job
from service.models import OutboxMessage, Programme, Teacher
from service.services.check_in_requests import TEMPLATE, enqueue_due_check_ins

from .conftest import TEACHERS
from .test_api_check_ins import TEACHER, clock, meetings  # noqa: F401  (fixtures)

N = TEACHERS["north"]
# The day after the group's 1 October meeting (Thursday after school): that meeting is due,
# 10 September's ended more than a week ago.
AFTER_OCT_1 = datetime(2026, 10, 2, 12, 0, tzinfo=timezone.utc)


def run(app, now: datetime) -> int:
    with app.app_context(), db.new_session(app) as s:
        return enqueue_due_check_ins(s, now)


def requests(app) -> list[OutboxMessage]:
    with db.new_session(app) as s:
        return list(s.execute(sa.select(OutboxMessage).where(OutboxMessage.template == TEMPLATE).order_by(OutboxMessage.id)).scalars())


def test_each_member_is_asked_once_per_meeting_after_it(client, app, meetings, clock):  # noqa: F811
    assert run(app, datetime(2026, 10, 1, 14, 0, tzinfo=timezone.utc)) == 0  # before the meeting ends
    clock.now = AFTER_OCT_1
    oct_1 = next(m for m in meetings if m.startswith("2026-10-01"))
    assert client.post("/api/v1/me/check-ins", json={"meeting": oct_1, "met": "no"}, headers=TEACHER).status_code == 201  # n-01 answered
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        set_paused(s, pid, "n-02", True)
        s.execute(sa.update(Teacher).where(Teacher.id == "n-03").values(email=""))
    assert run(app, AFTER_OCT_1) == 9  # 12 members of 3 groups, less n-01 (answered), n-02 (paused), n-03 (no address)
    assert run(app, AFTER_OCT_1) == 0  # again: nothing new
    assert run(app, AFTER_OCT_1 + timedelta(days=3)) == 0  # later the same week: still once
    sent = requests(app)
    assert sorted(m.teacher_id for m in sent) == sorted(set(N[:12]) - {"n-01", "n-02", "n-03"})
    assert len({m.idempotency_key for m in sent}) == 9
    n04 = next(m for m in sent if m.teacher_id == "n-04")
    assert n04.subject == "Did your peer group meet on Thursday 1 October 2026, 16:00?"
    link = "http://127.0.0.1:8000/me/check-in?meeting=2026-10-01T16%3A00%3A00%2B01%3A00"
    assert link in n04.body_text and link in n04.body_html
    assert "/mail/unsubscribe/" in n04.body_text and "/mail/unsubscribe/" in n04.body_html
    assert "Hello" in n04.body_text and "coordinator only" in n04.body_text
    # three weeks on, the next meeting (22 October) is due; 1 October's is past the week
    later = run(app, datetime(2026, 10, 23, 9, 0, tzinfo=timezone.utc))
    assert later == 10 and len(requests(app)) == 19  # n-01 has not answered this one; n-02 paused, n-03 without an address
    assert run(app, datetime(2027, 1, 10, tzinfo=timezone.utc)) == 0  # the round is over


def test_the_mail_worker_runs_the_check_in_job_between_passes(client, app, meetings):  # noqa: F811
    job = check_in_requests_job(app)
    assert job.every_seconds == 300 and job.run(AFTER_OCT_1) == 12  # every member of the 3 groups
    assert job.run(AFTER_OCT_1) == 0
    worker = make_worker(app)
    assert [j.name for j in worker.periodic.jobs] == ["check-in requests", "health digest"]
    seen: list[datetime] = []
    stop = threading.Event()

    def record(now: datetime) -> None:
        seen.append(now)
        stop.set()  # one pass is enough

    def broken(now: datetime) -> None:
        raise RuntimeError("a broken job does not stop the worker")

    worker.periodic = Periodic([PeriodicJob("broken", 60, broken), PeriodicJob("record", 60, record)])
    worker.run(stop)
    assert len(seen) == 1


def test_disabled_by_setting(app):
    app.config["PEERMATCH_CHECK_IN_MAIL_SECONDS"] = 0
    assert [j.name for j in make_worker(app).periodic.jobs] == ["health digest"]


def test_cli_queues_the_due_requests(app, meetings, database_url, tmp_path, monkeypatch, capsys):  # noqa: F811
    from matcher.cli import main

    env = {"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key", "PEERMATCH_INSTANCE_PATH": str(tmp_path), "PEERMATCH_AUTO_MIGRATE": "0"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["mail", "check-ins", "--now", "2026-10-02T12:00:00"]) == 0
    assert "12 check-in requests queued" in capsys.readouterr().err
    assert main(["mail", "check-ins", "--now", "2026-10-02T12:00:00"]) == 0
    assert "0 check-in requests queued" in capsys.readouterr().err
    assert len(requests(app)) == 12
    assert main(["mail", "check-ins", "--now", "yesterday"]) == 2
