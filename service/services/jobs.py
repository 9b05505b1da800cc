"""A small, bounded pool of background threads per process, for cohort runs.

``submit(app, fn, *args)`` runs ``fn(app, *args)`` on a worker thread, refusing with 503
when ``PEERMATCH_COHORT_QUEUE`` jobs are already waiting or running, so a burst of
requests cannot pile up unbounded work. The pool is created on first use (never at
import) and belongs to the app.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask

from ..problems import Problem

__all__ = ["submit", "shutdown", "pending"]

log = logging.getLogger(__name__)
_KEY = "peermatch.jobs"
_CREATE = threading.Lock()  # one pool per app, even when the first requests race


class _Pool:
    def __init__(self, workers: int, limit: int):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="peermatch-job")
        self.limit = limit
        self.lock = threading.Lock()
        self.active = 0
        self.futures: set[Future] = set()


def _pool(app: Flask) -> _Pool:
    pool = app.extensions.get(_KEY)
    if pool is None:
        with _CREATE:
            pool = app.extensions.get(_KEY) or app.extensions.setdefault(_KEY, _Pool(app.config["PEERMATCH_COHORT_WORKERS"], app.config["PEERMATCH_COHORT_QUEUE"]))
    return pool


def pending(app: Flask) -> int:
    """Jobs queued or running in this process."""
    pool = app.extensions.get(_KEY)
    return 0 if pool is None else pool.active


def submit(app: Flask, fn: Callable, *args) -> Future:
    """Run ``fn(app, *args)`` in the background; 503 problem when the queue is full."""
    pool = _pool(app)
    with pool.lock:
        if pool.active >= pool.limit:
            raise Problem(503, f"{pool.active} cohort runs are already waiting; try again in a minute.", headers={"Retry-After": "60"})
        pool.active += 1

    def run() -> None:
        try:
            fn(app, *args)
        except Exception:  # the job records its own failure; this is the last resort
            log.exception("background job %s failed", getattr(fn, "__name__", fn))
        finally:
            with pool.lock:
                pool.active -= 1

    future = pool.executor.submit(run)
    pool.futures.add(future)
    future.add_done_callback(pool.futures.discard)
    return future


def shutdown(app: Flask, wait: bool = True) -> None:
    """Stop the pool (tests call this before dropping their database)."""
    pool = app.extensions.pop(_KEY, None)
    if pool is not None:
        pool.executor.shutdown(wait=wait, cancel_futures=not wait)
