"""Tables of what happened after grouping: check-ins after meetings, the before/after
questionnaire, and learned weights offered to the coordinator.

Rows only, like :mod:`.core`. Every row belongs to a teacher through ``(programme_id,
teacher_id)`` with ``ON DELETE CASCADE``, so an erasure (which deletes the teacher) takes
their answers with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .core import Base, utcnow

__all__ = ["MET_ANSWERS", "QUESTIONNAIRE_PHASES", "PROPOSAL_STATUSES", "CheckIn", "QuestionnaireResponse", "WeightProposal"]

#: Did the group meet: yes, no, or moved to another date.
MET_ANSWERS = ("yes", "no", "rescheduled")
#: A round's questionnaire is answered once before the round and once after.
QUESTIONNAIRE_PHASES = ("before", "after")
#: A learned set of weights is proposed; the coordinator accepts or refuses it.
PROPOSAL_STATUSES = ("proposed", "accepted", "refused")

class CheckIn(Base):
    """One member's answer about one proposed meeting of their published group.

    A meeting is named by its run, its 1-based group number and its start time (UTC), as
    My group lists them. One answer per member per meeting (unique); ``updated_at`` moves
    when the member edits it, which they may do for a week after ``created_at``.
    ``not_a_good_fit`` is private to the coordinator.
    """

    __tablename__ = "check_ins"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "teacher_id", "run_id", "meeting_start", name="uq_check_ins_meeting"),
        sa.CheckConstraint("met IN ('yes', 'no', 'rescheduled')", name="met"),
        sa.CheckConstraint("useful IS NULL OR (useful >= 1 AND useful <= 5)", name="useful"),
        sa.ForeignKeyConstraint(["programme_id", "teacher_id"], ["teachers.programme_id", "teachers.id"], name="fk_check_ins_teacher_teachers", ondelete="CASCADE"),
        sa.Index("ix_check_ins_run_group", "run_id", "group_number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[str] = mapped_column(sa.String(64))
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort_runs.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    group_number: Mapped[int]
    meeting_start: Mapped[datetime]
    met: Mapped[str] = mapped_column(sa.String(12))
    useful: Mapped[int | None]
    tried: Mapped[str | None] = mapped_column(sa.Text)
    not_a_good_fit: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuestionnaireResponse(Base):
    """A teacher's before- or after-round confidence ratings (1-5).

    ``answers`` maps a theme id (one of the teacher's own challenges, or the programme
    themes ``isolation`` and ``connection``) to a rating 1-5. One response per teacher,
    round and phase; answering again replaces it.
    """

    __tablename__ = "questionnaire_responses"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "teacher_id", "round_id", "phase", name="uq_questionnaire_responses_phase"),
        sa.CheckConstraint("phase IN ('before', 'after')", name="phase"),
        sa.ForeignKeyConstraint(["programme_id", "teacher_id"], ["teachers.programme_id", "teachers.id"], name="fk_questionnaire_responses_teacher_teachers", ondelete="CASCADE"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[str] = mapped_column(sa.String(64))
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(sa.String(10))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WeightProposal(Base):
    """Affinity weights learned from check-ins, offered for a round beside today's weights.

    ``learned`` and ``current`` map affinity-term names to weights; ``learned_score`` and
    ``current_score`` are the cross-validated scores of each on held-out check-ins (higher
    is better; ``metric`` names the score). Only an ``accepted`` proposal changes a run's
    weights; the coordinator who decided and when are kept.
    """

    __tablename__ = "weight_proposals"
    __table_args__ = (sa.CheckConstraint("status IN ('proposed', 'accepted', 'refused')", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    learned: Mapped[dict[str, Any]] = mapped_column(default=dict)
    current: Mapped[dict[str, Any]] = mapped_column(default=dict)
    learned_score: Mapped[float]
    current_score: Mapped[float]
    metric: Mapped[str] = mapped_column(sa.String(100))
    n_answers: Mapped[int]
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default="proposed")
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Programme health asks "what changed?" per programme and run (count and latest edit) before
# re-aggregating a run's check-ins: this index answers it without reading the table.
sa.Index("ix_check_ins_programme_run_updated", CheckIn.programme_id, CheckIn.run_id, CheckIn.updated_at)
