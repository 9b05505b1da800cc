"""Tests of ``service/services/run_recovery.py``: runs cut off by a restart are failed or queued again."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from service import create_app, db
from service.models import CohortRun, Programme, utcnow
from service.services import cohort_jobs as cohorts
from service.services import jobs, run_recovery

from .conftest import ACCOUNTS, TEACHERS, base_config

COORD = ACCOUNTS["coord_n"].headers
FAST = {"PEERMATCH_HEARTBEAT_SECONDS": 0.1, "PEERMATCH_RUN_STALE_SECONDS": 2}


def _run(app, status: str, heartbeat_age: float | None, params: dict | None = None) -> int:
    now = utcnow()
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        run = CohortRun(
            programme_id=pid,
            status=status,
            params=params or {"size_min": 3, "size_max": 5, "seconds": 300},
            created_at=now - timedelta(minutes=10),
            started_at=now - timedelta(minutes=10) if status == "running" else None,
            heartbeat_at=None if heartbeat_age is None else now - timedelta(seconds=heartbeat_age),
        )
        s.add(run)
        s.flush()
        return run.id


def _status(app, run_id: int) -> CohortRun:
    with db.new_session(app) as s:
        return s.get(CohortRun, run_id)


def _wait(app, run_id: int, statuses: tuple[str, ...], timeout: float = 60) -> CohortRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = _status(app, run_id)
        if run.status in statuses:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} is still {run.status}")


def _restart(database_url, tmp_path, **config):
    """A new process's app on the same database (what gunicorn starts after a restart)."""
    return create_app({**base_config(database_url, tmp_path), "PEERMATCH_AUTO_MIGRATE": False, **FAST, **config})


def _stop(app) -> None:
    jobs.shutdown(app)
    db.engine(app).dispose()


def test_a_run_solving_when_its_process_died_fails_with_a_clear_message_at_startup(app, database_url, tmp_path):
    # started 10 minutes ago with a 300 s limit: the old rule waited 17 minutes before saying anything
    run_id = _run(app, "running", heartbeat_age=600)
    fresh = _restart(database_url, tmp_path)
    try:
        run = _wait(fresh, run_id, ("failed",), timeout=20)
        assert run.error["detail"] == run_recovery.RESTARTED and run.finished_at is not None
        body = fresh.test_client().get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).get_json()
        assert body["status"] == "failed" and "restarted" in body["error"]["detail"]
    finally:
        _stop(fresh)


def test_a_queued_run_whose_process_died_is_queued_again_and_finishes(client, app, database_url, tmp_path):
    for t in TEACHERS["north"]:
        assert client.patch(f"/api/v1/teachers/{t}", json={"meeting_mode": "online"}, headers={**COORD, "If-Match": "*"}).status_code == 200
    run_id = _run(app, "queued", heartbeat_age=300, params={"size_min": 3, "size_max": 5, "seconds": 1})
    fresh = _restart(database_url, tmp_path)
    try:
        run = _wait(fresh, run_id, ("done", "failed"))
        assert run.status == "done", run.error
    finally:
        _stop(fresh)


def test_runs_with_a_fresh_heartbeat_belong_to_a_live_process_and_are_left_alone(app, database_url, tmp_path):
    running = _run(app, "running", heartbeat_age=0)
    queued = _run(app, "queued", heartbeat_age=0)
    fresh = _restart(database_url, tmp_path, PEERMATCH_RUN_STALE_SECONDS=60)
    try:
        time.sleep(0.5)  # a few housekeeping rounds
        assert run_recovery.recover(fresh) == (0, 0)
        assert _status(fresh, running).status == "running" and _status(fresh, queued).status == "queued"
    finally:
        _stop(fresh)


def test_the_heartbeat_is_refreshed_while_a_run_solves(client, app, monkeypatch):
    app.config.update(FAST)
    release, started = threading.Event(), threading.Event()

    def slow_solve(cohort, params, progress=None):
        started.set()
        release.wait(30)
        raise RuntimeError("stopped by the test")

    monkeypatch.setattr(cohorts, "_solve", slow_solve)
    try:
        run_id = int(client.post("/api/v1/cohort-runs", json={"seconds": 1}, headers=COORD).headers["Location"].rsplit("/", 1)[1])
        assert started.wait(30)
        first = _status(app, run_id).heartbeat_at
        time.sleep(3 * FAST["PEERMATCH_RUN_STALE_SECONDS"])  # longer than the stale limit: still beating, still running
        run = _status(app, run_id)
        assert run.status == "running" and run.heartbeat_at > first
        assert (utcnow() - run.heartbeat_at).total_seconds() < FAST["PEERMATCH_RUN_STALE_SECONDS"]
    finally:
        release.set()
    assert _wait(app, run_id, ("failed",)).error["status"] == 500


def test_a_graceful_stop_hands_unfinished_runs_to_the_next_process(client, app, database_url, tmp_path, monkeypatch):
    app.config.update(PEERMATCH_COHORT_WORKERS=1)
    release, started = threading.Event(), threading.Event()
    real_solve = cohorts._solve

    def slow_solve(cohort, params, progress=None):
        started.set()
        release.wait(30)
        raise RuntimeError("the old process, stopped")

    monkeypatch.setattr(cohorts, "_solve", slow_solve)
    for t in TEACHERS["north"]:
        client.patch(f"/api/v1/teachers/{t}", json={"meeting_mode": "online"}, headers={**COORD, "If-Match": "*"})
    body = {"size_min": 3, "size_max": 5, "seconds": 1}
    ids = [int(client.post("/api/v1/cohort-runs", json=body, headers=COORD).headers["Location"].rsplit("/", 1)[1]) for _ in range(2)]
    assert started.wait(30)
    assert [_status(app, i).status for i in ids] == ["running", "queued"]
    assert run_recovery.graceful_stop(app, timeout=0.3) == 2  # SIGTERM: the solve does not finish in time
    assert all(_status(app, i).status == "queued" and _status(app, i).heartbeat_at is None for i in ids)
    release.set()  # the old thread ends; it must not overwrite the handed-back run
    time.sleep(0.5)
    assert _status(app, ids[0]).status == "queued"
    monkeypatch.setattr(cohorts, "_solve", real_solve)
    fresh = _restart(database_url, tmp_path)
    try:
        assert [_wait(fresh, i, ("done", "failed")).status for i in ids] == ["done", "done"]
    finally:
        _stop(fresh)


def test_gunicorn_worker_exit_hook_hands_runs_back(app, monkeypatch):
    from types import SimpleNamespace

    from service import gunicorn_conf

    calls = []
    monkeypatch.setattr(run_recovery, "graceful_stop", lambda a, timeout: calls.append((a, timeout)))
    server = SimpleNamespace(cfg=SimpleNamespace(graceful_timeout=30))
    gunicorn_conf.worker_exit(server, SimpleNamespace(wsgi=app))
    gunicorn_conf.worker_exit(server, SimpleNamespace(wsgi=None))
    assert calls == [(app, 30 - gunicorn_conf.HAND_BACK_SECONDS)]
