"""Plain-English reasons for a suggested peer, written from the affinity terms that drove it.

Each affinity term has a sentence writer that states the concrete facts behind the term
(the themes, the distance and free slots, the shared or contrasting school context). The
suggestion shows the sentences of its largest terms first, so the reasons always explain
the score rather than repeat a template.

The phrases for themes, slots and lists come from :mod:`matcher.profiles.phrases`, shared
with the cohort explanations.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..profiles.circumstances import experience_phrase
from ..profiles.teacher import TeacherProfile
from ..places.schools import FSM_HIGH, FSM_LOW, School
from ..profiles.phrases import join_phrases, slot_phrase, theme_phrase

__all__ = ["PairFacts", "write_reasons"]

MAX_REASONS = 5


@dataclass(frozen=True)
class PairFacts:
    """What the reason writers need to know about one (teacher, peer) pair."""

    me: TeacherProfile
    peer: TeacherProfile
    my_school: School
    peer_school: School
    terms: dict[str, float]
    kind: str
    covers: tuple[str, ...]  # my challenges the peer's strengths meet
    offers: tuple[str, ...]  # the peer's challenges my strengths meet
    shared_interests: tuple[str, ...]
    shared_slots: tuple[str, ...]
    distance_km: float
    in_person: bool
    my_isolation: float
    peer_isolation: float
    # circumstance challenges met by shared experience, not a strength (matcher.profiles.circumstances)
    shared_covers: tuple[str, ...] = ()  # mine, met by the peer's experience
    shared_offers: tuple[str, ...] = ()  # the peer's, met by my experience


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("'") else f"{name}'s"


def _first_name(name: str) -> str:
    return name.split()[0] if name.strip() else name


def _covers_sentence(f: PairFacts) -> str:
    plural = len(f.covers) > 1
    return (
        f"{_possessive(_first_name(f.peer.name))} {'strengths' if plural else 'strength'} in {theme_phrase(f.covers)} "
        f"{'meet your challenges' if plural else 'meets your challenge'}."
    )


def _offers_sentence(f: PairFacts, lead: str) -> str:
    plural = len(f.offers) > 1
    return (
        f"{lead} {'strengths' if plural else 'strength'} in {theme_phrase(f.offers)} "
        f"{'meet' if plural else 'meets'} {_possessive(_first_name(f.peer.name))} {'challenges' if plural else 'challenge'}."
    )


def _experience_sentences(f: PairFacts) -> list[str]:
    """Circumstance challenges met by shared experience, saying so (not as a strength)."""
    out = []
    peer = _first_name(f.peer.name)
    if f.shared_covers:
        out.append(
            f"{_possessive(peer)} experience meets your {theme_phrase(f.shared_covers).lower()} challenge: "
            f"{peer} {experience_phrase(f.peer, f.shared_covers[0])}."
        )
    if f.shared_offers:
        out.append(
            f"Your experience meets {_possessive(peer)} {theme_phrase(f.shared_offers).lower()} challenge: "
            "you have been through the same circumstances."
        )
    return out


def _help(f: PairFacts, said: set[str]) -> list[str]:
    """The help between the two, each direction named truthfully: written once, for whichever
    of the help terms (``complementarity``: both ways; ``one_way``: the part that goes one way
    only) comes first, and only when one of them is > 0."""
    if "help" in said:
        return []
    said.add("help")
    out = []
    if f.covers:
        out.append(_covers_sentence(f))
    if f.offers:
        out.append(_offers_sentence(f, "In return, your" if f.covers else "Your"))
    return out + _experience_sentences(f)


def _interests(f: PairFacts, said: set[str]) -> list[str]:
    if not f.shared_interests:
        return []
    return [f"You share an interest in {theme_phrase(f.shared_interests)}."]


def _practicality(f: PairFacts, said: set[str]) -> list[str]:
    parts = []
    if f.in_person:
        parts.append(f"{f.distance_km:.1f} km away, within both your travel limits")
    elif "online" in (f.me.meeting_mode, f.peer.meeting_mode):
        parts.append("you can meet online")
    else:
        parts.append(f"{f.distance_km:.0f} km apart, so online suits you both")
    if f.shared_slots:
        parts.append(f"both free {join_phrases([slot_phrase(s) for s in f.shared_slots[:2]])}")
    text = ", ".join(parts)
    return [text[0].upper() + text[1:] + "."]


def _fsm_band(school: School) -> str | None:
    if school.fsm_percent is None:
        return None
    return "high" if school.fsm_percent >= FSM_HIGH else "low" if school.fsm_percent <= FSM_LOW else "mid"


def _context(f: PairFacts, said: set[str]) -> list[str]:
    me, peer, ms, ps = f.me, f.peer, f.my_school, f.peer_school
    if f.kind == "similar":
        shared = []
        if me.department_of_one and peer.department_of_one and "department_of_one" not in said:
            shared.append("both departments of one")
            said.add("department_of_one")
        band = _fsm_band(ms)
        if band in ("high", "low") and band == _fsm_band(ps):
            shared.append(f"both in {band}-FSM schools ({ms.fsm_percent:.0f}% and {ps.fsm_percent:.0f}% free school meals)")
        if ms.local_authority == ps.local_authority:
            shared.append(f"both in {ms.local_authority}")
        if ms.sector == ps.sector == "independent":
            shared.append("both in independent schools")
        if shared:
            return [f"A similar context for reassurance: {join_phrases(shared)}."]
        return ["A similar school context, for reassurance."]
    first = _first_name(peer.name)
    has = []
    if ms.fsm_percent is not None and ps.fsm_percent is not None and abs(ms.fsm_percent - ps.fsm_percent) >= 15:
        has.append(f"{ps.fsm_percent:.0f}% of pupils on free school meals (yours {ms.fsm_percent:.0f}%)")
    if ms.pupils and ps.pupils and max(ms.pupils, ps.pupils) >= 2 * min(ms.pupils, ps.pupils):
        has.append(f"{ps.pupils:,} pupils (yours {ms.pupils:,})")
    school = ([f"is {ps.sector}"] if ms.sector != ps.sector else []) + ([f"has {join_phrases(has)}"] if has else [])
    contrasts = [f"{_possessive(first)} school {' and '.join(school)}"] if school else []
    if me.department_of_one != peer.department_of_one:
        contrasts.append(f"{first} works in a department of {peer.department_size}" if me.department_of_one else f"{first} is a department of one")
    if contrasts:
        return [f"A different context for new ideas: {'; '.join(contrasts)}."]
    return ["A different school context, for new ideas."]


def _priority(f: PairFacts, said: set[str]) -> list[str]:
    if f.my_isolation < 0.5 and f.peer_isolation < 0.5:
        return []
    me_one, peer_one = f.me.department_of_one, f.peer.department_of_one
    if me_one and peer_one:
        if "department_of_one" in said:
            return ["This match is prioritised: isolated teachers come first."]
        said.add("department_of_one")
        return ["You are both departments of one, so this match is prioritised."]
    if me_one and f.my_isolation >= 0.5:
        return ["Prioritised for you as a department of one."]
    if f.my_isolation >= 0.5:
        return ["Prioritised because you have few music teachers within reach."]
    return [f"Prioritised because {_first_name(f.peer.name)} is {'a department of one' if peer_one else 'isolated'}."]


_WRITERS = {
    "complementarity": _help,
    "one_way": _help,
    "interests": _interests,
    "context": _context,
    "practicality": _practicality,
    "priority": _priority,
}


def write_reasons(facts: PairFacts, limit: int = MAX_REASONS) -> tuple[str, ...]:
    """Sentences for the terms of ``facts``, largest contribution first, at most ``limit``.

    Terms that contributed nothing are not explained (a reason must be a real reason), and a
    term that did is: the sentences about help (who helps whom) appear exactly when the
    ``complementarity`` or ``one_way`` term is > 0, and are never cut by ``limit`` (they
    may be why the peer is on the list); the other sentences are, smallest term first.
    """
    said: set[str] = set()
    written: list[tuple[str, bool]] = []
    for term, value in sorted(facts.terms.items(), key=lambda kv: -kv[1]):
        if value <= 0 or term not in _WRITERS:
            continue
        help_ = _WRITERS[term] is _help
        written += [(sentence, help_) for sentence in _WRITERS[term](facts, said)]
    n_help = sum(h for _, h in written)
    keep_other = max(limit - n_help, 0)
    out = []
    for sentence, help_ in written:
        if help_:
            out.append(sentence)
        elif keep_other > 0:
            out.append(sentence)
            keep_other -= 1
    return tuple(out)
