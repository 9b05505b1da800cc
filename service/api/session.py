"""``/api/v1/session``: sign in with a user name and password (a cookie session), sign out.

The pages sign in through the same service functions; this endpoint lets browser
scripts do it too. The answer carries the CSRF token that unsafe requests made with the
session cookie must send as ``X-CSRF-Token``.
"""

from __future__ import annotations

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from .. import auth, db
from ..csrf import csrf_token
from ..services import accounts
from .common import operation_id, respond
from .schemas import NO_NUL

bp = APIBlueprint("session", __name__, operation_id_callback=operation_id, url_prefix="/session", abp_tags=[Tag(name="session")])


class LoginIn(BaseModel):
    model_config = {"extra": "forbid"}
    username: str = Field(min_length=1, max_length=80, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=200)


class SessionOut(BaseModel):
    username: str
    role: str
    teacher_id: str | None
    csrf_token: str


@bp.post("", responses={200: SessionOut, 429: None}, security=[])
def login(body: LoginIn) -> Response:
    """Sign in (a server-side session; the cookie holds a random id).

    After PEERMATCH_LOGIN_MAX_FAILURES failures from one address for one user name, each
    further attempt from that pair must wait 1 s, 2 s, 4 s ... (429 with Retry-After).
    """
    user = accounts.authenticate(db.session(), body.username, body.password, request.remote_addr or "")
    auth.login_user(user)
    return respond(SessionOut(username=user.username, role=user.role, teacher_id=user.teacher_id, csrf_token=csrf_token()))


@bp.delete("", responses={204: None}, security=[])
def logout() -> Response | tuple[str, int]:
    """Sign out: every session of this user ends on the server (needs the X-CSRF-Token header when signed in)."""
    auth.logout_user()
    return "", 204
