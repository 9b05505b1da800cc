"""``peermatch questionnaire invite [--date YYYY-MM-DD]``: write the questionnaire invitations that are due.

Run it daily (cron, or beside ``peermatch mail send``): it writes the *before* and
*after* invitations of every published round whose window is open
(:func:`service.services.questionnaire.send_due_invitations`); each invitation is written
once, so running it again is harmless. The mail worker sends them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

__all__ = ["register", "cmd_invite"]


def cmd_invite(args: argparse.Namespace) -> int:
    from service import create_app, db
    from service.services.questionnaire import send_due_invitations

    app = create_app({"PEERMATCH_MAIL_WORKER": "off"})
    try:
        with app.app_context(), db.new_session(app) as s:
            written = send_due_invitations(s, args.date)
    finally:
        db.engine(app).dispose()
    sys.stderr.write(f"peermatch questionnaire: {written} invitations written to the outbox\n")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``peermatch questionnaire ...``."""
    q = sub.add_parser("questionnaire", help="the before/after questionnaire").add_subparsers(dest="questionnaire_command", metavar="ACTION", required=True)
    p = q.add_parser("invite", help="write the invitations that are due (before: published rounds; after: their last two weeks)")
    p.add_argument("--date", type=date.fromisoformat, default=None, help="act as if today were this date (YYYY-MM-DD)")
    p.set_defaults(func=cmd_invite)
