"""Plain-English reasons for practice recommendations, built from the terms that scored them.

Every sentence comes from something that actually raised the score (a challenge met, an
interest, the school context, words the teacher wrote, a peer who wrote the example),
plus a note when an example was written for key stages the teacher does not list.

Examples
--------
>>> labels(["singing", "send"])
'Singing and vocal work and SEND'
>>> names_list(["Ann", "Bo", "Cy"])
'Ann, Bo and Cy'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from .catalogue import Catalogue, PracticeExample
from .contexts import ANY_CONTEXT_FIT, CONTEXT_CONFLICTS, LARGE_DEPARTMENT_SIZE, context_conflicts
from .text import shared_words
from ..profiles.teacher import TeacherProfile
from ..profiles.themes import THEMES

__all__ = ["CONTEXT_PHRASES", "REASON_TEXT_MIN", "labels", "names_list", "first_names", "teacher_reasons", "group_reasons"]

# Free-text term (cosine / 0.2) from which the shared words are worth showing: cosine 0.12.
REASON_TEXT_MIN = 0.6

#: How each school context reads inside a sentence ("Fits your context: a department of one").
#: Each phrase says exactly what the context means (see :data:`~matcher.practice.contexts.CONTEXTS`).
CONTEXT_PHRASES: Mapping[str, str] = MappingProxyType(
    {
        "department_of_one": "a department of one",
        "large_department": f"a department of {LARGE_DEPARTMENT_SIZE} or more music teachers",
        "new_to_teaching": "early career",
        "non_specialist": "teaching music as a non-specialist",
        "high_fsm": "a school with many pupils on free school meals",
        "high_eal": "a school where many pupils are learning English",
        "small_school": "a small school",
        "all_through": "an all-through school",
        "independent": "an independent school",
        "single_sex": "a single-sex school",
        "boys_school": "a boys' school",
        "girls_school": "a girls' school",
    }
)


def labels(theme_ids: Iterable[str]) -> str:
    """Theme labels joined as an English list."""
    return names_list([THEMES[t].label for t in theme_ids])


def names_list(names: Sequence[str]) -> str:
    """``["Ann", "Bo", "Cy"]`` -> ``"Ann, Bo and Cy"``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def first_names(profiles: Sequence[TeacherProfile]) -> dict[str, str]:
    """First names, or full names where two people share a first name."""
    first = {p.id: (p.name.split() or [p.id])[0] for p in profiles}
    clashes = {n for n in first.values() if list(first.values()).count(n) > 1}
    return {p.id: (p.name if first[p.id] in clashes else first[p.id]) for p in profiles}


def teacher_reasons(
    profile: TeacherProfile,
    e: PracticeExample,
    terms: Mapping[str, float],
    contexts: frozenset[str],
    peers: Mapping[str, str],
    catalogue: Catalogue,
    column: int,
) -> list[str]:
    """Reasons for recommending ``e`` to ``profile``: peer author, challenges, interests,
    context (the contexts the teacher shares with the example, only when they raised the
    context term), shared words (when the free-text term is at least :data:`REASON_TEXT_MIN`),
    a note when the example is for key stages the teacher does not list, and a note when it
    was written for a setting the teacher is not in (a boys' school example for a girls' school).

    ``peers`` maps suggested peers' ids to first names; ``column`` is the example's
    position in ``catalogue`` (for the shared words).
    """
    reasons = []
    if terms["peer_author"] > 0 and e.author_teacher_id is not None:
        reasons.append(f"{peers[e.author_teacher_id]}, one of your suggested peers, wrote this: ask them how it went.")
    challenges = [t for t in dict.fromkeys(profile.challenges) if t in e.themes]
    if challenges:
        what = "your challenge in" if len(challenges) == 1 else f"{len(challenges)} of your challenges:"
        reasons.append(f"Tackles {what} {labels(challenges)}.")
    interests = [t for t in dict.fromkeys(profile.interests) if t in e.themes and t not in challenges]
    if interests:
        reasons.append(f"Matches your interest in {labels(interests)}.")
    fits = [c for c in e.contexts if c in contexts]
    if fits and terms["context"] > ANY_CONTEXT_FIT:  # only what raised the score is a fit
        reasons.append(f"Fits your context: {names_list([CONTEXT_PHRASES[c] for c in fits])}.")
    if terms["text"] >= REASON_TEXT_MIN:
        words = shared_words(profile.about, catalogue, column)
        if words:
            reasons.append(f"Close to what you wrote about your practice ({', '.join(repr(w) for w in words)}).")
    if not reasons:
        reasons.append("None of your themes matched closely; it is here as a broadly useful example.")
    if terms["key_stages"] == 0:
        reasons.append(f"Note: written for {names_list(e.key_stages)}, which you do not list.")
    against = context_conflicts(e, contexts)
    if against:
        yours = [CONTEXT_PHRASES[c] for c in contexts if c in {CONTEXT_CONFLICTS[a] for a in against}]
        reasons.append(f"Note: written for {names_list([CONTEXT_PHRASES[c] for c in against])}, not {names_list(sorted(yours))} like yours.")
    return reasons


def group_reasons(
    members: Sequence[TeacherProfile],
    names: Mapping[str, str],
    e: PracticeExample,
    helpers: Mapping[str, tuple[str, ...]],
    terms: Mapping[str, float],
) -> list[str]:
    """Reasons for recommending ``e`` to a group: a member who wrote it, the challenges it
    covers and whose they are (most shared first), the members who list its themes as
    strengths (``helpers``), shared interests, and which members' key stages it fits.

    ``names`` maps member ids to the names to show (see :func:`first_names`).
    """
    reasons = []
    if terms["peer_author"] > 0 and e.author_teacher_id is not None:
        reasons.append(f"{names[e.author_teacher_id]}, a member of this group, wrote this: a ready-made first session.")
    covered = sorted(
        ((t, [p.id for p in members if t in p.challenges]) for t in e.themes),
        key=lambda item: -len(item[1]),
    )
    for theme, who in covered:
        if who:
            whose = "everyone in the group" if len(who) == len(members) > 1 else names_list([names[i] for i in who])
            reasons.append(f"Covers {THEMES[theme].label}, a challenge for {whose}.")
    for p in members:
        mine = [t for t, who in helpers.items() if p.id in who]
        if mine:
            what = "a strength" if len(mine) == 1 else "strengths"
            reasons.append(f"{names[p.id]} lists {labels(mine)} as {what} and could lead this one.")
    interested = [t for t in e.themes if any(t in p.interests for p in members) and not any(t in p.challenges for p in members)]
    if interested:
        reasons.append(f"Matches the group's interest in {labels(interested)}.")
    if not reasons:
        reasons.append("No member's themes matched closely; it is here as a broadly useful example.")
    teach = [names[p.id] for p in members if set(p.key_stages) & set(e.key_stages)]
    if terms["key_stages"] == 0:
        reasons.append(f"Note: written for {names_list(e.key_stages)}, which no member lists.")
    elif len(teach) < len(members):
        reasons.append(f"Written for {names_list(e.key_stages)}: closest to {names_list(teach)}'s classes.")
    return reasons
