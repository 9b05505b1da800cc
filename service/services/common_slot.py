"""The common free slot rule of a cohort run: on by default when availability is known.

A run's ``common_slot`` (every group shares a free slot, :mod:`matcher.cohorts.common_slot`)
is what the coordinator asked for; left out, it is on when availability is *known*: at least
half of the run's teachers (:data:`~matcher.cohorts.common_slot.KNOWN_SHARE`) listed some.
The run's params keep the choice and the reason (``common_slot_reason``), so the result page
and the API say which was used and why. One rule for the API, the form and its default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matcher.cohorts.common_slot import KNOWN_SHARE

from ..models import Teacher

__all__ = ["availability_counts", "default_common_slot", "resolve_common_slot"]


def availability_counts(s: Session, programme_id: int, teacher_ids: Sequence[str] | None = None) -> tuple[int, int]:
    """``(listed, total)``: of the programme's teachers (or ``teacher_ids``), how many listed availability."""
    q = sa.select(Teacher.id, Teacher.availability).where(Teacher.programme_id == programme_id)
    if teacher_ids:
        q = q.where(Teacher.id.in_(list(teacher_ids)))
    rows = s.execute(q).all()
    return sum(1 for _, slots in rows if slots), len(rows)


def default_common_slot(listed: int, total: int) -> tuple[bool, str]:
    """The default and the sentence saying why, from how many of ``total`` listed availability.

    >>> default_common_slot(30, 40)
    (True, 'on by default: 30 of 40 teachers (75%) listed their free times, at least half')
    >>> default_common_slot(0, 0)[0]
    False
    """
    share = listed / total if total else 0.0
    counted = f"{listed} of {total} teachers ({share:.0%}) listed their free times"
    if total and share >= KNOWN_SHARE:
        return True, f"on by default: {counted}, at least half"
    return False, f"off by default: {counted}, fewer than half" if total else "off by default: no teachers"


def resolve_common_slot(s: Session, programme_id: int, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with ``common_slot`` decided (asked for, or the default for the run's
    teachers) and ``common_slot_reason`` saying why."""
    out = dict(params)
    if out.get("common_slot") is None:
        out["common_slot"], out["common_slot_reason"] = default_common_slot(*availability_counts(s, programme_id, out.get("teacher_ids")))
    else:
        out["common_slot"] = bool(out["common_slot"])
        out["common_slot_reason"] = "asked for" if out["common_slot"] else "turned off"
    return out
