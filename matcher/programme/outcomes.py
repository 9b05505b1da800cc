"""Evidence of change: paired before/after questionnaire answers, summarised by context.

Objects in, objects out (pandas frames); the questions and their direction are in
:mod:`.questionnaire`. The steps:

1. :func:`answers_frame` — one row per answer: ``teacher_id, round, phase, key, rating``.
2. :func:`paired_changes` — per teacher, round and question answered both before and
   after: the two *scores* (higher is better; isolation reverse-scored) and their change.
3. :func:`teacher_changes` — per teacher and *measure* (``challenges``: the mean over the
   teacher's own challenge questions; ``isolation``; ``connection``): the change, averaged
   over the rounds they answered. The teacher is the unit of analysis, so a teacher in
   three rounds counts once and the intervals do not pretend to more data than there is.
4. :func:`summarise` — per context (all, department of one, high-FSM school,
   early-career) and measure: ``n`` teachers, mean before, mean after, mean change with a
   t-based confidence interval (default 95 %), and small cells suppressed.
5. :func:`response_rates` — per round, how many members answered before, after, both.

Scale: ratings are 1-5; a change is in points on that scale (-4 to +4), and **a positive
change is better** for every measure. It is a before/after comparison of the same
teachers, not a controlled trial: it shows what changed while teachers took part, not
that taking part caused it, and teachers who did not answer both times are not in it.

Suppression follows the analyst exports' k-anonymity (``k`` = 5 by default): a cell with
fewer than ``k`` teachers shows its ``n`` but no figures, and neither does a context cell whose
complement in "all" is a small non-empty group (otherwise "all" minus the cell would
reveal the few teachers left out).

Examples
--------
Two teachers, one round; Ann's confidence in singing went from 2 to 4 and she feels less
isolated (agreement 4 -> 2, a score of 2 -> 4); Bo answered before only.

>>> answers = answers_frame([
...     ("ann", "R1", "before", {"singing": 2, "isolation": 4}),
...     ("ann", "R1", "after", {"singing": 4, "isolation": 2}),
...     ("bo", "R1", "before", {"send": 3}),
... ])
>>> paired_changes(answers)[["teacher_id", "key", "before", "after", "change"]].to_dict("records")
[{'teacher_id': 'ann', 'key': 'isolation', 'before': 2.0, 'after': 4.0, 'change': 2.0}, {'teacher_id': 'ann', 'key': 'singing', 'before': 2.0, 'after': 4.0, 'change': 2.0}]
>>> contexts = contexts_frame([("ann", 1, 12, 40.0), ("bo", 3, 1, None)])
>>> summarise(teacher_changes(paired_changes(answers)), contexts, k=1).query("context == 'all'")[["measure", "n", "change"]].to_dict("records")
[{'measure': 'challenges', 'n': 1, 'change': 2.0}, {'measure': 'isolation', 'n': 1, 'change': 2.0}, {'measure': 'connection', 'n': 0, 'change': nan}]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import Issue, ParameterError, ValidationError
from ..places.schools import FSM_HIGH
from ..profiles.circumstances import NEAR_PEER_YEARS
from .questionnaire import PHASES, PROGRAMME_THEMES, SCALE, measure_of

__all__ = [
    "K",
    "CONTEXTS",
    "MEASURES",
    "EARLY_CAREER_YEARS",
    "HIGH_FSM_PERCENT",
    "SUMMARY_COLUMNS",
    "OutcomeReport",
    "answers_frame",
    "contexts_frame",
    "paired_changes",
    "teacher_changes",
    "summarise",
    "response_rates",
    "outcome_report",
]

#: Cells with fewer teachers than this show no figures (the analyst exports' k).
K = 5
#: Early-career: fewer years teaching than a near peer has (:data:`matcher.profiles.circumstances.NEAR_PEER_YEARS`).
EARLY_CAREER_YEARS = NEAR_PEER_YEARS[0]
#: A high-FSM school: at least this % of pupils eligible for free school meals (:data:`matcher.places.schools.FSM_HIGH`).
HIGH_FSM_PERCENT = FSM_HIGH
#: The contexts the report compares, with what each means.
CONTEXTS: Mapping[str, str] = {
    "all": "All teachers who answered before and after",
    "department_of_one": "Department of one (the school's only music teacher)",
    "high_fsm": f"High-FSM school ({HIGH_FSM_PERCENT:g}% or more of pupils eligible for free school meals)",
    "early_career": f"Early-career (fewer than {EARLY_CAREER_YEARS} years teaching)",
}
#: What is measured, with which way is better.
MEASURES: Mapping[str, str] = {
    "challenges": "Confidence on their own challenges (1-5; higher is better)",
    "isolation": "Not feeling professionally isolated (1-5, reverse-scored from agreement; higher is better)",
    "connection": "Having music teachers to turn to (1-5 agreement; higher is better)",
}
SUMMARY_COLUMNS = ("context", "measure", "n", "before", "after", "change", "ci_low", "ci_high", "suppressed")
_ANSWER_COLUMNS = ["teacher_id", "round", "phase", "key", "rating"]


def _categorical(values: list[Any]) -> pd.Categorical:
    """``values`` as a categorical with sorted categories (hashing in C, not one dict call per value)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=True)
    return pd.Categorical.from_codes(codes, categories=list(uniques))


def _ratings(ratings: list[Any]) -> np.ndarray:
    """The ratings as floats, NaN for anything that is not a number (text, ``None``, ``True``)."""
    if set(map(type, ratings)) <= {int, float}:
        return np.asarray(ratings, dtype=float)
    return np.array([float(v) if type(v) in (int, float) else np.nan for v in ratings], dtype=float)


def answers_frame(responses: Iterable[tuple[str, Any, str, Mapping[str, Any]]]) -> pd.DataFrame:
    """One row per answer from ``(teacher_id, round, phase, {key: rating})`` responses.

    ``teacher_id``, ``phase`` and ``key`` are categorical columns (tens of thousands of
    questionnaires group and pair in a fraction of the time string columns take).

    Raises
    ------
    ValidationError
        A phase other than before/after, a rating that is not a number 1-5, or the same
        teacher, round and phase twice (every problem at once).
    """
    teachers: list[Any] = []
    rounds: list[Any] = []
    phases: list[int] = []
    keys: list[Any] = []
    ratings: list[Any] = []
    owners: list[int] = []  # the response (1-based) each answer came from
    issues: list[Issue] = []
    seen: set[tuple[str, Any, str]] = set()
    for n, (teacher, rnd, phase, answers) in enumerate(responses, start=1):
        if phase not in PHASES:
            issues.append(Issue(n, "phase", str(phase), "must be 'before' or 'after'"))
        if (teacher, rnd, phase) in seen:
            issues.append(Issue(n, "teacher_id", str(teacher), f"answered {phase} round {rnd} twice"))
        seen.add((teacher, rnd, phase))
        count = len(answers)
        teachers.extend([teacher] * count)
        rounds.extend([rnd] * count)
        phases.extend([PHASES.index(phase) if phase in PHASES else 0] * count)
        keys.extend(answers)
        ratings.extend(answers.values())
        owners.extend([n] * count)
    numbers = _ratings(ratings)
    bad = np.isnan(numbers) | (numbers < SCALE[0]) | (numbers > SCALE[1])
    if bad.any():
        for i in np.flatnonzero(bad)[:50]:
            issues.append(Issue(owners[i], f"answers.{keys[i]}", str(ratings[i]), f"must be a number {SCALE[0]}-{SCALE[1]}"))
    if issues:
        raise ValidationError(issues)
    return pd.DataFrame(
        {
            "teacher_id": _categorical(teachers),
            "round": rounds,
            "phase": pd.Categorical.from_codes(np.asarray(phases, dtype=np.int64), categories=list(PHASES)),
            "key": _categorical(keys),
            "rating": numbers,
        },
        columns=_ANSWER_COLUMNS,
    )


def contexts_frame(teachers: Iterable[tuple[str, int, int, float | None]]) -> pd.DataFrame:
    """Each teacher's contexts from ``(teacher_id, department_size, years_teaching, school FSM %)``.

    A school without an FSM figure is not high-FSM (unknown is not counted as high).

    >>> contexts_frame([("a", 1, 2, 40.0), ("b", 4, 9, None)]).to_dict("index")
    {'a': {'department_of_one': True, 'high_fsm': True, 'early_career': True}, 'b': {'department_of_one': False, 'high_fsm': False, 'early_career': False}}
    """
    rows = list(teachers)
    ids = [r[0] for r in rows]
    return pd.DataFrame(
        {
            "department_of_one": [r[1] <= 1 for r in rows],
            "high_fsm": [r[3] is not None and r[3] >= HIGH_FSM_PERCENT for r in rows],
            "early_career": [r[2] < EARLY_CAREER_YEARS for r in rows],
        },
        index=pd.Index(ids, name="teacher_id"),
        dtype=bool,
    )


def _scores(answers: pd.DataFrame) -> pd.Series:
    reversed_keys = [k for k, q in PROGRAMME_THEMES.items() if not q.higher_is_better]
    flip = answers["key"].isin(reversed_keys)
    low, high = SCALE
    return answers["rating"].where(~flip, low + high - answers["rating"])


def paired_changes(answers: pd.DataFrame) -> pd.DataFrame:
    """Per teacher, round and question answered both before and after: scores and change.

    Scores are oriented so that higher is better (:func:`.questionnaire.oriented`);
    ``change`` is ``after - before`` in points. Questions answered in one phase only are
    left out (they have nothing to compare with).
    """
    keys = ["teacher_id", "round", "key"]
    group = answers.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    score = _scores(answers).to_numpy(dtype=float)
    is_before = (answers["phase"] == "before").to_numpy()
    size = int(group.max()) + 1 if len(group) else 0
    before, after = np.full(size, np.nan), np.full(size, np.nan)
    before[group[is_before]] = score[is_before]
    after[group[~is_before]] = score[~is_before]
    _, first = np.unique(group, return_index=True)
    both = ~np.isnan(before) & ~np.isnan(after)
    paired = answers.iloc[first[both]][keys].reset_index(drop=True)
    for column in ("teacher_id", "key"):
        if isinstance(paired[column].dtype, pd.CategoricalDtype):  # drop the categories of unpaired answers
            paired[column] = paired[column].cat.remove_unused_categories()
    paired["measure"] = paired["key"].map(measure_of)
    paired["before"], paired["after"] = before[both], after[both]
    paired["change"] = paired["after"] - paired["before"]
    return paired.sort_values(keys, kind="stable").reset_index(drop=True)


def teacher_changes(paired: pd.DataFrame) -> pd.DataFrame:
    """Per teacher and measure: mean before, after and change over their questions and rounds.

    Within a round a teacher's challenge questions are averaged first (one number per
    round), then rounds are averaged, so every teacher counts once per measure.

    >>> p = paired_changes(answers_frame([
    ...     ("a", 1, "before", {"send": 1, "singing": 3}), ("a", 1, "after", {"send": 2, "singing": 5}),
    ...     ("a", 2, "before", {"send": 2}), ("a", 2, "after", {"send": 2}),
    ... ]))
    >>> teacher_changes(p).to_dict("records")
    [{'teacher_id': 'a', 'measure': 'challenges', 'before': 2.0, 'after': 2.75, 'change': 0.75, 'rounds': 2}]
    """
    cols = ["before", "after", "change"]
    per_round = paired.groupby(["teacher_id", "measure", "round"], sort=False, observed=True)[cols].mean()
    grouped = per_round.groupby(level=["teacher_id", "measure"], sort=True, observed=True)
    out = grouped[cols].mean()
    out["rounds"] = grouped.size()
    return out.reset_index()


def summarise(changes: pd.DataFrame, contexts: pd.DataFrame, *, k: int = K, confidence: float = 0.95) -> pd.DataFrame:
    """Mean change with a t-based confidence interval per context and measure, small cells suppressed.

    Parameters
    ----------
    changes
        From :func:`teacher_changes`.
    contexts
        From :func:`contexts_frame`, indexed by teacher id; a teacher missing from it
        counts in "all" only.
    k
        Cells with fewer teachers show no figures (``suppressed``), and so does a context
        cell whose complement (all minus the cell) is a group of 1 to ``k - 1`` teachers.
    confidence
        Of the interval: mean ± t(n-1) × sd / √n over the teachers' changes.

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`, one row per context of :data:`CONTEXTS` and measure of
        :data:`MEASURES`; ``n`` (teachers in the cell) is always given, the figures are
        NaN for an empty or suppressed cell.

    Raises
    ------
    ParameterError
        ``k`` below 1 or ``confidence`` outside (0, 1).

    Examples
    --------
    Five teachers whose changes are 0, 1, 1, 2 and 1 points: mean 1, sd √0.5,
    t(4, 0.975) = 2.776, so the interval is 1 ± 0.878.

    >>> ch = pd.DataFrame({"teacher_id": list("abcde"), "measure": "challenges", "before": 2.0,
    ...                    "after": [2.0, 3.0, 3.0, 4.0, 3.0], "change": [0.0, 1.0, 1.0, 2.0, 1.0]})
    >>> cx = contexts_frame([(t, 1 if t < "c" else 2, 10, None) for t in "abcde"])
    >>> s = summarise(ch, cx)
    >>> s.query("context == 'all' and measure == 'challenges'")[["n", "change", "ci_low", "ci_high"]].round(3).to_dict("records")
    [{'n': 5, 'change': 1.0, 'ci_low': 0.122, 'ci_high': 1.878}]
    >>> s.query("context == 'department_of_one' and measure == 'challenges'")[["n", "suppressed"]].to_dict("records")
    [{'n': 2, 'suppressed': True}]
    """
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ParameterError("k", k, "must be a whole number >= 1")
    if not 0 < confidence < 1:
        raise ParameterError("confidence", confidence, "must be between 0 and 1")
    flags = contexts.reindex(changes["teacher_id"]).fillna(False).astype(bool).to_numpy()
    names = list(contexts.columns)
    rows: list[dict[str, Any]] = []
    measures = changes["measure"].to_numpy()
    totals = {m: int((measures == m).sum()) for m in MEASURES}
    for context in CONTEXTS:
        if context == "all":
            mask = np.ones(len(changes), dtype=bool)
        else:
            mask = flags[:, names.index(context)] if context in names else np.zeros(len(changes), dtype=bool)
        for measure in MEASURES:
            cell = changes.loc[mask & (measures == measure)]
            n = len(cell)
            rest = totals[measure] - n
            hidden = 0 < n < k or (context != "all" and 0 < rest < k)
            row: dict[str, Any] = {"context": context, "measure": measure, "n": n, "suppressed": hidden}
            if hidden or n == 0:
                row.update(before=np.nan, after=np.nan, change=np.nan, ci_low=np.nan, ci_high=np.nan)
            else:
                mean = float(cell["change"].mean())
                half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * cell["change"].std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
                row.update(before=float(cell["before"].mean()), after=float(cell["after"].mean()), change=mean, ci_low=mean - half, ci_high=mean + half)
            rows.append(row)
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def response_rates(members: pd.DataFrame, answers: pd.DataFrame) -> pd.DataFrame:
    """Per round: members, how many answered before, after and both, and those as shares.

    ``members`` has ``teacher_id, round`` (who was in the round's published groups);
    answers from teachers who were not members are not counted.

    >>> m = pd.DataFrame({"teacher_id": ["a", "b", "c", "d"], "round": "R1"})
    >>> a = answers_frame([("a", "R1", "before", {"send": 3}), ("a", "R1", "after", {"send": 4}), ("b", "R1", "before", {"send": 2})])
    >>> response_rates(m, a)[["round", "members", "before", "after", "both", "both_rate"]].to_dict("records")
    [{'round': 'R1', 'members': 4, 'before': 2, 'after': 1, 'both': 1, 'both_rate': 0.25}]
    """
    seen = answers[["teacher_id", "round", "phase"]].drop_duplicates()
    flags = members[["teacher_id", "round"]].drop_duplicates().reset_index(drop=True)
    # each (teacher, round) as one integer, so membership is a sorted search, not a Python set
    n = len(flags)
    teacher_codes, _ = pd.factorize(np.concatenate([flags["teacher_id"].to_numpy(dtype=object), seen["teacher_id"].to_numpy(dtype=object)]))
    round_codes, round_values = pd.factorize(np.concatenate([flags["round"].to_numpy(dtype=object), seen["round"].to_numpy(dtype=object)]))
    pair = teacher_codes.astype(np.int64) * max(1, len(round_values)) + round_codes
    for phase in PHASES:
        mask = (seen["phase"] == phase).to_numpy()
        flags[phase] = np.isin(pair[:n], pair[n:][mask])
    flags["both"] = flags["before"] & flags["after"]
    out = flags.groupby("round", sort=True).agg(members=("teacher_id", "size"), before=("before", "sum"), after=("after", "sum"), both=("both", "sum")).reset_index()
    for col in ("before", "after", "both"):
        out[col] = out[col].astype(int)
        out[f"{col}_rate"] = out[col] / out["members"]
    return out


@dataclass(frozen=True)
class OutcomeReport:
    """The report's figures: the summary by context and measure, and response rates by round.

    ``teachers`` is the per-teacher table behind the summary (:func:`teacher_changes`).
    """

    summary: pd.DataFrame
    rates: pd.DataFrame
    teachers: pd.DataFrame
    k: int
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures (NaN becomes ``None``); the per-teacher table is left out."""
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{key: (None if isinstance(v, float) and np.isnan(v) else v) for key, v in r.items()} for r in frame.to_dict("records")]

        return {"summary": records(self.summary), "rates": records(self.rates), "k": self.k, "confidence": self.confidence}


def outcome_report(answers: pd.DataFrame, contexts: pd.DataFrame, members: pd.DataFrame, *, k: int = K, confidence: float = 0.95) -> OutcomeReport:
    """The whole report from answers (:func:`answers_frame`), contexts and round members.

    >>> a = answers_frame([("a", "R1", "before", {"send": 3}), ("a", "R1", "after", {"send": 4})])
    >>> r = outcome_report(a, contexts_frame([("a", 1, 5, None)]), pd.DataFrame({"teacher_id": ["a"], "round": ["R1"]}), k=1)
    >>> r.to_dict()["summary"][0]["change"], r.to_dict()["rates"][0]["both_rate"]
    (1.0, 1.0)
    """
    teachers = teacher_changes(paired_changes(answers))
    return OutcomeReport(summary=summarise(teachers, contexts, k=k, confidence=confidence), rates=response_rates(members, answers), teachers=teachers, k=k, confidence=confidence)
