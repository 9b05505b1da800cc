"""Teacher pages: my profile form, my data (GDPR export) and erasing my account."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, json, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from matcher.profiles.fields import FIELD, TEACHER_EDITABLE

from .. import auth, charts
from ..models import Teacher
from ..problems import Problem
from ..services import gdpr
from ..services import teachers as svc
from . import bp
from .common import field_errors

# The form has the fields a teacher may edit (the registry's ``editable_by``): text and
# number inputs, checkbox lists, and yes/no boxes.
TEXT_FIELDS = tuple(n for n in TEACHER_EDITABLE if not FIELD[n].is_list and FIELD[n].type is not bool)
LIST_FIELDS = tuple(n for n in TEACHER_EDITABLE if FIELD[n].is_list)
BOOL_FIELDS = tuple(n for n in TEACHER_EDITABLE if FIELD[n].type is bool)
# The form's label for each field, for the error summary at the top of the page.
FIELD_LABELS = {n: FIELD[n].label for n in TEACHER_EDITABLE}
STALE_MESSAGE = (
    "Your profile was changed somewhere else (in another window, or by your coordinator) after you opened this page, "
    "so your changes were not saved. This is your profile as it is saved now: make your changes again and save."
)


def _teacher_identity() -> auth.Identity:
    user = auth.require("teacher")
    if not user.teacher_id:
        raise Problem(404, "Your account is not linked to a teacher profile; ask your coordinator.")
    return user


def _teacher_and_id() -> tuple[auth.Identity, str]:
    """The signed-in teacher and their teacher id (which :func:`_teacher_identity` checked)."""
    user = _teacher_identity()
    return user, user.teacher_id or ""


def _values_of(t: Teacher) -> dict[str, Any]:
    """The form's values from a stored teacher."""
    values = {name: getattr(t, name) for name in TEXT_FIELDS}
    values.update({name: list(getattr(t, name) or ()) for name in LIST_FIELDS})
    values.update({name: bool(getattr(t, name)) for name in BOOL_FIELDS})
    return values


def _values_from_form() -> dict[str, Any]:
    """The submitted form as a profile record (validated by the service, not here)."""
    form = request.form
    values: dict[str, Any] = {name: form.get(name, "").strip() for name in TEXT_FIELDS}
    values["about"] = form.get("about", "")
    values.update({name: form.getlist(name) for name in LIST_FIELDS})
    values.update({name: form.get(name) == "yes" for name in BOOL_FIELDS})
    return values


def _version_from_form() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdecimal() and len(raw) < 10 else None


def _radar(values: dict[str, Any], name: str) -> Markup:
    return charts.radar_svg(
        charts.theme_group_counts(values.get("strengths", ())),
        charts.theme_group_counts(values.get("challenges", ())),
        title=f"{name}: strengths and challenges by theme group",
        name="radar-me",
    )


@bp.route("/me", methods=["GET", "POST"])
def my_profile() -> ResponseReturnValue:
    """My profile: edit it, see my strengths and challenges as a radar diagram."""
    user, teacher_id = _teacher_and_id()
    t = svc.get_teacher_for(user, teacher_id)
    if request.method == "GET":
        values = _values_of(t)
        return render_template("teacher/profile.html", teacher=t, values=values, errors={}, radar=_radar(values, t.name))
    values = _values_from_form()
    try:
        svc.update_teacher(user, teacher_id, values, version=_version_from_form())
    except Problem as exc:
        if exc.status in (409, 428):
            # Saved meanwhile: show what is saved now rather than overwrite it.
            current = _values_of(t)
            page = render_template("teacher/profile.html", teacher=t, values=current, errors={}, stale=STALE_MESSAGE, radar=_radar(current, t.name))
            return page, 409
        if exc.status != 422:
            raise
        errors = field_errors(exc)
        page = render_template("teacher/profile.html", teacher=t, values=values, errors=errors, problem=exc, labels=FIELD_LABELS, radar=_radar(_values_of(t), t.name))
        return page, 422
    flash("Your profile is saved. Your suggested peers and practice examples now reflect it.", "success")
    return redirect(url_for("pages.my_profile"))


@bp.get("/me/data")
def my_data() -> ResponseReturnValue:
    """What we hold about me, and the ways to take it or erase it."""
    user, teacher_id = _teacher_and_id()
    data = gdpr.export_teacher_data(user, teacher_id)
    return render_template("teacher/data.html", data=data)


@bp.get("/me/data.json")
def my_data_json() -> ResponseReturnValue:
    """Everything held about me, as a JSON download."""
    user, teacher_id = _teacher_and_id()
    data = gdpr.export_teacher_data(user, teacher_id)
    resp = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json")
    resp.headers["Content-Disposition"] = f'attachment; filename="my-data-{teacher_id}.json"'
    return resp


@bp.route("/me/erase", methods=["GET", "POST"])
def my_erase() -> ResponseReturnValue:
    """Erase my account after an explicit confirmation."""
    user, teacher_id = _teacher_and_id()
    t = svc.get_teacher_for(user, teacher_id)
    if request.method == "GET":
        return render_template("teacher/erase.html", teacher=t, error=None)
    if request.form.get("confirm") != "yes":
        return render_template("teacher/erase.html", teacher=t, error="Tick the box to confirm that you want to erase your account."), 422
    gdpr.erase_teacher(user, teacher_id)
    auth.logout_user()
    return render_template("teacher/erased.html")
