"""Rounds of a programme year, who takes part in the next one, and the groupmate history.

A round (usually one per term) has dates and a meeting cadence; a cohort run belongs to a
round. A round's run includes the teachers who opted in (everyone without an answer is
in) and keeps apart the groupmates of the last ``PEERMATCH_ROTATION_ROUNDS`` rounds of
the history (rotation), except pairs the coordinator keeps together (a chosen partner)
and pairs with a teacher who meets in person only.
The history is written when a run is published (:mod:`.publish`) or imported from a
hub's CSV (``round_name, teacher_a, teacher_b``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from matcher.errors import Issue
from matcher.programme.rotation import groupmate_pairs, rotation_keep_apart, sorted_pair

from .. import db
from ..auth import Identity
from ..models import PARTICIPATION, CohortRun, GroupmateHistory, Round, RoundParticipation, Teacher, utcnow
from ..problems import Problem
from .cohort_review import keep_apart_pairs

__all__ = [
    "create_round",
    "list_rounds",
    "get_round_for",
    "published_run_of",
    "participation_of",
    "participation_counts",
    "set_participation",
    "opted_in",
    "recent_history",
    "round_params",
    "record_history",
    "sorted_pair",
    "export_history_csv",
    "import_history_csv",
    "HistoryImport",
    "forget_teacher",
    "HISTORY_COLUMNS",
]

HISTORY_COLUMNS = ("round_name", "teacher_a", "teacher_b")


def _coordinator(identity: Identity) -> None:
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators manage rounds.")


# ---- rounds -----------------------------------------------------------------------------


def create_round(identity: Identity, data: Mapping[str, Any]) -> Round:
    """A new round of the coordinator's programme.

    Raises
    ------
    Problem
        403 for non-coordinators, 422 when it ends before it starts, 409 for a name in use.
    """
    _coordinator(identity)
    starts, ends = data["starts"], data["ends"]
    if not isinstance(starts, date) or not isinstance(ends, date) or ends <= starts:
        raise Problem(422, "A round must end after it starts.", errors=[Issue(None, "ends", str(ends), "must be after starts")])
    s = db.session()
    name = str(data["name"]).strip()
    taken = s.execute(sa.select(Round.id).where(Round.programme_id == identity.programme_id, Round.name == name)).first()
    if taken:
        raise Problem(409, f"Your programme already has a round named {name!r}.")
    rnd = Round(programme_id=identity.programme_id, name=name, starts=starts, ends=ends, cadence_weeks=int(data.get("cadence_weeks") or 3))
    s.add(rnd)
    s.flush()
    return rnd


def list_rounds(identity: Identity) -> list[Round]:
    """The programme's rounds, earliest first (coordinators)."""
    _coordinator(identity)
    return list(db.session().execute(sa.select(Round).where(Round.programme_id == identity.programme_id).order_by(Round.starts, Round.id)).scalars())


def get_round_for(identity: Identity, round_id: int) -> Round:
    """A round of the coordinator's programme (404 for another programme's, as for none)."""
    _coordinator(identity)
    rnd = db.session().get(Round, round_id)
    if rnd is None or rnd.programme_id != identity.programme_id:
        raise Problem(404, f"There is no round {round_id}.")
    return rnd


def published_run_of(s: Session, round_id: int) -> CohortRun | None:
    """The round's published run, if any."""
    return s.execute(sa.select(CohortRun).where(CohortRun.round_id == round_id, CohortRun.published_at.is_not(None))).scalars().first()


# ---- participation ----------------------------------------------------------------------


def participation_of(s: Session, programme_id: int, teacher_id: str) -> str:
    """``in``, ``out`` or ``paused`` (``in`` when the teacher never answered)."""
    status = s.execute(
        sa.select(RoundParticipation.status).where(RoundParticipation.programme_id == programme_id, RoundParticipation.teacher_id == teacher_id)
    ).scalar_one_or_none()
    return status or "in"


def set_participation(identity: Identity, status: str) -> str:
    """A teacher opts in or out of the next round, or pauses (403 for other roles)."""
    if not identity.is_teacher or identity.teacher_id is None:
        raise Problem(403, "Only a teacher chooses whether they take part in the next round.")
    if status not in PARTICIPATION:
        raise Problem(422, f"status must be one of {', '.join(PARTICIPATION)}.", errors=[Issue(None, "status", status, "unknown status")])
    s = db.session()
    row = s.get(RoundParticipation, (identity.programme_id, identity.teacher_id))
    if row is None:
        s.add(RoundParticipation(programme_id=identity.programme_id, teacher_id=identity.teacher_id, status=status))
    else:
        row.status, row.changed_at = status, utcnow()
    s.flush()
    return status


def opted_in(s: Session, programme_id: int) -> list[str]:
    """The programme's teachers who take part in the next round (all but ``out`` and ``paused``)."""
    away = sa.select(RoundParticipation.teacher_id).where(RoundParticipation.programme_id == programme_id, RoundParticipation.status != "in")
    query = sa.select(Teacher.id).where(Teacher.programme_id == programme_id, Teacher.id.not_in(away)).order_by(Teacher.id)
    return list(s.execute(query).scalars())


def participation_counts(identity: Identity) -> dict[str, int]:
    """How many of the programme's teachers are ``in``, ``out`` and ``paused`` for the next round (coordinators)."""
    _coordinator(identity)
    s = db.session()
    total = s.execute(sa.select(sa.func.count()).select_from(Teacher).where(Teacher.programme_id == identity.programme_id)).scalar_one()
    rows = s.execute(
        sa.select(RoundParticipation.status, sa.func.count())
        .join(Teacher, sa.and_(Teacher.id == RoundParticipation.teacher_id, Teacher.programme_id == RoundParticipation.programme_id))
        .where(RoundParticipation.programme_id == identity.programme_id, RoundParticipation.status != "in")
        .group_by(RoundParticipation.status)
    )
    away = {status: int(n) for status, n in rows}
    return {"in": int(total) - sum(away.values()), "out": away.get("out", 0), "paused": away.get("paused", 0)}


# ---- rotation ---------------------------------------------------------------------------


def recent_history(s: Session, programme_id: int, rounds: int, *, besides: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The last ``rounds`` rounds of the history (most recently recorded first; ``besides``
    left out), each with its groupmate pairs, sorted: the ``history`` of
    :func:`matcher.programme.rotation_keep_apart`."""
    if rounds <= 0:
        return []
    latest = sa.func.max(GroupmateHistory.recorded_at)
    query = sa.select(GroupmateHistory.round_name).where(GroupmateHistory.programme_id == programme_id)
    if besides is not None:
        query = query.where(GroupmateHistory.round_name != besides)
    names = list(s.execute(query.group_by(GroupmateHistory.round_name).order_by(latest.desc(), GroupmateHistory.round_name).limit(rounds)).scalars())
    if not names:
        return []
    rows = s.execute(
        sa.select(GroupmateHistory.round_name, GroupmateHistory.teacher_a, GroupmateHistory.teacher_b).where(
            GroupmateHistory.programme_id == programme_id, GroupmateHistory.round_name.in_(names)
        )
    )
    by_round: dict[str, set[tuple[str, str]]] = {name: set() for name in names}
    for name, a, b in rows:
        by_round[name].add((a, b))
    return [(name, sorted(by_round[name])) for name in names]


def round_params(s: Session, identity: Identity, params: Mapping[str, Any]) -> dict[str, Any]:
    """A run's parameters for its round: only opted-in teachers (unless ``teacher_ids``
    names them), and the groupmates of the last ``PEERMATCH_ROTATION_ROUNDS`` rounds kept
    apart (:func:`matcher.programme.rotation_keep_apart`), except pairs within one
    ``keep_together`` set (a partner kept on purpose) and pairs with a teacher who meets in
    person only (within their travel limits a strict rule can leave them nobody to meet):
    those go to ``discourage``, pairs the search keeps apart wherever the travel rules allow
    (``form_groups(discourage=...)``: a penalty, not a rule).

    ``rotation`` in the answer records which rounds, how many pairs were kept apart and how
    many earlier pairs are only discouraged (``discouraged``).
    """
    out = dict(params)
    rnd = s.get(Round, int(out["round_id"]))
    if rnd is None or rnd.programme_id != identity.programme_id:
        raise Problem(422, f"There is no round {out['round_id']} in your programme.", errors=[Issue(None, "round_id", str(out["round_id"]), "unknown round")])
    if not out.get("teacher_ids"):
        out["teacher_ids"] = opted_in(s, identity.programme_id)
    members = set(out["teacher_ids"])
    n = int(current_app.config["PEERMATCH_ROTATION_ROUNDS"])
    in_person = s.execute(sa.select(Teacher.id).where(Teacher.programme_id == identity.programme_id, Teacher.meeting_mode == "in_person")).scalars()
    rotation = rotation_keep_apart(
        recent_history(s, identity.programme_id, n, besides=rnd.name),
        members,
        rounds=n,
        keep_together=out.get("keep_together") or [],
        keep_apart=keep_apart_pairs(out.get("keep_apart")),
        exempt=set(in_person) & members,
    )
    out["keep_apart"] = [*(out.get("keep_apart") or []), *([a, b] for a, b in rotation.keep_apart)]
    out["discourage"] = [[a, b] for a, b in rotation.discourage]
    out["rotation"] = {"rounds": list(rotation.rounds), "pairs": len(rotation.keep_apart), "discouraged": len(rotation.discourage)}
    return out


def record_history(s: Session, rnd: Round, groups: Iterable[Sequence[str]]) -> int:
    """Store every pair of every group as groupmates of ``rnd``; returns how many pairs."""
    pairs = groupmate_pairs(groups)
    rows = s.execute(sa.select(GroupmateHistory.teacher_a, GroupmateHistory.teacher_b).where(GroupmateHistory.programme_id == rnd.programme_id, GroupmateHistory.round_name == rnd.name))
    known = {(a, b) for a, b in rows}
    new = sorted(pairs - known)
    s.add_all(GroupmateHistory(programme_id=rnd.programme_id, round_id=rnd.id, round_name=rnd.name, teacher_a=a, teacher_b=b) for a, b in new)
    s.flush()
    return len(pairs)


# ---- export and import ------------------------------------------------------------------


def export_history_csv(identity: Identity, round_id: int) -> str:
    """The groupmate pairs of one round as CSV (``round_name, teacher_a, teacher_b``)."""
    rnd = get_round_for(identity, round_id)
    rows = db.session().execute(
        sa.select(GroupmateHistory.round_name, GroupmateHistory.teacher_a, GroupmateHistory.teacher_b)
        .where(GroupmateHistory.programme_id == identity.programme_id, GroupmateHistory.round_name == rnd.name)
        .order_by(GroupmateHistory.teacher_a, GroupmateHistory.teacher_b)
    )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    writer.writerows(tuple(r) for r in rows)
    return buf.getvalue()


@dataclass(frozen=True)
class HistoryImport:
    """What an import stored: new pairs, pairs already known, ids that are not teachers here."""

    imported: int
    already_known: int
    unknown_teachers: tuple[str, ...]


def import_history_csv(identity: Identity, text: str) -> HistoryImport:
    """Add a hub's groupmate history (every row is stored, or none).

    Rounds are matched by name: a row naming a round of the programme belongs to it; other
    names (last year's rounds) are kept as they are and count for rotation like any round.
    Ids that are not teachers of the programme are stored too (they may come back) and
    listed in the answer.

    Raises
    ------
    Problem
        403 for non-coordinators; 422 with one error per bad row (missing column, empty
        value, a teacher paired with themselves).
    """
    _coordinator(identity)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in HISTORY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise Problem(422, f"The CSV needs the columns {', '.join(HISTORY_COLUMNS)}.", errors=[Issue(1, c, None, "missing column") for c in missing])
    pairs: set[tuple[str, str, str]] = set()
    errors: list[Issue] = []
    for line, row in enumerate(reader, start=2):
        values = {c: (row.get(c) or "").strip() for c in HISTORY_COLUMNS}
        bad = [c for c, v in values.items() if not v or len(v) > (100 if c == "round_name" else 64)]
        errors.extend(Issue(line, c, values[c], "must be a value of at most 100 characters" if c == "round_name" else "must be a teacher id") for c in bad)
        if not bad and values["teacher_a"] == values["teacher_b"]:
            errors.append(Issue(line, "teacher_b", values["teacher_b"], "is the same teacher as teacher_a"))
        if not bad and values["teacher_a"] != values["teacher_b"]:
            pairs.add((values["round_name"], *sorted_pair(values["teacher_a"], values["teacher_b"])))
    if errors:
        raise Problem(422, f"The CSV has {len(errors)} problem(s); nothing was imported.", errors=errors[:200])
    s = db.session()
    pid = identity.programme_id
    stored = s.execute(sa.select(GroupmateHistory.round_name, GroupmateHistory.teacher_a, GroupmateHistory.teacher_b).where(GroupmateHistory.programme_id == pid))
    known = {(r, a, b) for r, a, b in stored}
    round_ids = {name: rid for name, rid in s.execute(sa.select(Round.name, Round.id).where(Round.programme_id == pid))}
    new = sorted(pairs - known)
    s.add_all(GroupmateHistory(programme_id=pid, round_id=round_ids.get(r), round_name=r, teacher_a=a, teacher_b=b) for r, a, b in new)
    ids = sorted({t for _, a, b in pairs for t in (a, b)})
    present = set(s.execute(sa.select(Teacher.id).where(Teacher.programme_id == pid, Teacher.id.in_(ids))).scalars()) if ids else set()
    s.flush()
    return HistoryImport(imported=len(new), already_known=len(pairs) - len(new), unknown_teachers=tuple(t for t in ids if t not in present))


def forget_teacher(s: Session, programme_id: int, teacher_id: str) -> None:
    """Erasure: delete the teacher's participation choice and groupmate history."""
    s.execute(sa.delete(RoundParticipation).where(RoundParticipation.programme_id == programme_id, RoundParticipation.teacher_id == teacher_id))
    s.execute(
        sa.delete(GroupmateHistory).where(
            GroupmateHistory.programme_id == programme_id, sa.or_(GroupmateHistory.teacher_a == teacher_id, GroupmateHistory.teacher_b == teacher_id)
        )
    )
