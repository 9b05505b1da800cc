"""``/api/v1/tokens``, ``/api/v1/users`` and ``/api/v1/me/password``: managing access.

Coordinators see and revoke the API tokens of their own programme's users and deactivate
those users; everyone else sees and revokes their own tokens only. Another programme's
token or user is answered exactly like a missing one (404).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Response, request, session
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from .. import auth, db
from ..models import User
from ..problems import Problem
from ..services import accounts
from ..services.passwords import MAX_LENGTH
from .common import SECURITY, operation_id, respond

bp = APIBlueprint("accounts", __name__, operation_id_callback=operation_id, abp_tags=[Tag(name="accounts")], abp_security=SECURITY)


class TokenOut(BaseModel):
    id: int
    username: str
    prefix: str = Field(description="the token's first characters, to tell tokens apart")
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str = Field(description="active, expired or revoked")


class TokenList(BaseModel):
    items: list[TokenOut]


class TokenPath(BaseModel):
    token_id: int = Field(ge=1, le=2**62)


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    teacher_id: str | None
    active: bool


class UserList(BaseModel):
    items: list[UserOut]


class UserPath(BaseModel):
    user_id: int = Field(ge=1, le=2**62)


class PasswordIn(BaseModel):
    model_config = {"extra": "forbid"}
    current_password: str = Field(min_length=1, max_length=MAX_LENGTH)
    new_password: str = Field(min_length=1, max_length=MAX_LENGTH * 2)


def _token_out(k: accounts.TokenInfo) -> TokenOut:
    return TokenOut(id=k.id, username=k.username, prefix=k.prefix, name=k.name, created_at=k.created_at, expires_at=k.expires_at, revoked_at=k.revoked_at, state=k.state)


def _user_out(u: User) -> UserOut:
    return UserOut(id=u.id, username=u.username, role=u.role, teacher_id=u.teacher_id, active=u.active)


@bp.get("/tokens", responses={200: TokenList})
def list_tokens() -> Response:
    """API tokens: a coordinator's programme's, or your own (never the tokens themselves)."""
    user = auth.require()
    s = db.session()
    if user.is_coordinator:
        items = accounts.list_tokens(s, programme_id=user.programme_id)
    else:
        items = accounts.list_tokens(s, username=user.username)
    return respond(TokenList(items=[_token_out(k) for k in items]))


@bp.delete("/tokens/<int:token_id>", responses={200: TokenOut})
def revoke_token(path: TokenPath) -> Response:
    """Revoke a token (a coordinator: any of the programme's; others: their own)."""
    user = auth.require()
    s = db.session()
    if not user.is_coordinator:
        own = {k.id for k in accounts.list_tokens(s, username=user.username)}
        if path.token_id not in own:
            raise Problem(404, f"There is no API token {path.token_id}.")
    return respond(_token_out(accounts.revoke_token(s, path.token_id, programme_id=user.programme_id)))


@bp.get("/users", responses={200: UserList})
def list_users() -> Response:
    """The accounts of the coordinator's programme."""
    user = auth.require("coordinator")
    rows = db.session().execute(sa.select(User).where(User.programme_id == user.programme_id).order_by(User.id)).scalars()
    return respond(UserList(items=[_user_out(u) for u in rows]))


@bp.post("/users/<int:user_id>/deactivate", responses={200: UserOut})
def deactivate_user(path: UserPath) -> Response:
    """Deactivate an account of the programme: it can no longer sign in, its sessions end and its tokens are revoked."""
    user = auth.require("coordinator")
    s = db.session()
    target = s.get(User, path.user_id)
    if target is None or target.programme_id != user.programme_id:
        raise Problem(404, f"There is no user {path.user_id}.")
    if target.id == user.user_id:
        raise Problem(422, "You cannot deactivate your own account; ask another coordinator.")
    accounts.deactivate_user(s, target)
    return respond(_user_out(target))


@bp.post("/me/password", responses={204: None, 429: None})
def change_password(body: PasswordIn) -> Response | tuple[str, int]:
    """Change your password: needs the current one; every session of yours ends (this one is renewed)."""
    user = auth.require()
    s = db.session()
    account = s.get(User, user.user_id)
    if account is None:  # (auth.require found it in this transaction)
        raise Problem(401, "Sign in again.")
    # Checked like a sign-in (throttled per address and user name, attempts recorded), so a
    # stolen session or token cannot try current passwords at full speed to take the account.
    try:
        accounts.authenticate(s, account.username, body.current_password, request.remote_addr or "unknown")
    except Problem as exc:
        if exc.status == 401:
            raise Problem(403, "The current password is not right.") from None
        raise
    accounts.set_password(s, account, body.new_password)
    if user.via == "session":
        csrf = session.get("csrf")
        auth.login_user(account)
        if csrf:
            session["csrf"] = csrf
    return "", 204
