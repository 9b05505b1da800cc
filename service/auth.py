"""Who is asking: Bearer API tokens and session sign-in.

A request is authenticated by an ``Authorization: Bearer <token>`` header (tokens are
stored as SHA-256 hashes) or, for the pages, by the signed session cookie set by
:func:`login_user`. Views call :func:`require` with the roles allowed; resource checks
("is this teacher yours?") live in ``service.services``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, g, request, session

from matcher.profiles.phrases import with_article

from . import db
from .models import User
from .problems import Problem

__all__ = [
    "Identity",
    "current_user",
    "require",
    "login_user",
    "logout_user",
    "new_token",
    "hash_token",
    "TOKEN_PREFIX",
    "init_app",
]

TOKEN_PREFIX = "pm_"


@dataclass(frozen=True)
class Identity:
    """The signed-in account, as plain values (no ORM object leaves the request)."""

    user_id: int
    username: str
    role: str
    programme_id: int
    teacher_id: str | None
    via: str  # "token" or "session"

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    @property
    def is_teacher(self) -> bool:
        return self.role == "teacher"

    @property
    def is_analyst(self) -> bool:
        return self.role == "analyst"


def hash_token(token: str) -> str:
    """SHA-256 hex of a token (tokens are long and random, so a fast hash is enough)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random API token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


_COLUMNS = (User.id, User.username, User.role, User.programme_id, User.teacher_id)
# Plain SQL for the per-request lookups: building SQLAlchemy expressions costs more than
# the query itself on the hot path.
_BY_TOKEN = sa.text(
    "SELECT u.id, u.username, u.role, u.programme_id, u.teacher_id FROM api_tokens k "
    "JOIN users u ON u.id = k.user_id WHERE k.token_hash = :h AND u.active"
)
_BY_ID = sa.text("SELECT u.id, u.username, u.role, u.programme_id, u.teacher_id FROM users u WHERE u.id = :id AND u.active")


def _from_token(token: str) -> Identity | None:
    row = db.session().connection().execute(_BY_TOKEN, {"h": hash_token(token)}).first()
    return Identity(*row, via="token") if row else None


def _from_session() -> Identity | None:
    user_id = session.get("user_id")
    if not isinstance(user_id, int):
        return None
    row = db.session().connection().execute(_BY_ID, {"id": user_id}).first()
    if row is None or session.get("role") != row.role:
        return None
    return Identity(*row, via="session")


def current_user() -> Identity | None:
    """The account behind this request, or ``None``. A malformed or unknown token gives 401."""
    if "identity" in g:
        return g.identity
    identity = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, "Use 'Authorization: Bearer <token>'.", headers={"WWW-Authenticate": 'Bearer realm="peermatch"'})
        identity = _from_token(token.strip())
        if identity is None:
            raise Problem(401, "Unknown or revoked API token.", headers={"WWW-Authenticate": 'Bearer realm="peermatch", error="invalid_token"'})
    else:
        identity = _from_session()
    g.identity = identity
    return identity


def require(*roles: str) -> Identity:
    """The signed-in account if its role is one of ``roles`` (any role when none given).

    Raises
    ------
    Problem
        401 when nobody is signed in, 403 when the role is not allowed.
    """
    identity = current_user()
    if identity is None:
        raise Problem(401, "Sign in, or send an API token.", headers={"WWW-Authenticate": 'Bearer realm="peermatch"'})
    if roles and identity.role not in roles:
        raise Problem(403, f"This needs the {' or '.join(roles)} role; you are signed in as {with_article(identity.role)}.")
    return identity


def login_user(user: User) -> None:
    """Start a session for ``user`` (a fresh session, so a fixed session id cannot be reused)."""
    session.clear()
    session["user_id"] = user.id
    session["role"] = user.role
    session.permanent = True
    g.pop("identity", None)


def logout_user() -> None:
    """End the session."""
    session.clear()
    g.pop("identity", None)


def init_app(app: Flask) -> None:
    """Nothing to register yet beyond the template helper for the pages."""
    app.jinja_env.globals.setdefault("current_user", current_user)
