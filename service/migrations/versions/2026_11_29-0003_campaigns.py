"""campaigns: the selection and last run of a campaign, the reasons and visit of each pair

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-29 08:08:47.191463
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Campaigns created before this revision selected nothing yet: an empty list is their truth.
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("need_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("expert_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("last_run", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("campaignpair", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reasons", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("visit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_campaignpair_visit_id_visit", "visit", ["visit_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("campaignpair", schema=None) as batch_op:
        batch_op.drop_constraint("fk_campaignpair_visit_id_visit", type_="foreignkey")
        batch_op.drop_column("visit_id")
        batch_op.drop_column("reasons")

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("last_run_at")
        batch_op.drop_column("last_run")
        batch_op.drop_column("expert_ids")
        batch_op.drop_column("need_ids")
