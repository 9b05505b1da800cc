"""A live app and a headless browser for the page flows.

The app runs in a background thread (werkzeug on a free 127.0.0.1 port) on a temporary
SQLite database seeded with the service's own loading functions: the shipped schools and
practice catalogue, the first sample teachers imported through the coordinator's import
function, and sign-in accounts for a coordinator and for every seeded teacher. Browser
tests need Debian's ``chromium`` at /usr/bin/chromium (``make test`` installs it) and
are skipped with that reason when it is missing.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples" / "teachers.csv"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
PASSWORD = "browser-test-password"
SEEDED = 60  # sample teachers t-001..t-060 are in the programme from the start
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class LiveApp:
    url: str
    app: object
    coordinator: str
    teachers: dict  # teacher id -> user name

    def teacher_user(self, teacher_id: str) -> str:
        return self.teachers[teacher_id]


def sample_rows(start: int, stop: int) -> tuple[list[str], list[list[str]]]:
    """Header and rows ``start..stop-1`` (0-based data rows) of the committed sample CSV.

    Everyone may meet online or in person ("either") and previous groupmates are left
    out: with only 80 of the 300 London sample teachers, some who meet only in person
    have too few peers within reach for groups of 4-6 (the solver rightly refuses), and
    these flows are about the pages, not about infeasible inputs.
    """
    with SAMPLES.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, picked = rows[0], rows[1 + start : 1 + stop]
    mode, mates = header.index("meeting_mode"), header.index("previous_groupmates")
    for row in picked:
        row[mode], row[mates] = "either", ""
    return header, picked


def to_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _seed(app) -> tuple[str, dict]:
    """Reference data, a programme, teachers and accounts, through the service's functions."""
    from service import db
    from service.auth import Identity
    from service.models import Programme
    from service.services import accounts, peers, reference
    from service.services.teacher_import import import_teachers

    header, rows = sample_rows(0, SEEDED)
    teachers = {}
    with app.app_context():
        with db.new_session(app) as s:
            reference.load_schools_into(s)
            reference.load_practice_into(s)
            programme = accounts.get_or_create_programme(s, "Browser test programme")
            coordinator = accounts.create_user(s, "coordinator", "coordinator", programme, password=PASSWORD)
            identity = Identity(coordinator.id, coordinator.username, "coordinator", programme.id, None, "session")
            programme_id = programme.id
        with app.test_request_context():
            import_teachers(identity, to_csv(header, rows))
            db.session().commit()
        with db.new_session(app) as s:
            programme = s.get(Programme, programme_id)
            for row in rows:
                username = f"teacher-{row[0]}"
                accounts.create_user(s, username, "teacher", programme, password=PASSWORD, teacher_id=row[0])
                teachers[row[0]] = username
        with app.test_request_context(), db.new_session(app) as s:
            peers.refresh_programme(s, programme_id)
    return "coordinator", teachers


@pytest.fixture(scope="session")
def live_app(tmp_path_factory) -> Iterator[LiveApp]:
    """The app on a free local port, seeded, for the whole browser session."""
    from werkzeug.serving import make_server

    from service import create_app, db

    folder = tmp_path_factory.mktemp("browser-app")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'browser.sqlite3'}",
            "SECRET_KEY": "browser-test-secret",
            "INSTANCE_PATH": str(folder),
            "PEERMATCH_PASSWORD_METHOD": "pbkdf2:sha256:1000",
            "PEERMATCH_COHORT_DEFAULT_SECONDS": 2,
        }
    )
    coordinator, teachers = _seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield LiveApp(url=f"http://127.0.0.1:{server.server_port}", app=app, coordinator=coordinator, teachers=teachers)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        from service.services import jobs

        jobs.shutdown(app)
        db.engine(app).dispose()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright (skipped when chromium is missing)."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium; make test installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_context(browser):
    """Make browser contexts (separate cookie jars) that are closed after the test."""
    made = []

    def make(width: int = 1280, height: int = 900):
        ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        ctx.set_default_timeout(15_000)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form (starting from the home page, which redirects to it)."""
    page.goto(base + "/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
