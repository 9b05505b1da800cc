"""The outbox: messages are rows written in the same transaction as what causes them.

:func:`enqueue` renders a message and adds its row to the caller's session; it never
commits, so if the caller's transaction rolls back, the message was never written, and
if it commits, the worker (``service.mail.worker``) will send it. A repeated
``idempotency_key`` is a no-op. The other functions are what coordinators see and do:
list their programme's messages, retry a failed one now; and a teacher's pause switch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from .. import db
from ..auth import Identity
from ..models import MailPreference, OutboxMessage, Programme, utcnow
from ..problems import Problem
from ..services.common import Page, paginate
from .render import render, unsubscribe_url

__all__ = [
    "enqueue",
    "message_id_for",
    "public_status",
    "list_messages",
    "get_message_for",
    "retry_now",
    "is_paused",
    "set_paused",
    "NO_ADDRESS",
]

NO_ADDRESS = "not sent: the recipient has no e-mail address"


def message_id_for(idempotency_key: str, sender: str) -> str:
    """The Message-ID of the message with this key: the same on every attempt.

    >>> message_id_for("welcome:t-1", "P <peermatch@hub.example>")
    '<a58d0820f054cf566cf698dd89ec58d75c849daf.outbox@hub.example>'
    """
    domain = parseaddr(sender)[1].rpartition("@")[2] or "peermatch.localhost"
    return f"<{hashlib.sha256(idempotency_key.encode('utf-8')).hexdigest()[:40]}.outbox@{domain}>"


def public_status(status: str) -> str:
    """The status the API shows: ``sending`` (a worker holds it) is still ``queued``.

    >>> [public_status(s) for s in ("queued", "sending", "sent", "failed")]
    ['queued', 'queued', 'sent', 'failed']
    """
    return "queued" if status == "sending" else status


def _insert_ignoring_repeats(s: Session, values: dict[str, Any]) -> int | None:
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        stmt: sa.Insert
        if dialect == "sqlite":
            from sqlalchemy.dialects import sqlite

            stmt = sqlite.insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
        else:
            from sqlalchemy.dialects import postgresql

            stmt = postgresql.insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
        new_id: int | None = s.execute(stmt.returning(OutboxMessage.id)).scalar_one_or_none()
        return new_id
    exists = s.execute(sa.select(OutboxMessage.id).where(OutboxMessage.idempotency_key == values["idempotency_key"])).first()
    if exists:
        return None
    row = OutboxMessage(**values)
    s.add(row)
    s.flush()
    return row.id


def enqueue(
    s: Session,
    *,
    programme_id: int,
    to: str,
    template: str,
    context: Mapping[str, Any],
    idempotency_key: str,
    teacher_id: str | None = None,
) -> int | None:
    """Render a message and add it to the outbox in ``s``'s transaction (never commits).

    Parameters
    ----------
    s
        The caller's session: the message is written if and only if its transaction commits.
    programme_id
        The programme whose coordinator sees the message.
    to
        The recipient's address. An empty one stores the message as ``failed`` (so the
        coordinator sees who could not be told) instead of raising.
    template, context
        A template under ``service/templates/mail/`` and its variables.
    idempotency_key
        Names the message for good, e.g. ``"group-published:run-7:t-014"``: enqueuing the
        same key again stores nothing. At most 200 characters.
    teacher_id
        The recipient when it is a teacher: the footer then carries their pause link, and
        nothing is sent while they have paused e-mail.

    Returns
    -------
    int or None
        The new message's id, or ``None`` when a message with this key already existed.

    Raises
    ------
    ValueError
        A line break in ``to`` or a key too long or empty; template errors come from Jinja.
    """
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValueError(f"idempotency_key must be 1-200 characters, got {len(idempotency_key)}")
    to = to.strip()
    if "\n" in to or "\r" in to or len(to) > 254:
        raise ValueError(f"not one e-mail address: {to!r}")
    config = current_app.config
    programme = s.execute(sa.select(Programme.name).where(Programme.id == programme_id)).scalar_one()
    link = unsubscribe_url(config["PEERMATCH_PUBLIC_URL"], config["SECRET_KEY"], teacher_id, programme_id) if teacher_id else None
    rendered = render(template, context, programme=programme, unsubscribe_url=link)
    headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"} if link else {}
    now = utcnow()
    values: dict[str, Any] = {
        "programme_id": programme_id,
        "teacher_id": teacher_id,
        "idempotency_key": idempotency_key,
        "message_id": message_id_for(idempotency_key, config["PEERMATCH_MAIL_FROM"]),
        "to_address": to,
        "template": template,
        "subject": rendered.subject[:300],
        "body_text": rendered.text,
        "body_html": rendered.html,
        "headers": headers,
        "status": "queued" if to else "failed",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None if to else NO_ADDRESS,
        "created_at": now,
    }
    return _insert_ignoring_repeats(s, values)


# ---- what coordinators see and do -----------------------------------------------------------


def list_messages(identity: Identity, *, page: int, per_page: int, status: str | None = None) -> Page:
    """The programme's messages, newest first; ``status`` ``queued`` includes those being sent.

    Raises
    ------
    Problem
        403 for anyone but a coordinator.
    """
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators see their programme's messages.")
    query = sa.select(OutboxMessage).where(OutboxMessage.programme_id == identity.programme_id)
    if status == "queued":
        query = query.where(OutboxMessage.status.in_(("queued", "sending")))
    elif status is not None:
        query = query.where(OutboxMessage.status == status)
    return paginate(db.session(), query.order_by(OutboxMessage.id.desc()), page, per_page)


def get_message_for(identity: Identity, message_id: int) -> OutboxMessage:
    """Load a message and check access: coordinators of its programme.

    Raises
    ------
    Problem
        403 for other roles or another programme's message, 404 for an unknown id.
    """
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators see their programme's messages.")
    message = db.session().get(OutboxMessage, message_id)
    if message is None:
        raise Problem(404, f"There is no message {message_id}.")
    if message.programme_id != identity.programme_id:
        raise Problem(403, f"Message {message_id} belongs to another programme.")
    return message


def retry_now(identity: Identity, message_id: int, *, now: datetime | None = None) -> OutboxMessage:
    """Make a failed (or waiting) message due now; a failed one gets a fresh set of attempts.

    Raises
    ------
    Problem
        409 when the message was sent or a worker is sending it; see :func:`get_message_for`.
    """
    message = get_message_for(identity, message_id)
    if message.status == "sent":
        raise Problem(409, f"Message {message_id} was sent already.")
    if message.status == "sending":
        raise Problem(409, f"Message {message_id} is being sent now.")
    if not message.to_address:
        raise Problem(409, f"Message {message_id} has no address to send to.")
    if message.status == "failed":
        message.attempts = 0
    message.status = "queued"
    message.next_attempt_at = now or utcnow()
    db.session().flush()
    return message


# ---- a teacher's choice ---------------------------------------------------------------------


def is_paused(s: Session, programme_id: int, teacher_id: str) -> bool:
    """Whether the teacher (of the programme) paused e-mail."""
    pref = s.get(MailPreference, (programme_id, teacher_id))
    return pref is not None and pref.mail_paused


def set_paused(s: Session, programme_id: int, teacher_id: str, paused: bool) -> None:
    """Record the teacher's choice (setting it twice is the same as once)."""
    pref = s.get(MailPreference, (programme_id, teacher_id))
    if pref is None:
        s.add(MailPreference(programme_id=programme_id, teacher_id=teacher_id, mail_paused=paused, changed_at=utcnow()))
    elif pref.mail_paused != paused:
        pref.mail_paused = paused
        pref.changed_at = utcnow()
    s.flush()
