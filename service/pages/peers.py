"""Teacher pages: my suggested peers (accept/decline, contact after mutual consent) and practice examples."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from ..problems import Problem
from ..services import peers as peer_svc
from ..services import practice as practice_svc
from . import bp
from .profile import _teacher_identity

PRACTICE_K = 6
DECISION_WORDS = {"accepted": "accepted", "declined": "declined"}


@bp.get("/me/peers")
def my_peers():
    """My suggested peers with reasons, each marked "similar context" or "new ideas"."""
    user = _teacher_identity()
    answer = peer_svc.peers_for(user, user.teacher_id)
    items = answer["suggestions"]
    return render_template(
        "teacher/peers.html",
        items=items,
        connected=[x for x in items if x["status"] == "connected"],
        similar=sum(1 for x in items if x["kind"] == "similar"),
        different=sum(1 for x in items if x["kind"] != "similar"),
    )


@bp.post("/me/peers/<peer_id>")
def my_peer_decision(peer_id: str):
    """Accept or decline one suggested peer."""
    user = _teacher_identity()
    decision = request.form.get("decision", "")
    if decision not in DECISION_WORDS:
        raise Problem(422, "Choose accept or decline.")
    item = peer_svc.decide(user, user.teacher_id, peer_id, decision)
    if item["status"] == "connected":
        flash(f"You and {item['name']} have both accepted: you can now see each other's contact details.", "success")
    elif item["status"] == "waiting_for_peer":
        flash(f"You accepted {item['name']}. Their contact details appear here once they accept too.", "success")
    else:
        flash(f"You declined {item['name']}. They are not told.", "success")
    return redirect(url_for("pages.my_peers") + f"#peer-{peer_id}")


@bp.get("/me/practice")
def my_practice():
    """Practice examples chosen for my challenges, with the reasons."""
    user = _teacher_identity()
    recommendations = practice_svc.recommendations_for(user, user.teacher_id, k=PRACTICE_K)
    return render_template("teacher/practice.html", recommendations=recommendations)
