"""Tests of ``service/logsafe.py`` and the engine's ``hide_parameters``: no personal data in logs."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from service import db
from service.models import Teacher


def test_database_errors_do_not_quote_the_values(app):
    with pytest.raises(sa.exc.IntegrityError) as err:
        with db.new_session(app) as s:
            s.add(Teacher(id="n-01", programme_id=1, name="Secret Name", email="secret@private.example", school_urn=100049))
            s.flush()
    assert "secret@private.example" not in str(err.value) and "Secret Name" not in str(err.value)


def test_an_unexpected_error_is_logged_by_type_and_place_not_message(app, caplog):
    def boom():
        email = "secret@private.example"
        raise ValueError(f"cannot handle {email}")

    app.add_url_rule("/api/v1/boom", "boom", boom)
    caplog.set_level(logging.INFO)
    resp = app.test_client().get("/api/v1/boom")
    assert resp.status_code == 500 and "secret" not in resp.get_data(as_text=True)
    logged = "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in caplog.records)
    assert "ValueError" in logged and "/api/v1/boom" in logged and "in boom" in logged
    assert "secret@private.example" not in logged
