"""Teacher pages: my profile form, my data (GDPR export) and erasing my account."""

from __future__ import annotations

from flask import Response, flash, json, redirect, render_template, request, url_for

from .. import auth, charts
from ..problems import Problem
from ..services import gdpr
from ..services import teachers as svc
from . import bp
from .common import field_errors

TEXT_FIELDS = ("name", "email", "school_urn", "department_size", "role", "years_teaching", "about", "meeting_mode", "max_travel_km", "context_preference")
LIST_FIELDS = ("key_stages", "interests", "challenges", "strengths", "availability")
# The form's label for each field, for the error summary at the top of the page.
FIELD_LABELS = {
    "name": "Name",
    "email": "Email",
    "school_urn": "School",
    "department_size": "Music teachers in my school",
    "role": "Role",
    "years_teaching": "Years teaching",
    "key_stages": "Key stages I teach",
    "about": "About my practice",
    "challenges": "My challenges",
    "strengths": "My strengths",
    "interests": "My interests",
    "meeting_mode": "How I can meet",
    "max_travel_km": "Furthest I can travel",
    "availability": "When I am free",
    "context_preference": "I would like peers from",
    "consent_share_contact": "Sharing my email",
}


def _teacher_identity() -> auth.Identity:
    user = auth.require("teacher")
    if not user.teacher_id:
        raise Problem(404, "Your account is not linked to a teacher profile; ask your coordinator.")
    return user


def _values_of(t) -> dict:
    """The form's values from a stored teacher."""
    values = {name: getattr(t, name) for name in TEXT_FIELDS}
    values.update({name: list(getattr(t, name) or ()) for name in LIST_FIELDS})
    values["consent_share_contact"] = t.consent_share_contact
    return values


def _values_from_form() -> dict:
    """The submitted form as a profile record (validated by the service, not here)."""
    form = request.form
    values: dict = {name: form.get(name, "").strip() for name in TEXT_FIELDS}
    values["about"] = form.get("about", "")
    values.update({name: form.getlist(name) for name in LIST_FIELDS})
    values["consent_share_contact"] = form.get("consent_share_contact") == "yes"
    return values


def _radar(values: dict, name: str):
    return charts.radar_svg(
        charts.theme_group_counts(values.get("strengths", ())),
        charts.theme_group_counts(values.get("challenges", ())),
        title=f"{name}: strengths and challenges by theme group",
        name="radar-me",
    )


@bp.route("/me", methods=["GET", "POST"])
def my_profile():
    """My profile: edit it, see my strengths and challenges as a radar diagram."""
    user = _teacher_identity()
    t = svc.get_teacher_for(user, user.teacher_id)
    if request.method == "GET":
        values = _values_of(t)
        return render_template("teacher/profile.html", teacher=t, values=values, errors={}, radar=_radar(values, t.name))
    values = _values_from_form()
    try:
        svc.update_teacher(user, user.teacher_id, values)
    except Problem as exc:
        if exc.status != 422:
            raise
        errors = field_errors(exc)
        page = render_template("teacher/profile.html", teacher=t, values=values, errors=errors, problem=exc, labels=FIELD_LABELS, radar=_radar(_values_of(t), t.name))
        return page, 422
    flash("Your profile is saved. Your suggested peers and practice examples now reflect it.", "success")
    return redirect(url_for("pages.my_profile"))


@bp.get("/me/data")
def my_data():
    """What we hold about me, and the ways to take it or erase it."""
    user = _teacher_identity()
    data = gdpr.export_teacher_data(user, user.teacher_id)
    return render_template("teacher/data.html", data=data)


@bp.get("/me/data.json")
def my_data_json():
    """Everything held about me, as a JSON download."""
    user = _teacher_identity()
    data = gdpr.export_teacher_data(user, user.teacher_id)
    resp = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json")
    resp.headers["Content-Disposition"] = f'attachment; filename="my-data-{user.teacher_id}.json"'
    return resp


@bp.route("/me/erase", methods=["GET", "POST"])
def my_erase():
    """Erase my account after an explicit confirmation."""
    user = _teacher_identity()
    t = svc.get_teacher_for(user, user.teacher_id)
    if request.method == "GET":
        return render_template("teacher/erase.html", teacher=t, error=None)
    if request.form.get("confirm") != "yes":
        return render_template("teacher/erase.html", teacher=t, error="Tick the box to confirm that you want to erase your account."), 422
    gdpr.erase_teacher(user, user.teacher_id)
    auth.logout_user()
    return render_template("teacher/erased.html")
