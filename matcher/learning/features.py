"""Check-in answers as a learning problem: one row per answer, the affinity terms as features.

A check-in is one member's answer about one meeting of their group: did the group meet,
and how useful was it (1-5). Its features are the member's mean, over their groupmates,
of the pair's raw affinity terms (:data:`FEATURES`), each multiplied by the pair's boost
for isolated teachers under the current weights, so that ``features @ effective_weights``
is the member's affinity score (their mean affinity to the groupmates, see
:data:`matcher.cohorts.results.SCALE`) up to its scale. The boost (``priority``) is a
fairness policy: it is carried as it is, never learned.

Examples
--------
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> cohort = Cohort.from_profiles([
...     TeacherProfile(id="a", name="Sam", school_urn=100049, challenges=("singing",), strengths=("composition",)),
...     TeacherProfile(id="b", name="Priya", school_urn=100050, challenges=("composition",), strengths=("singing",)),
...     TeacherProfile(id="c", name="Jo", school_urn=100051, challenges=("composition",), strengths=("send",)),
... ])
>>> answers = [CheckInOutcome("a", ("a", "b", "c"), met=True, useful=4),
...            CheckInOutcome("b", ("a", "b", "c"), met=True, useful=None)]   # no rating: not a 0
>>> table = answer_table(cohort, answers)
>>> table.X.shape, table.y.tolist(), table.skipped
((1, 5), [4.0], 1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..affinity.arrays import teacher_arrays
from ..affinity.terms import AffinityWeights, score_pairs
from ..errors import Issue, ValidationError
from ..profiles.teacher import Cohort

__all__ = ["CheckInOutcome", "AnswerTable", "FEATURES", "answer_table", "effective_weights", "weights_from_effective"]

#: The learnable terms, in feature order. ``one_way`` is help that goes one way only.
FEATURES = ("complementarity", "one_way", "interests", "context", "practicality")
# Weights under which score_pairs' terms are the raw terms times these factors.
_UNIT = AffinityWeights(complementarity=1.0, interests=1.0, context=1.0, practicality=1.0, priority=0.0, one_way=0.5)
_UNIT_FACTOR = np.array([0.25, 0.125, 0.25, 0.25, 0.25])


@dataclass(frozen=True)
class CheckInOutcome:
    """One member's answer about one meeting of their group.

    Parameters
    ----------
    teacher_id : str
        Who answered.
    members : tuple of str
        The group's members at that meeting (the answering teacher among them or not).
    met : bool or None
        Did the group meet; ``None`` when it was rescheduled (no answer yet about a meeting).
    useful : int or None
        How useful the meeting was, 1 (not at all) to 5 (very); ``None`` when not given.
    group : str
        Which group it was (e.g. ``"run 7 group 3"``), so that cross-validation holds out
        whole groups; default: the sorted member ids.
    """

    teacher_id: str
    members: tuple[str, ...]
    met: bool | None = True
    useful: int | None = None
    group: str = ""

    @property
    def group_key(self) -> str:
        """The group's key for cross-validation."""
        return self.group or "|".join(sorted(self.members))


@dataclass(frozen=True, eq=False)
class AnswerTable:
    """The usable answers: features ``X`` (one row per answer, :data:`FEATURES` columns),
    target ``y``, the group of each row (``groups``), and how many answers were ``skipped``
    (no rating and no missed meeting, or rescheduled: non-response is not a zero)."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    skipped: int

    @property
    def n_answers(self) -> int:
        """Usable answers."""
        return len(self.y)

    @property
    def n_groups(self) -> int:
        """Distinct groups among the usable answers."""
        return len(set(self.groups.tolist()))


def effective_weights(weights: AffinityWeights) -> np.ndarray:
    """What each raw term of :data:`FEATURES` counts in a pair's score under ``weights``.

    >>> effective_weights(AffinityWeights()).round(4).tolist()
    [0.45, 0.1125, 0.2, 0.15, 0.2]
    """
    wc, wi, wx, wp = weights.normalised()
    return np.array([wc, wc * weights.one_way, wi, wx, wp])


# one_way must stay below 1 (one-way help scores lower than mutual help).
MAX_ONE_WAY = 0.95


def weights_from_effective(beta: Sequence[float], like: AffinityWeights) -> AffinityWeights | None:
    """The :class:`AffinityWeights` whose :func:`effective_weights` are proportional to ``beta``,
    on the scale of ``like`` (its four main weights have the same sum) and with its ``priority``.

    ``one_way`` is the ratio of the one-way to the mutual weight, capped at 0.95; with no
    weight on mutual help it keeps ``like``'s. ``None`` when every weight is zero.

    >>> weights_from_effective([0.45, 0.1125, 0.2, 0.15, 0.2], AffinityWeights()) == AffinityWeights()
    True
    """
    b = [max(float(v), 0.0) for v in beta]
    four = b[0] + b[2] + b[3] + b[4]
    if not four > 0 or not math.isfinite(four):
        return None
    total = like.complementarity + like.interests + like.context + like.practicality
    scale = total / four
    one_way = min(b[1] / b[0], MAX_ONE_WAY) if b[0] > 0 else like.one_way
    return AffinityWeights(
        complementarity=round(b[0] * scale, 6),
        interests=round(b[2] * scale, 6),
        context=round(b[3] * scale, 6),
        practicality=round(b[4] * scale, 6),
        priority=like.priority,
        one_way=round(one_way, 6),
    )


def answer_table(
    cohort: Cohort,
    outcomes: Iterable[CheckInOutcome],
    *,
    current: AffinityWeights | None = None,
    unmet_as: float | None = 1.0,
) -> AnswerTable:
    """Turn check-in answers into features and targets.

    Parameters
    ----------
    cohort : Cohort
        The teachers (every id in the answers must be in it).
    outcomes : iterable of CheckInOutcome
        The answers received. Members who did not answer are simply absent: they are never
        counted as a low rating.
    current : AffinityWeights, optional
        Supplies the boost for isolated teachers (``priority``) applied to every feature.
    unmet_as : float or None
        Target of an answer "we did not meet" (default 1.0, the lowest rating: the meeting
        helped nobody, and ``practicality`` should learn from it); ``None`` drops such answers.

    Returns
    -------
    AnswerTable

    Raises
    ------
    ValidationError
        Listing every answer with an unknown teacher, a rating outside 1-5 or no groupmate.
    """
    w = current or AffinityWeights()
    index = cohort.index
    issues: list[Issue] = []
    rows: list[tuple[int, list[int], float, str]] = []
    skipped = 0
    for k, o in enumerate(outcomes):
        field = f"outcomes[{k}]"
        unknown = [t for t in (o.teacher_id, *o.members) if t not in index]
        if unknown:
            issues += [Issue(None, field, t, "not a teacher id in the cohort") for t in dict.fromkeys(unknown)]
            continue
        if o.useful is not None and not (isinstance(o.useful, int) and 1 <= o.useful <= 5):
            issues.append(Issue(None, f"{field}.useful", str(o.useful), "must be a whole number 1-5 or missing"))
            continue
        mates = [index[t] for t in dict.fromkeys(o.members) if t != o.teacher_id]
        if not mates:
            issues.append(Issue(None, f"{field}.members", o.teacher_id, "needs at least one groupmate besides the teacher"))
            continue
        if o.met is False:
            target = unmet_as
        elif o.met is True and o.useful is not None:
            target = float(o.useful)
        else:
            target = None
        if target is None:
            skipped += 1
            continue
        rows.append((index[o.teacher_id], mates, float(target), o.group_key))
    if issues:
        raise ValidationError(issues, summary=f"{len(issues)} check-in answer{'' if len(issues) == 1 else 's'} cannot be used")
    if not rows:
        return AnswerTable(np.zeros((0, len(FEATURES))), np.zeros(0), np.array([], dtype=object), skipped)
    owner = np.repeat(np.arange(len(rows)), [len(m) for _, m, _, _ in rows])
    i = np.repeat(np.array([r for r, _, _, _ in rows], dtype=np.int64), [len(m) for _, m, _, _ in rows])
    j = np.array([m for _, mates, _, _ in rows for m in mates], dtype=np.int64)
    arrays = teacher_arrays(cohort)
    s = score_pairs(arrays, i, j, _UNIT)
    boost = 1.0 + w.priority * 0.5 * (arrays.isolation[i] + arrays.isolation[j])
    pair = np.column_stack([s.terms[t] for t in FEATURES]) / _UNIT_FACTOR * boost[:, None]
    sums = np.zeros((len(rows), len(FEATURES)))
    np.add.at(sums, owner, pair)
    X = sums / np.bincount(owner, minlength=len(rows))[:, None]
    y = np.array([t for _, _, t, _ in rows])
    groups = np.array([g for _, _, _, g in rows], dtype=object)
    return AnswerTable(X, y, groups, skipped)
