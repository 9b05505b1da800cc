"""Mail pages: the coordinator's Messages list (with "retry now"), and the public page behind
the pause/unsubscribe link in every message's footer.

The pause page is reached by a signed token, not by signing in: the token is the
credential, so its POST needs no CSRF token (mail clients send RFC 8058 one-click
``List-Unsubscribe=One-Click`` POSTs to the same address). A GET only shows the choice, so
a link scanner that follows the link changes nothing; posting the same choice again
changes nothing either.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import auth, csrf, db
from ..mail import outbox
from ..mail.render import read_unsubscribe_token
from ..models import Programme, Teacher
from ..problems import Problem
from ..services.common import teacher_by_id
from . import bp
from .common import int_arg

PER_PAGE = 25
STATUSES = ("queued", "sent", "failed")


@bp.get("/messages")
def message_list() -> ResponseReturnValue:
    """My programme's outbox: queued, sent and failed messages, with the last error."""
    user = auth.require("coordinator")
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    page = outbox.list_messages(user, page=int_arg("page", 1, 1, 100_000), per_page=PER_PAGE, status=status or None)
    return render_template("coordinator/messages.html", page=page, status=status, statuses=STATUSES, public_status=outbox.public_status)


@bp.post("/messages/<int:message_id>/retry")
def message_retry(message_id: int) -> ResponseReturnValue:
    """Make a failed message due now (POST with the CSRF token)."""
    user = auth.require("coordinator")
    message = outbox.retry_now(user, message_id)
    flash(f"Message {message.id} to {message.to_address} will be sent at the next pass of the mail worker.", "success")
    return redirect(url_for("pages.message_list", status=request.args.get("status") or None))


def _teacher_for_token(token: str) -> Teacher:
    named = read_unsubscribe_token(current_app.config["SECRET_KEY"], token)
    teacher = None
    if named is not None and named[0] is not None:
        teacher = teacher_by_id(db.session(), named[0], named[1])
    elif named is not None:  # a link sent before teacher ids were per programme: the id alone, if still unique
        found = db.session().execute(sa.select(Teacher).where(Teacher.id == named[1]).limit(2)).scalars().all()
        teacher = found[0] if len(found) == 1 else None
    if teacher is None:
        raise Problem(404, "This link is not valid, or the profile it was for has been erased.")
    return teacher


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def mail_unsubscribe(token: str) -> ResponseReturnValue:
    """Pause e-mail from the programme, or start it again (the link in every message)."""
    teacher = _teacher_for_token(token)
    s = db.session()
    changed = None
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        action = "pause" if one_click else request.form.get("action", "")
        if action not in ("pause", "resume"):
            raise Problem(422, "Choose to pause or to resume e-mail.")
        outbox.set_paused(s, teacher.programme_id, teacher.id, action == "pause")
        changed = action
    programme = s.get(Programme, teacher.programme_id)
    paused = outbox.is_paused(s, teacher.programme_id, teacher.id)
    return render_template("mail_preference.html", token=token, paused=paused, changed=changed, programme=programme.name if programme else "")
