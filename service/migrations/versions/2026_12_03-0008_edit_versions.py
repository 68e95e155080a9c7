"""edit versions: needs and experts count the edits of their content (optimistic edits)

An edit (API PATCH with `version`, or a page's form) made from an older version is refused with 409 instead of
saving over another person's changes unseen.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every existing row starts at version 1, as a new one does.
    for table in ("need", "expert"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in ("expert", "need"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
