"""indexes for the overview's to-dos and the fill preview at scale (issue 18): an
interview's plans, a workspace's interviews by state and end, a candidate's interviews by
state

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

The overview counts the plain to-dos in SQL (operations/overview/todos.py `page`): an employer's
booked interviews that ended, each with no plan. With these the count walks the booked
interviews of one workspace up to a time, and "has it a plan?" is one index probe, not a
scan of every plan (at 50,000 candidates some thousands of interviews each ask it).

The fill preview and progress count a position's candidates with an interview a letter
may name (operations/positions/commands.py `has_interview`): one probe per candidate, answered from
the index on (candidate_id, status) alone. It replaces the index on candidate_id only.
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_plans_interview_id", "plans", ["interview_id"]),
    ("ix_interviews_workspace_id_status_end", "interviews", ["workspace_id", "status", "end"]),
    ("ix_interviews_candidate_id_status", "interviews", ["candidate_id", "status"]),
]
REPLACED = ("ix_interviews_candidate_id", "interviews", ["candidate_id"])


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.drop_index(REPLACED[0], table_name=REPLACED[1])


def downgrade() -> None:
    op.create_index(*REPLACED)
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
