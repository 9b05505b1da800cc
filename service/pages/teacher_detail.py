"""Coordinator page: one teacher of the programme, to view and edit.

The form has the fields a coordinator may change of an existing teacher (the registry's
``editable_by``, :data:`matcher.profiles.fields.COORDINATOR_EDITABLE`, the id apart); the
teacher's own decisions (consent to share their email) are shown, never editable here. The
page names the profile's version, so a change made meanwhile (by the teacher, another tab)
gets a clear 409 and the profile as saved now, instead of being overwritten.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from matcher.profiles.fields import COORDINATOR_EDITABLE, FIELD, FIELDS, THEME_FIELDS

from .. import auth
from ..models import Teacher
from ..problems import Problem
from ..services import teachers as svc
from . import bp
from .common import field_errors

# The editable fields by how the form shows them.
EDITABLE = tuple(n for n in COORDINATOR_EDITABLE if n != "id")
LIST_FIELDS = tuple(n for n in EDITABLE if FIELD[n].is_list)
FREE_LISTS = tuple(n for n in LIST_FIELDS if FIELD[n].choices is None)  # typed as ids separated by ';'
READ_ONLY = tuple(f.name for f in FIELDS if f.name != "id" and not f.coordinator_may_edit)
STALE_MESSAGE = (
    "This profile was changed somewhere else (by the teacher, or in another window) after you opened this page, "
    "so your changes were not saved. This is the profile as it is saved now: make your changes again and save."
)


def _values_of(t: Teacher) -> dict[str, Any]:
    """The form's values from a stored teacher (lists as lists; free lists joined by '; ')."""
    values: dict[str, Any] = {}
    for name in EDITABLE:
        value = getattr(t, name)
        values[name] = list(value or ()) if FIELD[name].is_list else value
    for name in FREE_LISTS:
        values[name] = "; ".join(values[name])
    return values


def _changes_from_form() -> dict[str, Any]:
    """The submitted form as profile changes (validated by the service, not here)."""
    form = request.form
    out: dict[str, Any] = {}
    for name in EDITABLE:
        if name in FREE_LISTS:
            out[name] = [x.strip() for x in form.get(name, "").replace(",", ";").split(";") if x.strip()]
        elif name in LIST_FIELDS:
            out[name] = form.getlist(name)
        elif name == "about":
            out[name] = form.get(name, "")
        else:
            out[name] = form.get(name, "").strip()
    return out


def _render(t: Teacher, values: dict[str, Any], *, status: int = 200, **extra: Any) -> ResponseReturnValue:
    return (
        render_template(
            "coordinator/teacher.html",
            teacher=t,
            values=values,
            errors=extra.pop("errors", {}),
            editable=EDITABLE,
            read_only=READ_ONLY,
            free_lists=FREE_LISTS,
            numeric=tuple(n for n in EDITABLE if FIELD[n].type in (int, float)),
            theme_fields=THEME_FIELDS,
            fields=FIELD,
            **extra,
        ),
        status,
    )


@bp.route("/teachers/<teacher_id>", methods=["GET", "POST"])
def teacher_page(teacher_id: str) -> ResponseReturnValue:
    """A teacher of my programme: their profile, and the fields a coordinator may change."""
    user = auth.require("coordinator")
    t = svc.get_teacher_for(user, teacher_id)
    if request.method == "GET":
        return _render(t, _values_of(t))
    raw = request.form.get("version", "")
    version = int(raw) if raw.isdecimal() and len(raw) < 10 else None
    values = _changes_from_form()
    try:
        svc.update_teacher(user, teacher_id, values, version=version)
    except Problem as exc:
        if exc.status in (409, 428):
            return _render(t, _values_of(t), status=409, stale=STALE_MESSAGE)
        if exc.status not in (403, 422):
            raise
        shown = {**values, **{n: "; ".join(values[n]) for n in FREE_LISTS}}
        return _render(t, shown, status=exc.status, errors=field_errors(exc), problem=exc)
    flash(f"Saved the profile of {t.name}.", "success")
    return redirect(url_for("pages.teacher_page", teacher_id=teacher_id))
