"""Reference data: schools and practice examples (loading, listing, lookup)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matcher.errors import Issue
from matcher.places.schools import load_schools
from matcher.profiles.themes import THEMES

from .. import db
from ..models import Base, PracticeExample, School
from ..problems import Problem
from .common import Page, paginate

__all__ = [
    "load_schools_into",
    "load_practice_into",
    "list_schools",
    "get_school",
    "list_examples",
    "get_example",
]

_SCHOOL_COLUMNS = {c.key for c in School.__table__.columns}


def _upsert(s: Session, model: type[Base], key: str, records: list[dict[str, Any]]) -> tuple[int, int]:
    """Insert new rows and update changed ones, matched on ``key``; returns ``(added, changed)``."""
    added = changed = 0
    stored = {getattr(x, key): x for x in s.execute(sa.select(model)).scalars()}
    for values in records:
        row = stored.get(values[key])
        if row is None:
            s.add(model(**values))
            added += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed += 1
    s.flush()
    return added, changed


def load_schools_into(s: Session) -> tuple[int, int]:
    """Insert or update every school of the shipped table; returns ``(added, changed)``."""
    records = [{k: v for k, v in asdict(x).items() if k in _SCHOOL_COLUMNS} for x in load_schools().values()]
    return _upsert(s, School, "urn", records)


def load_practice_into(s: Session) -> tuple[int, int]:
    """Insert or update the practice catalogue; returns ``(added, changed)``."""
    from matcher.practice.catalogue import load_catalogue

    return _upsert(s, PracticeExample, "id", [example.to_dict() for example in load_catalogue()])


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_schools(*, page: int, per_page: int, q: str | None = None, local_authority: str | None = None) -> Page:
    """Schools by name, optionally filtered."""
    query = sa.select(School)
    if q:
        query = query.where(School.name.ilike(_like(q), escape="\\"))
    if local_authority:
        query = query.where(School.local_authority == local_authority)
    return paginate(db.session(), query.order_by(School.name, School.urn), page, per_page)


def get_school(urn: int) -> School:
    """One school; 404 if unknown."""
    school = db.session().get(School, urn)
    if school is None:
        raise Problem(404, f"There is no school with URN {urn}.")
    return school


def list_examples(
    *, page: int, per_page: int, q: str | None = None, theme: str | None = None, key_stage: str | None = None, context: str | None = None
) -> Page:
    """Practice examples matching a free-text query and filters, in id order."""
    query = sa.select(PracticeExample)
    if q:
        like = _like(q)
        query = query.where(sa.or_(PracticeExample.title.ilike(like, escape="\\"), PracticeExample.summary.ilike(like, escape="\\")))
    if theme:
        if theme not in THEMES:
            raise Problem(422, f"unknown theme {theme!r}", errors=[Issue(None, "theme", theme, "unknown theme")])
        query = query.where(sa.cast(PracticeExample.themes, sa.Text).like(f'%"{theme}"%'))
    if key_stage:
        query = query.where(sa.cast(PracticeExample.key_stages, sa.Text).like(f'%"{key_stage}"%'))
    if context:
        query = query.where(sa.cast(PracticeExample.contexts, sa.Text).like(f'%"{context}"%'))
    return paginate(db.session(), query.order_by(PracticeExample.id), page, per_page)


def get_example(example_id: str) -> PracticeExample:
    """One practice example; 404 if unknown."""
    example = db.session().get(PracticeExample, example_id)
    if example is None:
        raise Problem(404, f"There is no practice example with id {example_id!r}.")
    return example
