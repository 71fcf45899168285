"""indexes the paged lists read by (issue 18): a position's candidates by id and by name,
a workspace's candidates by id, interviews by start (of a workspace, of a position), the
outbox by due time (all of a workspace's, and of one state)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Each list page reads one page in its order and one COUNT under the same filter; with
these the page is a walk along an index rather than a sort of every row of a workspace
(50,000 candidates: the position page, the chooser, GET /api/v1/candidates; the outbox
page's newest-first and due-first orders).
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_candidates_position_id_id", "candidates", ["position_id", "id"]),
    ("ix_candidates_position_id_name", "candidates", ["position_id", "name", "id"]),
    ("ix_candidates_workspace_id_id", "candidates", ["workspace_id", "id"]),
    ("ix_interviews_workspace_id_start", "interviews", ["workspace_id", "start", "id"]),
    ("ix_interviews_position_id_start", "interviews", ["position_id", "start", "id"]),
    ("ix_outbox_workspace_id_due", "outbox", ["workspace_id", "due", "id"]),
    ("ix_outbox_workspace_id_state_due", "outbox", ["workspace_id", "state", "due", "id"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
