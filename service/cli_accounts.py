"""Account commands for ``peermatch``: ``users create|deactivate|set-password|set-email`` and ``tokens create|list|revoke``.

Registered by :func:`service.cli.register`; like the other commands, each builds the app
only when it runs, so ``peermatch --help`` stays fast.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from service.cli import DEFAULT_PROGRAMME, _app, _fail, _problem_text

if TYPE_CHECKING:
    from sqlalchemy import orm

    from service.models import User

__all__ = ["register_accounts"]


def cmd_users_create(args: argparse.Namespace) -> int:
    from service import db
    from service.problems import Problem
    from service.services import accounts

    password = None
    if args.password_stdin or args.password:
        password = _read_password(args, f"password for {args.username}: ")
        if password is None:
            return 1
    app = _app()
    try:
        with app.app_context(), db.new_session(app) as s:
            programme = accounts.get_or_create_programme(s, args.programme)
            user = accounts.create_user(s, args.username, args.role, programme, password=password, teacher_id=args.teacher_id)
            if args.email:
                from service.services.digest import set_email

                set_email(s, user, args.email)
            token = accounts.create_token(s, user, name="cli") if args.token else None
    except Problem as exc:
        return _fail(_problem_text(exc))
    print(f"created {args.role} {args.username!r} in programme {args.programme!r}")
    if token:
        print(f"API token (shown once): {token}")
    return 0


def _read_password(args: argparse.Namespace, prompt: str) -> str | None:
    """The password: one line of standard input when it is not a terminal (piped) or with
    ``--password-stdin``, else asked for at the terminal without echo. ``None``, with a
    message on standard error, when there is none: nothing piped and no terminal to ask at."""
    if args.password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            _fail("no password on standard input and no terminal to ask for one: pipe one line into the command "
                  "(printf '%s\\n' \"$PASSWORD\" | peermatch users ... --password-stdin), or run it in a terminal")
            return None
        return password
    try:
        return getpass.getpass(prompt)
    except EOFError:  # the terminal closed (Ctrl-D)
        _fail("no password given")
        return None


def cmd_tokens_create(args: argparse.Namespace) -> int:
    from service import db
    from service.problems import Problem
    from service.services import accounts

    app = _app()
    with app.app_context(), db.new_session(app) as s:
        user = _find_user(s, args.username)
        if user is None:
            return _fail(f"no user called {args.username!r} (create one with 'peermatch users create')")
        try:
            token = accounts.create_token(s, user, name=args.name, days=args.days)
        except Problem as exc:
            return _fail(_problem_text(exc))
    print(token)
    return 0


def _find_user(s: orm.Session, username: str) -> User | None:
    import sqlalchemy as sa

    from service.models import User

    return s.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()


def cmd_tokens_list(args: argparse.Namespace) -> int:
    from service import db
    from service.services import accounts

    app = _app()
    with app.app_context(), db.new_session(app) as s:
        items = accounts.list_tokens(s, username=args.username)
    if not items:
        print("no API tokens")
        return 0
    print(f"{'id':>5}  {'user':<20} {'prefix':<12} {'state':<8} {'created':<16} {'expires':<16} name")
    for k in items:
        expires = k.expires_at.strftime("%Y-%m-%d %H:%M") if k.expires_at else "never"
        print(f"{k.id:>5}  {k.username:<20} {k.prefix:<12} {k.state:<8} {k.created_at:%Y-%m-%d %H:%M} {expires:<16} {k.name}")
    return 0


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    from service import db
    from service.problems import Problem
    from service.services import accounts

    app = _app()
    try:
        with app.app_context(), db.new_session(app) as s:
            k = accounts.revoke_token(s, args.token_id)
    except Problem as exc:
        return _fail(_problem_text(exc))
    print(f"revoked token {k.id} ({k.prefix}...) of {k.username!r}")
    return 0


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    from service import db
    from service.services import accounts

    app = _app()
    with app.app_context(), db.new_session(app) as s:
        user = _find_user(s, args.username)
        if user is None:
            return _fail(f"no user called {args.username!r}")
        revoked = accounts.deactivate_user(s, user)
    print(f"deactivated {args.username!r}: sessions ended, {revoked} API token(s) revoked")
    return 0


def _change_user(username: str, change: Callable[[orm.Session, User], object]) -> int:
    """Apply ``change`` to the user called ``username`` in one transaction: 0, or 1 with the
    reason (no such user, or the service's refusal) on standard error."""
    from service import db
    from service.problems import Problem

    app = _app()
    try:
        with app.app_context(), db.new_session(app) as s:
            user = _find_user(s, username)
            if user is None:
                return _fail(f"no user called {username!r}")
            change(s, user)
    except Problem as exc:
        return _fail(_problem_text(exc))
    return 0


def cmd_users_set_password(args: argparse.Namespace) -> int:
    from service.services import accounts

    password = _read_password(args, f"new password for {args.username}: ")
    if password is None:
        return 1
    if _change_user(args.username, lambda s, user: accounts.set_password(s, user, password)):
        return 1
    print(f"password of {args.username!r} changed; their sessions have ended")
    return 0


def cmd_users_set_email(args: argparse.Namespace) -> int:
    from service.services.digest import set_email

    if _change_user(args.username, lambda s, user: set_email(s, user, args.email)):
        return 1
    print(f"e-mail of {args.username!r} {'set to ' + args.email.strip() if args.email.strip() else 'cleared'}")
    return 0


def register_accounts(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``users`` and ``tokens`` to ``peermatch``."""
    users = sub.add_parser("users", help="manage accounts").add_subparsers(dest="users_command", metavar="ACTION", required=True)
    p = users.add_parser("create", help="create an account")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=("coordinator", "teacher", "analyst"))
    p.add_argument("--programme", default=DEFAULT_PROGRAMME)
    p.add_argument("--teacher-id", help="the teacher profile a teacher account belongs to")
    p.add_argument("--password", action="store_true", help="ask for a password (for signing in to the pages; read from standard input when it is piped)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--token", action="store_true", help="also create an API token and print it")
    p.add_argument("--email", default="", help="a coordinator's address for the weekly programme health digest")
    p.set_defaults(func=cmd_users_create)
    p = users.add_parser("set-email", help="set a coordinator's address for the weekly programme health digest ('' clears it)")
    p.add_argument("username")
    p.add_argument("email")
    p.set_defaults(func=cmd_users_set_email)
    p = users.add_parser("deactivate", help="deactivate an account: no sign-in, sessions ended, API tokens revoked")
    p.add_argument("username")
    p.set_defaults(func=cmd_users_deactivate)
    p = users.add_parser("set-password", help="set a new password (asked for at the terminal, or read from standard input when it is piped); ends the user's sessions")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_users_set_password)

    tokens = sub.add_parser("tokens", help="manage API tokens").add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    p = tokens.add_parser("create", help="create an API token for a user and print it (stored hashed)")
    p.add_argument("username")
    p.add_argument("--name", default="", help="a label to tell tokens apart")
    p.add_argument("--days", type=int, default=None, help="expire after this many days (default: PEERMATCH_TOKEN_DAYS, 90; 0: never)")
    p.set_defaults(func=cmd_tokens_create)
    p = tokens.add_parser("list", help="list API tokens (prefix, owner, state, expiry; never the tokens)")
    p.add_argument("--username", help="only this user's tokens")
    p.set_defaults(func=cmd_tokens_list)
    p = tokens.add_parser("revoke", help="revoke an API token by the id shown by 'tokens list'")
    p.add_argument("token_id", type=int)
    p.set_defaults(func=cmd_tokens_revoke)
