"""Tests of ``service/models.py`` against the teacher-field registry."""

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
