"""``peermatch health digest``: queue this week's programme health digest to coordinators now.

The mail worker does the same on its own (:func:`service.services.digest.periodic_job`);
this command is for cron, a first try, or a programme that does not run the worker thread.
It queues the messages; ``peermatch mail send`` (or the worker) sends them.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from service.cli import _app, _fail

__all__ = ["register_health", "cmd_health_digest"]


def cmd_health_digest(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from service import db
    from service.models import Programme
    from service.services import digest

    try:
        now = datetime.fromisoformat(args.now).astimezone(timezone.utc) if args.now else None
    except ValueError:
        return _fail(f"--now must be an ISO date and time, got {args.now!r}")
    app = _app()
    with app.app_context(), db.new_session(app) as s:
        programme_id = None
        if args.programme:
            programme_id = s.execute(sa.select(Programme.id).where(Programme.name == args.programme)).scalar_one_or_none()
            if programme_id is None:
                return _fail(f"no programme called {args.programme!r}")
        written = digest.send_digests(s, now=now, programme_id=programme_id, force=True)
    print(f"programme health digest: {written} message(s) queued (coordinators with an e-mail; one per week each)")
    return 0


def register_health(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``peermatch health ...``."""
    health = sub.add_parser("health", help="programme health").add_subparsers(dest="health_command", metavar="ACTION", required=True)
    p = health.add_parser("digest", help="queue this week's health digest for every coordinator with an e-mail (once per week each)")
    p.add_argument("--programme", help="only this programme")
    p.add_argument("--now", help="as if it were this time (ISO 8601), e.g. to re-run a past week")
    p.set_defaults(func=cmd_health_digest)
