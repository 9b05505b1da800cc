"""Tests of ``service/mail/outbox.py`` and ``render.py``: enqueue in the caller's transaction,
idempotency keys, rendering with the pause link, and the pause/unsubscribe page."""

from __future__ import annotations

import re

import jinja2
import pytest
import sqlalchemy as sa

from service import db
from service.mail.outbox import NO_ADDRESS, enqueue, is_paused
from service.mail.render import render, unsubscribe_token
from service.mail.worker import PAUSED, MailWorker
from service.models import MailPreference, OutboxMessage

from .conftest import SECRET, count_rows, teacher_row
from .mail_helpers import enqueue_notices, programme_id

CONTEXT = {"title": "Your peer group", "name": "Sam", "paragraphs": ["Your group meets on Thursday."]}


def _enqueue(s, pid, key, *, to="sam@school.example", teacher_id=None):
    return enqueue(s, programme_id=pid, to=to, template="notice", context=CONTEXT, idempotency_key=key, teacher_id=teacher_id)


def test_a_message_is_written_with_its_cause_and_rolled_back_with_it(app):
    pid = programme_id(app)
    with app.app_context(), pytest.raises(RuntimeError, match="cause failed"), db.new_session(app) as s:
        teacher_row(s, "n-01").about = "changed"
        assert _enqueue(s, pid, "k-rolled-back") is not None
        s.flush()  # the message row is in the transaction...
        raise RuntimeError("cause failed")  # ...which rolls back
    assert count_rows(app, OutboxMessage) == 0
    with db.new_session(app) as s:
        assert teacher_row(s, "n-01").about != "changed"

    with app.app_context(), db.new_session(app) as s:
        teacher_row(s, "n-01").about = "changed"
        new_id = _enqueue(s, pid, "k-committed")
    with db.new_session(app) as s:
        row = s.get(OutboxMessage, new_id)
        assert (row.status, row.attempts, row.subject) == ("queued", 0, "Your peer group")
        assert teacher_row(s, "n-01").about == "changed"


def test_enqueue_does_not_commit(app):
    pid = programme_id(app)
    with app.app_context():
        s = db.engine(app).connect()
        from sqlalchemy.orm import Session

        with Session(bind=s) as session:
            _enqueue(session, pid, "k-1")
            session.rollback()
        s.close()
    assert count_rows(app, OutboxMessage) == 0


def test_the_same_idempotency_key_is_stored_once(app):
    pid = programme_id(app)
    with app.app_context(), db.new_session(app) as s:
        first = _enqueue(s, pid, "group-published:1:n-01")
        again = _enqueue(s, pid, "group-published:1:n-01", to="other@school.example")  # same transaction
    with app.app_context(), db.new_session(app) as s:
        later = _enqueue(s, pid, "group-published:1:n-01")  # a later transaction: no error, no row
        other = _enqueue(s, pid, "group-published:1:n-02")
    assert first is not None and again is None and later is None and other not in (None, first)
    with db.new_session(app) as s:
        rows = s.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    assert [(r.idempotency_key, r.to_address) for r in rows] == [("group-published:1:n-01", "sam@school.example"), ("group-published:1:n-02", "sam@school.example")]
    assert rows[0].message_id != rows[1].message_id


def test_a_recipient_without_an_address_is_a_visible_failure(app):
    pid = programme_id(app)
    with app.app_context(), db.new_session(app) as s:
        new_id = _enqueue(s, pid, "k-noaddr", to="", teacher_id="n-03")
    with db.new_session(app) as s:
        row = s.get(OutboxMessage, new_id)
        assert (row.status, row.last_error) == ("failed", NO_ADDRESS)


def test_bad_arguments_are_refused(app):
    pid = programme_id(app)
    with app.app_context(), db.new_session(app) as s:
        with pytest.raises(ValueError, match="one e-mail address"):
            _enqueue(s, pid, "k", to="a@x.example\r\nBcc: everyone@x.example")
        with pytest.raises(ValueError, match="1-200 characters"):
            _enqueue(s, pid, "")
        with pytest.raises(jinja2.UndefinedError):
            enqueue(s, programme_id=pid, to="a@x.example", template="notice", context={"title": "t"}, idempotency_key="k2")
        with pytest.raises(jinja2.TemplateNotFound):
            enqueue(s, programme_id=pid, to="a@x.example", template="no-such-template", context={}, idempotency_key="k3")


def test_rendering_gives_text_and_html_with_the_pause_link(app):
    with app.app_context(), db.new_session(app) as s:
        new_id = _enqueue(s, programme_id(app), "k-render", teacher_id="n-01")
    with db.new_session(app) as s:
        row = s.get(OutboxMessage, new_id)
    link = re.search(r"http://127\.0\.0\.1:8000/mail/unsubscribe/\S+", row.body_text).group(0)
    assert link.endswith(unsubscribe_token(SECRET, "n-01", programme_id(app)))  # teacher ids are per programme
    assert f'href="{link}"' in row.body_html and "Your group meets on Thursday." in row.body_html
    assert "Hello Sam," in row.body_text and "north · Peer to Peer Matcher" in row.body_text
    assert row.headers == {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def test_html_escapes_and_text_does_not():
    r = render("notice", {**CONTEXT, "name": "<Sam & Jo>"}, programme="P", unsubscribe_url=None)
    assert "Hello <Sam & Jo>," in r.text
    assert "Hello &lt;Sam &amp; Jo&gt;," in r.html
    assert "unsubscribe" not in r.text  # no teacher, no link


def test_a_template_without_the_footer_is_refused(tmp_path, monkeypatch):
    from service.mail import render as render_module

    for name, body in (("bare.subject.txt", "Hi"), ("bare.txt", "Just text"), ("bare.html", "<p>Just HTML</p>")):
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.setattr(render_module, "TEMPLATE_DIR", tmp_path)
    render_module._environment.cache_clear()
    try:
        with pytest.raises(ValueError, match="must show the pause link"):
            render("bare", {}, programme="P", unsubscribe_url="https://x.example/mail/unsubscribe/t")
    finally:
        render_module._environment.cache_clear()


# ---- the pause page -------------------------------------------------------------------------


def test_the_pause_page_records_the_choice_and_is_idempotent(app, client):
    url = f"/mail/unsubscribe/{unsubscribe_token(SECRET, 'n-01')}"
    resp = client.get(url)
    assert resp.status_code == 200 and "Pause e-mail" in resp.get_data(as_text=True)
    with db.new_session(app) as s:
        assert not is_paused(s, programme_id(app), "n-01")  # looking at the page changes nothing
    for _ in range(2):  # no CSRF token needed: the signed link is the credential
        resp = client.post(url, data={"action": "pause"})
        assert resp.status_code == 200 and "is paused" in resp.get_data(as_text=True)
    with db.new_session(app) as s:
        assert is_paused(s, programme_id(app), "n-01") and not is_paused(s, programme_id(app), "n-02")
        assert s.execute(sa.select(sa.func.count()).select_from(MailPreference)).scalar_one() == 1
    resp = client.post(url, data={"action": "resume"})
    assert "Start e-mail again" not in resp.get_data(as_text=True)
    with db.new_session(app) as s:
        assert not is_paused(s, programme_id(app), "n-01")


def test_one_click_unsubscribe_pauses(app, client):
    url = f"/mail/unsubscribe/{unsubscribe_token(SECRET, 'n-02')}"
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with db.new_session(app) as s:
        assert is_paused(s, programme_id(app), "n-02")


@pytest.mark.parametrize("token", [unsubscribe_token("another key", "n-01"), "garbage", unsubscribe_token(SECRET, "nobody")])
def test_a_forged_or_stale_link_is_not_found(app, client, token):
    assert client.get(f"/mail/unsubscribe/{token}").status_code == 404
    assert client.post(f"/mail/unsubscribe/{token}", data={"action": "pause"}).status_code == 404
    assert count_rows(app, MailPreference) == 0


def test_nothing_is_sent_to_a_teacher_who_paused(app, client, tmp_path):
    client.post(f"/mail/unsubscribe/{unsubscribe_token(SECRET, 'n-01')}", data={"action": "pause"})
    [paused_id] = enqueue_notices(app, 1, teacher_id="n-01", prefix="p")
    [other_id] = enqueue_notices(app, 1, teacher_id="n-02", prefix="o")

    sent = []

    class Recording:
        def send(self, mail):
            sent.append(mail.to)

        def close(self):
            pass

    report = MailWorker(db.engine(app), Recording(), sender="P <p@x.example>").run_once()
    assert (report.sent, report.failed) == (1, 1)
    assert sent == ["n-02+0@school.example"]
    with db.new_session(app) as s:
        assert (s.get(OutboxMessage, paused_id).status, s.get(OutboxMessage, paused_id).last_error) == ("failed", PAUSED)
        assert s.get(OutboxMessage, other_id).status == "sent"


def test_erasing_a_teacher_removes_their_messages_and_choice(app, client, accounts):
    enqueue_notices(app, 2, teacher_id="n-05")
    client.post(f"/mail/unsubscribe/{unsubscribe_token(SECRET, 'n-05')}", data={"action": "pause"})
    resp = client.delete("/api/v1/teachers/n-05", headers=accounts["coord_n"].headers)
    assert resp.status_code in (200, 204), resp.get_data(as_text=True)
    assert count_rows(app, OutboxMessage) == 0 and count_rows(app, MailPreference) == 0
