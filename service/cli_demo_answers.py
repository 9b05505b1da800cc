"""SIMULATED answers for the demo round of ``peermatch init --load-samples``.

The demo round is published as of its first day, so by today its groups have had meetings.
So that the coordinator's Programme health, Learned weights and Programme report pages
show a round under way, every member except the demo teachers (who check in themselves,
from My group or the mail link) gets check-ins for the past meetings, simulated by
:func:`matcher.samples.check_ins.simulate_check_ins` (40 % non-response; usefulness follows
:data:`TRUE_WEIGHTS`, hidden weights unlike the defaults, as in ``benchmarks/learning.py``),
and a 'before' questionnaire answer simulated by
:func:`matcher.samples.questionnaire.simulate_questionnaire`. No real teacher gave these
answers: the demo round's name says so, and so does ``init``.

Running it again adds nothing: a run that has check-ins from members other than the demo
teachers is left as it is. Erased teachers are not in the programme, so they get nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import Flask

from matcher.affinity.terms import AffinityWeights
from matcher.samples.questionnaire import SimulatedProgramme

from . import db
from .models import CheckIn, CohortRun, QuestionnaireResponse, Round, Teacher

__all__ = ["TRUE_WEIGHTS", "Seeded", "seed_simulated_answers"]

#: The hidden "truth" behind the simulated usefulness (the benchmark's; unlike the defaults,
#: so that the demo's Learned weights page has something to find).
TRUE_WEIGHTS = AffinityWeights(complementarity=0.1, interests=0.5, context=0.05, practicality=0.35, one_way=0.6)
SEED = 2026


@dataclass(frozen=True)
class Seeded:
    """What :func:`seed_simulated_answers` added (all zero when it had been done before)."""

    check_ins: int = 0
    groups: int = 0
    meetings: int = 0
    not_a_good_fit: int = 0
    questionnaires: int = 0
    done_before: bool = False


def seed_simulated_answers(app: Flask, run_id: int, exclude: Collection[str], now: datetime) -> Seeded:
    """Simulated check-ins for the meetings of ``run_id`` that ended by ``now``, and 'before'
    questionnaire answers, for every member still in the programme except ``exclude``."""
    from matcher.samples.check_ins import simulate_check_ins
    from matcher.samples.questionnaire import simulate_questionnaire

    from .services import group_meetings
    from .services.cohort_review import grouping_of
    from .services.teachers import profile_of, programme_cohort

    with app.app_context(), db.new_session(app) as s:
        run = s.get_one(CohortRun, run_id)
        if run.round_id is None or run.published_at is None:
            return Seeded()
        others = sa.select(CheckIn.id).where(CheckIn.run_id == run_id, CheckIn.teacher_id.not_in(list(exclude))).limit(1)
        if s.execute(others).first() is not None:
            return Seeded(done_before=True)
        rnd = s.get_one(Round, run.round_id)
        pid = run.programme_id
        teachers = {t.id: t for t in s.execute(sa.select(Teacher).where(Teacher.programme_id == pid)).scalars()}
        slots: list[tuple[int, tuple[str, ...], datetime, datetime]] = []  # group number, members, start, end
        for index, group in enumerate(grouping_of(run).groups):
            members = [teachers[t] for t in group if t in teachers]  # erased members are gone
            plan = group_meetings.plan(members, rnd, run.published_at)
            slots.extend((index + 1, tuple(t.id for t in members), m.start, m.end) for m in plan.meetings if m.end <= now)
        cohort = programme_cohort(s, pid, _profiles_version(s, pid))
        # One simulated "group" per group and meeting (meetings=1): the answer's group key
        # says which meeting it is about, and each meeting is met or not on its own.
        answers = simulate_check_ins(cohort, [members for _, members, _, _ in slots], TRUE_WEIGHTS, meetings=1, seed=SEED) if slots else ()
        kept = [a for a in answers if a.teacher_id not in exclude]
        # A member who rated every meeting they rated 1 of 5 (two at least) says on the
        # last one that the group is not a good fit for them.
        ratings: dict[str, list[int]] = {}
        for a in kept:
            if a.useful is not None:
                ratings.setdefault(a.teacher_id, []).append(a.useful)
        unhappy = {t for t, r in ratings.items() if len(r) >= 2 and max(r) <= 1}
        last = {a.teacher_id: i for i, a in enumerate(kept) if a.useful is not None}
        rows: list[CheckIn] = []
        for i, a in enumerate(kept):
            number, _, start, end = slots[int(a.group_key.removeprefix("group ")) - 1]
            at = min(end + timedelta(days=1), now)  # answered the day after
            rows.append(CheckIn(programme_id=pid, teacher_id=a.teacher_id, run_id=run_id, round_id=rnd.id, group_number=number,
                                meeting_start=start.astimezone(timezone.utc), met="yes" if a.met else "no", useful=a.useful,
                                not_a_good_fit=a.teacher_id in unhappy and last[a.teacher_id] == i, created_at=at, updated_at=at))
        s.add_all(rows)
        asked = sorted(_all_members(run, teachers) - set(exclude))
        responses = _before_answers(s, simulate_questionnaire([profile_of(teachers[t]) for t in asked], rounds=1, seed=SEED), pid, rnd, run.published_at)
        s.commit()
        return Seeded(len(rows), len({n for n, _, _, _ in slots}), len(slots), len(unhappy), responses)


def _all_members(run: CohortRun, teachers: Collection[str]) -> set[str]:
    from .services.cohort_review import grouping_of

    return {t for g in grouping_of(run).groups for t in g if t in teachers}


def _profiles_version(s: sa.orm.Session, programme_id: int) -> int:
    from .models import Programme

    return int(s.get_one(Programme, programme_id).profiles_version)


def _before_answers(s: sa.orm.Session, sim: SimulatedProgramme, programme_id: int, rnd: Round, at: datetime) -> int:
    """Store the simulated 'before' answers (one response per teacher who has none); returns how many."""
    frame = sim.answers
    before = frame[frame["phase"] == "before"]
    have = set(s.execute(sa.select(QuestionnaireResponse.teacher_id).where(QuestionnaireResponse.round_id == rnd.id, QuestionnaireResponse.phase == "before")).scalars())
    written = 0
    for teacher_id, rows in before.groupby("teacher_id", observed=True):
        if str(teacher_id) in have:
            continue
        answers = {str(k): int(r) for k, r in zip(rows["key"], rows["rating"])}
        s.add(QuestionnaireResponse(programme_id=programme_id, teacher_id=str(teacher_id), round_id=rnd.id, phase="before",
                                    answers=answers, created_at=at, updated_at=at))
        written += 1
    return written
