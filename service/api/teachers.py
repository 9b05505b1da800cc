"""``/api/v1/teachers``: list, get, create, update, delete, import and export."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_openapi3 import APIBlueprint, Tag

from .. import auth
from ..problems import Problem
from ..services import gdpr, peers, practice
from ..services import teachers as svc
from ..services.teacher_import import import_teachers as import_teacher_file
from .common import CSV_RESPONSE, SECURITY, csv_response, operation_id, page_out, respond, teacher_out
from .reference import example_out
from .peer_schemas import DecisionIn, PeerOut, PeersOut
from .schemas import (
    ImportOut,
    ImportQuery,
    KeptOut,
    SkippedOut,
    PeerPath,
    KQuery,
    RecommendationOut,
    RecommendationsOut,
    TeacherIfMatch,
    TeacherIn,
    TeacherList,
    TeacherOut,
    TeacherPatch,
    TeacherPath,
    TeacherQuery,
)

bp = APIBlueprint("teachers", __name__, operation_id_callback=operation_id, url_prefix="/teachers", abp_tags=[Tag(name="teachers")], abp_security=SECURITY)

IMPORT_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}, "example": "id,name,school_urn,department_size,key_stages,challenges,strengths\nt-1,Sam,100049,1,KS3,singing,composition\n"},
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
    },
}


@bp.get("", responses={200: TeacherList})
def list_teachers(query: TeacherQuery) -> Response:
    """Teachers of my programme (coordinators), with paging and filters."""
    user = auth.require("coordinator")
    page = svc.list_teachers(
        user,
        page=query.page,
        per_page=query.per_page,
        q=query.q,
        local_authority=query.local_authority,
        department_of_one=query.department_of_one,
        theme=query.theme,
        school_urn=query.school_urn,
    )
    return respond(page_out(TeacherList, page, teacher_out))


@bp.post("", responses={201: TeacherOut, 409: None})
def create_teacher(body: TeacherIn) -> Response:
    """Add a teacher to my programme (coordinators)."""
    user = auth.require("coordinator")
    t = svc.create_teacher(user, body.model_dump())
    return respond(teacher_out(t), 201, {"Location": f"/api/v1/teachers/{t.id}", "ETag": svc.etag(t)})


@bp.post("/import", responses={200: ImportOut}, openapi_extensions={"requestBody": IMPORT_BODY})
def import_teachers(query: ImportQuery) -> Response:
    """Import a CSV (or JSON list) of teachers: every row is stored, or none.

    Rows whose id already exists update that teacher, except for the teacher's own
    choices: consent is never changed, and fields the teacher edited keep their value
    unless ``overwrite_teacher_edits=true`` (listed in ``kept_teacher_values``). Rows of
    teachers erased at their request are skipped (listed in ``skipped``). When any row
    has a problem the answer is 422 with one error per problem (line, field, value,
    suggestion).
    """
    user = auth.require("coordinator")
    kind = (request.mimetype or "").lower()
    if kind == "multipart/form-data":  # an upload, as the pages send it (curl -F file=@teachers.csv)
        upload = request.files.get("file")
        if upload is None:
            raise Problem(422, "Send the file in a form field named 'file' (curl -F file=@teachers.csv).")
        raw = upload.read()
        upload_kind = (upload.mimetype or "").lower()
        kind = "application/json" if upload_kind == "application/json" or (upload.filename or "").lower().endswith(".json") else "text/csv"
    elif kind not in ("text/csv", "application/json", "text/plain"):
        raise Problem(415, "Send the file as text/csv, application/json or a multipart/form-data upload in the field 'file'.")
    else:
        raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise Problem(422, f"line {line}: the file is not UTF-8 text; in your spreadsheet use 'Save as: CSV UTF-8'.") from None
    result = import_teacher_file(user, text, fmt="json" if kind == "application/json" else "csv", overwrite_teacher_edits=query.overwrite_teacher_edits)
    return respond(
        ImportOut(
            created=result.created,
            updated=result.updated,
            total=result.total,
            kept_teacher_values=[KeptOut(row=k.row, teacher_id=k.teacher_id, fields=list(k.fields)) for k in result.kept],
            skipped=[SkippedOut(row=x.row, teacher_id=x.teacher_id, message=x.message) for x in result.skipped],
        )
    )


@bp.get("/export", responses={200: CSV_RESPONSE})
def export_teachers() -> Response:
    """All teachers of my programme as CSV: complete for coordinators, pseudonymised for analysts."""
    user = auth.require("coordinator", "analyst")
    text = svc.export_teachers_csv(user)
    return csv_response(text, "teachers-pseudonymised.csv" if user.is_analyst else "teachers.csv")


@bp.get("/<teacher_id>", responses={200: TeacherOut})
def get_teacher(path: TeacherPath) -> Response:
    """One profile: my own (teachers) or one of my programme's (coordinators). The ETag header is its version."""
    user = auth.require()
    t = svc.get_teacher_for(user, path.teacher_id)
    return respond(teacher_out(t), headers={"ETag": svc.etag(t)})


@bp.patch("/<teacher_id>", responses={200: TeacherOut, 403: None, 409: None, 428: None})
def update_teacher(path: TeacherPath, body: TeacherPatch, header: TeacherIfMatch) -> Response:
    """Change some fields of a profile; suggestions of the programme are recomputed.

    Needs If-Match with the ETag from GET (or ``version`` in the body): 428 without, 409
    when the profile changed meanwhile. Consent to share contact details is the
    teacher's own: a coordinator changing it gets 403.
    """
    user = auth.require("coordinator", "teacher")
    changes = body.model_dump(exclude_unset=True)
    version = changes.pop("version", None)
    t = svc.update_teacher(user, path.teacher_id, changes, if_match=header.if_match, version=version)
    return respond(teacher_out(t), headers={"ETag": svc.etag(t)})


@bp.delete("/<teacher_id>", responses={204: None})
def delete_teacher(path: TeacherPath) -> tuple[str, int]:
    """Erase a teacher (GDPR): profile, account and suggestions go; cohort history keeps a pseudonym."""
    user = auth.require("coordinator", "teacher")
    gdpr.erase_teacher(user, path.teacher_id)
    return "", 204


@bp.get("/<teacher_id>/practice-examples", responses={200: RecommendationsOut})
def practice_for_teacher(path: TeacherPath, query: KQuery) -> Response:
    """Practice examples for a teacher's challenges, interests and context, with reasons."""
    user = auth.require("coordinator", "teacher")
    recs = practice.recommendations_for(user, path.teacher_id, query.k)
    items = [RecommendationOut(example=example_out(r.example), score=r.score, terms=dict(r.terms), reasons=list(r.reasons)) for r in recs]
    return respond(RecommendationsOut(teacher_id=path.teacher_id, items=items))


@bp.get("/<teacher_id>/data-export", responses={200: {"description": "everything stored about the teacher", "content": {"application/json": {"schema": {"type": "object"}}}}})
def data_export(path: TeacherPath) -> Response:
    """GDPR: everything stored about a teacher, as JSON (the teacher, or their coordinator)."""
    user = auth.require("coordinator", "teacher")
    resp = jsonify(gdpr.export_teacher_data(user, path.teacher_id))
    resp.headers["Content-Disposition"] = f'attachment; filename="peermatch-data-{path.teacher_id}.json"'
    return resp


@bp.get("/<teacher_id>/peers", responses={200: PeersOut})
def peers_of_teacher(path: TeacherPath) -> Response:
    """Suggested peers with reasons, a kind ('similar' or 'new ideas') and the consent state.

    Peers the teacher declined are not suggested; they are listed under ``declined``.
    A peer's contact details appear only when both teachers accepted each other and the
    peer agreed to share them (``consent_share_contact``); otherwise ``contact_withheld``.
    """
    user = auth.require("coordinator", "teacher")
    return Response(peers.peers_json(user, path.teacher_id), mimetype="application/json")


@bp.put("/<teacher_id>/peers/<peer_id>/decision", responses={200: PeerOut})
def decide_peer(path: PeerPath, body: DecisionIn) -> Response:
    """Accept or decline a suggested peer (the teacher themselves). A declined peer is no longer suggested."""
    user = auth.require("teacher")
    return respond(PeerOut.model_validate(peers.decide(user, path.teacher_id, path.peer_id, body.decision)))


@bp.delete("/<teacher_id>/peers/<peer_id>/decision", responses={204: None})
def undo_peer_decision(path: PeerPath) -> tuple[str, int]:
    """Withdraw my answer about a peer, e.g. undo a decline: the peer can be suggested again."""
    user = auth.require("teacher")
    peers.undo(user, path.teacher_id, path.peer_id)
    return "", 204
