"""The records of programme health (what :mod:`.health` computes and the page, API and digest
show), its rules in words, and the "this half-term" window. See :mod:`.health` for the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from matcher.errors import MatcherError
from matcher.programme import term_dates_for

from ..models import Round
from . import group_meetings

__all__ = ["RULES", "GOOD_USEFUL", "Window", "RoundHealth", "GroupHealth", "AtRisk", "Flag", "Health", "half_term"]

RULES = {
    "met": "A meeting counts as met when at least half of the members who answered say they met; not met when fewer did; no answer when nobody answered.",
    "useful": "Usefulness is the mean answer on a 1-5 scale (3 = neutral, 4 or more = good), with n, the number of answers.",
    "at_risk": "At risk: a department of one, or a member of a group whose last two meetings were both not met (or had no answer).",
    "flags": "Not a good fit: a member said so in a check-in of this round; only you see it.",
}
GOOD_USEFUL = 4.0  # what good looks like on the 1-5 scale

@dataclass(frozen=True)
class Window:
    """The "this half-term" window (inclusive) and whose dates it comes from."""

    starts: date
    ends: date
    source: str

    @property
    def label(self) -> str:
        return f"{self.starts:%d %b} to {self.ends:%d %b %Y} ({self.source})"


@dataclass(frozen=True)
class RoundHealth:
    """One round's published groups, summed: meetings by status and mean usefulness with ``n``."""

    round_id: int
    name: str
    starts: date
    ends: date
    run_id: int
    groups: int
    members: int
    proposed: int
    met: int
    not_met: int
    no_answer: int
    mean_useful: float | None
    n_useful: int


@dataclass(frozen=True)
class GroupHealth:
    """One published group: meetings so far by status, this half-term, usefulness, the last two."""

    run_id: int
    round_id: int
    group: int
    members: tuple[str, ...]
    proposed: int
    met: int
    not_met: int
    no_answer: int
    met_this_half_term: int
    meetings_this_half_term: int
    mean_useful: float | None
    n_useful: int
    last_two: tuple[tuple[datetime, str], ...]
    planned: int = 0  # proposed meetings over the whole round, future ones too (0: no shared free slot)

    @property
    def not_met_twice(self) -> bool:
        return len(self.last_two) == 2 and all(status != "met" for _, status in self.last_two)

    @property
    def not_met_phrase(self) -> str:
        """What the last two meetings say: "did not meet" only when members said so both times;
        a meeting nobody answered about is only "no meeting reported"."""
        verb = "did not meet" if all(status == "not_met" for _, status in self.last_two) else "has no meeting reported"
        return f"{verb} at its last two meetings"

    @property
    def half_term_status(self) -> str:
        """``met``, ``not_met`` (meetings were due, none met), ``none_due`` (none due yet) or
        ``no_dates`` (no meeting proposed in the whole round: the members share no free slot; and none
        reported this half-term with "We met at another time")."""
        if self.met_this_half_term:
            return "met"
        if self.meetings_this_half_term:
            return "not_met"
        return "none_due" if self.planned else "no_dates"


@dataclass(frozen=True)
class AtRisk:
    """A teacher at risk of dropping out, with the reasons (codes and sentences)."""

    teacher_id: str
    name: str
    group: int | None
    codes: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Flag:
    """A "not a good fit" flag on a current-round group (private to the coordinator)."""

    teacher_id: str
    name: str
    run_id: int
    group: int
    flagged_at: datetime


@dataclass(frozen=True)
class Health:
    """Everything the health page, the API and the digest show."""

    now: datetime
    window: Window | None
    current: RoundHealth | None
    rounds: tuple[RoundHealth, ...]
    groups: tuple[GroupHealth, ...]
    at_risk: tuple[AtRisk, ...]
    flags: tuple[Flag, ...]


def half_term(today: date, local_authority: str | None, rnd: Round | None) -> Window | None:
    """The half-term containing ``today`` (or the one that just ended, in a break)."""
    try:
        dates = term_dates_for(local_authority, group_meetings.term_dates_table())
    except MatcherError:
        dates = None
    if dates is not None and dates.covers(today):
        breaks = dates.breaks
        inside = next((b for b in breaks if b.starts <= today <= b.ends), None)
        end_day = inside.starts - timedelta(days=1) if inside else min((b.starts - timedelta(days=1) for b in breaks if b.starts > today), default=dates.last_day)
        start_day = max((b.ends + timedelta(days=1) for b in breaks if b.ends < end_day), default=dates.first_day)
        return Window(start_day, end_day, f"{dates.local_authority} term dates" if not dates.typical else "typical London term dates")
    if rnd is not None:
        return Window(rnd.starts, rnd.ends, f"the dates of round {rnd.name!r}: no term dates cover today")
    return None
