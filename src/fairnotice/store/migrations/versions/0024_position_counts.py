"""indexes for a position's page at scale (issue 18): its candidates and interviews
counted from an index alone

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

The position page counts a position's candidates and interviews (`listing.fetch`) with
the workspace in the WHERE clause, as every scoped list has. No index held both columns:
SQLite walked the workspace's index (or the position's) and read every row to check the
other column, 40 ms for the 25,000 candidates of one position, on every page load. With
(workspace_id, position_id, ...) the counts read the index alone (about 1 ms), and the
pages' rows come in their order from the same index.
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

INDEXES = [
    (
        "ix_candidates_workspace_id_position_id_id",
        "candidates",
        ["workspace_id", "position_id", "id"],
    ),
    (
        "ix_interviews_workspace_id_position_id_start",
        "interviews",
        ["workspace_id", "position_id", "start", "id"],
    ),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
