"""The coordinator's flow in a real browser, end to end.

Sign in → import a CSV with one bad row → read the error → fix it → import → generate
groups → move a member (preview, then save) → approve a group → export → map.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from .conftest import SEEDED, sample_rows, sign_in, to_csv

NEW = 20  # teachers imported during the test
BAD = 4  # 0-based data row with the typo: file line BAD + 2 (the header is line 1)


def _import_file() -> tuple[str, str]:
    """The CSV with one bad row, and the same file fixed."""
    header, rows = sample_rows(SEEDED, SEEDED + NEW)
    challenges = header.index("challenges")
    rows[BAD][challenges] = "singin;send"
    bad = to_csv(header, rows)
    rows[BAD][challenges] = "singing;send"
    return bad, to_csv(header, rows)


def test_coordinator_imports_generates_moves_approves_and_exports(live_app, new_context, artifacts):
    base = live_app.url
    page = new_context(1280, 1000).new_page()
    sign_in(page, base, live_app.coordinator)
    assert page.url.endswith("/teachers")
    assert "(60)" in page.get_by_role("heading", level=1).inner_text()
    nav = page.get_by_role("navigation", name="Main")

    # Import with one bad row: the report names the line, the column and a suggestion; nothing is stored.
    bad, fixed = _import_file()
    nav.get_by_role("link", name="Import").click()
    page.get_by_label("CSV file").set_input_files(files=[{"name": "new-teachers.csv", "mimeType": "text/csv", "buffer": bad.encode("utf-8")}])
    page.get_by_role("button", name="Check and import").click()
    assert "nothing was imported" in page.get_by_role("alert").inner_text()
    cells = page.locator("#error-report tbody tr").first.locator("td").all_inner_texts()
    assert cells[:3] == [str(BAD + 2), "challenges", "singin"] and "singing" in cells[4]
    page.screenshot(path=str(artifacts / "coordinator-import-error.png"), full_page=True)

    # Fix the row in the box the file came back in, and import again.
    box = page.get_by_label("Or fix the rows here and import again")
    assert box.input_value().replace("\r\n", "\n") == bad
    box.fill(fixed)
    page.get_by_role("button", name="Check and import").click()
    assert f"Imported {NEW} teachers: {NEW} new, 0 updated." in page.locator(".flash").inner_text()
    assert f"({SEEDED + NEW})" in page.get_by_role("heading", level=1).inner_text()

    # Filter the list: departments of one in one theme.
    page.get_by_label("Only departments of one").check()
    page.get_by_role("button", name="Apply filters").click()
    assert "dept=yes" in page.url and page.locator("#teachers tbody tr").count() >= 1
    assert page.locator("#teachers tbody tr").count() == page.locator("#teachers tbody .tag.warn").count()

    # Generate groups; the run page shows progress, then the result.
    nav.get_by_role("link", name="Cohorts").click()
    page.get_by_label("Smallest").fill("4")
    page.get_by_label("Largest").fill("6")
    page.get_by_label("Time limit (seconds)").fill("2")
    page.get_by_label("Balanced").check()
    page.get_by_role("button", name="Generate groups").click()
    page.wait_for_url(re.compile(r"/cohorts/\d+$"))
    run_url = page.url
    page.locator("h1", has_text=re.compile(r"^Peer groups|could not be made")).wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Groups", level=2).count() == 1, page.locator("main").inner_text()
    groups = page.locator("article.group")
    groups_count = groups.count()
    assert groups.count() >= (SEEDED + NEW) // 6
    assert page.locator("article.group ul.members > li").count() == SEEDED + NEW
    assert page.locator("dl.figures dd").count() >= 3
    page.screenshot(path=str(artifacts / "coordinator-cohort-result.png"), full_page=False)
    page.screenshot(path=str(artifacts / "coordinator-cohort-result-full.png"), full_page=True)

    # Move a member from the largest group to the smallest: the figures change on the page
    # before anything is saved.
    sizes = [groups.nth(i).locator("ul.members > li").count() for i in range(groups.count())]
    source = max(range(len(sizes)), key=lambda i: (sizes[i], -i))
    target = min((i for i in range(len(sizes)) if i != source), key=lambda i: (sizes[i], i))
    member_id = page.locator("#member optgroup").nth(source).locator("option").first.get_attribute("value")
    member_name = page.locator(f"#member option[value='{member_id}']").inner_text().split(" (")[0]
    page.get_by_label("Member", exact=True).select_option(member_id)
    page.get_by_label("Move to", exact=True).select_option(str(target + 1))  # groups by the numbers the page shows
    preview = page.locator("#move-preview")
    preview.get_by_text("Preview, not saved").wait_for()
    assert member_name in preview.inner_text()
    assert preview.locator("dl.figures dd").count() >= 3
    assert member_name not in page.locator(f"#group-{target + 1}").inner_text()  # nothing saved yet
    page.locator("#move-form").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "coordinator-move-preview.png"), full_page=False)
    page.get_by_role("button", name="Save move").click()
    assert f"Moved {member_name} to group {target + 1}." in page.locator(".flash").inner_text()
    assert member_name in page.locator(f"#group-{target + 1}").inner_text()
    assert member_name not in page.locator(f"#group-{source + 1}").inner_text()

    # Approve the group the member joined: it is locked and no longer a target.
    page.get_by_role("button", name=f"Approve group {target + 1}", exact=True).click()
    assert f"Group {target + 1} is approved and locked." in page.locator(".flash").inner_text()
    assert "Approved and locked" in page.locator(f"#group-{target + 1}").inner_text()
    assert page.locator(f"#to_group option[value='{target + 1}']").is_disabled()

    # Find a teacher's group as you type (static/js/groups.js; ?q= does it without JS), and
    # collapse every card.
    page.get_by_role("searchbox", name="Find a teacher's group").fill(member_name.lower())
    assert page.locator("article.group:visible").count() == 1
    assert member_name in page.locator("article.group:visible").inner_text()
    page.get_by_role("searchbox", name="Find a teacher's group").fill("")
    assert page.locator("article.group:visible").count() == groups_count
    page.get_by_role("button", name="Collapse all groups").click()
    assert page.locator("article.group > details[open]").count() == 0
    page.get_by_role("button", name="Expand all groups").click()

    # Export: one row per member, with the move and the approval in it.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == SEEDED + NEW
    mine = next(r for r in rows if r["teacher_id"] == member_id)
    assert mine["group"] == str(target + 1) and mine["approved"] == "yes"  # the group number the page shows

    # The map of the groups.
    page.get_by_role("link", name="Map of the groups").click()
    assert page.locator("svg.chart").count() == 1
    assert f"{groups_count} groups, {SEEDED + NEW} members' schools" in page.locator("svg.chart desc").text_content()
    page.screenshot(path=str(artifacts / "coordinator-map.png"), full_page=True)
    page.goto(run_url)
