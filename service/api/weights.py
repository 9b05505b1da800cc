"""``/api/v1/programme/weights``: affinity weights learned from check-ins, proposed to the coordinator."""

from __future__ import annotations

from datetime import datetime

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from .. import auth
from ..models import WeightProposal
from ..services import learned_weights as svc
from .common import SECURITY, operation_id, respond
from .schemas import DbInt, Strict

__all__ = ["bp", "LearnIn", "ProposalOut", "ProposalList"]

bp = APIBlueprint(
    "programme_weights", __name__, operation_id_callback=operation_id, url_prefix="/programme/weights", abp_tags=[Tag(name="learned weights")], abp_security=SECURITY
)


class LearnIn(Strict):
    round_id: DbInt = Field(description="the round whose new runs would use the learned weights once accepted")


class TermRow(BaseModel):
    term: str
    current: float
    learned: float
    change: float
    learned_here: bool = Field(description="false for priority (the boost for isolated teachers): policy, never learned")


class ProposalOut(BaseModel):
    id: int
    round_id: int | None
    status: str = Field(description="proposed, accepted or refused")
    learned: dict[str, float]
    current: dict[str, float]
    learned_score: float
    current_score: float
    metric: str = Field(description="the score of both on held-out groups; higher is better, 1 is perfect, 0 no better than the mean")
    n_answers: int
    better: bool = Field(description="the learned weights beat today's by more than the folds' noise; only then can they be accepted")
    margin: float = Field(description="one-sided 95 % lower bound of the paired per-fold gain (learned minus current)")
    terms: list[TermRow]
    sentence: str
    decided_by: int | None
    decided_at: datetime | None
    created_at: datetime


class ProposalList(BaseModel):
    items: list[ProposalOut]
    defaults: dict[str, float] = Field(description="the default weights; a round with an accepted proposal uses that proposal's learned weights instead")


class ProposalPath(BaseModel):
    proposal_id: DbInt


def proposal_out(p: WeightProposal) -> ProposalOut:
    return ProposalOut(
        id=p.id,
        round_id=p.round_id,
        status=p.status,
        learned=p.learned,
        current=p.current,
        learned_score=p.learned_score,
        current_score=p.current_score,
        metric=p.metric,
        n_answers=p.n_answers,
        better=bool(p.evidence.get("better")),
        margin=float(p.evidence.get("margin", 0.0)),
        terms=[TermRow(**row) for row in svc.evidence_rows(p)],
        sentence=str(p.evidence.get("sentence", "")),
        decided_by=p.decided_by,
        decided_at=p.decided_at,
        created_at=p.created_at,
    )


@bp.get("", responses={200: ProposalList})
def list_weights() -> Response:
    """Learned-weight proposals of my programme, newest first (coordinators)."""
    user = auth.require("coordinator")
    items = [proposal_out(p) for p in svc.list_proposals(user)]
    return respond(ProposalList(items=items, defaults=svc.weights_dict(svc.DEFAULT_WEIGHTS)))


@bp.post("", responses={201: ProposalOut})
def learn(body: LearnIn) -> Response:
    """Learn affinity weights from my programme's check-ins now, as a proposal for a round.

    422 when the round is not in the programme, or when there are too few usable answers
    (the problem's ``needed`` and ``have`` say how many).
    """
    user = auth.require("coordinator")
    proposal = svc.learn_for_round(user, body.round_id)
    return respond(proposal_out(proposal), 201, {"Location": f"/api/v1/programme/weights/{proposal.id}"})


@bp.get("/<int:proposal_id>", responses={200: ProposalOut})
def get_weights(path: ProposalPath) -> Response:
    """One proposal with its evidence."""
    user = auth.require("coordinator")
    return respond(proposal_out(svc.get_proposal_for(user, path.proposal_id)))


@bp.post("/<int:proposal_id>/accept", responses={200: ProposalOut, 409: None})
def accept(path: ProposalPath) -> Response:
    """Accept: new runs of the proposal's round use the learned weights (only when ``better``, else 422)."""
    user = auth.require("coordinator")
    return respond(proposal_out(svc.decide(user, path.proposal_id, accept=True)))


@bp.post("/<int:proposal_id>/refuse", responses={200: ProposalOut, 409: None})
def refuse(path: ProposalPath) -> Response:
    """Refuse: the round keeps today's weights."""
    user = auth.require("coordinator")
    return respond(proposal_out(svc.decide(user, path.proposal_id, accept=False)))
