"""The programme report in parts, one per round, kept and recombined (:mod:`.outcomes` in pieces).

A report over several rounds pairs every teacher's before and after answers of each round
(:func:`.outcomes.paired_changes`); pairs never span rounds, and a teacher's pairs depend on
that teacher's answers only. So a service can keep each round's part (:func:`round_part`),
replace the few teachers whose answers changed (:func:`replace_teachers`), and recombine the
parts (:func:`combined_report`) into exactly the report :func:`.outcomes.outcome_report`
computes from all the answers at once, without pairing tens of thousands of answers again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .outcomes import K, OutcomeReport, answers_frame, outcome_report, paired_changes, response_rates, summarise, teacher_changes

__all__ = ["RoundPart", "round_part", "replace_teachers", "combined_report"]


@dataclass(frozen=True)
class RoundPart:
    """What one round's answers contribute to the report: its pairs (:func:`paired_changes`)
    and who answered which phase (``teacher_id, round, phase``). Pairs never span rounds, so
    a service can keep each round's part until that round's answers change and recombine
    them with :func:`combined_report`."""

    paired: pd.DataFrame
    seen: pd.DataFrame


def round_part(answers: pd.DataFrame) -> RoundPart:
    """The part of ``answers`` (:func:`answers_frame`, typically one round's) the report needs.

    >>> part = round_part(answers_frame([("a", 1, "before", {"send": 3}), ("a", 1, "after", {"send": 4})]))
    >>> part.paired["change"].tolist(), part.seen["phase"].tolist()
    ([1.0], ['before', 'after'])
    """
    return RoundPart(paired=paired_changes(answers), seen=answers[["teacher_id", "round", "phase"]].drop_duplicates().reset_index(drop=True))


def replace_teachers(part: RoundPart, teachers: Iterable[str], answers: pd.DataFrame) -> RoundPart:
    """``part`` with the answers of ``teachers`` replaced by ``answers`` (all of theirs in
    that round, from :func:`answers_frame`): what a new or edited answer changes, without
    pairing everyone else again. The same as :func:`round_part` of the round's new answers.

    >>> old = round_part(answers_frame([("a", 1, "before", {"send": 3}), ("b", 1, "before", {"send": 2}), ("b", 1, "after", {"send": 4})]))
    >>> new = replace_teachers(old, ["a"], answers_frame([("a", 1, "before", {"send": 3}), ("a", 1, "after", {"send": 5})]))
    >>> new.paired[["teacher_id", "change"]].to_dict("records")
    [{'teacher_id': 'a', 'change': 2.0}, {'teacher_id': 'b', 'change': 2.0}]
    """
    gone = list(set(teachers))
    fresh = round_part(answers)
    paired = _concat([part.paired[~part.paired["teacher_id"].isin(gone)], fresh.paired], ("teacher_id", "key"))
    paired = paired.sort_values(["teacher_id", "round", "key"], kind="stable").reset_index(drop=True)
    for column in ("teacher_id", "key"):
        if isinstance(paired[column].dtype, pd.CategoricalDtype):
            paired[column] = paired[column].cat.remove_unused_categories()
    seen = _concat([part.seen[~part.seen["teacher_id"].isin(gone)], fresh.seen], ("teacher_id",))
    return RoundPart(paired=paired, seen=seen)


def _concat(frames: list[pd.DataFrame], categorical: tuple[str, ...]) -> pd.DataFrame:
    """``frames`` one after another, the ``categorical`` columns with the union of their (sorted) categories."""
    out = pd.concat(frames, ignore_index=True)
    for column in categorical:
        parts = [f[column] for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            out[column] = pd.api.types.union_categoricals(parts, sort_categories=True)
    return out


def combined_report(parts: list[RoundPart], contexts: pd.DataFrame, members: pd.DataFrame, *, k: int = K, confidence: float = 0.95) -> OutcomeReport:
    """The same report as :func:`outcome_report` on all the parts' answers together.

    >>> from matcher.programme.outcomes import contexts_frame
    >>> one = answers_frame([("a", 1, "before", {"send": 3}), ("a", 1, "after", {"send": 4})])
    >>> two = answers_frame([("a", 2, "before", {"send": 3}), ("a", 2, "after", {"send": 2})])
    >>> r = combined_report([round_part(one), round_part(two)], contexts_frame([("a", 1, 5, None)]), pd.DataFrame({"teacher_id": ["a", "a"], "round": [1, 2]}), k=1)
    >>> r.to_dict()["summary"][0]["change"], r.to_dict()["rates"][1]["both"]
    (0.0, 1)
    """
    if not parts:
        return outcome_report(answers_frame([]), contexts, members, k=k, confidence=confidence)
    # Rounds in order (a part holds whole rounds): every teacher's rounds then come in the order
    # a fully sorted table has them, which is all :func:`teacher_changes` needs (no sort).
    parts = sorted(parts, key=lambda p: (len(p.seen) > 0, p.seen["round"].min() if len(p.seen) else 0))
    paired = _concat([p.paired for p in parts], ("teacher_id", "key"))
    seen = _concat([p.seen for p in parts], ("teacher_id",))
    teachers = teacher_changes(paired)
    return OutcomeReport(summary=summarise(teachers, contexts, k=k, confidence=confidence), rates=response_rates(members, seen), teachers=teachers, k=k, confidence=confidence)
