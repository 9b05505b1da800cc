"""Small helpers shared by the services: paging, version bumps, text checks, pseudonyms."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from matcher.errors import Issue

from ..models import Programme, Teacher
from ..problems import Problem

__all__ = ["Page", "teacher_by_id", "paginate", "bump_profiles", "bump_decisions", "nul_issues", "pseudonym", "programme_versions", "check_if_match"]


@dataclass(frozen=True)
class Page:
    """One page of a listing."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def teacher_by_id(s: Session, programme_id: int, teacher_id: str | None) -> Teacher | None:
    """The teacher with ``teacher_id`` in ``programme_id``, or ``None``.

    Teacher ids are per programme (two programmes may each have a "t-001"): every lookup
    by an id a client sent goes through here, with the caller's programme.
    """
    if not teacher_id:
        return None
    return s.get(Teacher, (programme_id, teacher_id))


def paginate(s: Session, query: sa.Select[Any], page: int, per_page: int) -> Page:
    """Run ``query`` for one page, capping ``per_page`` at ``PEERMATCH_PER_PAGE_MAX``."""
    per_page = max(1, min(per_page, current_app.config["PEERMATCH_PER_PAGE_MAX"]))
    page = max(1, page)
    total = s.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    items = list(s.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars())
    return Page(items=items, total=total, page=page, per_page=per_page)


def bump_profiles(s: Session, programme_id: int) -> None:
    """Mark every stored suggestion of the programme stale (a profile changed)."""
    s.execute(sa.update(Programme).where(Programme.id == programme_id).values(profiles_version=Programme.profiles_version + 1))


def bump_decisions(s: Session, programme_id: int) -> None:
    """Note that someone accepted or declined (cached peer lists are re-rendered)."""
    s.execute(sa.update(Programme).where(Programme.id == programme_id).values(decisions_version=Programme.decisions_version + 1))


def programme_versions(s: Session, programme_id: int) -> tuple[int, int]:
    """``(profiles_version, decisions_version)`` of a programme."""
    row = s.execute(sa.select(Programme.profiles_version, Programme.decisions_version).where(Programme.id == programme_id)).one()
    return row[0], row[1]


def nul_issues(record: Mapping[str, Any], row: int | None = None) -> list[Issue]:
    """Issues for text containing NUL characters (PostgreSQL cannot store them)."""
    issues = []
    for key, value in record.items():
        values: Iterable[Any] = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            issues.append(Issue(row, key, None, "must not contain NUL characters"))
    return issues


def pseudonym(teacher_id: str) -> str:
    """A stable pseudonym for a teacher id, keyed by the app's secret key.

    The same id always gives the same pseudonym within one instance, so analysts can
    join exports, but the id cannot be recovered without the key.
    """
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(key, teacher_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"p-{digest[:12]}"


def check_if_match(tag: str, current: int, if_match: str | None, version: int | None, *, what: str) -> int:
    """The version a client edits from: its ``If-Match`` ETag or the ``version`` it sent.

    ``tag`` is the resource's current ETag and ``current`` its version; ``what`` names
    it in messages ("your profile", "the run").

    Raises
    ------
    Problem
        428 when neither is given, 409 (with the current ETag) when it is not current.
    """
    expected = None
    if if_match:
        for sent in (t.strip() for t in if_match.split(",")):
            if sent == "*" or sent.removeprefix("W/") == tag:
                expected = current
        if expected is None:
            raise Problem(409, f"{what[0].upper()}{what[1:]} has changed since you loaded it (now {tag}); reload it and redo your change.", headers={"ETag": tag})
    elif version is not None:
        expected = version
    else:
        raise Problem(428, f"Send If-Match with the ETag of {what} (or 'version' in the body), so that concurrent edits cannot overwrite each other.")
    if expected != current:
        raise Problem(409, f"{what[0].upper()}{what[1:]} has changed since you loaded it (version {current}, you sent {expected}); reload it and redo your change.", headers={"ETag": tag})
    return expected
