"""Asking members to check in: one e-mail per member per proposed meeting, after it.

:func:`enqueue_due_check_ins` is the one place this is decided. It looks at the published
runs whose round is on (or ended at most :data:`REQUEST_WITHIN` ago), works out each group's
proposed meetings as My group does (:func:`.group_meetings.plan`, from the members still in
the programme), and for every meeting that ended at most :data:`REQUEST_WITHIN` ago queues a
``check_in_request`` message (:func:`service.mail.outbox.enqueue`) for each member who

- has not checked in about it yet,
- has not paused e-mail (the pause link in every message's footer), and
- has an e-mail address.

The idempotency key ``check-in-request-{run}-{group}-{teacher}-{start UTC}`` makes it
exactly once per member per meeting however often it runs, on however many workers, and
after a restart. Meetings that ended longer ago are left alone, so a worker started for the
first time in the middle of a year does not mail about meetings long past (the teacher can
still check in from My group). It runs every ``PEERMATCH_CHECK_IN_MAIL_SECONDS`` from the
mail worker (:mod:`service.mail.periodic`) and on demand as ``peermatch mail check-ins``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from matcher.programme import Meeting
from sqlalchemy.orm import Session

from ..mail import outbox
from ..models import CheckIn, CohortRun, MailPreference, OutboxMessage, Round, Teacher, utcnow
from ..problems import Problem
from . import group_meetings
from .check_ins import check_in_path, meeting_label
from .cohort_review import grouping_of
from .publish import first_name

__all__ = ["TEMPLATE", "REQUEST_WITHIN", "request_key", "enqueue_due_check_ins"]

log = logging.getLogger(__name__)
TEMPLATE = "check_in_request"
#: A meeting that ended longer ago than this gets no request.
REQUEST_WITHIN = timedelta(days=7)


def request_key(run_id: int, group: int, teacher_id: str, start: datetime) -> str:
    """The idempotency key of one member's request about one meeting (``group`` is 1-based).

    >>> request_key(7, 2, "t-014", datetime(2026, 9, 24, 15, 0, tzinfo=timezone.utc))
    'check-in-request-7-2-t-014-20260924T1500Z'
    """
    return f"check-in-request-{run_id}-{group}-{teacher_id}-{start.astimezone(timezone.utc):%Y%m%dT%H%MZ}"


def enqueue_due_check_ins(s: Session, now: datetime | None = None) -> int:
    """Queue the check-in requests that are due at ``now`` in ``s`` (the caller commits).

    Needs an app context (mail templates and settings). Returns how many messages were
    written; running it again writes none of the same.
    """
    now = now or utcnow()
    since = now - REQUEST_WITHIN
    runs = s.execute(
        sa.select(CohortRun, Round)
        .join(Round, Round.id == CohortRun.round_id)
        .where(CohortRun.published_at.is_not(None), Round.starts <= now.date(), Round.ends >= since.date() - timedelta(days=1))
        .order_by(CohortRun.id)
    ).all()
    written = 0
    for run, rnd in runs:
        try:
            written += _requests_for_run(s, run, rnd, since, now)
        except Problem as exc:  # a stored result that cannot be read as a grouping: skip it, keep the others
            log.warning("check-in requests skipped run %s: %s", run.id, exc.detail)
    return written


def _requests_for_run(s: Session, run: CohortRun, rnd: Round, since: datetime, now: datetime) -> int:
    grouping = grouping_of(run)
    ids = sorted({t for g in grouping.groups for t in g})
    teachers = {t.id: t for t in s.execute(sa.select(Teacher).where(Teacher.programme_id == run.programme_id, Teacher.id.in_(ids))).scalars()}
    due: list[tuple[int, list[Teacher], Meeting]] = []
    for index, group in enumerate(grouping.groups):
        members = [teachers[t] for t in group if t in teachers]  # erased members are pseudonyms: nobody to ask
        if members:
            due.extend((index + 1, members, m) for m in group_meetings.plan(members, rnd, run.published_at).meetings if since < m.end <= now)
    if not due:
        return 0
    answered = {(row.teacher_id, row.meeting_start) for row in s.execute(sa.select(CheckIn.teacher_id, CheckIn.meeting_start).where(CheckIn.run_id == run.id))}
    paused = set(
        s.execute(sa.select(MailPreference.teacher_id).where(MailPreference.programme_id == run.programme_id, MailPreference.mail_paused.is_(True))).scalars()
    )
    prefix = f"check-in-request-{run.id}-"
    queued = set(s.execute(sa.select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.startswith(prefix, autoescape=True))).scalars())
    public = current_app.config["PEERMATCH_PUBLIC_URL"].rstrip("/")
    written = 0
    for number, members, meeting in due:
        start_utc = meeting.start.astimezone(timezone.utc)
        for t in members:
            key = request_key(run.id, number, t.id, meeting.start)
            if key in queued or (t.id, start_utc) in answered or t.id in paused or not t.email:
                continue
            context = {
                "name": first_name(t.name),
                "round": rnd.name,
                "group": number,
                "meeting": meeting_label(meeting.start),
                "others": [first_name(m.name) for m in members if m.id != t.id],
                "link": public + check_in_path(meeting.start.isoformat()),
            }
            if outbox.enqueue(s, programme_id=run.programme_id, to=t.email, template=TEMPLATE, context=context, idempotency_key=key, teacher_id=t.id) is not None:
                written += 1
    return written
