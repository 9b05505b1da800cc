"""The demo round of ``peermatch init --load-samples``: a round for the current term, published.

Right after ``make run`` a demo teacher sees My group with meeting dates (some past, some
to come) and the coordinator sees the publish messages in the outbox (the server's mail
worker writes them as ``.eml`` files under ``instance/outbox/``). The run is published as
of the round's first day (its ``published_at`` is back-dated; the messages are written
now), so the round is under way: the other members have SIMULATED check-ins for the past
meetings and 'before' questionnaire answers (:mod:`service.cli_demo_answers`), and the
round's name says so. The round is the term of
the *typical* London dates (:mod:`matcher.programme.terms`, labelled so in its name) that
contains ``today`` with at least :data:`CADENCE_WEEKS` weeks still to come, else the next
term; its run is generated and published through the same service functions as the
Rounds page (opted-in teachers, rotation, one outbox message per member).

Running it again creates nothing twice: the round is found by name, and nothing is
generated or published once the programme has a published run (the demo's or the
coordinator's own). Erased teachers are not in the programme, so they are in no run.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from matcher.programme import TYPICAL_LONDON, Period, load_term_dates, term_dates_for

from . import db
from .auth import Identity
from .models import CohortRun, Programme, Round, Teacher, User
from .problems import Problem

__all__ = [
    "CADENCE_WEEKS",
    "SEED",
    "DemoRound",
    "demo_term",
    "demo_seconds",
    "ensure_demo_round",
    "meetings_of",
    "demo_teacher_with_meetings",
    "ensure_teacher_with_meetings",
    "report",
    "run_demo",
]

Credentials = dict[str, dict[str, str | None]]  # as service.cli saves them: username -> entry

CADENCE_WEEKS = 2  # a meeting every two weeks: a term has past and coming ones most days of the year
SEED = 2026
LABEL = "demo with simulated answers, typical London dates"


@dataclass(frozen=True)
class DemoRound:
    """What :func:`ensure_demo_round` found or did (``note`` says why nothing was published)."""

    name: str
    starts: date | None = None
    ends: date | None = None
    created: bool = False
    run_id: int | None = None
    published: bool = False
    published_now: bool = False
    groups: int = 0
    messages: int = 0
    note: str = ""


def demo_term(today: date, terms: tuple[Period, ...]) -> Period | None:
    """The term containing ``today`` with at least :data:`CADENCE_WEEKS` weeks left, else
    the next one; ``None`` past the last term the dates know.

    >>> from matcher.programme import load_term_dates
    >>> terms = load_term_dates()["typical London"].terms
    >>> demo_term(date(2026, 11, 2), terms).name, demo_term(date(2026, 12, 14), terms).name
    ('Autumn term', 'Spring term')
    >>> demo_term(date(2031, 1, 1), terms) is None
    True
    """
    return next((t for t in terms if t.ends >= today + timedelta(weeks=CADENCE_WEEKS)), None)


def demo_seconds(teachers: int) -> float:
    """A short time limit for the demo run: 3 s for the 300 sample teachers, less for fewer.

    >>> demo_seconds(300), demo_seconds(24)
    (3.0, 0.5)
    """
    return min(3.0, max(0.5, teachers / 100))


def _published_run(s: sa.orm.Session, programme_id: int) -> CohortRun | None:
    query = sa.select(CohortRun).where(CohortRun.programme_id == programme_id, CohortRun.published_at.is_not(None)).order_by(CohortRun.id)
    return s.execute(query).scalars().first()


def ensure_demo_round(app: Flask, coordinator: Identity, today: date) -> DemoRound:
    """Create the demo round for ``today``'s term and publish a run of it, unless done before."""
    from .api.cohort_schemas import CohortRunIn
    from .services import cohort_runs, jobs, publish, rounds

    term = demo_term(today, term_dates_for(TYPICAL_LONDON, load_term_dates()).terms)
    if term is None:
        return DemoRound(name="", note=f"the shipped term dates end before {today:%d %b %Y}: no demo round (add the dates under data/term_dates/)")
    name = f"{term.name} {term.starts.year} ({LABEL})"
    with app.test_request_context():
        s = db.session()
        try:
            pid = coordinator.programme_id
            rnd = s.execute(sa.select(Round).where(Round.programme_id == pid, Round.name == name)).scalar_one_or_none()
            published = _published_run(s, pid)
            if published is not None:
                mine = rnd is not None and published.round_id == rnd.id
                why = "published already" if mine else "not published: the programme has published groups already"
                return DemoRound(name, term.starts, term.ends, run_id=published.id, published=mine, note=why)
            created = rnd is None
            if rnd is None:
                rnd = rounds.create_round(coordinator, {"name": name, "starts": term.starts, "ends": term.ends, "cadence_weeks": CADENCE_WEEKS})
            round_id = rnd.id
            s.commit()  # the run's own transaction refers to the round
            run = s.execute(sa.select(CohortRun).where(CohortRun.round_id == round_id, CohortRun.status == "done").order_by(CohortRun.id.desc())).scalars().first()
            if run is None:  # (a run left by an interrupted init is published instead)
                teachers = len(rounds.opted_in(s, pid))
                params = CohortRunIn.model_validate({"round_id": round_id, "seconds": demo_seconds(teachers), "seed": SEED}).model_dump()
                run_id = cohort_runs.create_run(coordinator, params).id
                s.commit()
                jobs.shutdown(app, wait=True)  # the run is the pool's only job: wait for it
                s.expire_all()
                run = s.get_one(CohortRun, run_id)
                if run.status != "done":
                    detail = (run.error or {}).get("detail", "it did not finish")
                    return DemoRound(name, term.starts, term.ends, created=created, run_id=run_id, note=f"the demo run failed: {detail}")
            done = publish.publish_run(coordinator, run.id, if_match=None, version=run.version)
            # A round under way: published as of its first day (the messages are written now).
            s.execute(sa.update(CohortRun).where(CohortRun.id == run.id).values(published_at=datetime.combine(term.starts, datetime.min.time(), tzinfo=UTC)))
            s.commit()
            return DemoRound(name, term.starts, term.ends, created, run.id, True, True, done.groups, done.messages)
        except Problem as exc:
            s.rollback()
            return DemoRound(name=name, note=f"no demo round: {exc.detail or exc.title}")


def meetings_of(app: Flask, programme_id: int, teacher_id: str, now: datetime) -> tuple[int, int, int] | None:
    """For a teacher's published group: (group number, meetings before ``now``, meetings after);
    ``None`` when the teacher is in no published group."""
    from .services import my_group

    with app.test_request_context():
        identity = Identity(0, "peermatch-cli", "teacher", programme_id, teacher_id, "cli")
        try:
            g = my_group.my_group(identity)
        except Problem:
            return None
        past = sum(1 for start in g.plan.starts if start < now)
        return g.group, past, len(g.plan.starts) - past


def demo_teacher_with_meetings(app: Flask, programme_id: int, run_id: int, now: datetime) -> str | None:
    """A member of the run's first group with meetings both past and to come (else with any
    meetings), for a demo sign-in; ``None`` when no group has proposed meetings."""
    from .services.cohort_review import grouping_of

    with app.app_context(), db.new_session(app) as s:
        run = s.get_one(CohortRun, run_id)
        groups = [sorted(g) for g in grouping_of(run).groups]
        present = set(s.execute(sa.select(Teacher.id).where(Teacher.programme_id == programme_id)).scalars())
    fallback = None
    for group in groups:
        member = next((t for t in group if t in present), None)
        found = meetings_of(app, programme_id, member, now) if member else None
        if found is None or found[1] + found[2] == 0:
            continue
        if found[1] and found[2]:
            return member
        fallback = fallback or member
    return fallback


def report(app: Flask, demo: DemoRound, creds: Credentials, programme_id: int, base: str, seconds: float, now: datetime) -> None:
    """Print what the demo round holds for each demo teacher (to stdout): meetings before and after ``now``."""
    print(f"demo round: {demo.name!r}" if demo.name else "demo round: none", end="")
    if demo.starts and demo.ends:
        print(f", {demo.starts:%d %b} to {demo.ends:%d %b %Y}, meetings every {CADENCE_WEEKS} weeks", end="")
    if demo.published_now:
        print(f": run {demo.run_id} generated and published in {seconds:.1f} s ({demo.groups} groups, {demo.messages} messages queued;")
        print(f"  the server's mail worker writes them as .eml files under {app.instance_path}/outbox/, listed on the Messages page)")
    else:
        print(f": {demo.note}")
    for entry in creds.values():
        tid = entry.get("teacher_id")
        if entry.get("role") != "teacher" or not tid:
            continue
        found = meetings_of(app, programme_id, tid, now)
        if found is None:
            continue
        group, past, coming = found
        what = f"{past + coming} proposed meetings ({past} past, {coming} to come)" if past + coming else "no shared free slot, so no dates proposed"
        print(f"  {entry['username']} sees My group ({base}/me/group): group {group}, {what}")


def ensure_teacher_with_meetings(app: Flask, demo: DemoRound, creds: Credentials, programme_id: int, now: datetime) -> None:
    """Add a demo teacher sign-in for a member of a group with meeting dates, when no demo
    teacher's group has any (groups that share no free slot get none)."""
    import secrets

    from .services import accounts

    if demo.run_id is None or not demo.published:
        return
    teachers = [e for e in creds.values() if e.get("role") == "teacher" and e.get("teacher_id")]
    if any((m := meetings_of(app, programme_id, str(e["teacher_id"]), now)) and m[1] + m[2] for e in teachers):
        return
    member = demo_teacher_with_meetings(app, programme_id, demo.run_id, now)
    if member is None:
        return
    with app.test_request_context(), db.new_session(app) as s:
        if s.execute(sa.select(User).where(User.teacher_id == member, User.programme_id == programme_id)).first() is not None:
            return
        n = len(teachers) + 1
        while s.execute(sa.select(User.id).where(User.username == f"teacher{n}")).first() is not None:
            n += 1
        username, password = f"teacher{n}", secrets.token_urlsafe(9)
        try:
            user = accounts.create_user(s, username, "teacher", s.get_one(Programme, programme_id), password=password, teacher_id=member)
        except Problem as exc:
            print(f"  could not create {username}: {exc.detail}", file=sys.stderr)
            return
        creds[username] = {"username": username, "password": password, "role": "teacher", "teacher_id": member, "token": accounts.create_token(s, user, name="demo")}


def run_demo(app: Flask, programme_id: int, creds: Credentials, *, today: date, base: str) -> None:
    """``peermatch init --load-samples``'s demo round: ensure it, add a demo teacher with
    meeting dates if none has them, and print what each demo teacher will see."""
    import os

    if "PEERMATCH_PUBLIC_URL" not in os.environ:
        app.config["PEERMATCH_PUBLIC_URL"] = base  # links in the publish messages point at this server
    with app.app_context(), db.new_session(app) as s:
        user = s.execute(sa.select(User).where(User.programme_id == programme_id, User.role == "coordinator", User.active.is_(True)).order_by(User.id)).scalars().first()
        coordinator = None if user is None else Identity(user.id, user.username, "coordinator", programme_id, None, "cli")
    if coordinator is None:
        print("demo round: none (the programme has no coordinator)")
        return
    start = time.perf_counter()
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC)  # meetings from today on are to come
    demo = ensure_demo_round(app, coordinator, today)
    ensure_teacher_with_meetings(app, demo, creds, programme_id, now)
    seconds = time.perf_counter() - start
    report(app, demo, creds, programme_id, base, seconds, now)
    if demo.run_id is not None and demo.published:
        from .cli_demo_answers import seed_simulated_answers

        start = time.perf_counter()
        demo_teachers = {str(e["teacher_id"]) for e in creds.values() if e.get("role") == "teacher" and e.get("teacher_id")}
        seeded = seed_simulated_answers(app, demo.run_id, demo_teachers, now)
        if seeded.done_before:
            print("  simulated answers: added before")
        else:
            print(f"  SIMULATED answers (no real teacher gave them), in {time.perf_counter() - start:.1f} s: {seeded.check_ins} check-ins about "
                  f"{seeded.meetings} past meetings of {seeded.groups} groups ({seeded.not_a_good_fit} 'not a good fit'), "
                  f"{seeded.questionnaires} 'before' questionnaires; the demo teachers' own are left for them to give")
