"""Coordinator pages: cohort runs (work in progress)."""

from __future__ import annotations

from flask import render_template

from .. import auth
from . import bp


@bp.get("/cohorts")
def cohort_list():
    auth.require("coordinator")
    return render_template("error.html", problem=None)


@bp.get("/cohorts/<int:run_id>")
def cohort_run(run_id: int):
    auth.require("coordinator")
    return ""


@bp.get("/cohorts/<int:run_id>/map")
def cohort_map(run_id: int):
    auth.require("coordinator")
    return ""
