"""stored peer lists: new answer format (declined peers left out, contact consent)

The rendered peer lists now leave out the peers a teacher declined and carry
``share_my_contact`` and ``declined``; lists stored in the old format are deleted, so that
each is recomputed (in the new format) on its next request or by
``peermatch suggestions refresh``. No table changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM peer_lists")


def downgrade() -> None:
    op.execute("DELETE FROM peer_lists")
