"""Tables of the programme year: the mail outbox, mail preferences, rounds and groupmate history.

Rows only, like :mod:`.core`; the same declarative ``Base``, so one metadata holds every table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .core import Base, utcnow

__all__ = ["MESSAGE_STATUSES", "OutboxMessage", "MailPreference", "PARTICIPATION", "Round", "RoundParticipation", "GroupmateHistory"]

MESSAGE_STATUSES = ("queued", "sending", "sent", "failed")


class OutboxMessage(Base):
    """One e-mail in the outbox (``service.mail``), written in the transaction that causes it.

    Rendered when enqueued (subject, text and HTML bodies are what was true then); sent
    by a worker that holds a lease on the row while it sends. ``idempotency_key`` is unique,
    so enqueuing the same message twice stores it once, and the Message-ID derived from it
    lets a receiving server spot a repeat. ``sending`` is internal: the API reports it as
    ``queued``.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name="status"),
        sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        sa.ForeignKeyConstraint(["programme_id", "teacher_id"], ["teachers.programme_id", "teachers.id"], name="fk_outbox_messages_teacher_teachers", ondelete="CASCADE"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    message_id: Mapped[str] = mapped_column(sa.String(200))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    template: Mapped[str] = mapped_column(sa.String(100))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class MailPreference(Base):
    """A teacher's choice about e-mail, set from the link in every message's footer."""

    __tablename__ = "mail_preferences"
    __table_args__ = (
        sa.PrimaryKeyConstraint("programme_id", "teacher_id", name="pk_mail_preferences"),
        sa.ForeignKeyConstraint(["programme_id", "teacher_id"], ["teachers.programme_id", "teachers.id"], name="fk_mail_preferences_teacher_teachers", ondelete="CASCADE"),
    )
    programme_id: Mapped[int]
    teacher_id: Mapped[str] = mapped_column(sa.String(64))
    mail_paused: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


PARTICIPATION = ("in", "out", "paused")


class Round(Base):
    """A round of a programme year (usually one per term): its dates and meeting cadence.

    Cohort runs belong to a round (``CohortRun.round_id``); one run per round is published.
    """

    __tablename__ = "rounds"
    __table_args__ = (sa.UniqueConstraint("programme_id", "name", name="uq_rounds_programme_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    starts: Mapped[date]
    ends: Mapped[date]
    cadence_weeks: Mapped[int] = mapped_column(default=3)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoundParticipation(Base):
    """A teacher's choice about the next round: ``in`` (the default without a row), ``out`` or ``paused``.

    Keyed by programme and teacher id (no foreign key to ``teachers``: an erasure deletes
    the row itself).
    """

    __tablename__ = "round_participation"
    __table_args__ = (sa.CheckConstraint("status IN ('in', 'out', 'paused')", name="status"),)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True)
    teacher_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="in")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupmateHistory(Base):
    """Two teachers who were in one published group of a round (``teacher_a`` < ``teacher_b``).

    Written when a run is published, or imported from a hub's CSV (``round_name`` then
    names a round that may not exist here, and ``round_id`` is empty).
    """

    __tablename__ = "groupmate_history"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "round_name", "teacher_a", "teacher_b", name="uq_groupmate_history_pair"),
        sa.CheckConstraint("teacher_a < teacher_b", name="sorted"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    round_name: Mapped[str] = mapped_column(sa.String(100))
    teacher_a: Mapped[str] = mapped_column(sa.String(64), index=True)
    teacher_b: Mapped[str] = mapped_column(sa.String(64), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
