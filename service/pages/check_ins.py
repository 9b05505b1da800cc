"""The teacher's check-in page: one short form about one meeting of their group, no script needed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import auth
from ..problems import Problem
from ..services import check_ins as svc
from . import bp

MET_CHOICES = (("yes", "Yes, we met"), ("no", "No, we did not meet"), ("rescheduled", "We moved it to another date"))
USEFUL_LABELS = {1: "not at all useful", 2: "a little useful", 3: "quite useful", 4: "very useful", 5: "extremely useful"}
#: The page's words for a missing or bad answer (the API keeps its own messages, which name the field).
PAGE_MESSAGES = {
    "met": "Say whether your group met.",
    "useful": "Say how useful the meeting was, from 1 (not at all useful) to 5 (extremely useful).",
}
FIELD_WORDS = {"tried": "“One thing I tried, or will try”", "meeting": "The meeting’s time"}


def page_errors(exc: Problem) -> dict[str, list[str]]:
    """The problem's per-field messages in the page's words, by field name: "Say whether your
    group met." for ``met``, the field's label before the message for ``tried`` (no doctest: a
    page module imported twice by the doctest run would register its routes twice)."""
    out: dict[str, list[str]] = {}
    for e in exc.errors:
        name = e.get("field") or "_form"
        message = PAGE_MESSAGES.get(name) or f"{FIELD_WORDS.get(name, 'This answer')} {e.get('message') or 'is not valid'}."
        out.setdefault(name, []).append(message)
    return out


def _useful_from_form() -> int | None:
    raw = request.form.get("useful", "")
    return int(raw) if raw.isdecimal() and len(raw) == 1 else None


def _render(meeting: svc.GroupMeeting, answer: svc.Answer | None, values: dict[str, object], *, errors: dict[str, list[str]] | None = None, problem: Problem | None = None) -> str:
    # the summary above the form: the page's words for the fields (the API's detail names them by key)
    summary = " ".join(m for ms in (errors or {}).values() for m in ms) if problem is not None and problem.status == 422 else None
    return render_template(
        "teacher/check_in.html",
        meeting=meeting,
        answer=answer,
        values=values,
        errors=errors or {},
        problem=problem,
        summary=summary,
        met_choices=MET_CHOICES,
        useful_labels=USEFUL_LABELS,
        max_tried=svc.MAX_TRIED_CHARS,
    )


#: The time zone a time typed on the page is read in (the programme's schools are in England).
LOCAL = ZoneInfo("Europe/London")


def _other_time(when: str) -> str | None:
    """The ISO start (UK time) of a meeting typed as ``YYYY-MM-DDTHH:MM``, or ``None`` when it is not one."""
    text = when.strip()[:16]
    if len(text) < 16 or text[10] not in "T ":  # a day without its time is not a meeting's start
        return None
    try:
        typed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return None if typed.tzinfo is not None else typed.replace(tzinfo=LOCAL).isoformat()


@bp.route("/me/check-in", methods=["GET", "POST"])
def my_check_in() -> ResponseReturnValue:
    """Did we meet, how useful, one thing I tried, and a private "not a good fit" (POST with the CSRF token)."""
    user = auth.require("teacher")
    given = (request.form.get("meeting") if request.method == "POST" else request.args.get("meeting")) or ""
    if request.method == "GET" and not given and "when" in request.args:  # "We met at another time"
        when = request.args.get("when", "")
        iso = _other_time(when)
        if iso is None:
            return render_template("teacher/check_in_other.html", when=when, error="Give the day and time your group met, e.g. 5 October 2026, 16:30."), 422
        try:
            svc.check_in_for(user, iso)
        except Problem as exc:  # in the future, or outside the round: say so beside the field
            if exc.status != 422:
                raise
            return render_template("teacher/check_in_other.html", when=when, error=exc.detail), 422
        given = iso
    if request.method == "GET" and not given and request.args.get("other"):
        return render_template("teacher/check_in_other.html", when="", error=None)
    if request.method == "GET" and not given:  # a link without its meeting: My group lists them
        flash("Choose the meeting: every past meeting on My group has its own Check in button.", "info")
        return redirect(url_for("pages.my_group_page"))
    meeting, answer = svc.check_in_for(user, given)
    if request.method == "GET" or (answer is not None and not answer.editable):
        values: dict[str, object] = {"met": "", "useful": None, "tried": "", "not_a_good_fit": False}
        if answer is not None:
            r = answer.row
            values = {"met": r.met, "useful": r.useful, "tried": r.tried or "", "not_a_good_fit": r.not_a_good_fit}
        status = 409 if request.method == "POST" else 200
        return _render(meeting, answer, values), status
    form = request.form
    met, useful, tried, private = form.get("met", ""), _useful_from_form(), form.get("tried", ""), form.get("not_a_good_fit") == "yes"
    values = {"met": met, "useful": useful, "tried": tried, "not_a_good_fit": private}
    try:
        _, created = svc.record_check_in(user, meeting=meeting.iso, met=met, useful=useful, tried=tried, not_a_good_fit=private)
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        return _render(meeting, answer, values, errors=page_errors(exc), problem=exc), exc.status
    flash("Thank you: your check-in is saved." if created else "Your check-in is updated.", "success")
    return redirect(url_for("pages.my_group_page"))
