"""Practice examples recommended to one teacher (``matcher.practice``), with access checks."""

from __future__ import annotations

import sqlalchemy as sa

from matcher.practice.catalogue import load_catalogue
from matcher.practice.recommend import Recommendation, recommend_for_teacher
from matcher.places.schools import load_schools

from .. import db
from ..auth import Identity
from ..models import Suggestion
from .common import programme_versions
from .teachers import get_teacher_for, profile_of, programme_cohort

__all__ = ["recommendations_for"]


def recommendations_for(identity: Identity, teacher_id: str, k: int = 5) -> list[Recommendation]:
    """The ``k`` practice examples most useful to a teacher (their own, or a coordinator's teacher).

    Examples written by the teacher's current suggested peers are boosted and say so.
    """
    t = get_teacher_for(identity, teacher_id)
    s = db.session()
    profiles_version, _ = programme_versions(s, t.programme_id)
    peers = list(
        s.execute(
            sa.select(Suggestion.peer_id).where(Suggestion.programme_id == t.programme_id, Suggestion.teacher_id == t.id, Suggestion.profiles_version == profiles_version).order_by(Suggestion.rank)
        ).scalars()
    )
    cohort = programme_cohort(s, t.programme_id, profiles_version)
    return recommend_for_teacher(profile_of(t), k, catalogue=load_catalogue(), suggested_peers=peers, cohort=cohort, schools=load_schools())
