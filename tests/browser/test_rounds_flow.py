"""A round in a real browser: the coordinator adds a round, generates its groups, publishes
them (the page's form carries the run's version, as If-Match does on the API) and sees the
messages in the outbox; a member then sees My group and downloads the calendar."""

from __future__ import annotations

import re
from pathlib import Path

import icalendar

from .conftest import sign_in

ROUND = "Spring 2027 (browser test)"


def _member_with_meetings(app, run_id: int) -> tuple[str, int]:
    """A member of the published run whose group has proposed meetings, and how many."""
    from service import db
    from service.auth import Identity
    from service.models import CohortRun
    from service.services import my_group
    from service.services.cohort_review import grouping_of

    with app.test_request_context():
        run = db.session().get_one(CohortRun, run_id)
        for group in grouping_of(run).groups:
            g = my_group.my_group(Identity(0, "browser-test", "teacher", run.programme_id, group[0], "session"))
            if g.plan.meetings:
                return group[0], len(g.plan.meetings)
    raise AssertionError("no group of the run shares a free slot")


def test_coordinator_publishes_a_round_and_a_member_sees_my_group(live_app, new_context, artifacts):
    base = live_app.url
    page = new_context().new_page()
    sign_in(page, base, live_app.coordinator)
    nav = page.get_by_role("navigation", name="Main")

    # Add the round, then generate its groups from the round's card.
    nav.get_by_role("link", name="Rounds").click()
    page.get_by_label("Name").fill(ROUND)
    page.get_by_label("Starts").fill("2027-01-04")
    page.get_by_label("Ends").fill("2027-03-25")
    page.get_by_role("button", name="Add round").click()
    assert f"Round {ROUND!r} added" in page.locator(".flash").inner_text()
    card = page.locator("section.card", has=page.get_by_role("heading", name=re.compile(re.escape(ROUND))))
    card.get_by_role("button", name="Generate groups for this round").click()
    page.wait_for_url(re.compile(r"/cohorts/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    page.locator("h1", has_text=re.compile(r"^Peer groups|could not be made")).wait_for(timeout=30_000)
    assert page.locator("h1").inner_text().startswith("Peer groups")

    # Publish: the form sends the version the API's ETag names.
    nav.get_by_role("link", name="Rounds").click()
    etag = page.request.get(f"{base}/api/v1/cohort-runs/{run_id}").headers["etag"]
    form = card.locator(f"form[action$='/rounds/runs/{run_id}/publish']")
    assert etag == f'"run-{run_id}-v{form.locator("input[name=version]").get_attribute("value")}"'
    form.get_by_role("button", name="Publish and tell members").click()
    flash = page.locator(".flash").inner_text()
    done = re.search(rf"Run {run_id} published: (\d+) groups, (\d+) messages queued", flash)
    assert done, flash
    messages = int(done[2])
    assert messages >= 4 and "published" in card.locator(".tag").inner_text()
    assert card.get_by_role("button", name="Publish and tell members").count() == 0  # a round is published once
    page.screenshot(path=str(artifacts / "rounds-published.png"), full_page=True)

    # The outbox lists one message per member (the test app runs no mail worker: queued), and
    # the before-questionnaire invitations written with them (newest first, so those come first).
    nav.get_by_role("link", name="Messages").click()
    total = int(re.search(r"\((\d+)\)", page.locator("h1").inner_text())[1])
    rows = page.locator("#messages tbody tr")
    assert total >= messages and rows.count() >= 1
    assert all("group_published" in row or "questionnaire" in row for row in rows.all_inner_texts())
    assert {rows.nth(i).locator("[data-label=Status] .tag").inner_text() for i in range(rows.count())} <= {"queued", "sent"}
    page.screenshot(path=str(artifacts / "messages.png"), full_page=True)

    # A member sees their group: members, reasons, shared free time, meetings, the calendar.
    teacher, meetings = _member_with_meetings(live_app.app, run_id)
    me = new_context().new_page()
    sign_in(me, base, live_app.teacher_user(teacher))
    me.get_by_role("navigation", name="Main").get_by_role("link", name="My group").click()
    assert ROUND in me.locator("main").inner_text()
    assert me.locator("#members > li").count() >= 4
    assert "(you)" in me.locator("#members").inner_text()
    assert me.get_by_role("heading", name="Why you were grouped").count() == 1
    assert "Free time you all share:" in me.locator("main").inner_text()
    assert me.locator("#meetings > li").count() == meetings
    me.screenshot(path=str(artifacts / "my-group.png"), full_page=True)
    with me.expect_download() as got:
        me.get_by_role("link", name="Download the calendar (.ics)").click()
    calendar = icalendar.Calendar.from_ical(Path(got.value.path()).read_bytes())
    events = calendar.walk("VEVENT")
    assert len(events) == meetings
    assert all(e.decoded("dtstart").year == 2027 for e in events)
