"""Tests of ``service/services/jobs.py``: the bounded pool and each programme's fair share of it."""

from __future__ import annotations

import threading

import pytest

from service.problems import Problem
from service.services import cohort_jobs as cohorts
from service.services import jobs

from .conftest import ACCOUNTS


def _blocker(release: threading.Event):
    def job(app) -> None:
        release.wait(30)

    return job


def test_one_key_holds_at_most_half_the_queue(app):
    app.config.update(PEERMATCH_COHORT_QUEUE=4, PEERMATCH_COHORT_WORKERS=1)
    release = threading.Event()
    try:
        assert jobs.share(app) == 2
        jobs.submit(app, _blocker(release), key="north", tag=1)
        jobs.submit(app, _blocker(release), key="north", tag=2)
        with pytest.raises(Problem) as refused:
            jobs.submit(app, _blocker(release), key="north", tag=3)
        assert refused.value.status == 503 and "at most 2" in refused.value.detail
        jobs.submit(app, _blocker(release), key="south", tag=4)  # another programme still queues
        jobs.submit(app, _blocker(release), key="south", tag=5)
        with pytest.raises(Problem) as full:
            jobs.submit(app, _blocker(release), key="east", tag=6)  # the whole queue is full
        assert full.value.status == 503 and "already waiting" in full.value.detail
        assert sorted(jobs.held(app)) == [1, 2, 4, 5] and jobs.pending(app, "north") == 2
    finally:
        release.set()
    jobs.shutdown(app)
    assert jobs.pending(app) == 0


def test_configured_share(app):
    app.config.update(PEERMATCH_COHORT_QUEUE=8, PEERMATCH_COHORT_SHARE=3)
    assert jobs.share(app) == 3
    app.config.update(PEERMATCH_COHORT_SHARE=0)
    assert jobs.share(app) == 4


def test_one_coordinators_burst_gets_503_while_another_programme_queues(client, app, monkeypatch):
    app.config.update(PEERMATCH_COHORT_QUEUE=4, PEERMATCH_COHORT_WORKERS=1)
    release = threading.Event()

    def slow_solve(cohort, params, progress=None):
        release.wait(30)
        raise RuntimeError("stopped by the test")

    monkeypatch.setattr(cohorts, "_solve", slow_solve)
    body = {"size_min": 3, "size_max": 5, "seconds": 1}
    north, south = ACCOUNTS["coord_n"].headers, ACCOUNTS["coord_s"].headers
    try:
        statuses = [client.post("/api/v1/cohort-runs", json=body, headers=north).status_code for _ in range(3)]
        assert statuses == [202, 202, 503]
        refused = client.post("/api/v1/cohort-runs", json=body, headers=north)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "60" and "Your programme" in refused.get_json()["detail"]
        assert client.post("/api/v1/cohort-runs", json=body, headers=south).status_code == 202
    finally:
        release.set()
