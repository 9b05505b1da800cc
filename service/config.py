"""Configuration: safe defaults, then environment variables, then an explicit mapping.

Every setting the service reads is listed in :data:`DEFAULTS`; an environment variable of
the same name overrides it (``DATABASE_URL``, ``SECRET_KEY`` and every ``PEERMATCH_*``),
parsed to the default's type. ``create_app(config)`` applies ``config`` last, which is how
tests pass a database URL and a secret key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["DEFAULTS", "from_environment", "default_database_url", "load_or_create_secret_key"]

DEFAULTS: Mapping[str, Any] = {
    # Database: empty means a SQLite file in the instance folder (WAL mode).
    "DATABASE_URL": "",
    # Empty means read (or on first run create) ``instance/secret_key``.
    "SECRET_KEY": "",
    # Upgrade the database to the newest migration when the app starts.
    "PEERMATCH_AUTO_MIGRATE": True,
    # Serve the server-rendered pages (service/pages) as well as the API.
    "PEERMATCH_PAGES": True,
    # Paging: client-controlled sizes are capped.
    "PEERMATCH_PER_PAGE_DEFAULT": 20,
    "PEERMATCH_PER_PAGE_MAX": 100,
    # Peer suggestions: how many are stored per teacher.
    "PEERMATCH_PEERS_K": 10,
    # Cohort runs: worker threads per process, queued runs allowed, longest time limit.
    "PEERMATCH_COHORT_WORKERS": 2,
    "PEERMATCH_COHORT_QUEUE": 8,
    "PEERMATCH_COHORT_MAX_SECONDS": 300,
    "PEERMATCH_COHORT_DEFAULT_SECONDS": 10,
    # Login: this many failures within the window (per user name, and per address x4) lock it out.
    "PEERMATCH_LOGIN_MAX_FAILURES": 5,
    "PEERMATCH_LOGIN_WINDOW_SECONDS": 900,
    # werkzeug.security password hashing method.
    "PEERMATCH_PASSWORD_METHOD": "scrypt",
    # Sessions for the pages.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Mail (service/mail): empty SMTP URL means .eml files under instance/outbox/ (nothing is
    # sent); else smtp://host:port, smtp+starttls://user:pass@host:587 or smtps://user:pass@host:465.
    "PEERMATCH_SMTP_URL": "",
    "PEERMATCH_SMTP_TIMEOUT_SECONDS": 30.0,
    "PEERMATCH_MAIL_FROM": "Peer to Peer Matcher <peermatch@localhost>",
    # Links in mail (the pause/unsubscribe page) start with this address.
    "PEERMATCH_PUBLIC_URL": "http://127.0.0.1:8000",
    # "thread": each app process sends the outbox from a background thread (make run sets it);
    # "off": run `peermatch mail send` instead.
    "PEERMATCH_MAIL_WORKER": "off",
    "PEERMATCH_MAIL_POLL_SECONDS": 5.0,
    "PEERMATCH_MAIL_LEASE_SECONDS": 120.0,
    "PEERMATCH_MAIL_MAX_ATTEMPTS": 8,
    # Retries wait 1 minute, then 2, 4, ... (with jitter), at most the maximum.
    "PEERMATCH_MAIL_RETRY_SECONDS": 60.0,
    "PEERMATCH_MAIL_RETRY_MAX_SECONDS": 3600.0,
}


def _parse(raw: str, like: Any, name: str) -> Any:
    if isinstance(like, bool):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"environment variable {name} must be true or false, got {raw!r}")
    if isinstance(like, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"environment variable {name} must be a whole number, got {raw!r}") from None
    if isinstance(like, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"environment variable {name} must be a number, got {raw!r}") from None
    return raw


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings that the environment overrides, parsed to the defaults' types.

    >>> from_environment({"PEERMATCH_PER_PAGE_MAX": "50", "HOME": "/root"})
    {'PEERMATCH_PER_PAGE_MAX': 50}
    """
    environ = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for name, default in DEFAULTS.items():
        if name in environ:
            out[name] = _parse(environ[name], default, name)
    return out


def default_database_url(instance_path: str | os.PathLike[str]) -> str:
    """The SQLite file used when ``DATABASE_URL`` is not set."""
    return f"sqlite:///{Path(instance_path) / 'peermatch.sqlite3'}"


def load_or_create_secret_key(instance_path: str | os.PathLike[str]) -> str:
    """Read ``instance/secret_key``, creating it (mode 0600) on first use.

    Creation is atomic (``O_EXCL``), so several gunicorn workers starting together agree
    on one key.
    """
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        # A previous writer may be half-way; give it a moment.
        import time

        for _ in range(50):
            time.sleep(0.02)
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
        raise RuntimeError(f"{path} is empty; delete it to generate a new secret key") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key
