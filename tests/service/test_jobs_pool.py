"""The background pool of ``service.services.jobs``: one per app, however the first calls race."""

from __future__ import annotations

import threading
import time

from flask import Flask

from service.services import jobs


def test_racing_first_calls_create_one_pool(monkeypatch):
    # Regression: `with threading.Lock():` made a new lock per call, so every thread that
    # arrived before the first pool was stored built its own pool (and executor).
    built: list[object] = []

    class SlowPool(jobs._Pool):
        def __init__(self, *args: object) -> None:
            built.append(self)
            time.sleep(0.05)  # widen the window between "no pool yet" and storing one
            super().__init__(*args)

    monkeypatch.setattr(jobs, "_Pool", SlowPool)
    monkeypatch.setattr(jobs, "_start_ticker", lambda app, pool: None)  # no housekeeping thread here
    app = Flask(__name__)
    app.config.update(PEERMATCH_COHORT_WORKERS=1, PEERMATCH_COHORT_QUEUE=2, PEERMATCH_COHORT_SHARE=0)
    barrier = threading.Barrier(6)
    got: list[object] = []

    def first_call() -> None:
        barrier.wait()
        got.append(jobs._pool(app))

    threads = [threading.Thread(target=first_call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    try:
        assert len(built) == 1
        assert len(got) == 6 and all(pool is built[0] for pool in got)
    finally:
        for pool in built:
            pool.executor.shutdown(wait=False)
