"""Helpers shared by the API views: serialising models and describing responses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, json
from pydantic import BaseModel

from ..models import School, Teacher
from ..services.common import Page
from .schemas import SchoolBrief, TeacherOut

__all__ = ["operation_id", "respond", "csv_response", "teacher_out", "school_brief", "page_out", "CSV_RESPONSE", "SECURITY"]

SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def operation_id(*, bp_name: str = "", name: str = "", path: str = "", method: str = "") -> str:
    """OpenAPI operation ids are the view functions' names (unique across the API)."""
    return name
CSV_RESPONSE = {"description": "CSV (UTF-8)", "content": {"text/csv": {"schema": {"type": "string"}}}}


def respond(model: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response from a pydantic model."""
    resp = Response(json.dumps(model.model_dump(mode="json")), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def csv_response(text: str, filename: str) -> Response:
    """A CSV download."""
    resp = Response(text, mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def school_brief(s: School) -> SchoolBrief:
    return SchoolBrief(urn=s.urn, name=s.name, local_authority=s.local_authority, lat=s.lat, lon=s.lon)


def teacher_out(t: Teacher) -> TeacherOut:
    return TeacherOut(
        id=t.id,
        name=t.name,
        email=t.email,
        school_urn=t.school_urn,
        school=school_brief(t.school),
        department_size=t.department_size,
        role=t.role,
        years_teaching=t.years_teaching,
        key_stages=list(t.key_stages),
        interests=list(t.interests),
        challenges=list(t.challenges),
        strengths=list(t.strengths),
        about=t.about,
        meeting_mode=t.meeting_mode,
        availability=list(t.availability),
        max_travel_km=t.max_travel_km,
        context_preference=t.context_preference,
        consent_share_contact=t.consent_share_contact,
        previous_groupmates=list(t.previous_groupmates),
        version=t.version,
        updated_at=t.updated_at,
    )


def page_out(model: type[BaseModel], page: Page, convert: Callable[[Any], BaseModel]) -> BaseModel:
    return model(items=[convert(x) for x in page.items], total=page.total, page=page.page, per_page=page.per_page, pages=page.pages)
