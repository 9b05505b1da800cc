"""The coordinator's Learned weights page: learn from check-ins, compare with today's weights, accept or refuse."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import auth, db
from ..problems import Problem
from ..services import learned_weights, rounds
from . import bp


@bp.get("/programme/weights")
def weights_page() -> ResponseReturnValue:
    """Proposals, newest first, each with old and new weights side by side and the evidence."""
    user = auth.require("coordinator")
    proposals = learned_weights.list_proposals(user)
    rows = {p.id: list(learned_weights.evidence_rows(p)) for p in proposals}
    listed = rounds.list_rounds(user)
    names = {r.id: r.name for r in listed}
    s = db.session()
    open_rounds = {r.id: r.name for r in listed if rounds.published_run_of(s, r.id) is None}
    return render_template("coordinator/weights.html", proposals=proposals, rows=rows, rounds=names, open_rounds=open_rounds)


@bp.post("/programme/weights")
def weights_learn() -> ResponseReturnValue:
    """Learn from the programme's check-ins now, for the chosen round (POST with the CSRF token)."""
    user = auth.require("coordinator")
    round_id = request.form.get("round_id", type=int)
    if round_id is None:
        raise Problem(422, "Choose the round the learned weights are for.")
    try:
        proposal = learned_weights.learn_for_round(user, round_id)
    except Problem as exc:
        if exc.status != 422:
            raise
        flash(exc.detail, "error")
        return redirect(url_for("pages.weights_page"))
    flash(f"Learned from {proposal.n_answers} check-in answers: see proposal {proposal.id} below.", "success")
    return redirect(url_for("pages.weights_page", _anchor=f"proposal-{proposal.id}"))


@bp.post("/programme/weights/<int:proposal_id>/<any(accept, refuse):decision>")
def weights_decide(proposal_id: int, decision: str) -> ResponseReturnValue:
    """Accept (only when the learned weights are better) or refuse a proposal."""
    user = auth.require("coordinator")
    try:
        proposal = learned_weights.decide(user, proposal_id, accept=decision == "accept")
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        flash(exc.detail, "error")
        return redirect(url_for("pages.weights_page"))
    if proposal.status == "accepted":
        flash(f"Accepted: new runs of this round use the learned weights (proposal {proposal.id}).", "success")
    else:
        flash(f"Refused: this round keeps today's weights (proposal {proposal.id}).", "success")
    return redirect(url_for("pages.weights_page", _anchor=f"proposal-{proposal.id}"))
