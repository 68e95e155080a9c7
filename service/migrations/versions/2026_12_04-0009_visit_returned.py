"""visit returned: a unit may return a service record it does not recognise, with its reason

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No stored record was ever returned.
    with op.batch_alter_table("visit") as batch:
        batch.add_column(
            sa.Column(
                "returned_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("returned_reason")
