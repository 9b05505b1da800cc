"""``/api/v1/cohort-runs``: generate groups in the background, review, adjust, export."""

from __future__ import annotations

from typing import Any, cast

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from .. import auth
from ..models import CohortRun
from ..services import cohort_edits, cohort_export, cohort_review, cohort_runs, publish
from ..services.cohort_review import Review
from .common import CSV_RESPONSE, SECURITY, csv_response, operation_id, page_out, respond
from .cohort_schemas import (
    ApproveIn, CohortResultOut, CohortRunIn, CohortRunList, CohortRunOut, GroupPath, IfMatch, LostGroup, MoveIn, RepairIn, RunError, RunPath, RunStatus,
)
from .schemas import PageQuery

bp = APIBlueprint("cohort_runs", __name__, operation_id_callback=operation_id, url_prefix="/cohort-runs", abp_tags=[Tag(name="cohort runs")], abp_security=SECURITY)

_ETAG = {"ETag": {"description": "the run's version, for If-Match", "schema": {"type": "string"}}}
ACCEPTED = {
    "description": "Accepted: the run is queued; poll the Location",
    "headers": {"Location": {"description": "the run", "schema": {"type": "string"}, "required": True}, **_ETAG},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CohortRunOut"}}},
}


def run_out(run: CohortRun, *, review: Review | None = None, preview: bool = False, summary: bool = False) -> CohortRunOut:
    """The run as the API shows it; ``result`` is its grouping explained on read (or ``review``).

    ``summary`` leaves out ``result`` and ``lost_members`` (lists: explaining every run on a
    page would cost about a second per run of 1,000 teachers)."""
    if review is None and run.status == "done" and run.result and not summary:
        review = cohort_review.review_of(run)
    return CohortRunOut(
        id=run.id,
        status=cast(RunStatus, run.status),  # one of models.RUN_STATUSES (pydantic checks it again)
        progress=run.progress,
        version=run.version,
        params=run.params,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        result=CohortResultOut.model_validate(review.result_dict()) if review is not None else None,
        error=None if run.error is None else RunError.model_validate(run.error),
        preview=preview,
        lost_members=[] if summary else [LostGroup(**x) for x in cohort_review.lost_members(run)],
        round_id=run.round_id,
        published_at=run.published_at,
    )


def _respond_run(run: CohortRun, status: int = 200, **kwargs: Any) -> Response:
    headers = {"ETag": cohort_runs.etag(run)}
    if status == 202:
        headers["Location"] = f"/api/v1/cohort-runs/{run.id}"
    return respond(run_out(run, **kwargs), status, headers)


@bp.get("", responses={200: CohortRunList})
def list_runs(query: PageQuery) -> Response:
    """My programme's cohort runs, newest first (coordinators); each without its ``result``
    (GET the run for its groups)."""
    user = auth.require("coordinator")
    page = cohort_runs.list_runs(user, page=query.page, per_page=query.per_page)
    return respond(page_out(CohortRunList, page, lambda run: run_out(run, summary=True)))


@bp.post("", responses={202: ACCEPTED, 503: None})
def create_run(body: CohortRunIn) -> Response:
    """Generate peer groups for my programme in the background; answers 202 with the run's Location."""
    user = auth.require("coordinator")
    run = cohort_runs.create_run(user, body.model_dump())
    return _respond_run(run, 202)


@bp.get("/<int:run_id>", responses={200: CohortRunOut})
def get_run(path: RunPath) -> Response:
    """A run: status, and when done its groups and figures. The ETag header is its version."""
    user = auth.require("coordinator")
    return _respond_run(cohort_runs.get_run_for(user, path.run_id))


@bp.post("/<int:run_id>/groups/<int:group>/approve", responses={200: CohortRunOut, 404: None, 409: None, 428: None})
def approve_group(path: GroupPath, body: ApproveIn, header: IfMatch) -> Response:
    """Approve (lock) group number ``group`` (1 is the first, as people see it), or release it with approved=false. Needs If-Match or version."""
    user = auth.require("coordinator")
    run = cohort_edits.set_approval(user, path.run_id, path.group, body.approved, if_match=header.if_match, version=body.version)
    return _respond_run(run)


@bp.post("/<int:run_id>/moves", responses={200: CohortRunOut, 409: None, 428: None})
def move_member(path: RunPath, body: MoveIn, header: IfMatch) -> Response:
    """Move a member to another group (to_group: the group's number, 1 is the first, as people see it); the answer has the new figures and the rules the move breaks. dry_run previews without saving."""
    user = auth.require("coordinator")
    run, review = cohort_edits.move(user, path.run_id, body.teacher_id, body.to_group, dry_run=body.dry_run, if_match=header.if_match, version=body.version)
    return _respond_run(run, review=review, preview=body.dry_run)


@bp.post("/<int:run_id>/repair", responses={200: CohortRunOut, 409: None, 428: None})
def repair_run(path: RunPath, body: RepairIn, header: IfMatch) -> Response:
    """Re-optimise after drop-outs or late joiners, keeping approved groups as they are.

    Members erased since the run count as dropped: with an empty body, this refills the
    groups listed in the run's ``lost_members``.
    """
    user = auth.require("coordinator")
    run = cohort_edits.repair(user, path.run_id, body.dropped, body.joined, body.seconds, if_match=header.if_match, version=body.version)
    return _respond_run(run)


@bp.get("/<int:run_id>/export", responses={200: CSV_RESPONSE, 409: None})
def export_run(path: RunPath) -> Response:
    """The groups as CSV, one row per member (pseudonymised for analysts)."""
    user = auth.require("coordinator", "analyst")
    return csv_response(cohort_export.export_csv(user, path.run_id), f"cohort-run-{path.run_id}.csv")


class PublishIn(BaseModel):
    version: int | None = Field(None, description="the run's version, instead of If-Match")


class PublishOut(BaseModel):
    run_id: int
    version: int
    published_at: str
    groups: int = Field(description="groups published")
    messages: int = Field(description="messages queued in the outbox (one per member)")
    pairs: int = Field(description="groupmate pairs recorded in the round's history")


@bp.post("/<int:run_id>/publish", responses={200: PublishOut, 409: None, 422: None, 428: None})
def publish_run(path: RunPath, body: PublishIn, header: IfMatch) -> Response:
    """Publish a round's finished run: lock it, record the groupmate history, tell every member (one transaction). Needs If-Match or version."""
    user = auth.require("coordinator")
    done = publish.publish_run(user, path.run_id, if_match=header.if_match, version=body.version)
    published_at = done.run.published_at.isoformat() if done.run.published_at else ""
    out = PublishOut(run_id=done.run.id, version=done.run.version, published_at=published_at, groups=done.groups, messages=done.messages, pairs=done.pairs)
    return respond(out, 200, {"ETag": cohort_runs.etag(done.run)})
