"""nothing yet: reserved for subscription links (issue 15)

Reserved at the start of the session so that parallel work chains without renumbering.
Replace the body (and this docstring) when the schema changes; keep it a no-op otherwise.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
