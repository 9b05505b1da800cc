"""Kill-safety: an import that fails or is killed midway leaves the database unchanged.

``service/db.py`` wraps each request in one transaction; these tests break an import of
1,200 rows after its first 500 rows were written (flushed) to the database, by an
exception and by ``SIGKILL`` of the process, and check that nothing of it remains.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from service import create_app, db
from service.models import Programme, Teacher
from service.services import teacher_import as teachers_svc  # the import applies profiles through its own name

from .conftest import ACCOUNTS, base_config, count_rows
from .test_api_teachers import _csv, _rows

COORD = ACCOUNTS["coord_n"].headers


def _kill_at(proc: subprocess.Popen[bytes], marker: Path, never: str, *, before_kill: Callable[[], None]) -> None:
    """Wait (at most 60 s) until ``proc`` creates ``marker``, call ``before_kill``, then SIGKILL it.

    ``never`` is the failure message when the marker does not appear. The pipes are closed,
    and the process killed, whatever happens.
    """
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, never
            time.sleep(0.05)
        before_kill()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def _state(app):
    with db.new_session(app) as s:
        return (
            s.execute(sa.select(sa.func.count()).select_from(Teacher)).scalar_one(),
            s.execute(sa.select(Programme.profiles_version).order_by(Programme.id)).scalars().all(),
        )


def test_exception_midway_writes_nothing(client, app, monkeypatch):
    before = _state(app)
    real = teachers_svc.apply_profile
    calls = {"n": 0}

    def failing(t, p):
        calls["n"] += 1
        if calls["n"] == 700:
            raise RuntimeError("disk on fire")
        real(t, p)

    monkeypatch.setattr(teachers_svc, "apply_profile", failing)
    resp = client.post("/api/v1/teachers/import", data=_csv(_rows(1200)), headers={**COORD, "Content-Type": "text/csv"})
    assert resp.status_code == 500 and resp.mimetype == "application/problem+json"
    assert "disk on fire" not in resp.get_data(as_text=True)  # no internals leak
    assert calls["n"] == 700
    assert _state(app) == before


SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from sqlalchemy.orm import Session
    from service import create_app
    from service.models import Teacher

    config, marker, body, token = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    app = create_app(config)
    real_flush = Session.flush

    def flush(self, *args, **kwargs):
        had_teachers = any(isinstance(o, Teacher) for o in self.new)
        real_flush(self, *args, **kwargs)
        if had_teachers:
            open(marker, "w").close()   # 500 rows are in the database, uncommitted
            time.sleep(120)

    Session.flush = flush
    with open(body, encoding="utf-8") as fh:
        data = fh.read()
    app.test_client().post("/api/v1/teachers/import", data=data, headers={"Authorization": "Bearer " + token, "Content-Type": "text/csv"})
    """
)


def test_sigkill_midway_writes_nothing(app, database_url, tmp_path):
    import json

    before = _state(app)
    marker, body = tmp_path / "flushed", tmp_path / "import.csv"
    body.write_text(_csv(_rows(1200)), encoding="utf-8")
    config = {**base_config(database_url, tmp_path), "PEERMATCH_AUTO_MIGRATE": False}
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, json.dumps(config), str(marker), str(body), ACCOUNTS["coord_n"].token],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def paused() -> None:  # while the import is paused mid-transaction, others still see the old state
        assert _state(app) == before

    _kill_at(proc, marker, "the import never reached its first flush", before_kill=paused)
    assert proc.returncode == -signal.SIGKILL
    # A new process (fresh engine) sees exactly the old state, and can write again.
    fresh = create_app(config)
    try:
        assert _state(fresh) == before
        resp = fresh.test_client().post("/api/v1/teachers/import", data=_csv(_rows(3)), headers={**COORD, "Content-Type": "text/csv"})
        assert resp.status_code == 200
        assert count_rows(fresh, Teacher) == before[0] + 3
    finally:
        db.engine(fresh).dispose()


RUN_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from service import create_app
    from service.services import cohort_jobs as cohorts

    config, marker, token = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = create_app(config)

    def solving(cohort, params, progress=None):
        open(marker, "w").close()   # the run is "running" in the database
        time.sleep(120)

    cohorts._solve = solving
    client = app.test_client()
    for _ in range(2):  # one solving, one queued behind it (one worker)
        client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 5, "seconds": 3}, headers={"Authorization": "Bearer " + token})
    time.sleep(120)
    """
)


def test_sigkill_while_solving_fails_the_run_and_requeues_the_waiting_one(app, database_url, tmp_path):
    """After SIGKILL the next process says so within seconds (not after 3 x limit + 2 minutes) and runs what was waiting."""
    import json

    from service.models import CohortRun
    from service.services import jobs, run_recovery

    marker = tmp_path / "solving"
    fast = {"PEERMATCH_HEARTBEAT_SECONDS": 0.2, "PEERMATCH_RUN_STALE_SECONDS": 2, "PEERMATCH_COHORT_WORKERS": 1}
    config = {**base_config(database_url, tmp_path), "PEERMATCH_AUTO_MIGRATE": False, **fast}
    proc = subprocess.Popen([sys.executable, "-c", RUN_SCRIPT, json.dumps(config), str(marker), ACCOUNTS["coord_n"].token], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _kill_at(proc, marker, "the run never started", before_kill=lambda: time.sleep(0.5))  # the second run is queued by then
    with db.new_session(app) as s:
        assert sorted(s.execute(sa.select(CohortRun.status)).scalars()) == ["queued", "running"]
    fresh = create_app(config)  # the restarted server
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with db.new_session(fresh) as s:
                runs = s.execute(sa.select(CohortRun).order_by(CohortRun.id)).scalars().all()
            if runs[0].status == "failed" and runs[1].status != "queued":
                break
            time.sleep(0.1)
        assert runs[0].status == "failed" and runs[0].error["detail"] == run_recovery.RESTARTED
        assert runs[1].status != "queued" and (runs[1].error or {}).get("detail") != run_recovery.RESTARTED  # taken over, not failed
    finally:
        jobs.shutdown(fresh)
        db.engine(fresh).dispose()
