"""``/api/v1/me/questionnaire/...`` (a teacher's before/after questionnaire) and
``/api/v1/programme/report`` (the evidence of change, for coordinators and analysts)."""

from __future__ import annotations

from typing import Any, Literal

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from .. import auth
from ..services import outcomes_report as report_svc
from ..services import questionnaire as svc
from .common import CSV_RESPONSE, SECURITY, csv_response, operation_id, respond
from .schemas import DbInt, Strict

__all__ = ["questionnaire_bp", "report_bp", "QuestionnaireOut", "AnswersIn", "ReportOut"]

questionnaire_bp = APIBlueprint(
    "questionnaire", __name__, operation_id_callback=operation_id, url_prefix="/me/questionnaire", abp_tags=[Tag(name="my group")], abp_security=SECURITY
)
report_bp = APIBlueprint("programme_report", __name__, operation_id_callback=operation_id, url_prefix="/programme", abp_tags=[Tag(name="programme report")], abp_security=SECURITY)

Phase = Literal["before", "after"]


class QuestionnairePath(BaseModel):
    round_id: DbInt
    phase: Phase


class QuestionnaireOut(BaseModel):
    round: dict[str, Any]
    phase: Phase
    questions: list[dict[str, Any]] = Field(description="key, text, labels of 1..5, higher_is_better (false for 'isolation': agreeing is worse), kind")
    answers: dict[str, int] = Field(description="the stored answers, question key -> rating 1-5 (empty before answering)")
    open: bool = Field(description="whether answers can be given now")
    opens: str | None = Field(description="first day answers are taken (after: 14 days before the round ends)")
    closes: str | None = Field(description="last day answers are taken (before: the day before 'after' opens)")
    answered_at: str | None


class AnswersIn(Strict):
    answers: dict[str, Any] = Field(max_length=60, description="question key -> rating, a whole number 1-5; questions may be skipped; replaces earlier answers")


class ReportQuery(BaseModel):
    round_id: DbInt | None = Field(None, description="one round only (default: every round)")


class ReportCsvQuery(ReportQuery):
    level: Literal["summary", "teachers"] = Field("summary", description="summary: the figures by context; teachers: one pseudonymised row per teacher (analysts only)")


class ReportOut(BaseModel):
    round_id: int | None
    rounds: list[dict[str, Any]]
    scale: str
    reading: str
    not_causal: str
    interval: str
    k: int = Field(description="cells with fewer teachers show no figures")
    contexts: dict[str, str]
    measures: dict[str, str]
    summary: list[dict[str, Any]] = Field(description="per context and measure: n, before, after, change (points, positive is better), ci_low, ci_high, suppressed")
    rates: list[dict[str, Any]] = Field(description="per round: members, before, after, both, and their rates")
    confidence: float


@questionnaire_bp.get("/<int:round_id>/<phase>", responses={200: QuestionnaireOut, 404: None})
def get_questionnaire(path: QuestionnairePath) -> Response:
    """My before/after questionnaire for a round: the questions and my answers so far (teachers in the round's groups)."""
    user = auth.require("teacher")
    return respond(QuestionnaireOut.model_validate(svc.get_questionnaire(user, path.round_id, path.phase).to_dict()))


@questionnaire_bp.put("/<int:round_id>/<phase>", responses={200: QuestionnaireOut, 404: None, 409: None, 422: None})
def put_questionnaire(path: QuestionnairePath, body: AnswersIn) -> Response:
    """Answer (or answer again) my questionnaire; 'after' opens 14 days before the round ends, 'before' closes then."""
    user = auth.require("teacher")
    return respond(QuestionnaireOut.model_validate(svc.answer(user, path.round_id, path.phase, body.answers).to_dict()))


@report_bp.get("/report", responses={200: ReportOut})
def get_report(query: ReportQuery) -> Response:
    """Evidence of change: paired before/after change by context with 95% intervals, and response rates (coordinators, analysts)."""
    user = auth.require("coordinator", "analyst")
    return respond(ReportOut.model_validate(report_svc.report_for(user, query.round_id).to_dict()))


@report_bp.get("/report.csv", responses={200: CSV_RESPONSE})
def get_report_csv(query: ReportCsvQuery) -> Response:
    """The report as CSV: the figures by context (default), or one pseudonymised row per teacher (analysts)."""
    user = auth.require("coordinator", "analyst")
    if query.level == "teachers":
        return csv_response(report_svc.teachers_csv(user, query.round_id), "programme-report-teachers.csv")
    return csv_response(report_svc.summary_csv(user, query.round_id), "programme-report.csv")
