"""lookup indexes: an expert's visits in a year by state (places used), experts by employer (conflicts)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Without it SQLite counts an expert's used places through the year index (every visit of the year).
    op.create_index("ix_visit_expert_year_status", "visit", ["expert_id", "year", "status"])
    # The conflict-of-interest check looks experts up by employer, the unit's name.
    op.create_index("ix_expert_employer", "expert", ["employer"])


def downgrade() -> None:
    op.drop_index("ix_expert_employer", table_name="expert")
    op.drop_index("ix_visit_expert_year_status", table_name="visit")
