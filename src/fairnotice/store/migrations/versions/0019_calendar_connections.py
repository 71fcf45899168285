"""nothing yet: reserved for Microsoft 365 and Google connections (issue 15)

Reserved at the start of the session so that parallel work chains without renumbering.
Replace the body (and this docstring) when the schema changes; keep it a no-op otherwise.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
