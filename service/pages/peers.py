"""Teacher pages: my suggested peers (accept, decline and undo; contact after mutual consent, if shared) and practice examples."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..auth import Identity
from ..problems import Problem
from ..services import peers as peer_svc
from ..services import practice as practice_svc
from . import bp
from .profile import _teacher_identity

PRACTICE_K = 6
DECISION_WORDS = {"accepted": "accepted", "declined": "declined"}


def _me() -> tuple[Identity, str]:
    """The signed-in teacher and their teacher id (403/404 for other accounts)."""
    user = _teacher_identity()
    if not user.teacher_id:  # _teacher_identity refuses these already
        raise Problem(404, "Your account is not linked to a teacher profile; ask your coordinator.")
    return user, user.teacher_id


@bp.get("/me/peers")
def my_peers() -> ResponseReturnValue:
    """My suggested peers with reasons, each marked "similar context" or "new ideas"; the ones I declined apart."""
    user, me = _me()
    answer = peer_svc.peers_for(user, me)
    items = answer["suggestions"]
    return render_template(
        "teacher/peers.html",
        items=items,
        declined=answer.get("declined", []),
        share_my_contact=answer.get("share_my_contact", False),
        open_declined=request.args.get("declined") == "open",
        connected=[x for x in items if x["status"] == "connected"],
        similar=sum(1 for x in items if x["kind"] == "similar"),
        different=sum(1 for x in items if x["kind"] == "new ideas"),
    )


def _connected_message(item: dict[str, Any]) -> str:
    first = item["name"].split()[0] if item["name"].split() else item["name"]
    if item["contact"]:
        return f"You and {item['name']} have both accepted: {first}'s contact details are below."
    if item["contact_withheld"]:
        return f"You and {item['name']} have both accepted, but {first} has not agreed to share their contact details."
    return f"You and {item['name']} have both accepted; {first} has not given an email address yet."


@bp.post("/me/peers/<peer_id>")
def my_peer_decision(peer_id: str) -> ResponseReturnValue:
    """Accept or decline one suggested peer."""
    user, me = _me()
    decision = request.form.get("decision", "")
    if decision not in DECISION_WORDS:
        raise Problem(422, "Choose accept or decline.")
    item = peer_svc.decide(user, me, peer_id, decision)
    if item["status"] == "connected":
        flash(_connected_message(item), "success")
    elif item["status"] == "waiting_for_peer":
        flash(f"You accepted {item['name']}. You are connected once they accept too.", "success")
    else:
        flash(f"You declined {item['name']}. They are not told, and no longer suggested to you; undo under “You declined”.", "success")
        return redirect(url_for("pages.my_peers", declined="open"))
    return redirect(url_for("pages.my_peers") + f"#peer-{peer_id}")


@bp.post("/me/peers/<peer_id>/undo")
def my_peer_undo(peer_id: str) -> ResponseReturnValue:
    """Undo my decline of a peer: they can be suggested to me again."""
    user, me = _me()
    declined = {d["peer_id"]: d for d in peer_svc.peers_for(user, me).get("declined", [])}
    if peer_id not in declined:
        raise Problem(404, f"You have not declined {peer_id!r}.")
    item = peer_svc.undo(user, me, peer_id)
    name = declined[peer_id]["name"]
    if item is not None:
        flash(f"You no longer decline {name}: they are back among your suggestions.", "success")
        return redirect(url_for("pages.my_peers") + f"#peer-{peer_id}")
    flash(f"You no longer decline {name}. They are not among your best matches now, but may be suggested again when profiles change.", "success")
    return redirect(url_for("pages.my_peers"))


@bp.get("/me/practice")
def my_practice() -> ResponseReturnValue:
    """Practice examples chosen for my challenges, with the reasons."""
    user, me = _me()
    recommendations = practice_svc.recommendations_for(user, me, k=PRACTICE_K)
    return render_template("teacher/practice.html", recommendations=recommendations)
