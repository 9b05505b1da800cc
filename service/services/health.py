"""Programme health for coordinators: do published groups meet, is it useful, who is at risk.

Read from the published runs of the programme's rounds (:func:`.cohort_review.grouping_of`),
their proposed meetings (:func:`.group_meetings.plan_for`) and the members' check-ins,
aggregated in SQL (one ``GROUP BY`` per meeting) and pandas, never row by row over ORM
objects, so 10,000 teachers over three rounds answer in well under half a second.

The rules, in one place (the page and the API show the same text, :data:`RULES`):

- A **meeting** is a proposed meeting whose start has passed, or any meeting a member checked
  in about. It counts as **met** when at least half of the members who answered say "yes"
  (a tie counts as met: someone was there); **not met** when fewer did ("no" and
  "rescheduled" both count against); **no answer** when nobody answered.
- **This half-term** is the stretch of term between two school breaks that contains today
  (or, in a break, the one that just ended), from the term dates of the local authority most
  of the programme's schools are in (typical London dates when it has none); without usable
  term dates, the current round's dates.
- **Usefulness** is the mean of the 1-5 answers (3 is neutral, 4 or more is good), always with
  ``n``, the answers it rests on.
- **At risk**: a department of one (``department_size`` 1: the only music teacher in their
  school), or a member of a current-round group whose last two meetings were both not met
  (reported not met, or nobody answered). Teachers with more reasons come first.
- **Not a good fit**: a check-in of the member in the current round's published run says so,
  and they are still in that group (a repair that moves them clears it). Private to the
  coordinator.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, defer

from matcher.cohorts import Grouping

from ..models import CheckIn, CohortRun, Round, School, Teacher, utcnow
from ..problems import Problem
from . import group_meetings
from .cohort_review import grouping_of
from .health_records import GOOD_USEFUL, RULES, AtRisk, Flag, GroupHealth, Health, RoundHealth, Window, half_term
from .common import programme_versions

__all__ = ["RULES", "GOOD_USEFUL", "Window", "RoundHealth", "GroupHealth", "AtRisk", "Flag", "Health", "programme_health", "half_term"]

_CACHE: OrderedDict[tuple[object, ...], Any] = OrderedDict()
T = TypeVar("T")
_GROUPINGS: OrderedDict[tuple[str, int, int], Grouping] = OrderedDict()
_HEALTH: OrderedDict[tuple[object, ...], Health] = OrderedDict()
_LOCK = threading.Lock()


def _cached(key: tuple[object, ...], make: Callable[[], T]) -> T:
    """Derived frames that only change with their key (profiles version, run version)."""
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return cast(T, hit)
    value = make()
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > 64:
            _CACHE.popitem(last=False)
    return value


def _published(s: Session, programme_id: int, today: date) -> list[tuple[Round, CohortRun]]:
    rows = s.execute(
        sa.select(Round, CohortRun)
        .join(CohortRun, CohortRun.round_id == Round.id)
        .where(Round.programme_id == programme_id, CohortRun.published_at.is_not(None), Round.starts <= today)
        .options(defer(CohortRun.result))  # read only when its grouping is not cached (:func:`_grouping`)
        .order_by(Round.starts, Round.id)
    ).all()
    return [(r, run) for r, run in rows]


def _teachers(s: Session, programme_id: int, profiles_version: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """id, name, department_size, availability, local authority of every teacher, and id -> name
    (cached per profiles version)."""
    key = ("teachers", str(s.get_bind().engine.url), programme_id, profiles_version)

    def load() -> tuple[pd.DataFrame, dict[str, str]]:
        rows = s.connection().execute(
            # availability as JSON text, parsed in one go (not one JSON decode per row)
            sa.select(Teacher.id, Teacher.name, Teacher.department_size, sa.cast(Teacher.availability, sa.Text), School.local_authority)
            .join(School, School.urn == Teacher.school_urn)
            .where(Teacher.programme_id == programme_id)
        ).all()
        columns = list(zip(*rows)) if rows else [(), (), (), (), ()]
        availability = json.loads("[" + ",".join(a if a is not None else "null" for a in columns[3]) + "]")
        frame = pd.DataFrame({"id": columns[0], "name": columns[1], "department_size": columns[2], "availability": availability, "la": columns[4]},
                             columns=["id", "name", "department_size", "availability", "la"])
        return frame.set_index("id", drop=False), dict(zip(map(str, columns[0]), map(str, columns[1])))

    return _cached(key, load)


def _proposed(url: str, run: CohortRun, rnd: Round, grouping: Grouping, teachers: pd.DataFrame, profiles_version: int) -> pd.DataFrame:
    """run_id, group, start (UTC) of every proposed meeting of the run's groups (cached)."""
    key = ("plans", url, run.id, run.version, run.published_at, profiles_version, rnd.starts, rnd.ends, rnd.cadence_weeks)

    def make() -> pd.DataFrame:
        avail = teachers["availability"].to_dict()
        las = teachers["la"].to_dict()
        starts: list[datetime] = []
        numbers: list[int] = []
        for index, members in enumerate(grouping.groups):
            present = [t for t in members if t in avail]
            plan = group_meetings.plan_for([avail[t] for t in present], group_meetings.majority_authority([las[t] for t in present]), rnd, run.published_at)
            for m in plan.meetings:
                starts.append(m.start.astimezone(timezone.utc))
                numbers.append(index + 1)
        return pd.DataFrame({"run_id": run.id, "group": np.array(numbers, dtype=np.int64), "start": pd.to_datetime(starts, utc=True)})

    return _cached(key, make)


def _stamps(s: Session, programme_id: int) -> dict[int, tuple[int, datetime | None]]:
    """Per run: how many check-ins and the latest edit (from the index: what tells a change)."""
    rows = s.execute(
        sa.select(CheckIn.run_id, sa.func.count(), sa.func.max(CheckIn.updated_at)).where(CheckIn.programme_id == programme_id).group_by(CheckIn.run_id)
    ).all()
    return {int(run): (int(n), _aware(last) if last is not None else None) for run, n, last in rows}


def _answers(s: Session, programme_id: int, run_ids: list[int], now: datetime | None, stamps: dict[int, tuple[int, datetime | None]]) -> pd.DataFrame:
    """Per meeting (run, group, start): answers, yes answers, usefulness sum and count.

    Aggregated in SQL per run and kept with that run's stamp (count and latest edit of its
    check-ins, ``stamps``); when the stamp moved, only the groups with new or edited check-ins
    are aggregated again (all of the run when check-ins were deleted). ``now`` (not kept)
    ignores later check-ins."""
    url = str(s.get_bind().engine.url)
    frames = [_query_answers(s, programme_id, run_id, now) if now is not None else _run_answers(s, url, programme_id, run_id, stamps.get(run_id)) for run_id in run_ids]
    return pd.concat(frames, ignore_index=True) if frames else _query_answers(s, programme_id, -1, None)


def _run_answers(s: Session, url: str, programme_id: int, run_id: int, stamp: tuple[int, datetime | None] | None) -> pd.DataFrame:
    key = ("answers", url, programme_id, run_id)
    with _LOCK:
        held = _CACHE.get(key)
    if held is not None and held[0] == stamp:
        return cast(pd.DataFrame, held[1])
    frame = _changed_groups(s, programme_id, run_id, held, stamp) if held is not None else None
    if frame is None:
        frame = _query_answers(s, programme_id, run_id, None)
    with _LOCK:
        _CACHE[key] = (stamp, frame)
        _CACHE.move_to_end(key)
        while len(_CACHE) > 64:
            _CACHE.popitem(last=False)
    return frame


def _changed_groups(
    s: Session, programme_id: int, run_id: int, held: tuple[tuple[int, datetime | None] | None, pd.DataFrame], stamp: tuple[int, datetime | None] | None
) -> pd.DataFrame | None:
    """The held per-meeting frame with the groups whose check-ins changed since aggregated again,
    or ``None`` when that cannot be told (check-ins were deleted, or there was no stamp)."""
    before, frame = held
    if before is None or before[1] is None or stamp is None:
        return None
    last = before[1]
    rows = s.connection().execute(
        sa.select(CheckIn.group_number, sa.func.count(), sa.func.sum(sa.case((CheckIn.created_at > last, 1), else_=0)))
        .where(CheckIn.programme_id == programme_id, CheckIn.run_id == run_id, CheckIn.updated_at > last)
        .group_by(CheckIn.group_number)
    ).all()
    if before[0] + sum(int(new) for _, _, new in rows) != stamp[0]:
        return None  # some were deleted (or created and edited at the same instant): aggregate the run again
    groups = [int(g) for g, _, _ in rows]
    fresh = _query_answers(s, programme_id, run_id, None, groups)
    kept = frame[~frame["group"].isin(groups)]
    return pd.concat([kept, fresh], ignore_index=True) if len(kept) else fresh


def _query_answers(s: Session, programme_id: int, run_id: int, now: datetime | None, groups: list[int] | None = None) -> pd.DataFrame:
    yes = sa.func.sum(sa.case((CheckIn.met == "yes", 1), else_=0))
    query = (
        # the start as the database hands it over (SQLite: text), parsed once for all rows by pandas
        sa.select(CheckIn.run_id, CheckIn.group_number, sa.type_coerce(CheckIn.meeting_start, sa.String), sa.func.count(), yes, sa.func.sum(CheckIn.useful), sa.func.count(CheckIn.useful))
        .where(CheckIn.programme_id == programme_id, CheckIn.run_id == run_id)
        .group_by(CheckIn.run_id, CheckIn.group_number, CheckIn.meeting_start)
    )
    # Core rows (no ORM result processing): tens of thousands of groups' rows per run
    if groups is not None:
        query = query.where(CheckIn.group_number.in_(groups))
    rows = s.connection().execute(query if now is None else query.where(CheckIn.created_at <= now)).all()
    columns = ["run_id", "group", "start", "answered", "yes", "useful_sum", "useful_n"]
    data: dict[str, Any] = dict(zip(columns, zip(*rows))) if rows else {c: () for c in columns}
    frame = pd.DataFrame(data, columns=columns)
    frame["start"] = pd.to_datetime(frame["start"], utc=True, format="ISO8601")
    return frame.astype({"run_id": "int64", "group": "int64", "answered": "int64", "yes": "int64", "useful_sum": "float64", "useful_n": "int64"})


def _meetings(proposed: pd.DataFrame, answers: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Every meeting so far with its status (met, not_met, no_answer)."""
    due = proposed[proposed["start"] <= pd.Timestamp(now)].assign(proposed=1)
    m = due.merge(answers, on=["run_id", "group", "start"], how="outer")
    m = m.fillna({"proposed": 0, "answered": 0, "yes": 0, "useful_sum": 0.0, "useful_n": 0})
    answered, yes = m["answered"].to_numpy(), m["yes"].to_numpy()
    m["status"] = np.where(answered == 0, "no_answer", np.where(2 * yes >= answered, "met", "not_met"))
    return m.sort_values(["run_id", "group", "start"], kind="stable")


def _mean(total: float, n: int) -> float | None:
    return round(total / n, 2) if n else None


def programme_health(s: Session, programme_id: int, *, now: datetime | None = None, round_id: int | None = None) -> Health:
    """The programme's health at ``now`` (default: now); check-ins made after ``now`` are ignored,
    so the digest can compare with a week ago. ``round_id`` picks the round whose groups are
    listed (default: the current round, the one running today or else the latest started).

    The answer is kept (per process) until a check-in, a published run or a profile changes,
    and for at most the hour of ``now``: three cheap queries (versions, published runs, and per
    run the count and latest edit of its check-ins) tell whether anything changed.

    Raises
    ------
    Problem
        404 for a ``round_id`` that is not a started round of the programme with a published run.
    """
    now = now or utcnow()
    profiles_version, _ = programme_versions(s, programme_id)
    published = _published(s, programme_id, now.date())
    stamps = _stamps(s, programme_id)
    runs = tuple((r.id, r.starts, r.ends, r.cadence_weeks, run.id, run.version, stamps.get(run.id)) for r, run in published)
    key = (str(s.get_bind().engine.url), programme_id, profiles_version, runs, round_id, now.replace(minute=0, second=0, microsecond=0))
    # else "now" is earlier than the latest answer (the digest's week ago): later answers are left out
    cacheable = all(last is None or last <= now for _, last in stamps.values())
    with _LOCK:
        hit = _HEALTH.get(key) if cacheable else None
    if hit is not None:
        return hit
    health = _compute(s, programme_id, now, round_id, profiles_version, published, stamps if cacheable else None)
    if cacheable:
        with _LOCK:
            _HEALTH[key] = health
            while len(_HEALTH) > 16:
                _HEALTH.popitem(last=False)
    return health


def _aware(d: datetime) -> datetime:
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def _compute(
    s: Session, programme_id: int, now: datetime, round_id: int | None, profiles_version: int, published: list[tuple[Round, CohortRun]],
    stamps: dict[int, tuple[int, datetime | None]] | None,
) -> Health:
    """The health at ``now``; with ``stamps`` (nothing newer than ``now``), per-run parts are cached."""
    today = now.date()
    teachers, names = _teachers(s, programme_id, profiles_version)
    url = str(s.get_bind().engine.url)
    groupings = {run.id: _grouping(url, run) for _, run in published}
    running = [(r, run) for r, run in published if r.starts <= today <= r.ends]
    chosen = next(((r, run) for r, run in published if r.id == round_id), None) if round_id is not None else None
    if round_id is not None and chosen is None:
        raise Problem(404, f"Round {round_id} is not a started round of your programme with published groups.")
    current = chosen or (running[-1] if running else (published[-1] if published else None))
    la = teachers["la"].mode().iloc[0] if len(teachers) else None
    window = half_term(today, la, current[0] if current else None)
    if current is None:
        return Health(now, window, None, (), (), _at_risk(teachers, names, {}, {}), ())
    proposed = pd.concat([_proposed(url, run, r, groupings[run.id], teachers, profiles_version) for r, run in published], ignore_index=True)
    meetings = _meetings(proposed, _answers(s, programme_id, list(groupings), None if stamps is not None else now, stamps or {}), now)
    rounds = tuple(_round(r, run, groupings[run.id], meetings) for r, run in published)
    rnd, run = current
    groups = _groups(run, rnd, groupings[run.id], meetings, window, proposed)
    members_of = {t: g for g in groups if g.not_met_twice for t in g.members}
    in_group = {t: g.group for g in groups for t in g.members}
    flags = _flags(s, programme_id, run, groupings[run.id], names, None if stamps is not None else now, stamps or {})
    return Health(now, window, next(x for x in rounds if x.round_id == rnd.id), rounds, groups, _at_risk(teachers, names, in_group, members_of, (url, programme_id, profiles_version, run.id, run.version)), flags)


def _grouping(url: str, run: CohortRun) -> Grouping:
    """The run's grouping, parsed once per database and run version (its JSON is loaded only then)."""
    key = (url, run.id, run.version)
    with _LOCK:
        hit = _GROUPINGS.get(key)
    if hit is None:
        hit = grouping_of(run)
        with _LOCK:
            _GROUPINGS[key] = hit
            while len(_GROUPINGS) > 32:
                _GROUPINGS.popitem(last=False)
    return hit


def _round(rnd: Round, run: CohortRun, grouping: Grouping, meetings: pd.DataFrame) -> RoundHealth:
    m = meetings[meetings["run_id"] == run.id]
    counts = m["status"].value_counts()
    n = int(m["useful_n"].sum())
    return RoundHealth(
        round_id=rnd.id, name=rnd.name, starts=rnd.starts, ends=rnd.ends, run_id=run.id, groups=len(grouping.groups),
        members=sum(len(g) for g in grouping.groups), proposed=int(m["proposed"].sum()),
        met=int(counts.get("met", 0)), not_met=int(counts.get("not_met", 0)), no_answer=int(counts.get("no_answer", 0)),
        mean_useful=_mean(float(m["useful_sum"].sum()), n), n_useful=n,
    )


def _groups(run: CohortRun, rnd: Round, grouping: Grouping, meetings: pd.DataFrame, window: Window | None, proposed: pd.DataFrame) -> tuple[GroupHealth, ...]:
    planned = proposed[proposed["run_id"] == run.id]["group"].value_counts().to_dict()
    m = meetings[meetings["run_id"] == run.id].copy()
    if window:  # the UTC day of the start within the window: compared as instants, not per-row dates
        first, after = (pd.Timestamp(d).tz_localize("UTC") for d in (window.starts, window.ends + timedelta(days=1)))
        m["in_window"] = (m["start"] >= first) & (m["start"] < after)
    else:
        m["in_window"] = False
    m["met_in_window"] = m["in_window"] & (m["status"] == "met")
    for status in ("met", "not_met", "no_answer"):
        m[status] = m["status"] == status
    agg = m.groupby("group").agg(
        proposed=("proposed", "sum"), met=("met", "sum"), not_met=("not_met", "sum"), no_answer=("no_answer", "sum"),
        in_window=("in_window", "sum"), met_in_window=("met_in_window", "sum"), useful_sum=("useful_sum", "sum"), useful_n=("useful_n", "sum"),
    )
    tail = m.groupby("group").tail(2)
    last: dict[int, tuple[tuple[datetime, str], ...]] = {}
    for g, start, status in zip(tail["group"].tolist(), tail["start"].dt.to_pydatetime().tolist(), tail["status"].tolist()):
        last[g] = (*last.get(g, ()), (start, status))
    rows = agg.to_dict("index")
    out = []
    for index, members in enumerate(grouping.groups):
        a = rows.get(index + 1, {})
        n = int(a.get("useful_n", 0))
        out.append(GroupHealth(
            run_id=run.id, round_id=rnd.id, group=index + 1, members=members, proposed=int(a.get("proposed", 0)),
            met=int(a.get("met", 0)), not_met=int(a.get("not_met", 0)), no_answer=int(a.get("no_answer", 0)),
            met_this_half_term=int(a.get("met_in_window", 0)), meetings_this_half_term=int(a.get("in_window", 0)),
            mean_useful=_mean(float(a.get("useful_sum", 0.0)), n), n_useful=n, last_two=last.get(index + 1, ()),
            planned=int(planned.get(index + 1, 0)),
        ))
    return tuple(out)


def _day(d: datetime) -> str:
    return f"{d:%d %b}".lstrip("0")


def _at_risk(
    teachers: pd.DataFrame, names: dict[str, str], in_group: dict[str, int], groups: dict[str, GroupHealth], key: tuple[object, ...] | None = None,
) -> tuple[AtRisk, ...]:
    """Departments of one and members of groups not met twice running, most at risk first:
    more reasons, then not meeting, then in no group, then by name.

    The departments of one who are in no group that failed to meet only change with the
    profiles and the current run: with ``key`` (naming those), their entries are kept."""
    words = {"no_answer": "no answer", "not_met": "not met", "met": "met"}
    why = {
        id(g): f"group {g.group} {g.not_met_phrase} (" + "; ".join(f"{_day(d)}: {words[st]}" for d, st in g.last_two) + ")"
        for g in {id(g): g for g in groups.values()}.values()
    }
    alone = _alone(teachers, names, in_group) if key is None else _cached(("alone", *key), lambda: _alone(teachers, names, in_group))
    keyed = []
    for t in groups.keys() & names.keys():
        g = groups[t]
        codes, reasons = ["not_met_twice"], [why[id(g)]]
        if t in alone:
            codes.append("department_of_one")
            reasons.append(alone[t].reasons[0])
        group = in_group.get(t)
        keyed.append(((-len(codes), names[t], t), AtRisk(teacher_id=t, name=names[t], group=group, codes=tuple(codes), reasons=tuple(reasons))))
    keyed.sort(key=lambda pair: pair[0])
    # then the departments of one only (in no group first, then by name: the order of ``alone``)
    return (*(a for _, a in keyed), *(a for t, a in alone.items() if t not in groups))


def _alone(teachers: pd.DataFrame, names: dict[str, str], in_group: dict[str, int]) -> dict[str, AtRisk]:
    """The departments of one, as at risk for that reason alone, in no group first, then by name and id."""
    ids = teachers.index[teachers["department_size"].to_numpy() == 1].tolist()
    order = sorted(ids, key=lambda t: (t in in_group, names[t], t))
    return {
        t: AtRisk(
            teacher_id=t, name=names[t], group=in_group.get(t), codes=("department_of_one",),
            reasons=("department of one: the only music teacher in their school" + ("" if t in in_group else ", and in no group this round"),),
        )
        for t in order
    }


def _flags(
    s: Session, programme_id: int, run: CohortRun, grouping: Grouping, names: dict[str, str], now: datetime | None, stamps: dict[int, tuple[int, datetime | None]]
) -> tuple[Flag, ...]:
    """Members who said "not a good fit" in this run and are still in that group."""

    def load() -> pd.DataFrame:
        query = (
            sa.select(CheckIn.teacher_id, CheckIn.group_number, sa.func.max(CheckIn.updated_at))
            .where(CheckIn.programme_id == programme_id, CheckIn.run_id == run.id, CheckIn.not_a_good_fit.is_(True))
            .group_by(CheckIn.teacher_id, CheckIn.group_number)
        )
        rows = s.execute(query if now is None else query.where(CheckIn.created_at <= now)).all()
        return pd.DataFrame.from_records([(t, int(g), _aware(at)) for t, g, at in rows], columns=["teacher", "group", "at"])

    frame = load() if now is not None else _cached(("flags", str(s.get_bind().engine.url), programme_id, run.id, stamps.get(run.id)), load)
    where = grouping.assignment
    out = [
        Flag(teacher_id=t, name=str(names.get(t, t)), run_id=run.id, group=g, flagged_at=at)
        for t, g, at in zip(frame["teacher"].tolist(), frame["group"].tolist(), frame["at"].tolist())
        if where.get(t) == g - 1 and t in names
    ]
    return tuple(sorted(out, key=lambda f: (f.flagged_at, f.teacher_id), reverse=True))
