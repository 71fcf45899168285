"""nothing: reserved for the letters of issue 12, which needed no change of schema

Kept as a no-op so the chain of revisions stays as it was published.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
