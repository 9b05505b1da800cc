"""The programme report: before/after change by context, for coordinators and analysts.

Loads the programme's questionnaire answers, each teacher's contexts (department size,
years teaching, the school's FSM %) and the members of each published round, and hands
them to :func:`matcher.programme.outcomes.outcome_report` (paired change per teacher,
t intervals, cells under :data:`~.analyst.K` teachers suppressed).

What each role sees:

- coordinators and analysts: the figures by context and measure, response rates by round,
  and the same as CSV (``summary``): totals only, no teacher is named;
- analysts also: one row per teacher (``teachers`` CSV) under a pseudonym
  (:func:`~.common.pseudonym`), with the context flags generalised until every
  combination is shared by ``K`` teachers (:func:`~.analyst.k_anonymise`).
  Coordinators get a 403 for it: the questionnaire tells teachers that their answers
  appear in the report only in totals.

Computing the report reads every answer of the programme; the result is cached per
process, keyed by what it depends on (the answers' count, newest change and newest id,
the profiles' version, the published runs and the round filter), so a repeat view costs
a few small queries. After a change, only what changed is computed again: each round's
pairs are kept with that round's answers' stamp and a new or edited answer re-pairs only its
teacher (:func:`~matcher.programme.outcome_parts.replace_teachers`; a deletion re-reads the
round), the teachers' contexts are kept per profiles version and the rounds' members per
published runs, and :func:`~matcher.programme.outcome_parts.combined_report` puts them together.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar, cast

import pandas as pd
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup

from matcher.csvsafe import write_rows
from matcher.programme.outcome_parts import RoundPart, combined_report, replace_teachers, round_part
from matcher.programme.outcomes import (
    CONTEXTS,
    MEASURES,
    OutcomeReport,
    answers_frame,
    contexts_frame,
)

from .. import db
from ..auth import Identity
from ..charts import change_intervals_svg
from ..models import CohortRun, QuestionnaireResponse, Round, School, Teacher
from ..problems import Problem
from .analyst import K, SUPPRESSED, k_anonymise
from .cohort_review import grouping_of
from .common import programme_versions, pseudonym

__all__ = ["SCALE_NOTE", "READING_NOTE", "CAUSAL_NOTE", "ProgrammeReport", "report_for", "summary_csv", "teachers_csv", "CONTEXT_LABELS", "MEASURE_LABELS"]

SCALE_NOTE = (
    "Ratings are 1-5. Changes are after minus before, in points (-4 to +4), for the same teachers. "
    "Higher is better for every measure: isolation was asked as agreement with 'I feel professionally isolated' "
    "and is reverse-scored, so a positive change means feeling less isolated."
)
READING_NOTE = (
    "Good looks like a positive change whose interval lies wholly above 0 (an improvement unlikely to be chance alone); "
    "an interval that crosses 0 is consistent with no change. For scale: +0.5 points is as if every second teacher moved one step up the scale."
)
CAUSAL_NOTE = (
    "This is a before/after comparison, not a controlled trial: it shows what changed while teachers took part, "
    "not that taking part caused it. Only teachers who answered both before and after are counted; "
    "if those who did not answer fared differently, the figures are biased."
)
CONTEXT_LABELS = {"all": "All teachers", "department_of_one": "Department of one", "high_fsm": "High-FSM school", "early_career": "Early-career"}
MEASURE_LABELS = {"challenges": "Confidence on own challenges", "isolation": "Not feeling isolated", "connection": "Colleagues to turn to"}
_CACHE_KEY = "peermatch.outcomes_report"
_CACHE_SIZE = 16
_PARTS_KEY = "peermatch.outcomes_report.parts"
_PARTS_SIZE = 64
_FEW = 500  # more teachers' answers changed than this: the round is paired again whole
T = TypeVar("T")


@dataclass(frozen=True)
class ProgrammeReport:
    """The figures and the rounds they cover; the chart is drawn when first asked for."""

    report: OutcomeReport
    rounds: dict[int, str]
    round_id: int | None

    @cached_property
    def chart(self) -> Markup:
        """The forest plot of the summary (only the page needs it: the API never draws it)."""
        return _chart(self.report)

    def to_dict(self) -> dict[str, Any]:
        figures = self.report.to_dict()
        for row in figures["rates"]:
            row["round_id"] = int(row.pop("round"))
            row["round"] = self.rounds.get(row["round_id"], "")
        return {
            "round_id": self.round_id,
            "rounds": [{"id": i, "name": n} for i, n in self.rounds.items()],
            "scale": SCALE_NOTE,
            "reading": READING_NOTE,
            "not_causal": CAUSAL_NOTE,
            "interval": f"{self.report.confidence:.0%} t interval over teachers (mean ± t(n-1) × sd/√n)",
            "k": self.report.k,
            "contexts": dict(CONTEXTS),
            "measures": dict(MEASURES),
            **figures,
        }


def _check(identity: Identity) -> None:
    if not (identity.is_coordinator or identity.is_analyst):
        raise Problem(403, "The programme report is for coordinators and analysts.")


def _published(s: sa.orm.Session, programme_id: int, round_id: int | None) -> list[CohortRun]:
    query = sa.select(CohortRun).where(CohortRun.programme_id == programme_id, CohortRun.published_at.is_not(None), CohortRun.round_id.is_not(None))
    if round_id is not None:
        query = query.where(CohortRun.round_id == round_id)
    # the groupings (``result``) are read only when the members are not kept (:func:`_compute`)
    return list(s.execute(query.order_by(CohortRun.id).options(sa.orm.defer(CohortRun.result))).scalars())


def _signature(s: sa.orm.Session, programme_id: int, round_id: int | None) -> Hashable:
    where = [QuestionnaireResponse.programme_id == programme_id]
    if round_id is not None:
        where.append(QuestionnaireResponse.round_id == round_id)
    answers = tuple(s.execute(sa.select(sa.func.count(), sa.func.max(QuestionnaireResponse.updated_at), sa.func.max(QuestionnaireResponse.id)).where(*where)).one())
    runs = s.execute(
        sa.select(CohortRun.id, CohortRun.version).where(CohortRun.programme_id == programme_id, CohortRun.published_at.is_not(None)).order_by(CohortRun.id)
    ).all()
    rounds = s.execute(sa.select(Round.id, Round.name).where(Round.programme_id == programme_id).order_by(Round.id)).all()
    return (programme_id, round_id, K, answers, programme_versions(s, programme_id)[0], tuple(map(tuple, runs)), tuple(map(tuple, rounds)))


def _contexts(s: sa.orm.Session, programme_id: int) -> pd.DataFrame:
    query = sa.select(Teacher.id, Teacher.department_size, Teacher.years_teaching, School.fsm_percent).join(School, School.urn == Teacher.school_urn)
    return contexts_frame(s.connection().execute(query.where(Teacher.programme_id == programme_id)).all())


def _parts_cache() -> tuple[OrderedDict[Hashable, Any], threading.Lock]:
    return current_app.extensions.setdefault(_PARTS_KEY, (OrderedDict(), threading.Lock()))  # type: ignore[no-any-return]


def _kept(key: Hashable, make: Callable[[], T]) -> T:
    """``make()``, kept (per app) until a different key asks: the report's parts that change
    with their own key, so a new answer in one round recomputes that round only."""
    cache, lock = _parts_cache()
    with lock:
        if key in cache:
            cache.move_to_end(key)
            return cast(T, cache[key])
    value = make()
    with lock:
        cache[key] = value
        while len(cache) > _PARTS_SIZE:
            cache.popitem(last=False)
    return value


def _responses(s: sa.orm.Session, programme_id: int, round_id: int, teachers: list[str] | None = None) -> pd.DataFrame:
    """A round's answers (or only those of ``teachers``) as :func:`~matcher.programme.outcomes.answers_frame`."""
    # The answers as JSON text, parsed in one go: tens of thousands of rows load ten times
    # faster than through the ORM's per-row JSON decoding.
    query = sa.select(QuestionnaireResponse.teacher_id, QuestionnaireResponse.round_id, QuestionnaireResponse.phase, sa.cast(QuestionnaireResponse.answers, sa.Text)).where(
        QuestionnaireResponse.programme_id == programme_id, QuestionnaireResponse.round_id == round_id
    )
    if teachers is not None:
        query = query.where(QuestionnaireResponse.teacher_id.in_(teachers))
    rows = s.connection().execute(query.order_by(QuestionnaireResponse.id)).all()
    parsed = json.loads("[" + ",".join(r[3] for r in rows) + "]")
    return answers_frame((r[0], r[1], r[2], a) for r, a in zip(rows, parsed))


def _round_part(s: sa.orm.Session, url: str, programme_id: int, round_id: int, stamp: tuple[int, Any, int]) -> RoundPart:
    """The round's part of the report, kept with the ``stamp`` of its answers (count, newest
    change, newest id). When the stamp moved, only the teachers whose answers are new or
    changed since are paired again (:func:`~matcher.programme.outcome_parts.replace_teachers`);
    when answers were deleted (the count fell short), the whole round is."""
    key = ("round", url, programme_id, round_id)
    cache, lock = _parts_cache()
    with lock:
        held = cache.get(key)
    if held is not None and held[0] == stamp:
        return cast(RoundPart, held[1])
    part = _changed_part(s, programme_id, round_id, held, stamp) if held is not None else None
    if part is None:
        part = round_part(_responses(s, programme_id, round_id))
    with lock:
        cache[key] = (stamp, part)
        cache.move_to_end(key)
        while len(cache) > _PARTS_SIZE:
            cache.popitem(last=False)
    return part


def _changed_part(s: sa.orm.Session, programme_id: int, round_id: int, held: tuple[tuple[int, Any, int], RoundPart], stamp: tuple[int, Any, int]) -> RoundPart | None:
    (count, last, top), part = held
    if last is None:
        return None
    changed = s.connection().execute(
        sa.select(QuestionnaireResponse.teacher_id, QuestionnaireResponse.id).where(
            QuestionnaireResponse.programme_id == programme_id, QuestionnaireResponse.round_id == round_id,
            sa.or_(QuestionnaireResponse.updated_at > last, QuestionnaireResponse.id > top),
        )
    ).all()
    teachers = sorted({str(t) for t, _ in changed})
    if count + sum(1 for _, i in changed if i > top) != stamp[0] or len(teachers) > _FEW:
        return None  # some were deleted, or so many changed that pairing the round again is as quick
    return replace_teachers(part, teachers, _responses(s, programme_id, round_id, teachers))


def _compute(s: sa.orm.Session, programme_id: int, round_id: int | None) -> ProgrammeReport:
    """The report from parts kept on what each depends on: the teachers' contexts on the
    profiles version, the rounds' members on the published runs, each round's pairs on that
    round's answers (count, newest change, newest id)."""
    url = str(s.get_bind().engine.url)
    rounds = {i: n for i, n in s.execute(sa.select(Round.id, Round.name).where(Round.programme_id == programme_id).order_by(Round.starts, Round.id))}
    where = [QuestionnaireResponse.programme_id == programme_id]
    if round_id is not None:
        where.append(QuestionnaireResponse.round_id == round_id)
    stamps = s.connection().execute(
        sa.select(QuestionnaireResponse.round_id, sa.func.count(), sa.func.max(QuestionnaireResponse.updated_at), sa.func.max(QuestionnaireResponse.id))
        .where(*where).group_by(QuestionnaireResponse.round_id).order_by(QuestionnaireResponse.round_id)
    ).all()
    parts = [_round_part(s, url, programme_id, int(r), (int(n), last, int(top))) for r, n, last, top in stamps]
    profiles_version = programme_versions(s, programme_id)[0]
    contexts = _kept(("contexts", url, programme_id, profiles_version), functools.partial(_contexts, s, programme_id))
    runs = _published(s, programme_id, round_id)
    members = _kept(("members", url, programme_id, round_id, tuple((run.id, run.version) for run in runs)), functools.partial(_members, runs))
    report = combined_report(parts, contexts, members, k=K)
    return ProgrammeReport(report=report, rounds=rounds, round_id=round_id)


def _members(runs: list[CohortRun]) -> pd.DataFrame:
    return pd.DataFrame([(t, run.round_id) for run in runs for t in grouping_of(run).assignment], columns=["teacher_id", "round"])


def _chart(report: OutcomeReport) -> Markup:
    rows = []
    for r in report.summary.to_dict("records"):
        label = f"{CONTEXT_LABELS[r['context']]} · {MEASURE_LABELS[r['measure']]}"
        shown = not r["suppressed"] and r["n"] > 0
        rows.append((label, r["change"] if shown else None, r["ci_low"] if shown else None, r["ci_high"] if shown else None, int(r["n"])))
    return change_intervals_svg(rows, title="Change from before to after, by context", name="outcomes", k=report.k)


def report_for(identity: Identity, round_id: int | None = None) -> ProgrammeReport:
    """The programme's report, all rounds or one (coordinators and analysts).

    Raises
    ------
    Problem
        403 for teachers; 404 for a round of another programme.
    """
    _check(identity)
    s = db.session()
    if round_id is not None:
        rnd = s.get(Round, round_id)
        if rnd is None or rnd.programme_id != identity.programme_id:
            raise Problem(404, f"There is no round {round_id}.")
    key = _signature(s, identity.programme_id, round_id)
    cache, lock = current_app.extensions.setdefault(_CACHE_KEY, (OrderedDict(), threading.Lock()))
    with lock:
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit  # type: ignore[no-any-return]
    result = _compute(s, identity.programme_id, round_id)
    with lock:
        cache[key] = result
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return result


def _fmt(value: Any, digits: int = 3) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else f"{float(value):.{digits}f}"


def summary_csv(identity: Identity, round_id: int | None = None) -> str:
    """The report's figures as CSV (formula-safe): one row per context and measure; ``rounds`` names the round or says "all rounds"."""
    data = report_for(identity, round_id)
    scope = data.rounds.get(round_id, "") if round_id is not None else "all rounds"
    header = ("rounds", "context", "measure", "teachers", "mean_before_1to5", "mean_after_1to5", "mean_change_points", "ci95_low", "ci95_high", "suppressed")
    rows: list[list[Any]] = [list(header)]
    for r in data.report.summary.to_dict("records"):
        rows.append([scope, r["context"], r["measure"], int(r["n"]), _fmt(r["before"]), _fmt(r["after"]), _fmt(r["change"]), _fmt(r["ci_low"]), _fmt(r["ci_high"]), "yes" if r["suppressed"] else "no"])
    return write_rows(rows)


def teachers_csv(identity: Identity, round_id: int | None = None) -> str:
    """One row per teacher who answered before and after, pseudonymised and k-anonymous (analysts only).

    Raises
    ------
    Problem
        403 for anyone but an analyst.
    """
    if not identity.is_analyst:
        raise Problem(403, "Per-teacher rows are for analysts, under pseudonyms; the report shows coordinators totals of 5 or more teachers.")
    data = report_for(identity, round_id)
    s = db.session()
    contexts = _contexts(s, identity.programme_id)
    wide = data.report.teachers.pivot(index="teacher_id", columns="measure", values="change")
    flags = ("department_of_one", "high_fsm", "early_career")
    rows = [
        {
            "pseudonym": pseudonym(str(t)),
            **{f: ("yes" if bool(contexts.at[t, f]) else "no") if t in contexts.index else SUPPRESSED for f in flags},
            **{f"{m}_change": _fmt(wide.at[t, m]) if m in wide.columns else "" for m in MEASURES},
        }
        for t in wide.index
    ]
    safe = k_anonymise(rows, [(f, SUPPRESSED) for f in ("high_fsm", "early_career", "department_of_one")], flags)
    columns = ["pseudonym", *flags, *(f"{m}_change" for m in MEASURES)]
    return write_rows([columns, *([r[c] for c in columns] for r in sorted(safe, key=lambda r: r["pseudonym"]))])
