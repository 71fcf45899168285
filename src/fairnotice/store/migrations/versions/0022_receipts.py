"""nothing yet: reserved for proof that the news arrived (issue 17)

Reserved so that parallel work chains without renumbering. Replace the body (and this
docstring) when the schema changes; keep it a no-op otherwise.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
