"""The coordinators' weekly programme health digest, through the outbox.

Once per ISO week (from ``PEERMATCH_DIGEST_WEEKDAY`` on, Monday by default) every active
coordinator with an e-mail address (``users.email``: ``peermatch users create --email`` or
``peermatch users set-email``) gets one message (template ``health_digest``, idempotency
key ``health-digest:{user id}:{ISO week}``, so calling :func:`send_digests` again in the
same week stores nothing) listing:

- teachers **newly at risk**: at risk now (:mod:`.health`) and not a week ago, or at risk
  for a new reason;
- **groups not meeting** in the current round: not met twice running, or meetings due this
  half-term and none met (at most :data:`MAX_LISTED`, with the total);
- **new "not a good fit" flags** (made in the last 7 days), with a link to the suggested repair.

A week with none of these sends nothing. :func:`send_digests` is the one function; it is
called by the mail worker (:func:`periodic_job`, at most every
``PEERMATCH_DIGEST_CHECK_SECONDS``) and by ``peermatch health digest``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from .. import db
from ..mail import outbox
from ..mail.periodic import PeriodicJob
from ..models import User, utcnow
from ..problems import Problem
from . import health

__all__ = ["TEMPLATE", "MAX_LISTED", "Digest", "week_of", "build_digest", "send_digests", "set_email", "periodic_job"]

log = logging.getLogger(__name__)
TEMPLATE = "health_digest"
MAX_LISTED = 20


def week_of(now: datetime) -> str:
    """The ISO week of ``now``, as the digest's key names it.

    >>> from datetime import datetime
    >>> week_of(datetime(2027, 1, 1)), week_of(datetime(2026, 12, 3))
    ('2026-W53', '2026-W49')
    """
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Digest:
    """What one programme's digest lists this week."""

    week: str
    round: str | None
    at_risk: tuple[health.AtRisk, ...]
    not_meeting: tuple[health.GroupHealth, ...]
    flags: tuple[health.Flag, ...]

    @property
    def empty(self) -> bool:
        return not (self.at_risk or self.not_meeting or self.flags)


def build_digest(s: Session, programme_id: int, now: datetime) -> Digest:
    """The digest of ``programme_id`` for the week of ``now`` (compares with 7 days earlier)."""
    h = health.programme_health(s, programme_id, now=now)
    before = {a.teacher_id: set(a.codes) for a in health.programme_health(s, programme_id, now=now - timedelta(days=7)).at_risk}
    new = tuple(a for a in h.at_risk if a.teacher_id not in before or set(a.codes) - before[a.teacher_id])
    not_meeting = tuple(g for g in h.groups if g.not_met_twice or g.half_term_status == "not_met")
    flags = tuple(f for f in h.flags if f.flagged_at > now - timedelta(days=7))
    return Digest(week=week_of(now), round=h.current.name if h.current else None, at_risk=new, not_meeting=not_meeting, flags=flags)


def _why(g: health.GroupHealth) -> str:
    if g.not_met_twice:
        return g.not_met_phrase + " (" + "; ".join(f"{d:%d %b}: {st.replace('_', ' ')}" for d, st in g.last_two) + ")"
    return f"{g.meetings_this_half_term} meeting(s) due this half-term, none met"


def send_digests(s: Session, *, now: datetime | None = None, programme_id: int | None = None, force: bool = False) -> int:
    """Enqueue this week's digest for every coordinator with an e-mail; returns how many were new.

    Before ``PEERMATCH_DIGEST_WEEKDAY`` in the week nothing is sent unless ``force``; a
    coordinator who already has this week's digest gets nothing more (the idempotency key).
    """
    now = now or utcnow()
    if not force and now.weekday() < int(current_app.config["PEERMATCH_DIGEST_WEEKDAY"]):
        return 0
    query = sa.select(User).where(User.role == "coordinator", User.active.is_(True), User.email.is_not(None), User.email != "")
    if programme_id is not None:
        query = query.where(User.programme_id == programme_id)
    coordinators = list(s.execute(query.order_by(User.programme_id, User.id)).scalars())
    week = week_of(now)
    link = f"{current_app.config['PEERMATCH_PUBLIC_URL'].rstrip('/')}/programme/health"
    digests: dict[int, Digest] = {}
    written = 0
    for user in coordinators:
        if user.programme_id not in digests:
            digests[user.programme_id] = build_digest(s, user.programme_id, now)
        d = digests[user.programme_id]
        if d.empty:
            continue
        context = {
            "name": user.username, "week": week, "round": d.round, "link": link, "rules": health.RULES["at_risk"] + " " + health.RULES["met"],
            "at_risk": d.at_risk[:MAX_LISTED], "flags": d.flags[:MAX_LISTED], "not_meeting_total": len(d.not_meeting),
            "not_meeting": [{"group": g.group, "why": _why(g)} for g in d.not_meeting[:MAX_LISTED]],
        }
        key = f"health-digest:{user.id}:{week}"
        if outbox.enqueue(s, programme_id=user.programme_id, to=user.email or "", template=TEMPLATE, context=context, idempotency_key=key) is not None:
            written += 1
    return written


def set_email(s: Session, user: User, email: str) -> None:
    """Set (or, with ``""``, clear) the account's e-mail address for the digest.

    Raises
    ------
    Problem
        422 for something that is not one plausible address.
    """
    email = email.strip()
    if email and (len(email) > 254 or email.count("@") != 1 or any(c.isspace() for c in email) or not email.partition("@")[2]):
        raise Problem(422, f"not an e-mail address: {email!r}")
    user.email = email or None


def periodic_job(app: Flask) -> PeriodicJob:
    """The mail worker's digest job (:mod:`service.mail.periodic`): :func:`send_digests` at
    most every ``PEERMATCH_DIGEST_CHECK_SECONDS``, in a transaction of its own."""

    def run(now: datetime) -> int:
        with app.app_context(), db.new_session(app) as s:
            written = send_digests(s)
        if written:
            log.info("programme health digest: %d message(s) queued", written)
        return written

    return PeriodicJob("health digest", float(app.config["PEERMATCH_DIGEST_CHECK_SECONDS"]), run)
