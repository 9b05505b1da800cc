"""Who is asking: Bearer API tokens and server-side sessions.

A request is authenticated by an ``Authorization: Bearer <token>`` header (tokens are
stored as SHA-256 hashes, expire and can be revoked) or, for the pages, by the session
cookie set by :func:`login_user`. The cookie (signed) carries only a random 256-bit
session id; the ``user_sessions`` row it names (stored as a SHA-256) says whose session
it is, and the session ends when that row is revoked or deleted, after
``PEERMATCH_SESSION_MAX_SECONDS`` from sign-in or ``PEERMATCH_SESSION_IDLE_SECONDS``
without a request. An ``Authorization`` header that is present must hold a valid token:
it never falls back to the cookie.

Views call :func:`require` with the roles allowed; resource checks ("is this teacher
yours?") live in ``service.services``. Every ``/api/v1`` operation except the public ones
authenticates before its body is validated, so an anonymous caller gets 401, not 422.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm
from flask import Flask, current_app, g, request, session

from matcher.profiles.phrases import with_article

from . import db
from .models import User, UserSession, utcnow
from .problems import Problem

__all__ = [
    "Identity",
    "current_user",
    "require",
    "login_user",
    "logout_user",
    "end_sessions",
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


# Plain SQL for the per-request lookups: building SQLAlchemy expressions costs more than
# the query itself on the hot path.
_BY_TOKEN = sa.text(
    "SELECT u.id, u.username, u.role, u.programme_id, u.teacher_id FROM api_tokens k "
    "JOIN users u ON u.id = k.user_id WHERE k.token_hash = :h AND u.active AND k.revoked_at IS NULL "
    "AND (k.expires_at IS NULL OR k.expires_at > :now)"
).bindparams(sa.bindparam("now", type_=sa.DateTime(timezone=True)))
_BY_SESSION = sa.text(
    "SELECT u.id, u.username, u.role, u.programme_id, u.teacher_id, s.id AS session_id, s.last_seen_at FROM user_sessions s "
    "JOIN users u ON u.id = s.user_id WHERE s.token_hash = :h AND u.active AND s.revoked_at IS NULL AND s.role = u.role "
    "AND s.created_at > :born AND s.last_seen_at > :seen AND s.created_at >= u.created_at"
).bindparams(sa.bindparam("born", type_=sa.DateTime(timezone=True)), sa.bindparam("seen", type_=sa.DateTime(timezone=True)))
# ``last_seen_at`` is written at most this often (a write per request would serialise
# every page view on SQLite).
_TOUCH_SECONDS = 60
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="peermatch"'}


def _from_token(token: str) -> Identity | None:
    row = db.session().connection().execute(_BY_TOKEN, {"h": hash_token(token), "now": utcnow()}).first()
    if row is None:
        return None
    return Identity(row.id, row.username, row.role, row.programme_id, row.teacher_id, via="token")


def _from_session() -> Identity | None:
    sid = session.get("sid")
    if not isinstance(sid, str):
        return None
    now = utcnow()
    config = current_app.config
    conn = db.session().connection()
    row = conn.execute(
        _BY_SESSION,
        {
            "h": hash_token(sid),
            "born": now - timedelta(seconds=config["PEERMATCH_SESSION_MAX_SECONDS"]),
            "seen": now - timedelta(seconds=config["PEERMATCH_SESSION_IDLE_SECONDS"]),
        },
    ).first()
    if row is None:
        return None
    if (now - _as_utc(row.last_seen_at)).total_seconds() > _TOUCH_SECONDS:
        conn.execute(sa.update(UserSession).where(UserSession.id == row.session_id).values(last_seen_at=now))
    return Identity(row.id, row.username, row.role, row.programme_id, row.teacher_id, via="session")


def _as_utc(value: datetime | str) -> datetime:
    """A timestamp from a plain-SQL row (SQLite hands back text) as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def current_user() -> Identity | None:
    """The account behind this request, or ``None``.

    An ``Authorization`` header that is present, even empty, must carry a valid Bearer
    token: otherwise 401 (the session cookie is not consulted).
    """
    if "identity" in g:
        known: Identity | None = g.identity
        return known
    identity = None
    if "Authorization" in request.headers:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, "Use 'Authorization: Bearer <token>'.", headers=_CHALLENGE)
        identity = _from_token(token.strip())
        if identity is None:
            raise Problem(401, "Unknown, expired or revoked API token.", headers={"WWW-Authenticate": 'Bearer realm="peermatch", error="invalid_token"'})
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
    """Start a server-side session for ``user`` (a fresh session id, so a fixed one cannot be reused)."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    # Forget this user's ended sessions (they can never be used again).
    born = now - timedelta(seconds=current_app.config["PEERMATCH_SESSION_MAX_SECONDS"])
    db.session().execute(
        sa.delete(UserSession).where(UserSession.user_id == user.id, sa.or_(UserSession.revoked_at.is_not(None), UserSession.created_at <= born))
    )
    db.session().add(UserSession(user_id=user.id, token_hash=hash_token(sid), role=user.role, created_at=now, last_seen_at=now))
    db.session().flush()
    session.clear()
    session["sid"] = sid
    session.permanent = True
    g.pop("identity", None)


def end_sessions(s: orm.Session, user_id: int) -> int:
    """Revoke every open session of one user; returns how many were open.

    Called on sign-out, password and role changes and deactivation (erasure deletes the
    user row, and its sessions with it).
    """
    stmt = sa.update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None)).values(revoked_at=utcnow())
    # an UPDATE answers a CursorResult (Session.execute is typed for the general Result)
    result = cast("sa.CursorResult[Any]", s.execute(stmt))
    return result.rowcount or 0


def logout_user() -> None:
    """End the signed-in user's sessions (server side) and clear the cookie."""
    identity = g.get("identity")
    if identity is None and "Authorization" not in request.headers:
        identity = _from_session()
    if identity is not None and identity.via == "session":
        end_sessions(db.session(), identity.user_id)
    session.clear()
    g.pop("identity", None)


def _authenticate_api() -> None:
    """For ``/api/v1``: resolve the caller before the request body is validated (401, not 422)."""
    if not request.path.startswith("/api/v1/") or request.endpoint is None:
        return
    # Operation ids are the view functions' names.
    from .openapi import PUBLIC_OPERATIONS

    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "__name__", "") in PUBLIC_OPERATIONS or not request.endpoint.startswith("api."):
        return
    require()


def init_app(app: Flask) -> None:
    """Session lifetime, the 401-first hook for the API and the template helper for the pages."""
    app.permanent_session_lifetime = timedelta(seconds=app.config["PEERMATCH_SESSION_MAX_SECONDS"])
    proxies = app.config["PEERMATCH_PROXY_COUNT"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.before_request(_authenticate_api)
    app.jinja_env.globals.setdefault("current_user", current_user)
