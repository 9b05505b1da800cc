"""Sessions from demand for the coordinator: :func:`matcher.programme.plan_sessions` on the
programme's teachers, the current round's published grouping and its check-ins.

The *current round* is the round of the newest published run (one run per round is
published; a round's groups are usually published before it starts). Members erased
since the run are left out of its groups. Check-ins are read, never written: a group
whose members answered and never said they met counts as not meeting (the library's
rule). Leaders are teachers who consented to share their contact, the only consent a
profile has, so their e-mail is shown to the coordinator by the programme's one rule
(``consent_share_contact``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from matcher.programme.sessions import SessionPlan, plan_sessions

from .. import db
from ..auth import Identity
from ..models import CheckIn, CohortRun, Round
from ..problems import Problem
from .cohort_review import current_cohort, grouping_of
from .group_meetings import term_dates_table

__all__ = ["SessionsView", "sessions_for", "current_published_run"]


@dataclass(frozen=True)
class SessionsView:
    """The plan and what it was made from: the round and run used (``None`` when nothing is
    published yet: every challenge counts), how many check-in answers and teachers."""

    plan: SessionPlan
    round_name: str | None
    run_id: int | None
    check_ins: int
    teachers: int
    names: dict[str, str]

    def to_dict(self) -> dict[str, object]:
        return {
            **self.plan.to_dict(),
            "round": self.round_name,
            "run_id": self.run_id,
            "check_in_answers": self.check_ins,
            "teachers": self.teachers,
        }


def current_published_run(programme_id: int) -> tuple[CohortRun, Round] | None:
    """The newest published run that belongs to a round, and its round."""
    s = db.session()
    row = s.execute(
        sa.select(CohortRun, Round)
        .join(Round, CohortRun.round_id == Round.id)
        .where(CohortRun.programme_id == programme_id, CohortRun.published_at.is_not(None))
        .order_by(CohortRun.published_at.desc(), CohortRun.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def sessions_for(identity: Identity, *, top: int = 5, start: date | None = None, weekday: str = "wed", n_dates: int = 3) -> SessionsView:
    """Proposed sessions for the coordinator's programme.

    Raises
    ------
    Problem
        403 for anyone but a coordinator; 422 (through ``MatcherError``) for a bad weekday.
    """
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators plan training sessions.")
    cohort, _ = current_cohort(identity.programme_id)
    found = current_published_run(identity.programme_id)
    groups: dict[str, tuple[str, ...]] | None = None
    check_ins: dict[str, list[str]] = {}
    answers = 0
    if found is not None:
        run, _rnd = found
        grouping = grouping_of(run)
        groups = {str(k + 1): tuple(t for t in members if t in cohort.index) for k, members in enumerate(grouping.groups)}
        rows = db.session().execute(
            sa.select(CheckIn.group_number, CheckIn.met).where(CheckIn.programme_id == identity.programme_id, CheckIn.run_id == run.id)
        )
        for number, met in rows:
            if str(number) in groups:
                check_ins.setdefault(str(number), []).append(met)
                answers += 1
    plan = plan_sessions(
        cohort, groups, check_ins=check_ins or None, top=top, start=start, term_dates=term_dates_table(), weekday=weekday, n_dates=n_dates
    )
    return SessionsView(
        plan=plan,
        round_name=found[1].name if found else None,
        run_id=found[0].id if found else None,
        check_ins=answers,
        teachers=len(cohort),
        names={p.id: p.name for p in cohort.profiles},
    )
