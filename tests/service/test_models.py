"""Tests of ``service/models/`` against the teacher-field registry."""

from __future__ import annotations

import sqlalchemy as sa

from matcher.profiles.fields import FIELDS
from service.models import Teacher


def test_teacher_columns_hold_every_registry_field():
    columns = {c.name: c for c in Teacher.__table__.columns}
    assert {f.name for f in FIELDS} <= set(columns)
    for f in FIELDS:
        kind = columns[f.name].type
        if f.is_list:
            assert isinstance(kind, sa.JSON), f.name  # lists are JSON arrays
        else:
            assert kind.python_type is f.type, f.name
    assert "teacher_edited" in columns and "version" in columns


def test_every_model_maps_under_the_installed_sqlalchemy():
    """SQLAlchemy 2.1 resolves a ``Mapped[dict[str, str]]`` only through an exact entry of the
    type map: without one, importing service.models failed (the outbox's ``headers``)."""
    from service.models import OutboxMessage

    assert isinstance(OutboxMessage.__table__.c.headers.type, sa.JSON)
