"""Learned affinity weights: learn from the programme's check-ins, propose, accept or refuse.

A coordinator asks for weights learned from every check-in of the programme (each answer
joined to the members of its group in the published run it is about); the answer is
stored as a :class:`~service.models.WeightProposal` for a round, beside the weights that
round would use today. Accepting is allowed only when the learned weights predict
held-out check-ins better than today's (``LearnedWeights.better``); once accepted, new
runs of that round use them (:func:`weights_for_round`, recorded in the run's params).
Refusing keeps today's weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from matcher.affinity.terms import TERMS, AffinityWeights
from matcher.errors import Issue

from .. import db
from ..auth import Identity
from ..models import CheckIn, CohortRun, Round, WeightProposal, utcnow
from ..problems import Problem

if TYPE_CHECKING:
    from matcher.learning.features import CheckInOutcome
    from sqlalchemy.orm import Session

__all__ = ["learn_for_round", "list_proposals", "get_proposal_for", "decide", "weights_for_round", "weights_dict", "evidence_rows", "MET", "DEFAULT_WEIGHTS"]

#: The weights a round uses until a proposal for it is accepted.
DEFAULT_WEIGHTS = AffinityWeights()
#: A check-in's ``met`` answer as the learner reads it (rescheduled: no answer yet).
MET: dict[str, bool | None] = {"yes": True, "no": False, "rescheduled": None}


def _coordinator(identity: Identity) -> None:
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators see and decide learned weights.")


def weights_dict(weights: AffinityWeights) -> dict[str, float]:
    """``{term: weight}`` for JSON."""
    return {name: float(getattr(weights, name)) for name in TERMS}


def weights_for_round(s: Session, programme_id: int, round_id: int | None) -> tuple[AffinityWeights, int | None]:
    """The weights new runs of ``round_id`` use: the latest accepted proposal's, else the
    defaults; and that proposal's id (``None`` for the defaults)."""
    if round_id is None:
        return DEFAULT_WEIGHTS, None
    accepted = s.execute(
        sa.select(WeightProposal)
        .where(WeightProposal.programme_id == programme_id, WeightProposal.round_id == round_id, WeightProposal.status == "accepted")
        .order_by(WeightProposal.decided_at.desc(), WeightProposal.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if accepted is None:
        return DEFAULT_WEIGHTS, None
    return AffinityWeights(**accepted.learned), accepted.id


def _outcomes(s: Session, programme_id: int, known: set[str]) -> list[CheckInOutcome]:
    """Every check-in of the programme, joined to its group's members in its run."""
    from matcher.learning.features import CheckInOutcome

    from .cohort_review import grouping_of

    rows = s.execute(sa.select(CheckIn).where(CheckIn.programme_id == programme_id).order_by(CheckIn.id)).scalars().all()
    groups: dict[int, tuple[tuple[str, ...], ...]] = {}
    out: list[CheckInOutcome] = []
    for row in rows:
        if row.run_id not in groups:
            run = s.get(CohortRun, row.run_id)
            try:
                groups[row.run_id] = grouping_of(run).groups if run is not None and run.programme_id == programme_id else ()
            except Problem:  # a run that never finished has no groups to learn from
                groups[row.run_id] = ()
        run_groups = groups[row.run_id]
        if row.teacher_id not in known or not 1 <= row.group_number <= len(run_groups):
            continue
        members = tuple(t for t in run_groups[row.group_number - 1] if t in known)  # erased members leave the group
        if len(members) < 2 or row.teacher_id not in members:
            continue
        out.append(CheckInOutcome(row.teacher_id, members, met=MET.get(row.met), useful=row.useful, group=f"run {row.run_id} group {row.group_number}"))
    return out


def learn_for_round(identity: Identity, round_id: int) -> WeightProposal:
    """Learn weights from the programme's check-ins now and store them as a proposal for ``round_id``.

    Raises
    ------
    Problem
        403 for non-coordinators; 422 for a round not in the programme or published
        already, or too few usable answers (``needed`` and ``have`` say how many).
    """
    from matcher.learning.learn import NotEnoughAnswersError, learn_weights

    from .cohort_review import current_cohort

    _coordinator(identity)
    s = db.session()
    rnd = s.get(Round, round_id) if 0 <= round_id < 2**31 else None  # a form number no row can have: unknown
    if rnd is None or rnd.programme_id != identity.programme_id:
        raise Problem(422, f"There is no round {round_id} in your programme.", errors=[Issue(None, "round_id", str(round_id), "unknown round")])
    from .rounds import published_run_of

    if published_run_of(s, round_id) is not None:
        message = "is published already: choose a round whose groups are still to be formed"
        raise Problem(422, f"Round {rnd.name!r} {message}.", errors=[Issue(None, "round_id", str(round_id), message)])
    current, _ = weights_for_round(s, identity.programme_id, round_id)
    cohort, _ = current_cohort(identity.programme_id)
    outcomes = _outcomes(s, identity.programme_id, set(cohort.ids))
    try:
        result = learn_weights(cohort, outcomes, current=current)
    except NotEnoughAnswersError as exc:
        raise Problem(
            422,
            str(exc).splitlines()[0] + ". Ask members to check in after their meetings, then learn again.",
            errors=exc.issues,
            extra={"needed": exc.needed, "have": exc.have},
        ) from None
    proposal = WeightProposal(
        programme_id=identity.programme_id,
        round_id=round_id,
        learned=weights_dict(result.learned),
        current=weights_dict(result.current),
        learned_score=result.learned_score,
        current_score=result.current_score,
        metric=result.metric,
        n_answers=result.n_answers,
        evidence=result.to_dict(),
        status="proposed",
    )
    s.add(proposal)
    s.flush()
    return proposal


def list_proposals(identity: Identity) -> list[WeightProposal]:
    """The programme's proposals, newest first."""
    _coordinator(identity)
    query = sa.select(WeightProposal).where(WeightProposal.programme_id == identity.programme_id).order_by(WeightProposal.id.desc()).limit(100)
    return list(db.session().execute(query).scalars())


def get_proposal_for(identity: Identity, proposal_id: int) -> WeightProposal:
    """One proposal of the coordinator's programme (404 otherwise)."""
    _coordinator(identity)
    proposal = db.session().get(WeightProposal, proposal_id) if 0 <= proposal_id < 2**31 else None  # a page URL's number no row can have: 404
    if proposal is None or proposal.programme_id != identity.programme_id:
        raise Problem(404, f"There is no weight proposal {proposal_id}.")
    return proposal


def decide(identity: Identity, proposal_id: int, *, accept: bool) -> WeightProposal:
    """Accept or refuse a proposal (once).

    Raises
    ------
    Problem
        404 unknown proposal; 409 already decided; 422 accepting weights that are not
        better than today's on held-out check-ins.
    """
    proposal = get_proposal_for(identity, proposal_id)
    if proposal.status != "proposed":
        raise Problem(409, f"Weight proposal {proposal_id} was {proposal.status} already.")
    if accept and not bool(proposal.evidence.get("better")):
        raise Problem(
            422,
            "These learned weights do not predict held-out check-ins better than today's weights by more than the noise, "
            "so they cannot be accepted; refuse them, or learn again when more members have checked in.",
        )
    s = db.session()
    # only while still proposed: two coordinators deciding at once get one decision and a 409
    done = s.execute(
        sa.update(WeightProposal)
        .where(WeightProposal.id == proposal.id, WeightProposal.status == "proposed")
        .values(status="accepted" if accept else "refused", decided_by=identity.user_id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    s.refresh(proposal)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Problem(409, f"Weight proposal {proposal_id} was {proposal.status} already.")
    return proposal


def evidence_rows(proposal: WeightProposal) -> Iterable[dict[str, Any]]:
    """Per term: today's weight, the learned one and the change, for the page and the API."""
    for name in TERMS:
        old, new = float(proposal.current.get(name, 0.0)), float(proposal.learned.get(name, 0.0))
        yield {"term": name, "current": old, "learned": new, "change": round(new - old, 6), "learned_here": name != "priority"}
