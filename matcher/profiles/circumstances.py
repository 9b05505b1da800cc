"""Circumstance challenges: who can meet them by shared experience.

A *skill* challenge (see :mod:`.themes`) is met by a peer whose strengths include the
theme. A *circumstance* challenge is met either that way or by **an experienced peer in
the same circumstance**: someone who is in the situation the holder is in, has years
behind them, and has come through it (they do not list the theme as a challenge of their
own). Per theme:

=============================  ==============================================================
theme                          an experienced peer in the same circumstance
=============================  ==============================================================
``department_of_one_workload``  a department of one with at least :data:`EXPERIENCED_YEARS`
                                years teaching
``professional_isolation``      a department of one with at least :data:`EXPERIENCED_YEARS`
                                years teaching (they have built a network on their own)
``wellbeing_balance``           someone who runs a department (head of music, trust lead or a
                                department of one) with at least :data:`EXPERIENCED_YEARS`
                                years, and who lists neither workload theme as a challenge
``early_career``                a near peer: :data:`NEAR_PEER_YEARS` years teaching (through
                                the first years, and recently)
=============================  ==============================================================

and in every case the peer must not list the theme itself as a challenge. The rule looks
at the helper only, so "who can meet this circumstance" is one bitmask per teacher
(:func:`experience_themes`) and the affinity, the cohort objective and the explanations
read the same definition (:func:`cover_way` at profile level;
:func:`matcher.affinity.arrays.cover_share` on arrays).

Examples
--------
>>> from matcher.profiles.teacher import TeacherProfile
>>> sam = TeacherProfile(id="a", name="Sam", school_urn=1, department_size=1, years_teaching=12)
>>> jo = TeacherProfile(id="b", name="Jo", school_urn=2, department_size=1, years_teaching=2,
...                     challenges=("department_of_one_workload", "singing"))
>>> experience_themes(sam)
('department_of_one_workload', 'professional_isolation', 'wellbeing_balance')
>>> cover_way(sam, jo, "department_of_one_workload"), cover_way(sam, jo, "singing")
('experience', None)
>>> experience_phrase(sam, "department_of_one_workload")
'is a department of one with 12 years of teaching behind them'
"""

from __future__ import annotations

from .teacher import TeacherProfile
from .themes import CIRCUMSTANCE_THEMES

__all__ = ["EXPERIENCED_YEARS", "NEAR_PEER_YEARS", "COVER_WAYS", "experience_themes", "cover_way", "experience_phrase"]

EXPERIENCED_YEARS = 5  # years teaching that count as "years behind them"
NEAR_PEER_YEARS = (3, 10)  # through the early career, and recently (inclusive)
COVER_WAYS = ("strength", "experience")  # how a challenge is met, in order of preference
_LEADS = ("head_of_music", "trust_lead")
_WORKLOAD = ("department_of_one_workload", "wellbeing_balance")


def _in_circumstance(p: TeacherProfile, theme: str) -> bool:
    years = p.years_teaching
    if theme in ("department_of_one_workload", "professional_isolation"):
        return p.department_of_one and years >= EXPERIENCED_YEARS
    if theme == "wellbeing_balance":
        runs_department = p.department_of_one or p.role in _LEADS
        return runs_department and years >= EXPERIENCED_YEARS and not set(_WORKLOAD) & set(p.challenges)
    if theme == "early_career":
        return NEAR_PEER_YEARS[0] <= years <= NEAR_PEER_YEARS[1]
    return False


def experience_themes(p: TeacherProfile) -> tuple[str, ...]:
    """The circumstance themes ``p`` can meet by shared experience (in vocabulary order)."""
    return tuple(t for t in sorted(CIRCUMSTANCE_THEMES) if t not in p.challenges and _in_circumstance(p, t))


def cover_way(helper: TeacherProfile, holder: TeacherProfile, theme: str) -> str | None:
    """How ``helper`` meets ``holder``'s challenge ``theme``: ``"strength"`` (the theme is
    among the helper's strengths), ``"experience"`` (a circumstance the helper shares and has
    come through), or ``None``. A teacher never covers their own challenge."""
    if helper.id == holder.id:
        return None
    if theme in helper.strengths:
        return "strength"
    if theme in experience_themes(helper):
        return "experience"
    return None


def experience_phrase(p: TeacherProfile, theme: str) -> str:
    """What makes ``p`` an experienced peer for ``theme``, as a verb phrase."""
    years = f"{p.years_teaching} year{'s' if p.years_teaching != 1 else ''}"
    if theme in ("department_of_one_workload", "professional_isolation") or (theme == "wellbeing_balance" and p.department_of_one):
        return f"is a department of one with {years} of teaching behind them"
    if theme == "wellbeing_balance":
        return f"has led a department through {years} of teaching"
    if theme == "early_career":
        return f"came through the early years of teaching recently ({years} in)"
    return f"has {years} of teaching behind them"
