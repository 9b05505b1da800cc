"""The pages work under the Content-Security-Policy: no violation is reported by the browser
on any page of the three flows, and the Swagger UI still renders (issue 13, item 11)."""

from __future__ import annotations

from .conftest import sign_in

COORDINATOR_PAGES = ["/teachers", "/teachers/import", "/cohorts"]
TEACHER_PAGES = ["/me", "/me/peers", "/me/practice", "/me/data", "/me/erase"]


def _watch(page) -> list[str]:
    """Collect CSP violations: console messages and ``securitypolicyviolation`` events."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def test_pages_report_no_csp_violations(live_app, new_context):
    base = live_app.url
    coordinator = new_context().new_page()
    seen = _watch(coordinator)
    sign_in(coordinator, base, live_app.coordinator)
    for path in COORDINATOR_PAGES:
        coordinator.goto(base + path)
        coordinator.wait_for_load_state("networkidle")
    teacher = new_context().new_page()
    seen += _watch(teacher)
    sign_in(teacher, base, live_app.teacher_user("t-001"))
    for path in TEACHER_PAGES:
        teacher.goto(base + path)
        teacher.wait_for_load_state("networkidle")
    assert seen == []


def test_pages_cannot_be_framed(live_app, new_context):
    page = new_context().new_page()
    resp = page.goto(live_app.url + "/signin")
    headers = resp.all_headers()
    assert headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in headers["content-security-policy"]


def test_swagger_ui_still_renders(live_app, new_context):
    page = new_context().new_page()
    seen = _watch(page)
    page.goto(live_app.url + "/api/v1/swagger")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Peer to Peer Matcher API" in page.locator(".swagger-ui .info .title").inner_text()
    assert [m for m in seen if "script-src" in m] == []
