"""Alembic environment: migrations run on the connection ``service.db.upgrade`` passes in.

From the command line: ``alembic -x url=sqlite:///instance/peermatch.sqlite3 upgrade head``
with ``script_location`` set to this folder (``service.db.upgrade`` is the usual way).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from service.models import Base

target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    with create_engine(url).begin() as conn:
        _run(conn)
