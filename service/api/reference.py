"""``/api/v1/me``, ``/themes``, ``/schools`` and ``/practice-examples``."""

from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from matcher.practice import catalogue
from matcher.profiles.themes import THEME_GROUPS, THEMES

from .. import auth, db
from ..models import PracticeExample, Programme, School
from ..services import analyst
from ..services import reference as svc
from .common import SECURITY, operation_id, page_out, respond
from .schemas import (
    ExampleList,
    ExampleOut,
    ExamplePath,
    ExampleQuery,
    MeOut,
    SchoolList,
    SchoolOut,
    SchoolPath,
    SchoolQuery,
    ThemeOut,
    ThemesOut,
)

bp = APIBlueprint("reference", __name__, operation_id_callback=operation_id, abp_tags=[Tag(name="reference")], abp_security=SECURITY)

_THEMES = ThemesOut(groups=list(THEME_GROUPS), items=[ThemeOut(id=t.id, label=t.label, description=t.description, group=t.group) for t in THEMES.values()])


def _school(s: School) -> SchoolOut:
    return SchoolOut.model_validate(s, from_attributes=True)


def example_out(e: PracticeExample | catalogue.PracticeExample, *, for_analyst: bool = False) -> ExampleOut:
    out = ExampleOut.model_validate(e, from_attributes=True)
    if for_analyst:  # analysts see pseudonyms, never teacher ids
        out = out.model_copy(update={"author_teacher_id": analyst.author(out.author_teacher_id)})
    return out


@bp.get("/me", responses={200: MeOut})
def me() -> Response:
    """Who I am signed in as."""
    user = auth.require()
    programme = db.session().get_one(Programme, user.programme_id)
    return respond(MeOut(username=user.username, role=user.role, programme_id=user.programme_id, programme=programme.name, teacher_id=user.teacher_id))


@bp.get("/themes", responses={200: ThemesOut}, security=[])
def themes() -> Response:
    """The vocabulary of practice themes used by interests, challenges, strengths and examples."""
    return respond(_THEMES)


@bp.get("/schools", responses={200: SchoolList})
def list_schools(query: SchoolQuery) -> Response:
    """Schools of the shipped table (public DfE/Ofsted data)."""
    auth.require()
    return respond(page_out(SchoolList, svc.list_schools(page=query.page, per_page=query.per_page, q=query.q, local_authority=query.local_authority), _school))


@bp.get("/schools/<int:urn>", responses={200: SchoolOut})
def get_school(path: SchoolPath) -> Response:
    """One school by URN."""
    auth.require()
    return respond(_school(svc.get_school(path.urn)))


@bp.get("/practice-examples", responses={200: ExampleList})
def list_examples(query: ExampleQuery) -> Response:
    """Search the practice examples by words, theme, key stage and school context."""
    user = auth.require()
    page = svc.list_examples(page=query.page, per_page=query.per_page, q=query.q, theme=query.theme, key_stage=query.key_stage, context=query.context)
    return respond(page_out(ExampleList, page, lambda e: example_out(e, for_analyst=user.is_analyst)))


@bp.get("/practice-examples/<example_id>", responses={200: ExampleOut})
def get_example(path: ExamplePath) -> Response:
    """One practice example."""
    user = auth.require()
    return respond(example_out(svc.get_example(path.example_id), for_analyst=user.is_analyst))
