"""Tests of ``service/api/messages.py`` and the Messages page (``service/pages/mail.py``):
who sees which programme's outbox, the status filter, paging, and "retry now"."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from service import db
from service.models import OutboxMessage, utcnow

from .conftest import ACCOUNTS
from .mail_helpers import enqueue_notices
from .pages_helpers import post, sign_in, text_of


@pytest.fixture
def outboxes(app):
    """North: 3 messages (one sent, one failed, one being sent); south: 2 queued."""
    north = enqueue_notices(app, 3, programme="north", prefix="north")
    south = enqueue_notices(app, 2, programme="south", prefix="south")
    with db.new_session(app) as s:
        s.execute(sa.update(OutboxMessage).where(OutboxMessage.id == north[0]).values(status="sent", attempts=1, sent_at=utcnow()))
        s.execute(sa.update(OutboxMessage).where(OutboxMessage.id == north[1]).values(status="failed", attempts=8, last_error="SMTP 451 4.3.0 mailbox busy"))
        s.execute(sa.update(OutboxMessage).where(OutboxMessage.id == north[2]).values(status="sending", attempts=1, lease_until=utcnow() + timedelta(minutes=2)))
    return {"north": north, "south": south}


def test_a_coordinator_sees_their_programme_outbox(client, outboxes):
    body = client.get("/api/v1/messages", headers=ACCOUNTS["coord_n"].headers).get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["pages"] == 1
    by_id = {m["id"]: m for m in body["items"]}
    assert set(by_id) == set(outboxes["north"])
    sent, failed, sending = (by_id[i] for i in outboxes["north"])
    assert (sent["status"], sent["attempts"], sent["last_error"]) == ("sent", 1, None) and sent["sent_at"]
    assert (failed["status"], failed["attempts"], failed["last_error"]) == ("failed", 8, "SMTP 451 4.3.0 mailbox busy")
    assert sending["status"] == "queued"  # "sending" is internal
    assert sent["recipient"] == "someone+0@school.example" and sent["subject"] == "Notice 0" and sent["created_at"]
    assert [m["id"] for m in body["items"]] == sorted(by_id, reverse=True)  # newest first


def test_another_programme_messages_are_never_visible(client, outboxes):
    for account, own, other in (("coord_n", "north", "south"), ("coord_s", "south", "north")):
        headers = ACCOUNTS[account].headers
        listed = {m["id"] for m in client.get("/api/v1/messages?per_page=100", headers=headers).get_json()["items"]}
        assert listed == set(outboxes[own])
        for message_id in outboxes[other]:
            assert client.get(f"/api/v1/messages/{message_id}", headers=headers).status_code == 403
            assert client.post(f"/api/v1/messages/{message_id}/retry", headers=headers).status_code == 403
        for status in ("queued", "sent", "failed"):
            items = client.get(f"/api/v1/messages?status={status}", headers=headers).get_json()["items"]
            assert {m["id"] for m in items} <= set(outboxes[own])


@pytest.mark.parametrize("account", ["teacher_n1", "analyst_n", "teacher_s1", "analyst_s"])
def test_teachers_and_analysts_are_refused(client, outboxes, account):
    headers = ACCOUNTS[account].headers
    for method, path in (("GET", "/api/v1/messages"), ("GET", f"/api/v1/messages/{outboxes['north'][0]}"), ("POST", f"/api/v1/messages/{outboxes['north'][1]}/retry")):
        resp = client.open(path, method=method, headers=headers)
        assert resp.status_code == 403 and resp.mimetype == "application/problem+json"


def test_anonymous_is_401_and_unknown_is_404(client, outboxes):
    assert client.get("/api/v1/messages").status_code == 401
    assert client.get("/api/v1/messages/999999", headers=ACCOUNTS["coord_n"].headers).status_code == 404


def test_status_filter_and_paging(client, outboxes):
    headers = ACCOUNTS["coord_n"].headers
    counts = {s: client.get(f"/api/v1/messages?status={s}", headers=headers).get_json()["total"] for s in ("queued", "sent", "failed")}
    assert counts == {"queued": 1, "sent": 1, "failed": 1}
    assert client.get("/api/v1/messages?status=sending", headers=headers).status_code == 422
    page = client.get("/api/v1/messages?per_page=2&page=2", headers=headers).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 1)
    assert client.get("/api/v1/messages?per_page=101", headers=headers).status_code == 422


def test_retry_now_makes_a_failed_message_due_with_fresh_attempts(app, client, outboxes):
    headers = ACCOUNTS["coord_n"].headers
    sent, failed, sending = outboxes["north"]
    before = utcnow()
    body = client.post(f"/api/v1/messages/{failed}/retry", headers=headers).get_json()
    assert (body["status"], body["attempts"]) == ("queued", 0)
    with db.new_session(app) as s:
        row = s.get(OutboxMessage, failed)
        assert row.status == "queued" and before <= row.next_attempt_at <= utcnow()
    assert client.post(f"/api/v1/messages/{sent}/retry", headers=headers).status_code == 409
    assert client.post(f"/api/v1/messages/{sending}/retry", headers=headers).status_code == 409


def test_the_messages_page_lists_and_retries(app, client, outboxes):
    sign_in(client, "coord_n")
    resp = client.get("/messages")
    text = text_of(resp)
    assert resp.status_code == 200 and 'href="/messages"' in resp.get_data(as_text=True)  # the nav link
    assert "SMTP 451 4.3.0 mailbox busy" in text and "Retry now" in text and "Notice 1" in text
    assert "south" not in text
    failed_only = text_of(client.get("/messages?status=failed"))
    assert "Notice 1" in failed_only and "Notice 0" not in failed_only
    failed = outboxes["north"][1]
    # Without the CSRF token the retry is refused.
    assert client.post(f"/messages/{failed}/retry").status_code == 403
    with db.new_session(app) as s:
        assert s.get(OutboxMessage, failed).status == "failed"
    resp = post(client, f"/messages/{failed}/retry", follow_redirects=True)
    assert resp.status_code == 200 and "will be sent at the next pass" in text_of(resp)
    with db.new_session(app) as s:
        assert s.get(OutboxMessage, failed).status == "queued"


@pytest.mark.parametrize("account", ["teacher_n1", "analyst_n"])
def test_the_messages_page_is_for_coordinators(client, outboxes, account):
    sign_in(client, account)
    assert client.get("/messages").status_code == 403
    assert post(client, f"/messages/{outboxes['north'][1]}/retry").status_code == 403


def test_another_programme_cannot_retry_from_the_page(client, outboxes):
    sign_in(client, "coord_s")
    assert post(client, f"/messages/{outboxes['north'][1]}/retry").status_code == 403
