"""Programmes, accounts, API tokens and throttled sign-in.

Changing a password or a role and deactivating an account end every session of that
user (deactivation also revokes their API tokens). Sign-in is throttled per (address,
user name): a forgotten password or an attacker slows down that pair only, never the
same user signing in from elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..auth import end_sessions, hash_token, new_token
from ..models import ROLES, ApiToken, LoginAttempt, Programme, User, utcnow
from ..problems import Problem
from .common import teacher_by_id
from .passwords import check_password

__all__ = [
    "get_or_create_programme",
    "create_user",
    "set_password",
    "set_role",
    "deactivate_user",
    "create_token",
    "list_tokens",
    "revoke_token",
    "TokenInfo",
    "authenticate",
    "USERNAME_MAX",
]

USERNAME_MAX = 80
# A hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH: dict[str, str] = {}


def get_or_create_programme(s: Session, name: str) -> Programme:
    """The programme called ``name``, created if missing."""
    programme = s.execute(sa.select(Programme).where(Programme.name == name)).scalar_one_or_none()
    if programme is None:
        programme = Programme(name=name)
        s.add(programme)
        s.flush()
    return programme


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PEERMATCH_PASSWORD_METHOD"])


def create_user(
    s: Session,
    username: str,
    role: str,
    programme: Programme,
    *,
    password: str | None = None,
    teacher_id: str | None = None,
) -> User:
    """Create an account; a teacher account must name a teacher of the same programme.

    Raises
    ------
    Problem
        409 when the user name is taken, 422 for an unknown role or teacher.
    """
    if role not in ROLES:
        raise Problem(422, f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if not username or len(username) > USERNAME_MAX or not username.isprintable():
        raise Problem(422, f"a user name must be 1-{USERNAME_MAX} printable characters")
    if s.execute(sa.select(User.id).where(User.username == username)).first():
        raise Problem(409, f"user name {username!r} is taken")
    if role == "teacher":
        teacher = teacher_by_id(s, programme.id, teacher_id)
        if teacher is None:
            raise Problem(422, f"a teacher account needs the id of a teacher in programme {programme.name!r}; got {teacher_id!r}")
    elif teacher_id:
        raise Problem(422, "only teacher accounts are linked to a teacher profile")
    if password is not None:
        check_password(password, username=username)
    user = User(
        username=username,
        role=role,
        programme_id=programme.id,
        teacher_id=teacher_id if role == "teacher" else None,
        password_hash=_hash(password) if password else None,
    )
    s.add(user)
    s.flush()
    return user


def set_password(s: Session, user: User, password: str) -> None:
    """Replace the user's password (stored hashed) and end all their sessions.

    Raises
    ------
    Problem
        422 when the password breaks the policy (see :mod:`service.services.passwords`).
    """
    email = ""
    if user.teacher_id:
        teacher = teacher_by_id(s, user.programme_id, user.teacher_id)
        email = teacher.email if teacher is not None else ""
    check_password(password, username=user.username, email=email)
    user.password_hash = _hash(password)
    s.flush()
    end_sessions(s, user.id)


def set_role(s: Session, user: User, role: str) -> None:
    """Change a user's role and end all their sessions (a session is for one role)."""
    if role not in ROLES:
        raise Problem(422, f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if role == "teacher" and not user.teacher_id:
        raise Problem(422, "a teacher account needs a teacher profile")
    user.role = role
    if role != "teacher":
        user.teacher_id = None
    s.flush()
    end_sessions(s, user.id)


def deactivate_user(s: Session, user: User) -> int:
    """Deactivate an account: its sessions end and its API tokens are revoked.

    Returns the number of tokens revoked.
    """
    user.active = False
    s.flush()
    end_sessions(s, user.id)
    stmt = sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    # an UPDATE answers a CursorResult (Session.execute is typed for the general Result)
    result = cast("sa.CursorResult[Any]", s.execute(stmt))
    return result.rowcount or 0


def create_token(s: Session, user: User, name: str = "", *, days: int | None = None) -> str:
    """Create an API token for ``user`` and return it; only its hash is stored.

    It expires after ``days`` (default ``PEERMATCH_TOKEN_DAYS``; 0 means never).
    """
    if days is None:
        days = current_app.config["PEERMATCH_TOKEN_DAYS"]
    if days < 0 or days > 3650:
        raise Problem(422, f"a token lives 0-3650 days (0: no expiry); got {days}")
    token = new_token()
    expires = utcnow() + timedelta(days=days) if days else None
    s.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10], name=name[:100], expires_at=expires))
    s.flush()
    return token


@dataclass(frozen=True)
class TokenInfo:
    """An API token as listed (never the token itself)."""

    id: int
    username: str
    prefix: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= utcnow():
            return "expired"
        return "active"


def list_tokens(s: Session, *, programme_id: int | None = None, username: str | None = None) -> list[TokenInfo]:
    """The API tokens of a programme's users (or of everyone), newest first."""
    query = sa.select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id.desc())
    if programme_id is not None:
        query = query.where(User.programme_id == programme_id)
    if username is not None:
        query = query.where(User.username == username)
    return [TokenInfo(k.id, name, k.prefix, k.name, k.created_at, k.expires_at, k.revoked_at) for k, name in s.execute(query)]


def revoke_token(s: Session, token_id: int, *, programme_id: int | None = None) -> TokenInfo:
    """Revoke one token (of the programme's users, when ``programme_id`` is given).

    Raises
    ------
    Problem
        404 when there is no such token (or it belongs to another programme: the same answer).
    """
    row = s.execute(sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.id == token_id)).first()
    if row is None or (programme_id is not None and row[1].programme_id != programme_id):
        raise Problem(404, f"There is no API token {token_id}.")
    token, user = row
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        s.flush()
    return TokenInfo(token.id, user.username, token.prefix, token.name, token.created_at, token.expires_at, token.revoked_at)


def _throttle(s: Session, username: str, address: str) -> None:
    """Refuse (429) an attempt that comes too soon after failures of this (address, name).

    After ``PEERMATCH_LOGIN_MAX_FAILURES`` failures of the pair since its last success
    (within the window), the next attempt must wait 1 s after the last failure, then 2 s,
    4 s ... up to ``PEERMATCH_LOGIN_MAX_DELAY_SECONDS``. One address may fail
    ``PEERMATCH_LOGIN_ADDRESS_MAX_FAILURES`` times in the window across all names.
    """
    config = current_app.config
    now = utcnow()
    window = timedelta(seconds=config["PEERMATCH_LOGIN_WINDOW_SECONDS"])
    since = now - window
    pair = (LoginAttempt.username == username, LoginAttempt.address == address)
    last_ok = s.execute(sa.select(sa.func.max(LoginAttempt.at)).where(*pair, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= since)).scalar_one()
    start = max(since, last_ok) if last_ok is not None else since
    failures, last = s.execute(
        sa.select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(*pair, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= start)
    ).one()
    limit = config["PEERMATCH_LOGIN_MAX_FAILURES"]
    if failures >= limit and last is not None:
        delay = min(config["PEERMATCH_LOGIN_MAX_DELAY_SECONDS"], 2 ** min(failures - limit, 30))
        wait = delay - (now - last).total_seconds()
        if wait > 0:
            seconds = math.ceil(wait)
            raise Problem(429, f"Too many failed sign-ins; wait {seconds} second{'s' if seconds != 1 else ''} and try again.", headers={"Retry-After": str(seconds)})
    cap = config["PEERMATCH_LOGIN_ADDRESS_MAX_FAILURES"]
    oldest_counted = s.execute(
        sa.select(LoginAttempt.at)
        .where(LoginAttempt.address == address, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
        .order_by(LoginAttempt.at.desc())
        .offset(cap - 1)
        .limit(1)
    ).scalar_one_or_none()
    if oldest_counted is not None:
        seconds = max(1, math.ceil((oldest_counted + window - now).total_seconds()))
        raise Problem(429, f"Too many failed sign-ins from your network; wait {math.ceil(seconds / 60)} minutes and try again.", headers={"Retry-After": str(seconds)})


def authenticate(s: Session, username: str, password: str, address: str) -> User:
    """Check a user name and password, counting failures (see :func:`_throttle`).

    The attempt is recorded in its own short transaction, so it counts even though the
    request ends with an error (which rolls the request's transaction back).

    Raises
    ------
    Problem
        401 for a wrong user name or password (the message does not say which), 429 with
        ``Retry-After`` when throttled.
    """
    username = (username or "")[:USERNAME_MAX]
    address = (address or "unknown")[:64]
    _throttle(s, username, address)
    user = s.execute(sa.select(User).where(User.username == username, User.active.is_(True))).scalar_one_or_none()
    if "h" not in _DUMMY_HASH:
        _DUMMY_HASH["h"] = _hash("not a password")
    ok = check_password_hash(user.password_hash if user and user.password_hash else _DUMMY_HASH["h"], password or "")
    ok = ok and user is not None and user.password_hash is not None
    from .. import db

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's target
    with db.new_session(app) as log_session:
        log_session.add(LoginAttempt(username=username, address=address, succeeded=ok))
    if not ok or user is None:  # (ok implies a user)
        raise Problem(401, "Wrong user name or password.")
    return user
