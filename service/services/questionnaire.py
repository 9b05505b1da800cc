"""A round's before/after questionnaire: who answers, when, what is stored, who is invited.

The questions are :func:`matcher.programme.questionnaire.questions_for` the teacher's
challenges (plus any challenge they answered *before* this round, so the two phases match
even when the profile changed in between), and the programme's themes ``isolation``
(lower is better) and ``connection``.

Who: a teacher who is a member of the round's published run (teachers only; 404 for a
round of another programme, an unpublished round, or a round they were not grouped in).

When (dates in UTC, :func:`today`): **after** opens :data:`AFTER_OPENS_DAYS` days before
the round ends (its last two weeks) and stays open after the end; **before** is open from
publishing until the after window opens. A closed window is a 409 on ``PUT``; ``GET``
still shows the questions and any answers.

Answering again replaces the stored answers (one row per teacher, round and phase).

Invitations go through the outbox (template ``questionnaire``; idempotency key
``questionnaire:{round_id}:{phase}:{teacher_id}``, so each is written once): *before* when
the run is published (:func:`invite_members`, called by :mod:`.publish`), and both phases
from :func:`send_due_invitations`, which the mail worker or ``peermatch questionnaire
invite`` calls; it invites the members of each published round whose window is open and
who have not answered yet (the *after* invitation only up to :data:`AFTER_INVITE_DAYS`
days past the round's end).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from matcher.programme.questionnaire import PHASES, Question, check_answers, questions_for

from .. import db
from ..auth import Identity
from ..mail import outbox
from ..models import CohortRun, QuestionnaireResponse, Round, Teacher, utcnow
from ..problems import Problem
from .cohort_review import grouping_of
from .publish import first_name

__all__ = [
    "AFTER_OPENS_DAYS",
    "AFTER_INVITE_DAYS",
    "TEMPLATE",
    "Questionnaire",
    "today",
    "window",
    "get_questionnaire",
    "answer",
    "invite_members",
    "invite_before",
    "send_due_invitations",
    "export_of",
]

AFTER_OPENS_DAYS = 14
AFTER_INVITE_DAYS = 28
TEMPLATE = "questionnaire"


def today() -> date:
    """Today's date in UTC (one function, so tests can move the clock)."""
    return utcnow().date()


def window(rnd: Round, phase: str) -> tuple[date | None, date | None]:
    """``(opens, closes)`` of ``phase`` for ``rnd``: both inclusive, ``None`` for no limit.

    Before: until the day before the after window opens; after: from
    :data:`AFTER_OPENS_DAYS` days before the end (not before the round starts).
    """
    after_opens = max(rnd.starts, rnd.ends - timedelta(days=AFTER_OPENS_DAYS))
    if phase == "before":
        return None, after_opens - timedelta(days=1)
    return after_opens, None


def _is_open(rnd: Round, phase: str, on: date) -> bool:
    opens, closes = window(rnd, phase)
    return (opens is None or on >= opens) and (closes is None or on <= closes)


@dataclass(frozen=True)
class Questionnaire:
    """What the questionnaire page and API show."""

    round: Round
    phase: str
    questions: list[Question]
    answers: dict[str, int]
    is_open: bool
    opens: date | None
    closes: date | None
    answered_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": {"id": self.round.id, "name": self.round.name, "starts": self.round.starts.isoformat(), "ends": self.round.ends.isoformat()},
            "phase": self.phase,
            "questions": [{"key": q.key, "text": q.text, "labels": list(q.labels), "higher_is_better": q.higher_is_better, "kind": q.kind} for q in self.questions],
            "answers": dict(self.answers),
            "open": self.is_open,
            "opens": self.opens.isoformat() if self.opens else None,
            "closes": self.closes.isoformat() if self.closes else None,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
        }


def _members(run: CohortRun) -> set[str]:
    return set(grouping_of(run).assignment)


def _published_run(s: Session, round_id: int) -> CohortRun | None:
    return s.execute(sa.select(CohortRun).where(CohortRun.round_id == round_id, CohortRun.published_at.is_not(None))).scalars().first()


def _load(identity: Identity, round_id: int, phase: str) -> tuple[Round, Teacher]:
    if not identity.is_teacher or identity.teacher_id is None:
        raise Problem(403, "The questionnaire is for teachers; coordinators see the programme report.")
    if phase not in PHASES:
        raise Problem(404, f"There is no {phase!r} questionnaire; the phases are 'before' and 'after'.")
    s = db.session()
    rnd = s.get(Round, round_id) if 0 <= round_id < 2**31 else None  # a number no row can have (from the page's URL): not found, not a 500
    run = _published_run(s, round_id) if rnd is not None and rnd.programme_id == identity.programme_id else None
    if rnd is None or run is None or identity.teacher_id not in _members(run):
        raise Problem(404, f"You have no questionnaire for round {round_id}: it is for the members of a round's published groups.")
    teacher = s.execute(sa.select(Teacher).where(Teacher.programme_id == identity.programme_id, Teacher.id == identity.teacher_id)).scalar_one()
    return rnd, teacher


def _response(s: Session, programme_id: int, teacher_id: str, round_id: int, phase: str) -> QuestionnaireResponse | None:
    return s.execute(
        sa.select(QuestionnaireResponse).where(
            QuestionnaireResponse.programme_id == programme_id,
            QuestionnaireResponse.teacher_id == teacher_id,
            QuestionnaireResponse.round_id == round_id,
            QuestionnaireResponse.phase == phase,
        )
    ).scalar_one_or_none()


def _topics(s: Session, teacher: Teacher, round_id: int) -> list[str]:
    """The teacher's challenges now, plus any challenge answered before this round (kept first)."""
    before = _response(s, teacher.programme_id, teacher.id, round_id, "before")
    earlier = [k for k in (before.answers if before else {}) if k not in teacher.challenges]
    return [*teacher.challenges, *earlier]


def get_questionnaire(identity: Identity, round_id: int, phase: str) -> Questionnaire:
    """The questions of ``phase`` of round ``round_id`` for the signed-in teacher, with their answers so far."""
    rnd, teacher = _load(identity, round_id, phase)
    s = db.session()
    row = _response(s, teacher.programme_id, teacher.id, round_id, phase)
    opens, closes = window(rnd, phase)
    return Questionnaire(
        round=rnd,
        phase=phase,
        questions=questions_for(_topics(s, teacher, round_id)),
        answers={k: int(v) for k, v in (row.answers if row else {}).items()},
        is_open=_is_open(rnd, phase, today()),
        opens=opens,
        closes=closes,
        answered_at=row.updated_at if row else None,
    )


def answer(identity: Identity, round_id: int, phase: str, answers: Mapping[str, object]) -> Questionnaire:
    """Store the teacher's answers for ``phase`` of the round, replacing earlier ones.

    Raises
    ------
    Problem
        403 for anyone but a teacher; 404 as :func:`get_questionnaire`; 409 outside the
        phase's window (saying when it opens or closed); 422 naming each bad field
        (``answers.<key>``: an unknown question or a rating that is not 1-5).
    """
    rnd, teacher = _load(identity, round_id, phase)
    s = db.session()
    if not _is_open(rnd, phase, today()):
        opens, closes = window(rnd, phase)
        when = f"opens on {opens:%d %B %Y}" if opens is not None and today() < opens else f"closed on {closes:%d %B %Y}"
        raise Problem(409, f"The {phase} questionnaire of {rnd.name} {when}.")
    checked = check_answers(answers, _topics(s, teacher, round_id))  # ValidationError: a 422 naming each field
    row = _response(s, teacher.programme_id, teacher.id, round_id, phase)
    now = utcnow()
    if row is None:
        s.add(QuestionnaireResponse(programme_id=teacher.programme_id, teacher_id=teacher.id, round_id=round_id, phase=phase, answers=checked, created_at=now, updated_at=now))
    else:
        row.answers = checked
        row.updated_at = now
    s.flush()
    return get_questionnaire(identity, round_id, phase)


# ---- invitations ----------------------------------------------------------------------------


def _link(round_id: int, phase: str) -> str:
    return f"{current_app.config['PEERMATCH_PUBLIC_URL'].rstrip('/')}/me/questionnaire/{round_id}/{phase}"


def invite_members(s: Session, programme_id: int, rnd: Round, teacher_ids: Iterable[str], phase: str) -> int:
    """Write one ``questionnaire`` invitation per teacher (each key once); returns how many are new.

    Teachers who already answered ``phase`` of the round and ids no longer in the programme
    are skipped.
    """
    ids = sorted(set(teacher_ids))
    answered = set(
        s.execute(
            sa.select(QuestionnaireResponse.teacher_id).where(
                QuestionnaireResponse.programme_id == programme_id, QuestionnaireResponse.round_id == rnd.id, QuestionnaireResponse.phase == phase
            )
        ).scalars()
    )
    teachers = s.execute(sa.select(Teacher).where(Teacher.programme_id == programme_id, Teacher.id.in_([t for t in ids if t not in answered]))).scalars()
    _, closes = window(rnd, phase)
    written = 0
    for t in teachers:
        context = {
            "name": first_name(t.name),
            "round": rnd.name,
            "phase": phase,
            "started": rnd.starts < today(),  # published mid-round (as the demo round is): meetings may have happened
            "closes": f"{closes:%d %B %Y}" if closes else "",
            "link": _link(rnd.id, phase),
        }
        key = f"questionnaire:{rnd.id}:{phase}:{t.id}"
        if outbox.enqueue(s, programme_id=programme_id, to=t.email, template=TEMPLATE, context=context, idempotency_key=key, teacher_id=t.id) is not None:
            written += 1
    return written


def invite_before(s: Session, programme_id: int, rnd: Round, teacher_ids: Iterable[str]) -> int:
    """At publishing: invite the members to the round's *before* questionnaire while it is open."""
    return invite_members(s, programme_id, rnd, teacher_ids, "before") if _is_open(rnd, "before", today()) else 0


def send_due_invitations(s: Session, on: date | None = None) -> int:
    """Invite the members of every published round whose questionnaire window is open on ``on``.

    Safe to call as often as you like (every invitation is written once); returns how
    many were written. The caller commits.
    """
    on = on or today()
    written = 0
    rows = s.execute(sa.select(CohortRun, Round).join(Round, Round.id == CohortRun.round_id).where(CohortRun.published_at.is_not(None), CohortRun.status == "done"))
    for run, rnd in rows:
        for phase in PHASES:
            if not _is_open(rnd, phase, on) or (phase == "after" and on > rnd.ends + timedelta(days=AFTER_INVITE_DAYS)):
                continue
            written += invite_members(s, run.programme_id, rnd, _members(run), phase)
    return written


# ---- GDPR -----------------------------------------------------------------------------------


def export_of(s: Session, programme_id: int, teacher_id: str) -> list[dict[str, Any]]:
    """The teacher's questionnaire answers, for their data export."""
    rows = s.execute(
        sa.select(QuestionnaireResponse, Round.name)
        .join(Round, Round.id == QuestionnaireResponse.round_id)
        .where(QuestionnaireResponse.programme_id == programme_id, QuestionnaireResponse.teacher_id == teacher_id)
        .order_by(QuestionnaireResponse.round_id, QuestionnaireResponse.phase.desc())
    )
    return [
        {"round": name, "round_id": r.round_id, "phase": r.phase, "answers": dict(r.answers), "created_at": r.created_at.isoformat(), "updated_at": r.updated_at.isoformat()}
        for r, name in rows
    ]
