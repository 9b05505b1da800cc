"""Teacher pages for peers and practice (``service/pages/peers.py``): reasons, consent, contact."""

from __future__ import annotations

import re

import sqlalchemy as sa

from service import db
from service.models import Programme, User
from service.services import accounts

from .conftest import PASSWORD, teacher_row
from .pages_helpers import post, sign_in, text_of


def peer_ids(resp) -> list[str]:
    return re.findall(r'<article class="card peer" id="peer-([^"]+)"', resp.get_data(as_text=True))


def email_of(app, teacher_id: str) -> str:
    with db.new_session(app) as s:
        return teacher_row(s, teacher_id).email


def account_for(app, teacher_id: str) -> str:
    """The user name of a teacher's account, created if the seeded data has none."""
    with app.app_context(), db.new_session(app) as s:
        user = s.execute(sa.select(User).where(User.teacher_id == teacher_id)).scalar_one_or_none()
        if user is not None:
            return user.username
        t = teacher_row(s, teacher_id)
        return accounts.create_user(s, f"acct-{teacher_id}", "teacher", s.get(Programme, t.programme_id), password=PASSWORD, teacher_id=teacher_id).username


def test_peers_page_lists_suggestions_with_reasons_and_kinds(client, app):
    sign_in(client, "teacher_n1")
    resp = client.get("/me/peers")
    assert resp.status_code == 200
    ids = peer_ids(resp)
    assert ids and "n-01" not in ids and all(i.startswith("n-") for i in ids)
    html = resp.get_data(as_text=True)
    assert html.count('<ul class="reasons">') == len(ids)
    assert "Similar context" in html or "New ideas" in html
    # Nobody has accepted anyone: no contact details anywhere.
    assert "mailto:" not in html
    for peer in ids:
        assert email_of(app, peer) not in html


def set_consent(app, teacher_id: str, value: bool) -> None:
    with db.new_session(app) as s:
        teacher_row(s, teacher_id).consent_share_contact = value
        s.execute(sa.update(Programme).where(Programme.id == teacher_row(s, teacher_id).programme_id).values(profiles_version=Programme.profiles_version + 1))


def card_of(resp, peer_id: str) -> str:
    return resp.get_data(as_text=True).split(f'id="peer-{peer_id}"')[1].split("</article>")[0]


def test_contact_appears_only_after_both_accept(app):
    me, other = app.test_client(), app.test_client()
    sign_in(me, "teacher_n1")
    peer = peer_ids(me.get("/me/peers"))[0]
    set_consent(app, "n-01", True)
    set_consent(app, peer, True)
    peer_email, my_email = email_of(app, peer), email_of(app, "n-01")

    resp = post(me, f"/me/peers/{peer}", {"decision": "accepted"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/me/peers#peer-{peer}")
    page = me.get("/me/peers")
    assert "You are connected once they accept too." in text_of(page)
    assert peer_email not in page.get_data(as_text=True)

    sign_in(other, account_for(app, peer))
    theirs = other.get("/me/peers")
    assert "n-01" in peer_ids(theirs)
    assert my_email not in theirs.get_data(as_text=True)
    assert "would like to meet you" in text_of(theirs)

    resp = post(other, "/me/peers/n-01", {"decision": "accepted"})
    assert resp.status_code == 302
    theirs = other.get("/me/peers")
    assert f'href="mailto:{my_email}"' in theirs.get_data(as_text=True)
    assert "You have both accepted" in text_of(theirs)
    mine = me.get("/me/peers").get_data(as_text=True)
    assert f'href="mailto:{peer_email}"' in mine


def test_connected_peer_who_has_not_agreed_keeps_their_contact(app):
    """Both accepted, but n-01 has not agreed to share: the peer is told so, n-01 is told how to change it."""
    me, other = app.test_client(), app.test_client()
    sign_in(me, "teacher_n1")
    peer = peer_ids(me.get("/me/peers"))[0]
    set_consent(app, "n-01", False)
    set_consent(app, peer, True)
    peer_email, my_email = email_of(app, peer), email_of(app, "n-01")
    post(me, f"/me/peers/{peer}", {"decision": "accepted"})
    sign_in(other, account_for(app, peer))
    resp = post(other, "/me/peers/n-01", {"decision": "accepted"})
    assert resp.status_code == 302
    theirs = other.get("/me/peers")
    assert "has not agreed to share their contact details" in text_of(theirs)
    card = card_of(theirs, "n-01")
    assert "You have both accepted" in card and "has not agreed to share their contact details" in card
    assert my_email not in theirs.get_data(as_text=True) and "mailto:" not in card
    # n-01 sees the peer's contact, and that their own is not shared, with the way to change it.
    mine = me.get("/me/peers")
    card = card_of(mine, peer)
    assert f'href="mailto:{peer_email}"' in card
    assert "cannot see your email" in card and 'href="/me#consent_share_contact"' in card
    assert "Your email is not shared with anyone" in text_of(mine)
    # The profile setting the links point to exists and says what not ticking it means.
    profile = me.get("/me").get_data(as_text=True)
    assert 'id="consent_share_contact"' in profile and "Not ticked: your email is not shared" in profile
    data = text_of(me.get("/me/data"))
    assert "Your email is shown to nobody" in data


def test_declined_peer_leaves_the_list_and_can_be_undone(client):
    sign_in(client, "teacher_n1")
    ids = peer_ids(client.get("/me/peers"))
    resp = post(client, f"/me/peers/{ids[0]}", {"decision": "declined"})
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"])
    assert "They are not told, and no longer suggested to you" in text_of(page)
    assert ids[0] not in peer_ids(page)
    html = page.get_data(as_text=True)
    # Listed apart, open after a decline, with an undo button.
    section = html.split('id="declined"')[1]
    assert "<details class=\"card\" open>" in section and f'id="declined-{ids[0]}"' in section
    assert f'action="/me/peers/{ids[0]}/undo"' in section and "You declined 1 peer" in text_of(page)
    # The page without ?declined=open keeps the list folded.
    assert "<details class=\"card\">" in client.get("/me/peers").get_data(as_text=True)

    resp = post(client, f"/me/peers/{ids[0]}/undo")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"#peer-{ids[0]}")
    page = client.get("/me/peers")
    assert "they are back among your suggestions" in text_of(page)
    assert peer_ids(page) == ids and 'id="declined"' not in page.get_data(as_text=True)
    # Nothing to undo now; and the undo form needs the CSRF token like every other.
    assert post(client, f"/me/peers/{ids[0]}/undo").status_code == 404
    assert client.post(f"/me/peers/{ids[1]}/undo").status_code in (400, 403)


def test_bad_decisions_are_refused(client):
    sign_in(client, "teacher_n1")
    peer = peer_ids(client.get("/me/peers"))[0]
    assert post(client, f"/me/peers/{peer}", {"decision": "maybe"}).status_code == 422
    assert post(client, "/me/peers/s-01", {"decision": "accepted"}).status_code in (403, 404)
    assert post(client, f"/me/peers/{peer}", {"decision": "accepted"}, headers={}).status_code == 302


def test_coordinators_do_not_decide_for_teachers(client):
    sign_in(client, "coord_n")
    assert post(client, "/me/peers/n-02", {"decision": "accepted"}).status_code == 403


def test_practice_page_gives_examples_with_reasons(client):
    sign_in(client, "teacher_n1")
    resp = client.get("/me/practice")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.count("<h3>Why this one</h3>") >= 3
    assert "Tackles your challenge" in html or "Matches your interest" in html
