"""How the suite is shared between pytest-xdist workers (``make test`` runs ``-n 2 --dist loadfile``).

Every test module is one unit of work, kept on one worker, so that its module-scoped
fixtures (a solved cohort, the README tour's live server) are built once; all browser tests
are one unit too (one live app, one chromium). Units start longest first (:data:`SLOW_FIRST`,
measured with ``--durations``), so that no long module is left to run alone at the end.
Without ``--dist loadfile`` nothing changes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Units that take longest (seconds of one core), started first; the rest follow in collection order.
SLOW_FIRST = (
    "tests/service/test_mail_kill.py",
    "tests/service/test_openapi.py",
    "tests/browser",
    "tests/service/test_kill_safety.py",
    "notebooks",
    "tests/test_readme_tour.py",
)


def _unit(item: pytest.Item) -> str:
    path = Path(str(item.path)).resolve()
    try:
        rel = path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()
    return "tests/browser" if rel.startswith("tests/browser/") else rel


def _rank(unit: str) -> int:
    for k, prefix in enumerate(SLOW_FIRST):
        if unit == prefix or unit.startswith(prefix + "/"):
            return k
    return len(SLOW_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") and config.getvalue("dist") == "loadfile":
        items.sort(key=lambda item: _rank(_unit(item)))  # stable, and alike on every worker (xdist requires it)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """With ``--dist loadfile``: one unit of work per module, all browser tests one unit, started in collection order."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "tests/browser" if path.startswith("tests/browser/") else path

    config.option.loadscopereorder = False  # keep the workers' order: SLOW_FIRST, then collection order
    return ByModule(config, log)  # type: ignore[arg-type]
