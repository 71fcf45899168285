"""nothing yet: reserved for fair notice measured (issue 17)

Reserved so that parallel work chains without renumbering. Replace the body (and this
docstring) when the schema changes; keep it a no-op otherwise.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
