"""Programmes, accounts, API tokens and rate-limited sign-in."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..auth import hash_token, new_token
from ..models import ROLES, ApiToken, LoginAttempt, Programme, Teacher, User, utcnow
from ..problems import Problem

__all__ = [
    "get_or_create_programme",
    "create_user",
    "set_password",
    "create_token",
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
        teacher = s.get(Teacher, teacher_id) if teacher_id else None
        if teacher is None or teacher.programme_id != programme.id:
            raise Problem(422, f"a teacher account needs the id of a teacher in programme {programme.name!r}; got {teacher_id!r}")
    elif teacher_id:
        raise Problem(422, "only teacher accounts are linked to a teacher profile")
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
    """Replace the user's password (stored hashed)."""
    user.password_hash = _hash(password)


def create_token(s: Session, user: User, name: str = "") -> str:
    """Create an API token for ``user`` and return it; only its hash is stored."""
    token = new_token()
    s.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10], name=name[:100]))
    s.flush()
    return token


def _recent_failures(s: Session, column, value: str) -> int:
    since = utcnow() - timedelta(seconds=current_app.config["PEERMATCH_LOGIN_WINDOW_SECONDS"])
    return s.execute(
        sa.select(sa.func.count()).select_from(LoginAttempt).where(column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    ).scalar_one()


def authenticate(s: Session, username: str, password: str, address: str) -> User:
    """Check a user name and password, counting failures.

    After ``PEERMATCH_LOGIN_MAX_FAILURES`` failures for one user name (or four times as
    many from one address) within ``PEERMATCH_LOGIN_WINDOW_SECONDS``, sign-in is refused
    with 429 until the window has passed, even with the right password.

    The failed attempt is recorded in its own short transaction, so it counts even though
    the request ends with an error (which rolls the request's transaction back).

    Raises
    ------
    Problem
        401 for a wrong user name or password (the message does not say which), 429 when
        rate-limited.
    """
    limit = current_app.config["PEERMATCH_LOGIN_MAX_FAILURES"]
    window = current_app.config["PEERMATCH_LOGIN_WINDOW_SECONDS"]
    username = (username or "")[:USERNAME_MAX]
    address = (address or "unknown")[:64]
    if _recent_failures(s, LoginAttempt.username, username) >= limit or _recent_failures(s, LoginAttempt.address, address) >= 4 * limit:
        raise Problem(429, f"Too many failed sign-ins; wait {window // 60} minutes and try again.", headers={"Retry-After": str(window)})
    user = s.execute(sa.select(User).where(User.username == username, User.active.is_(True))).scalar_one_or_none()
    if "h" not in _DUMMY_HASH:
        _DUMMY_HASH["h"] = _hash("not a password")
    ok = check_password_hash(user.password_hash if user and user.password_hash else _DUMMY_HASH["h"], password or "")
    ok = ok and user is not None and user.password_hash is not None
    from .. import db

    with db.new_session(current_app._get_current_object()) as log_session:
        log_session.add(LoginAttempt(username=username, address=address, succeeded=ok))
    if not ok:
        raise Problem(401, "Wrong user name or password.")
    return user
