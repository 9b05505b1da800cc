"""Erasure records: an erased teacher stays erased.

When a teacher is erased (:func:`service.services.gdpr.erase_teacher`), two keyed hashes
are kept: one of the programme and the teacher id, one of the programme and the
normalised email. Every import (API, pages, ``peermatch init --load-samples``) skips a row
that matches either and reports it; nothing readable about the teacher is kept.

The key is ``PEERMATCH_ERASURE_KEY`` or, when that is empty, ``instance/erasure_key``
(created on first use), never ``SECRET_KEY``: rotating the session key must not lift
erasures. Without the key a digest cannot be turned back into an id or an email, nor
checked against a guess.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from matcher.profiles.teacher import TeacherProfile

from ..config import load_or_create_secret_key
from ..models import Erasure

__all__ = ["ERASED_MESSAGE", "digests", "record_erasure", "erased_ids"]

ERASED_MESSAGE = "erased at the teacher's request; skipped"
_BATCH = 500


def _key() -> bytes:
    app = current_app
    key = app.config.get("PEERMATCH_ERASURE_KEY") or ""
    if not key:
        key = app.config["PEERMATCH_ERASURE_KEY"] = load_or_create_secret_key(app.instance_path, "erasure_key")
    return key.encode("utf-8")


def _digest(key: bytes, kind: str, programme_id: int, value: str) -> str:
    message = f"{kind}\x1f{programme_id}\x1f{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def digests(programme_id: int, teacher_id: str, email: str) -> list[tuple[str, str]]:
    """``(kind, digest)`` pairs that recognise this teacher in this programme.

    The email is normalised (surrounding spaces dropped, case folded); an empty email
    gives no digest.
    """
    key = _key()
    out = [("teacher", _digest(key, "teacher", programme_id, teacher_id))]
    normalised = email.strip().casefold()
    if normalised:
        out.append(("email", _digest(key, "email", programme_id, normalised)))
    return out


def record_erasure(s: Session, programme_id: int, teacher_id: str, email: str) -> None:
    """Keep the erasure record of a teacher (idempotent)."""
    pairs = digests(programme_id, teacher_id, email)
    known = set(s.execute(sa.select(Erasure.digest).where(Erasure.digest.in_([d for _, d in pairs]))).scalars())
    for kind, digest in pairs:
        if digest not in known:
            s.add(Erasure(programme_id=programme_id, kind=kind, digest=digest))
    s.flush()


def erased_ids(s: Session, programme_id: int, profiles: Iterable[TeacherProfile]) -> set[str]:
    """The ids of the profiles that match an erasure record of the programme (by id or by email)."""
    by_digest: dict[str, set[str]] = {}
    for p in profiles:
        for _, digest in digests(programme_id, p.id, p.email):
            by_digest.setdefault(digest, set()).add(p.id)
    if not by_digest:
        return set()
    wanted = list(by_digest)
    hits: set[str] = set()
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        query = sa.select(Erasure.digest).where(Erasure.programme_id == programme_id, Erasure.digest.in_(chunk))
        for digest in s.execute(query).scalars():
            hits |= by_digest[digest]
    return hits
