"""A small, bounded pool of background threads per process, for cohort runs.

``submit(app, fn, *args, key=..., tag=...)`` runs ``fn(app, *args)`` on a worker thread,
refusing with 503 when ``PEERMATCH_COHORT_QUEUE`` jobs are already waiting or running,
so a burst of requests cannot pile up unbounded work. Jobs with the same ``key`` (a
programme) share at most ``PEERMATCH_COHORT_SHARE`` of those slots (0 means half the
queue, rounded up), so one coordinator's burst is refused for that programme while
another programme can still queue. ``tag`` names the job (a run id) for
:func:`held`, which :mod:`.run_recovery` uses to keep the runs' heartbeats fresh.

The pool is created on first use (never at import) and belongs to the app. With it
starts one housekeeping thread that calls the functions registered with :func:`every`
(the heartbeat) until :func:`shutdown`.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask

from ..logsafe import log_exception
from ..problems import Problem

__all__ = ["submit", "shutdown", "pending", "held", "share", "every", "ensure_pool", "check_room"]

log = logging.getLogger(__name__)
_KEY = "peermatch.jobs"
_TICKS = "peermatch.jobs.every"
_CREATE = threading.Lock()  # one pool per app, even when the first requests race


class _Pool:
    def __init__(self, workers: int, limit: int, share: int):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="peermatch-job")
        self.limit = limit
        self.share = share
        self.lock = threading.Lock()
        self.active = 0
        self.by_key: Counter[Hashable] = Counter()
        self.tags: dict[Future[None], Hashable] = {}
        self.futures: set[Future[None]] = set()
        self.stop = threading.Event()
        self.ticker: threading.Thread | None = None


def share(app: Flask) -> int:
    """Slots one programme may hold: ``PEERMATCH_COHORT_SHARE``, or half the queue rounded up."""
    limit = int(app.config["PEERMATCH_COHORT_QUEUE"])
    configured = int(app.config.get("PEERMATCH_COHORT_SHARE") or 0)
    return max(1, min(limit, configured or math.ceil(limit / 2)))


def _pool(app: Flask) -> _Pool:
    pool = app.extensions.get(_KEY)
    if pool is None:
        with _CREATE:
            pool = app.extensions.get(_KEY)
            if pool is None:
                pool = _Pool(app.config["PEERMATCH_COHORT_WORKERS"], app.config["PEERMATCH_COHORT_QUEUE"], share(app))
                app.extensions[_KEY] = pool
                _start_ticker(app, pool)
    return pool


def ensure_pool(app: Flask) -> None:
    """Create the pool (and its housekeeping thread) now, if it does not exist yet."""
    _pool(app)


def every(app: Flask, seconds: float, fn: Callable[[Flask], None]) -> None:
    """Call ``fn(app)`` every ``seconds`` on the pool's housekeeping thread (from its start)."""
    app.extensions.setdefault(_TICKS, []).append((seconds, fn))


def _start_ticker(app: Flask, pool: _Pool) -> None:
    ticks = list(app.extensions.get(_TICKS, []))
    if not ticks:
        return
    period = min(s for s, _ in ticks)

    def loop() -> None:
        while True:
            for _, fn in ticks:
                try:
                    fn(app)
                except Exception as exc:  # housekeeping must never stop
                    log_exception(log, "housekeeping %s failed", getattr(fn, "__name__", fn), exc=exc)
            if pool.stop.wait(period):
                return

    pool.ticker = threading.Thread(target=loop, name="peermatch-housekeeping", daemon=True)
    pool.ticker.start()


def pending(app: Flask, key: Hashable | None = None) -> int:
    """Jobs queued or running in this process (of one ``key``, when given)."""
    pool: _Pool | None = app.extensions.get(_KEY)
    if pool is None:
        return 0
    return pool.active if key is None else pool.by_key[key]


def held(app: Flask) -> list[Hashable]:
    """The tags of the jobs queued or running in this process."""
    pool = app.extensions.get(_KEY)
    if pool is None:
        return []
    with pool.lock:
        return [t for t in pool.tags.values() if t is not None]


def _full(active: int, limit: int, mine: int, share_: int, key: Hashable | None) -> Problem | None:
    if active >= limit:
        return Problem(503, f"{active} cohort runs are already waiting; try again in a minute.", headers={"Retry-After": "60"})
    if key is not None and mine >= share_:
        return Problem(
            503,
            f"Your programme already has {mine} cohort runs waiting or running (at most {share_} at a time); try again when one has finished.",
            headers={"Retry-After": "60"},
        )
    return None


def check_room(app: Flask, key: Hashable | None = None) -> None:
    """Raise the 503 problem :func:`submit` would raise, without submitting anything."""
    problem = _full(pending(app), app.config["PEERMATCH_COHORT_QUEUE"], pending(app, key) if key is not None else 0, share(app), key)
    if problem is not None:
        raise problem


def submit(app: Flask, fn: Callable[..., object], *args: Any, key: Hashable | None = None, tag: Hashable | None = None) -> Future[None]:
    """Run ``fn(app, *args)`` in the background; 503 problem when the queue (or ``key``'s share) is full."""
    pool = _pool(app)
    with pool.lock:
        problem = _full(pool.active, pool.limit, pool.by_key[key] if key is not None else 0, pool.share, key)
        if problem is not None:
            raise problem
        pool.active += 1
        if key is not None:
            pool.by_key[key] += 1

    def run() -> None:
        try:
            fn(app, *args)
        except Exception as exc:  # the job records its own failure; this is the last resort
            log_exception(log, "background job %s failed", getattr(fn, "__name__", fn), exc=exc)
        finally:
            with pool.lock:
                pool.active -= 1
                if key is not None:
                    pool.by_key[key] -= 1
                    if pool.by_key[key] <= 0:
                        del pool.by_key[key]

    with pool.lock:
        future = pool.executor.submit(run)
        pool.tags[future] = tag
    pool.futures.add(future)
    future.add_done_callback(_forget(pool))
    return future


def _forget(pool: _Pool) -> Callable[[Future[None]], None]:
    def done(future: Future[None]) -> None:
        pool.futures.discard(future)
        with pool.lock:
            pool.tags.pop(future, None)

    return done


def shutdown(app: Flask, wait: bool = True) -> None:
    """Stop the pool and its housekeeping thread (tests call this before dropping their database)."""
    pool = app.extensions.pop(_KEY, None)
    if pool is not None:
        pool.stop.set()
        pool.executor.shutdown(wait=wait, cancel_futures=not wait)
        if pool.ticker is not None and pool.ticker is not threading.current_thread():
            pool.ticker.join(10)
