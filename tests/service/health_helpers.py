"""A small published round with check-ins whose health is known by hand (tests of programme health).

North's round "Autumn 2026" (7 Sep - 18 Dec 2026) has a published run of three groups:

- group 1 (n-01..n-04): 1 Oct "no, no" and 22 Oct "no, rescheduled, yes": not met twice
  running; usefulness 3 (n = 1); n-02 says "not a good fit".
- group 2 (n-05..n-08): 1 Oct "yes, no" (a tie: met) and 22 Oct "yes, yes, yes": met twice;
  usefulness 4, 5, 4, 5 = 4.5 (n = 4). n-05 is a department of one.
- group 3 (n-09..n-12): the only group with a shared free slot (Wednesday after school), so
  the only one with proposed meetings; nobody answers: not met twice running.

n-13 is a department of one in no group; every other north teacher has a department of 3.
Everyone meets online, so any two may be grouped.
Health is read at :data:`NOW` (20 Nov 2026).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from service import db
from service.models import CheckIn, CohortRun, Programme, Round, Teacher

from .conftest import TEACHERS

N = TEACHERS["north"]
GROUPS = [N[0:4], N[4:8], N[8:12]]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
A = datetime(2026, 10, 1, 15, 30, tzinfo=timezone.utc)
B = datetime(2026, 10, 22, 15, 30, tzinfo=timezone.utc)
# (teacher, meeting, met, useful, not_a_good_fit); group numbers follow GROUPS
ANSWERS = [
    ("n-01", A, "no", None, False),
    ("n-02", A, "no", None, False),
    ("n-01", B, "no", None, False),
    ("n-02", B, "rescheduled", None, True),
    ("n-03", B, "yes", 3, False),
    ("n-05", A, "yes", 4, False),
    ("n-06", A, "no", None, False),
    ("n-05", B, "yes", 5, False),
    ("n-06", B, "yes", 4, False),
    ("n-07", B, "yes", 5, False),
]


def seed_health(app, *, answers=ANSWERS, groups=GROUPS, round_name="Autumn 2026", starts=date(2026, 9, 7), ends=date(2026, 12, 18)) -> tuple[int, int]:
    """Store the round, its published run and the check-ins above; returns (round id, run id)."""
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        for t in s.execute(sa.select(Teacher).where(Teacher.programme_id == pid)).scalars():
            t.department_size = 1 if t.id in ("n-05", "n-13") else 3
            t.meeting_mode = "online"  # any two may be grouped (the flag's repair has somewhere to go)
            t.availability = ["wed_after_school"] if t.id in groups[2] else (["mon_am"] if t.id in groups[0][:2] else ["fri_pm"] if t.id in groups[0][2:] else [])
        prog = s.get_one(Programme, pid)
        prog.profiles_version += 1
        rnd = Round(programme_id=pid, name=round_name, starts=starts, ends=ends, cadence_weeks=3)
        s.add(rnd)
        s.flush()
        run = CohortRun(
            programme_id=pid,
            status="done",
            params={"size_min": 3, "size_max": 5},
            result={"groups": [{"index": i, "members": g, "score": 0.5, "approved": False} for i, g in enumerate(groups)], "figures": {"mean": 0.5}},
            round_id=rnd.id,
            published_at=datetime(2026, 9, 1, tzinfo=timezone.utc),
        )
        s.add(run)
        s.flush()
        where = {t: k + 1 for k, g in enumerate(groups) for t in g}
        for teacher, start, met, useful, flag in answers:
            at = start + timedelta(days=1)
            s.add(CheckIn(
                programme_id=pid, teacher_id=teacher, run_id=run.id, round_id=rnd.id, group_number=where[teacher], meeting_start=start,
                met=met, useful=useful, not_a_good_fit=flag, created_at=at, updated_at=at,
            ))
        return rnd.id, run.id
