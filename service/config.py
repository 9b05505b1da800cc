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
    # Keys the erasure records (HMAC-SHA256 of erased teachers' ids and emails). Empty
    # means read (or on first use create) ``instance/erasure_key``. Kept apart from
    # SECRET_KEY so that rotating that one never lets an erased teacher back in; every
    # server of one database needs the same value.
    "PEERMATCH_ERASURE_KEY": "",
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
    # Rotation: a round's run keeps apart the groupmates of this many last published rounds.
    "PEERMATCH_ROTATION_ROUNDS": 2,
    # My group: messages a teacher may relay to groupmates per day.
    "PEERMATCH_RELAY_PER_DAY": 5,
    "PEERMATCH_COHORT_DEFAULT_SECONDS": 10,
    # Slots of the queue one programme may hold; 0 means half of PEERMATCH_COHORT_QUEUE, rounded up.
    "PEERMATCH_COHORT_SHARE": 0,
    # Runs' heartbeats are refreshed this often; a run whose heartbeat is older than
    # PEERMATCH_RUN_STALE_SECONDS lost its process and is recovered (run_recovery.py).
    "PEERMATCH_HEARTBEAT_SECONDS": 5,
    "PEERMATCH_RUN_STALE_SECONDS": 60,
    # Login throttling, per (address, user name): after this many failures within the window
    # each further attempt waits 1 s, 2 s, 4 s ... (at most PEERMATCH_LOGIN_MAX_DELAY_SECONDS),
    # answered with 429 and Retry-After; one address may fail this often across all names.
    "PEERMATCH_LOGIN_MAX_FAILURES": 5,
    "PEERMATCH_LOGIN_WINDOW_SECONDS": 900,
    "PEERMATCH_LOGIN_MAX_DELAY_SECONDS": 300,
    "PEERMATCH_LOGIN_ADDRESS_MAX_FAILURES": 100,
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none),
    # so that sign-in throttling sees the client's address rather than the proxy's.
    "PEERMATCH_PROXY_COUNT": 0,
    # Sessions end this long after sign-in, or after this long without a request.
    "PEERMATCH_SESSION_MAX_SECONDS": 12 * 3600,
    "PEERMATCH_SESSION_IDLE_SECONDS": 2 * 3600,
    # API tokens expire this many days after creation unless told otherwise.
    "PEERMATCH_TOKEN_DAYS": 90,
    # werkzeug.security password hashing method.
    "PEERMATCH_PASSWORD_METHOD": "scrypt",
    # Sessions for the pages.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Set true when served over HTTPS (the cookie is then never sent over plain HTTP).
    "SESSION_COOKIE_SECURE": False,
    # The cookie only carries a random session id; the server decides when it ends.
    "SESSION_REFRESH_EACH_REQUEST": False,
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
    # How often the mail worker queues check-in requests for meetings just past (0: never;
    # `peermatch mail check-ins` does it on demand).
    "PEERMATCH_CHECK_IN_MAIL_SECONDS": 300.0,
    # Programme health digest to coordinators with an e-mail (users set-email): once per ISO week,
    # from this weekday on (0 = Monday); the mail worker checks at most this often.
    "PEERMATCH_DIGEST_WEEKDAY": 0,
    "PEERMATCH_DIGEST_CHECK_SECONDS": 3600.0,
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


def load_or_create_secret_key(instance_path: str | os.PathLike[str], name: str = "secret_key") -> str:
    """Read ``instance/secret_key`` (or another key file ``name``), creating it (mode 0600) on first use.

    Creation is atomic (``O_EXCL``), so several gunicorn workers starting together agree
    on one key.
    """
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
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
