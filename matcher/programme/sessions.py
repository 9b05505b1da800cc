"""Training sessions from demand: the challenges no group covered, who could lead a session
on each, where to hold it and when.

The programme runs training days led by its own teachers. :func:`plan_sessions` turns the
profiles (and, when there is one, the published grouping and its check-ins) into proposed
sessions:

- **Demand.** A teacher *wants* a session on each of their challenges that no groupmate
  covers, by a strength or by shared experience: the rule of the cohort pages
  (:func:`matcher.cohorts.coverage.group_coverage`), so the numbers agree with a run's
  "not covered" counts. Without a grouping every challenge counts. A teacher in no group
  has nobody to cover anything, so all their challenges count. With check-ins, a group
  whose members answered at least once and never said they met counts as not meeting:
  its cover did not reach its members, so all their challenges count too. A group with no
  answers yet is taken at its word (its meetings may simply not be due).
- **Leaders.** Teachers with the theme among their strengths, then (for a circumstance
  theme) experienced peers in the same circumstance
  (:func:`matcher.profiles.circumstances.experience_themes`), more years teaching first.
  The profile has no consent to lead or be contacted about sessions, so only teachers who
  consented to share their contact (``consent_share_contact``) are proposed; the others
  are only counted. A theme nobody in the cohort can meet, or only teachers who did not
  consent, is listed apart (:class:`UnledTheme`).
- **Venue.** Among the schools of the teachers who want the session and of its proposed
  leaders, the one with the least total great-circle distance (km) for the teachers who
  want it (ties: the smaller longest trip, then the lower URN); every one of those
  candidates is tried, so the choice is exact over them.
- **Dates.** The next ``n_dates`` school days on ``weekday`` from ``start`` in the venue's
  local authority term dates (half-terms, holidays, bank holidays and INSET days are
  skipped); the typical London dates when the local authority has none, saying so.

Examples
--------
>>> from datetime import date
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> lead = TeacherProfile(id="a", name="Sam", school_urn=100049, years_teaching=12, strengths=("singing",), consent_share_contact=True)
>>> shy = TeacherProfile(id="b", name="Kim", school_urn=100050, strengths=("singing", "send"))
>>> jo = TeacherProfile(id="c", name="Jo", school_urn=100051, challenges=("singing", "send"))
>>> plan = plan_sessions(Cohort.from_profiles([lead, shy, jo]), start=date(2026, 10, 19), weekday="wed", n_dates=2)
>>> s = plan.sessions[0]
>>> s.theme, s.wanting, [x.teacher_id for x in s.leaders], s.withheld
('singing', ('c',), ['a'], 1)
>>> [d.isoformat() for d in s.dates]  # 28 October is half-term
['2026-10-21', '2026-11-04']
>>> [(u.theme, u.reason) for u in plan.unled]
[('send', 'no_consent')]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from ..cohorts.coverage import group_coverage
from ..errors import Issue, ParameterError, ValidationError
from ..places.schools import pairwise_km
from ..profiles.circumstances import experience_phrase, experience_themes
from ..profiles.teacher import Cohort, TeacherProfile
from ..profiles.themes import THEME_IDS, THEMES
from .terms import TermDates, is_school_day, load_term_dates, term_dates_for

__all__ = [
    "SESSION_WEEKDAYS", "SESSION_CSV_COLUMNS", "SessionLeader", "SessionVenue", "ProposedSession", "UnledTheme",
    "SessionPlan", "plan_sessions", "weekday_number", "session_rows",
]

#: Weekdays a training day may fall on (school days only).
SESSION_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
SESSION_CSV_COLUMNS = (
    "rank", "theme", "label", "wanting", "leader_ids", "leaders", "venue_urn", "venue",
    "total_km", "mean_km", "max_km", "within_reach", "dates", "dates_note",
)
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday")
_SEARCH_DAYS = 2 * 366  # look at most two years ahead for dates


@dataclass(frozen=True)
class SessionLeader:
    """A teacher who could lead a session: ``way`` is ``"strength"`` or ``"experience"``,
    ``why`` says it in words. ``contact`` is the e-mail, given only because leaders are
    teachers who consented to share it."""

    teacher_id: str
    name: str
    school_urn: int
    way: str
    years_teaching: int
    why: str
    contact: str = ""


@dataclass(frozen=True)
class SessionVenue:
    """The chosen school and the travel of the ``teachers`` who want the session (km,
    great-circle): total, mean, longest, and how many are within their ``max_travel_km``."""

    school_urn: int
    name: str
    local_authority: str
    total_km: float
    mean_km: float
    max_km: float
    within_reach: int
    teachers: int


@dataclass(frozen=True)
class ProposedSession:
    """One proposed training session: the theme, who wants it, who could lead it, where and when.

    ``withheld`` counts teachers who could lead it but have not consented to share their
    contact (never named); ``dates_note`` says whose term dates were used.
    """

    theme: str
    label: str
    wanting: tuple[str, ...]
    leaders: tuple[SessionLeader, ...]
    withheld: int
    venue: SessionVenue
    dates: tuple[date, ...]
    dates_note: str

    @property
    def count(self) -> int:
        """How many teachers want this session."""
        return len(self.wanting)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (dates as ISO strings)."""
        out = asdict(self)
        out["count"] = self.count
        out["dates"] = [d.isoformat() for d in self.dates]
        return out


@dataclass(frozen=True)
class UnledTheme:
    """A wanted theme with no possible leader: ``reason`` is ``"nobody"`` (nobody in the
    cohort can meet it) or ``"no_consent"`` (only teachers who did not consent could)."""

    theme: str
    label: str
    wanting: tuple[str, ...]
    reason: str

    @property
    def count(self) -> int:
        return len(self.wanting)

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "count": self.count}


@dataclass(frozen=True)
class SessionPlan:
    """Proposed ``sessions`` (most wanted first, at most ``top``), the wanted themes nobody can
    lead (``unled``, most wanted first), and how demand was counted: ``grouped`` (a grouping
    was given), ``not_meeting`` (labels of groups whose check-ins never reported a meeting)."""

    sessions: tuple[ProposedSession, ...]
    unled: tuple[UnledTheme, ...]
    grouped: bool
    not_meeting: tuple[str, ...] = ()
    weekday: str = "wed"
    start: date | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "sessions": [s.to_dict() for s in self.sessions],
            "unled": [u.to_dict() for u in self.unled],
            "grouped": self.grouped,
            "not_meeting": list(self.not_meeting),
            "weekday": self.weekday,
            "start": self.start.isoformat() if self.start else None,
        }


def weekday_number(weekday: str | int) -> int:
    """``"mon"``..``"fri"`` (or ``"monday"``, any case, or 0-4) as 0-4.

    >>> weekday_number("Thursday"), weekday_number(2)
    (3, 2)
    >>> weekday_number("sat")
    Traceback (most recent call last):
    ...
    matcher.errors.ParameterError: weekday must be a school day: one of mon, tue, wed, thu, fri, got 'sat'
    """
    if isinstance(weekday, int) and not isinstance(weekday, bool) and 0 <= weekday < 5:
        return weekday
    if isinstance(weekday, str):
        key = weekday.strip().lower()
        for k, (short, full) in enumerate(zip(SESSION_WEEKDAYS, _FULL_NAMES)):
            if key in (short, full):
                return k
    raise ParameterError("weekday", weekday, f"must be a school day: one of {', '.join(SESSION_WEEKDAYS)}")


def _demand(cohort: Cohort, groups: Mapping[str, Sequence[str]] | None, check_ins: Mapping[str, Iterable[str]] | None) -> tuple[dict[str, list[str]], tuple[str, ...]]:
    """``{theme: ids of teachers who want it}`` and the labels of groups that never met."""
    if groups is None and check_ins:
        raise ParameterError("check_ins", "given", "need the grouping they answer for", summary="check_ins need the grouping they answer for: pass groups too")
    groups = groups or {}  # no grouping: nobody is covered, every challenge counts
    issues = [Issue(None, "groups", f"group {g}: {t}", "not a teacher of the cohort") for g, ids in groups.items() for t in ids if t not in cohort.index]
    seen: Counter[str] = Counter(t for ids in groups.values() for t in ids)
    issues += [Issue(None, "groups", t, "is in more than one group") for t, n in seen.items() if n > 1]
    issues += [Issue(None, "check_ins", str(g), "not a group of the grouping") for g in (check_ins or {}) if g not in groups]
    if issues:
        raise ValidationError(issues)
    answers = {str(g): [str(a) for a in v] for g, v in (check_ins or {}).items()}
    not_meeting = tuple(g for g in groups if answers.get(g) and "yes" not in answers[g])
    covered: dict[str, set[str]] = {}
    for label, ids in groups.items():
        if label in not_meeting:
            continue
        members = [cohort.get(t) for t in ids]
        coverage = group_coverage(members).coverage
        for m in members:
            covered[m.id] = {t for t in m.challenges if any(h != m.id for h in coverage.get(t, ()))}
    wanted: dict[str, list[str]] = {}
    for p in cohort.profiles:
        for t in p.challenges:
            if t not in covered.get(p.id, ()):
                wanted.setdefault(t, []).append(p.id)
    return wanted, not_meeting


def _helpers_by_theme(cohort: Cohort) -> dict[str, list[tuple[TeacherProfile, str]]]:
    """``{theme: [(profile, way)]}``: who meets each theme, by ``"strength"`` or else by
    ``"experience"``; strength first, then more years teaching, then id."""
    out: dict[str, list[tuple[TeacherProfile, str]]] = {}
    for p in cohort.profiles:
        for t in dict.fromkeys((*p.strengths, *experience_themes(p))):
            out.setdefault(t, []).append((p, "strength" if t in p.strengths else "experience"))
    for found in out.values():
        found.sort(key=lambda x: (x[1] != "strength", -x[0].years_teaching, x[0].id))
    return out


def _leader(p: TeacherProfile, way: str, theme: str) -> SessionLeader:
    years = f"{p.years_teaching} year{'s' if p.years_teaching != 1 else ''} teaching"
    label = THEMES[theme].label if theme in THEMES else theme
    why = f"lists {label} among their strengths; {years}" if way == "strength" else experience_phrase(p, theme)
    return SessionLeader(p.id, p.name, p.school_urn, way, p.years_teaching, why, p.email if p.consent_share_contact else "")


def _venue(cohort: Cohort, wanting: Sequence[str], leaders: Sequence[SessionLeader]) -> SessionVenue:
    """The candidate school with the least total km for ``wanting`` (ties: shorter longest trip, lower URN)."""
    people = [cohort.get(t) for t in wanting]
    candidates = sorted({p.school_urn for p in people} | {x.school_urn for x in leaders})
    at = np.array([[cohort.schools[p.school_urn].lat, cohort.schools[p.school_urn].lon] for p in people]).reshape(-1, 2)
    places = np.array([[cohort.schools[u].lat, cohort.schools[u].lon] for u in candidates]).reshape(-1, 2)
    km = pairwise_km(at[:, 0], at[:, 1], places[:, 0], places[:, 1])  # teachers x candidates
    totals, longest = km.sum(axis=0), km.max(axis=0)
    best = min(range(len(candidates)), key=lambda k: (round(float(totals[k]), 9), round(float(longest[k]), 9), candidates[k]))
    school = cohort.schools[candidates[best]]
    reach = np.array([p.max_travel_km for p in people])
    return SessionVenue(
        school_urn=school.urn,
        name=school.name,
        local_authority=school.local_authority,
        total_km=round(float(totals[best]), 2),
        mean_km=round(float(totals[best]) / len(people), 2),
        max_km=round(float(longest[best]), 2),
        within_reach=int(np.sum(km[:, best] <= reach + 1e-9)),
        teachers=len(people),
    )


def _dates(dates: TermDates, start: date, weekday: int, n: int) -> tuple[date, ...]:
    if start > dates.last_day:  # after the known terms (and no date arithmetic near date.max)
        return ()
    day = max(start, dates.first_day)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    out: list[date] = []
    end = min(dates.last_day, start + timedelta(days=_SEARCH_DAYS))
    while day <= end and len(out) < n:
        if is_school_day(day, dates):
            out.append(day)
        day += timedelta(days=7)
    return tuple(out)


def plan_sessions(
    cohort: Cohort,
    groups: Mapping[str, Sequence[str]] | None = None,
    *,
    check_ins: Mapping[str, Iterable[str]] | None = None,
    top: int = 5,
    start: date | None = None,
    term_dates: Mapping[str, TermDates] | None = None,
    weekday: str | int = "wed",
    n_dates: int = 3,
    n_leaders: int = 3,
) -> SessionPlan:
    """Propose training sessions on the challenges the grouping leaves uncovered.

    Parameters
    ----------
    cohort : Cohort
        The programme's teachers.
    groups : mapping of group label -> member ids, optional
        The published grouping (as :func:`matcher.cohorts.group_csv.read_group_csv` reads
        it). Without it every challenge counts (no grouping yet).
    check_ins : mapping of group label -> met answers ("yes", "no", "rescheduled"), optional
        A group with answers and no "yes" counts as not meeting. Needs ``groups``.
    top : int
        How many sessions to propose (most wanted first), 1-100.
    start : date, optional
        The first day dates may fall on (default: today in London).
    term_dates : mapping, optional
        Term dates by local authority (default :func:`load_term_dates`).
    weekday : str or int
        The day of the week of the sessions, ``"mon"``..``"fri"``.
    n_dates, n_leaders : int
        How many dates (1-20) and leaders (1-20) to propose per session.

    Returns
    -------
    SessionPlan

    Raises
    ------
    ParameterError
        For a bad ``top``, ``weekday``, ``n_dates`` or ``n_leaders``, or check-ins without groups.
    ValidationError
        For group members not in ``cohort``, a teacher in two groups, or check-ins of an unknown group.

    Examples
    --------
    >>> from matcher.profiles.teacher import Cohort, TeacherProfile
    >>> a = TeacherProfile(id="a", name="Sam", school_urn=100049, strengths=("singing",), consent_share_contact=True)
    >>> b = TeacherProfile(id="b", name="Jo", school_urn=100050, challenges=("singing",))
    >>> cohort = Cohort.from_profiles([a, b])
    >>> len(plan_sessions(cohort, {"1": ("a", "b")}, start=date(2026, 11, 2)).sessions)  # Sam covers Jo in group 1
    0
    >>> plan = plan_sessions(cohort, {"1": ("a", "b")}, check_ins={"1": ["no", "rescheduled"]}, start=date(2026, 11, 2))
    >>> plan.not_meeting, plan.sessions[0].wanting
    (('1',), ('b',))
    >>> plan_sessions(cohort, top=0)
    Traceback (most recent call last):
    ...
    matcher.errors.ParameterError: top must be a whole number from 1 to 100, got 0
    """
    for name, value, high in (("top", top, 100), ("n_dates", n_dates, 20), ("n_leaders", n_leaders, 20)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            raise ParameterError(name, value, f"must be a whole number from 1 to {high}")
    day_of_week = weekday_number(weekday)
    start = datetime.now(ZoneInfo("Europe/London")).date() if start is None else start
    table = load_term_dates() if term_dates is None else term_dates
    wanted, not_meeting = _demand(cohort, groups, check_ins)
    order = sorted(wanted, key=lambda t: (-len(wanted[t]), THEME_IDS.index(t) if t in THEME_IDS else len(THEME_IDS), t))
    helpers = _helpers_by_theme(cohort)
    sessions: list[ProposedSession] = []
    unled: list[UnledTheme] = []
    for theme in order:
        wanting = tuple(wanted[theme])
        label = THEMES[theme].label if theme in THEMES else theme
        asking = set(wanting)
        possible = [(p, way) for p, way in helpers.get(theme, ()) if p.id not in asking and theme not in p.challenges]
        consenting = [(p, way) for p, way in possible if p.consent_share_contact]
        if not consenting:
            unled.append(UnledTheme(theme, label, wanting, "no_consent" if possible else "nobody"))
            continue
        if len(sessions) == top:
            continue
        leaders = tuple(_leader(p, way, theme) for p, way in consenting[:n_leaders])
        venue = _venue(cohort, wanting, leaders)
        dates = term_dates_for(venue.local_authority, table)
        sessions.append(
            ProposedSession(
                theme=theme,
                label=label,
                wanting=wanting,
                leaders=leaders,
                withheld=len(possible) - len(consenting),
                venue=venue,
                dates=_dates(dates, start, day_of_week, n_dates),
                dates_note=dates.note,
            )
        )
    return SessionPlan(tuple(sessions), tuple(unled), groups is not None, not_meeting, SESSION_WEEKDAYS[day_of_week], start)


def session_rows(plan: SessionPlan) -> list[list[object]]:
    """The plan as table rows (header first, columns :data:`SESSION_CSV_COLUMNS`), one per
    session; write them with :func:`matcher.csvsafe.write_rows` for a formula-safe CSV."""
    rows: list[list[object]] = [list(SESSION_CSV_COLUMNS)]
    for rank, s in enumerate(plan.sessions, start=1):
        v = s.venue
        rows.append([
            rank, s.theme, s.label, s.count, ";".join(x.teacher_id for x in s.leaders), "; ".join(x.name for x in s.leaders),
            v.school_urn, v.name, f"{v.total_km:.1f}", f"{v.mean_km:.1f}", f"{v.max_km:.1f}", v.within_reach,
            ";".join(d.isoformat() for d in s.dates), s.dates_note,
        ])
    return rows
