"""nothing yet: reserved for the pages of issue 19

Reserved at the start of the session so that parallel work chains without renumbering.
Replace the body (and this docstring) when the schema changes; keep it a no-op otherwise.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
