"""``/api/v1/messages``: the programme's outbox, for its coordinator (what was sent, what failed)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from .. import auth
from ..mail import outbox
from ..models import OutboxMessage
from .common import SECURITY, operation_id, page_out, respond
from .schemas import DbInt, PageQuery

__all__ = ["bp", "MessageOut", "MessageList", "MessageQuery"]

bp = APIBlueprint("messages", __name__, operation_id_callback=operation_id, url_prefix="/messages", abp_tags=[Tag(name="messages")], abp_security=SECURITY)

MessageStatus = Literal["queued", "sent", "failed"]


class MessageQuery(PageQuery):
    status: MessageStatus | None = Field(None, description="only messages in this state")


class MessagePath(BaseModel):
    message_id: DbInt


class MessageOut(BaseModel):
    id: int
    status: MessageStatus = Field(description="queued (waiting, or being sent), sent (the mail server accepted it) or failed (given up)")
    recipient: str
    teacher_id: str | None
    template: str
    subject: str
    attempts: int = Field(description="attempts so far (a retry from the Messages page starts again from 0)")
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None = Field(description="when a queued message is due next")


class MessageList(BaseModel):
    items: list[MessageOut]
    total: int
    page: int
    per_page: int
    pages: int


def message_out(m: OutboxMessage) -> MessageOut:
    status = outbox.public_status(m.status)
    return MessageOut(
        id=m.id,
        status=status,  # type: ignore[arg-type]  # one of MessageStatus by the table's check constraint
        recipient=m.to_address,
        teacher_id=m.teacher_id,
        template=m.template,
        subject=m.subject,
        attempts=m.attempts,
        last_error=m.last_error,
        created_at=m.created_at,
        sent_at=m.sent_at,
        next_attempt_at=m.next_attempt_at if status == "queued" else None,
    )


@bp.get("", responses={200: MessageList})
def list_messages(query: MessageQuery) -> Response:
    """My programme's outbox, newest first, with each message's status, attempts and last error (coordinators)."""
    user = auth.require("coordinator")
    page = outbox.list_messages(user, page=query.page, per_page=query.per_page, status=query.status)
    return respond(page_out(MessageList, page, message_out))


@bp.get("/<int:message_id>", responses={200: MessageOut})
def get_message(path: MessagePath) -> Response:
    """One message of my programme's outbox."""
    user = auth.require("coordinator")
    return respond(message_out(outbox.get_message_for(user, path.message_id)))


@bp.post("/<int:message_id>/retry", responses={200: MessageOut, 409: None})
def retry_message(path: MessagePath) -> Response:
    """Send a failed (or waiting) message at the next pass of the worker; a failed one gets fresh attempts."""
    user = auth.require("coordinator")
    return respond(message_out(outbox.retry_now(user, path.message_id)))
