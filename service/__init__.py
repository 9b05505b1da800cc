"""The Peer to Peer Matcher web service: JSON API, accounts, persistence.

Build an app with :func:`create_app`; gunicorn serves ``service:create_app()``.
Nothing is created at import time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app.

    Settings come from :data:`service.config.DEFAULTS`, then the environment
    (``DATABASE_URL``, ``SECRET_KEY``, ``PEERMATCH_*``), then ``config``. An unset
    ``DATABASE_URL`` means ``instance/peermatch.sqlite3``; an unset ``SECRET_KEY`` is read
    from (or on first run written to) ``instance/secret_key``. The database is upgraded to
    the newest migration unless ``PEERMATCH_AUTO_MIGRATE`` is false.

    Parameters
    ----------
    config
        Overrides applied last (tests pass ``DATABASE_URL`` and ``SECRET_KEY`` here).
        ``INSTANCE_PATH`` (or the environment's ``PEERMATCH_INSTANCE_PATH``) moves the
        instance folder.
    """
    from . import auth, bodies, csrf, db, headers, problems
    from .api import register_api
    from .config import DEFAULTS, default_database_url, from_environment, load_or_create_secret_key
    from .openapi import make_openapi_app

    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or os.environ.get("PEERMATCH_INSTANCE_PATH") or None
    app = make_openapi_app(instance_path=instance_path)
    app.config.update(DEFAULTS)
    app.config.update(from_environment())
    app.config.update(config)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = default_database_url(app.instance_path)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)

    problems.init_app(app)
    bodies.init_app(app)
    db.init_app(app)
    try:
        auth.init_app(app)
        problems.init_json_limits(app)
        csrf.init_app(app)
        headers.init_app(app)
        register_api(app)
        from .services import run_recovery

        run_recovery.init_app(app)  # heartbeats; recover cohort runs a stopped process left behind
        if app.config["PEERMATCH_PAGES"]:
            _register_pages(app)
        from . import mail

        mail.init_app(app)
    except BaseException:
        db.engine(app).dispose()  # an app that failed to start keeps no database connection open
        raise
    return app


def _register_pages(app: Flask) -> None:
    """Register the server-rendered pages when that package is present."""
    try:
        from .pages import init_app as init_pages
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.pages":
            raise
        return
    init_pages(app)
