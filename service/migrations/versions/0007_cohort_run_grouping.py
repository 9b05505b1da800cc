"""cohort runs store a matcher.cohorts.Grouping (ids and rules), not the explained result

``cohort_runs.result`` held ``CohortResult.to_dict()`` with names, reasons and
violations written at solve time, so a teacher renamed since the run kept their old name
in it. It now holds ``Grouping.to_dict()`` (schema version 2: teacher ids, size bounds,
constraints, approved groups, seed); the service explains it on read. Rows in the old
format are converted with ``Grouping.from_dict`` (which still reads them, so a database
not yet upgraded keeps working); the run's ``params`` give the rules the old rows did not
store. No table changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_runs = sa.table("cohort_runs", sa.column("id", sa.Integer), sa.column("params", sa.JSON), sa.column("result", sa.JSON))


def _pairs(groups) -> list[tuple[str, str]]:
    return [(a, b) for group in groups or [] for i, a in enumerate(group) for b in group[i + 1 :]]


def _load(value):
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    from matcher.cohorts import Grouping

    bind = op.get_bind()
    for run_id, params, result in bind.execute(sa.select(_runs.c.id, _runs.c.params, _runs.c.result).where(_runs.c.result.is_not(None))).all():
        result, params = _load(result), _load(params) or {}
        if not isinstance(result, dict) or "schema_version" in result or not result.get("groups"):
            continue
        size = (int(params["size_min"]), int(params["size_max"])) if "size_min" in params and "size_max" in params else None
        try:
            grouping = Grouping.from_dict(result, size=size, keep_apart=_pairs(params.get("keep_apart")), keep_together=[tuple(x) for x in params.get("keep_together") or []])
        except Exception:  # a row we cannot read stays as it is (the service reads it the same way)
            continue
        bind.execute(sa.update(_runs).where(_runs.c.id == run_id).values(result=grouping.to_dict()))


def downgrade() -> None:
    bind = op.get_bind()
    for run_id, result in bind.execute(sa.select(_runs.c.id, _runs.c.result).where(_runs.c.result.is_not(None))).all():
        result = _load(result)
        if not isinstance(result, dict) or result.get("schema_version") != 2:
            continue
        approved = set(result.get("approved") or [])
        old = {
            "groups": [{"id": i + 1, "index": i, "members": list(g), "names": list(g), "approved": i in approved, "locked": i in approved} for i, g in enumerate(result.get("groups") or [])],
            "figures": {"seed": result.get("seed", 0), "seconds": result.get("seconds", 0.0), "upper_bound": result.get("upper_bound"), "moved": result.get("moved")},
            "unplaced": list(result.get("unplaced") or []),
            "violations": [],
        }
        bind.execute(sa.update(_runs).where(_runs.c.id == run_id).values(result=old))
