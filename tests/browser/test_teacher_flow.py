"""The teacher's flow in a real browser: sign in, edit the profile, see peers, mutual consent,
sharing contact details, declining and undoing on a phone."""

from __future__ import annotations

import re

from .conftest import sample_rows, sign_in

TEACHER = "t-001"


def _field(teacher_id: str, name: str) -> str:
    header, rows = sample_rows(0, 300)
    row = next(r for r in rows if r[0] == teacher_id)
    return row[header.index(name)]


def _email(teacher_id: str) -> str:
    return _field(teacher_id, "email")


def _shares(teacher_id: str) -> bool:
    return _field(teacher_id, "consent_share_contact").strip().lower() in ("yes", "true", "1", "y")


def test_teacher_edits_profile_and_contact_appears_only_after_both_accept(live_app, new_context, artifacts):
    base = live_app.url
    me = new_context().new_page()
    sign_in(me, base, live_app.teacher_user(TEACHER))
    assert me.url.endswith("/me/peers")

    # Edit the profile: a value out of range is explained next to its field, then fixed.
    me.get_by_role("navigation", name="Main").get_by_role("link", name="My profile").click()
    me.get_by_role("heading", name="My profile", level=1).wait_for()
    challenges = me.locator("#picker-challenges")
    challenges.get_by_label("Search the themes").fill("special educational")
    send = challenges.get_by_role("checkbox", name=re.compile(r"^SEND"))
    assert send.is_visible()
    assert challenges.get_by_role("checkbox", name=re.compile(r"^Singing and vocal work")).is_hidden()  # filtered out
    send.check()
    assert "SEND" in challenges.locator(".chosen").inner_text()
    me.get_by_label("About my practice").fill("Department of one in a busy school. I would like ideas for SEND pupils in practical lessons.")
    me.get_by_label("Furthest I can travel to meet (km)").fill("500")
    me.get_by_role("button", name="Save my profile").click()
    error = me.locator("#max_travel_km-error")
    assert "must be a number of km from 0 to 200" in error.inner_text()
    assert me.get_by_label("Furthest I can travel to meet (km)").get_attribute("aria-invalid") == "true"
    me.screenshot(path=str(artifacts / "teacher-profile-error.png"), full_page=True)
    me.get_by_label("Furthest I can travel to meet (km)").fill("15")
    me.get_by_role("button", name="Save my profile").click()
    assert "Your profile is saved." in me.locator(".flash").inner_text()
    assert me.locator("#picker-challenges").get_by_role("checkbox", name=re.compile(r"^SEND")).is_checked()
    me.screenshot(path=str(artifacts / "teacher-profile.png"), full_page=True)

    # Peers, with reasons and their kind; accept the first one.
    me.get_by_role("navigation", name="Main").get_by_role("link", name="My peers").click()
    cards = me.locator("article.peer")
    assert cards.count() >= 3
    assert me.get_by_text("Similar context").count() + me.get_by_text("New ideas").count() >= cards.count()
    first = cards.first
    peer = first.get_attribute("id").removeprefix("peer-")
    peer_name = first.locator("h2").inner_text()
    assert first.locator("ul.reasons li").count() >= 1
    assert me.locator("a[href^='mailto:']").count() == 0
    first.get_by_role("button", name=f"Accept {peer_name}").click()
    card = me.locator(f"#peer-{peer}")
    assert "waiting for" in card.locator(".status").inner_text()
    assert card.locator(".contact").count() == 0
    assert _email(peer) not in me.content()

    # The peer signs in elsewhere, sees the request without contact details, and accepts.
    assert not _shares(TEACHER)  # the sample teacher has not agreed to share contact details
    them = new_context().new_page()
    sign_in(them, base, live_app.teacher_user(peer))
    mine = them.locator(f"#peer-{TEACHER}")
    assert "would like to meet you" in mine.locator(".status").inner_text()
    assert mine.locator(".contact").count() == 0 and _email(TEACHER) not in them.content()
    mine.get_by_role("button", name=re.compile(r"^Accept ")).click()
    mine = them.locator(f"#peer-{TEACHER}")
    assert "You have both accepted" in mine.locator(".status").inner_text()
    # Connected, but the first teacher has not agreed to share: the peer is told so.
    assert "has not agreed to share their contact details" in mine.locator(".contact-withheld").inner_text()
    assert _email(TEACHER) not in them.content()

    # Back on the first teacher's page: the peer's contact if the peer agreed, and how to share mine.
    me.reload()
    card = me.locator(f"#peer-{peer}")
    assert card.locator(f"a[href='mailto:{_email(peer)}']").count() == (1 if _shares(peer) else 0)
    assert "cannot see your email" in card.inner_text()
    card.get_by_role("link", name="change this in your profile").click()
    consent = me.get_by_label("I agree that my email may be shown")
    assert not consent.is_checked()
    consent.check()
    me.get_by_role("button", name="Save my profile").click()
    assert "Your profile is saved." in me.locator(".flash").inner_text()

    # Now the peer sees the first teacher's contact.
    them.reload()
    assert them.locator(f"#peer-{TEACHER} a[href='mailto:{_email(TEACHER)}']").count() == 1
    me.get_by_role("navigation", name="Main").get_by_role("link", name="My peers").click()
    me.evaluate("window.scrollTo(0, 0)")
    me.screenshot(path=str(artifacts / "teacher-peers.png"), full_page=False)
    me.screenshot(path=str(artifacts / "teacher-peers-full.png"), full_page=True)

    # On a phone: decline a peer, who leaves the list, then undo it from "You declined".
    phone = new_context(390, 844).new_page()
    sign_in(phone, base, live_app.teacher_user(peer))
    phone.screenshot(path=str(artifacts / "teacher-peers-phone.png"), full_page=False)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # nothing wider than the screen
    other = phone.locator(f"article.peer:not(#peer-{TEACHER})").first
    other_id = other.get_attribute("id").removeprefix("peer-")
    other_name = other.locator("h2").inner_text()
    other.get_by_role("button", name=f"Decline {other_name}").click()
    assert "no longer suggested to you" in phone.locator(".flash").inner_text()
    assert phone.locator(f"#peer-{other_id}").count() == 0
    declined = phone.locator("#declined")
    assert other_name in declined.inner_text()
    phone.screenshot(path=str(artifacts / "teacher-peers-declined-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    declined.get_by_role("button", name=f"Undo declining {other_name}").click()
    assert "back among your suggestions" in phone.locator(".flash").inner_text()
    assert phone.locator(f"#peer-{other_id}").count() == 1 and phone.locator("#declined").count() == 0
