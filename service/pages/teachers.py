"""Coordinator pages: the teacher list with filters, CSV import with its error report, export."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from matcher.profiles.fields import COLUMNS, REQUIRED_COLUMNS
from matcher.profiles.themes import THEMES

from .. import auth
from ..problems import Problem
from ..services import teachers as svc
from ..services.teacher_import import import_teachers as import_teacher_file
from . import bp
from .common import boroughs, int_arg, problem_rows

PER_PAGE = 25
# A failed import is shown again in the text box for fixing, up to this size.
REFILL_MAX_CHARS = 300_000
# Rows that kept a teacher's values or were skipped, listed after an import, up to this many.
REPORT_MAX_LINES = 20


@bp.get("/teachers")
def teacher_list() -> ResponseReturnValue:
    """Teachers of my programme, filtered by name, borough, department of one and theme."""
    user = auth.require("coordinator")
    args = {
        "q": request.args.get("q", "").strip()[:200],
        "borough": request.args.get("borough", "").strip()[:200],
        "dept": request.args.get("dept", ""),
        "theme": request.args.get("theme", ""),
    }
    if args["dept"] not in ("", "yes", "no"):
        args["dept"] = ""
    error = None
    if args["theme"] and args["theme"] not in THEMES:
        error = f"There is no theme {args['theme']!r}; pick one from the list."
        args["theme"] = ""
    page = svc.list_teachers(
        user,
        page=int_arg("page", 1, 1, 100_000),
        per_page=PER_PAGE,
        q=args["q"] or None,
        local_authority=args["borough"] or None,
        department_of_one={"yes": True, "no": False}.get(args["dept"]),
        theme=args["theme"] or None,
    )
    filtered = any(args.values())
    matched = svc.theme_matches(page.items, args["theme"]) if args["theme"] else {}
    return render_template("coordinator/teachers.html", page=page, args=args, boroughs=boroughs(), error=error, filtered=filtered, matched=matched)


def _read_upload() -> str:
    """The CSV text from the file field, or else from the text box."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        raw: bytes = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise Problem(
                422,
                f"Line {line} of {upload.filename} is not UTF-8 text. In your spreadsheet use 'Save as: CSV UTF-8' and try again.",
                title="The file could not be read",
            ) from None
    return request.form.get("text", "").lstrip("\ufeff")


@bp.route("/teachers/import", methods=["GET", "POST"])
def teacher_import() -> ResponseReturnValue:
    """Upload (or paste) a teacher CSV: every row is stored, or none, with a per-row report."""
    user = auth.require("coordinator")
    layout = {"columns": COLUMNS, "required": REQUIRED_COLUMNS}
    if request.method == "GET":
        return render_template("coordinator/import.html", text="", rows=None, overwrite=False, **layout)
    text = ""
    overwrite = request.form.get("overwrite_teacher_edits") == "yes"
    try:
        text = _read_upload()
        if not text.strip():
            raise Problem(422, "Choose a CSV file, or paste the rows into the box.", title="Nothing to import")
        result = import_teacher_file(user, text, overwrite_teacher_edits=overwrite)
    except Problem as exc:
        if exc.status != 422:
            raise
        refill = text if len(text) <= REFILL_MAX_CHARS else ""
        return render_template("coordinator/import.html", text=refill, problem=exc, rows=problem_rows(exc, text), overwrite=overwrite, **layout), 422
    summary = f"Imported {result.total} teachers: {result.created} new, {result.updated} updated."
    if result.kept:
        summary += f" {len(result.kept)} kept values their teachers chose themselves."
    if result.skipped:
        summary += f" {len(result.skipped)} skipped (erased at the teacher's request)."
    flash(summary, "success")
    lines = result.lines()
    for line in lines[:REPORT_MAX_LINES]:
        flash(line[0].upper() + line[1:] + ".", "info")
    if len(lines) > REPORT_MAX_LINES:
        flash(f"... and {len(lines) - REPORT_MAX_LINES} more rows like these.", "info")
    return redirect(url_for("pages.teacher_list"))


@bp.get("/teachers/export.csv")
def teacher_export() -> ResponseReturnValue:
    """All teachers of my programme as CSV (the import format)."""
    user = auth.require("coordinator")
    resp = Response(svc.export_teachers_csv(user), mimetype="text/csv")
    resp.headers["Content-Disposition"] = 'attachment; filename="teachers.csv"'
    return resp
