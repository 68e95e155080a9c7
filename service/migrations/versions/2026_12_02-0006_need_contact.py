"""need contact: a need may name its own contact person and phone (the unit's contact otherwise)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing needs name no contact of their own: the unit's contact stays theirs.
    with op.batch_alter_table("need") as batch:
        batch.add_column(
            sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("contact_phone", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("need") as batch:
        batch.drop_column("contact_phone")
        batch.drop_column("contact_name")
