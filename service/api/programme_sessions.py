"""``GET /api/v1/programme/sessions``: training sessions on the challenges no group covered (coordinators)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from matcher.programme.sessions import SESSION_WEEKDAYS

from .. import auth
from ..services import programme_sessions as svc
from .common import SECURITY, operation_id, respond

__all__ = ["bp", "SessionsQuery", "SessionsOut"]

bp = APIBlueprint(
    "programme_sessions", __name__, operation_id_callback=operation_id, url_prefix="/programme/sessions", abp_tags=[Tag(name="programme")], abp_security=SECURITY
)

Weekday = Literal[SESSION_WEEKDAYS]  # type: ignore[valid-type]


class SessionsQuery(BaseModel):
    top: int = Field(5, ge=1, le=20, description="how many sessions, most wanted first")
    start: date | None = Field(None, description="first possible date (default: today)")
    weekday: Weekday = Field("wed", description="day of the week of the sessions")
    dates: int = Field(3, ge=1, le=10, description="dates to propose per session")


class LeaderOut(BaseModel):
    teacher_id: str
    name: str
    school_urn: int
    way: str = Field(description="'strength' (the theme is among their strengths) or 'experience' (shared circumstance, come through)")
    years_teaching: int
    why: str
    contact: str = Field(description="e-mail; leaders are teachers who consented to share their contact")


class VenueOut(BaseModel):
    school_urn: int
    name: str
    local_authority: str
    total_km: float = Field(description="straight-line km summed over the teachers who want the session; the venue minimises it")
    mean_km: float
    max_km: float
    within_reach: int = Field(description="teachers for whom the venue is within their max_travel_km")
    teachers: int


class SessionOut(BaseModel):
    theme: str
    label: str
    count: int = Field(description="teachers who want the session")
    wanting: list[str]
    leaders: list[LeaderOut]
    withheld: int = Field(description="teachers who could lead it but have not consented to share their contact (not named)")
    venue: VenueOut
    dates: list[date]
    dates_note: str


class UnledOut(BaseModel):
    theme: str
    label: str
    count: int
    wanting: list[str]
    reason: Literal["nobody", "no_consent"]


class SessionsOut(BaseModel):
    sessions: list[SessionOut]
    unled: list[UnledOut] = Field(description="wanted themes nobody can lead (nobody in the programme meets them, or only teachers who did not consent)")
    grouped: bool = Field(description="false when no run is published: every challenge counts")
    not_meeting: list[str] = Field(description="group numbers whose check-ins never reported a meeting (their challenges count)")
    weekday: str
    start: date | None
    round: str | None = Field(description="the round of the newest published run, whose groups were used")
    run_id: int | None
    check_in_answers: int
    teachers: int


@bp.get("", responses={200: SessionsOut})
def list_sessions(query: SessionsQuery) -> Response:
    """Proposed training sessions: the most common challenges no group covered, who could lead each (consenting teachers only), the least-travel venue and term-time dates."""
    user = auth.require("coordinator")
    view = svc.sessions_for(user, top=query.top, start=query.start, weekday=query.weekday, n_dates=query.dates)
    return respond(SessionsOut.model_validate(view.to_dict()))
