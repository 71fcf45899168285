"""indexes for the overview's to-dos at scale (issue 18): an interview's plans, and a
workspace's interviews by state and end

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

The overview counts the plain to-dos in SQL (operations/todos.py `page`): an employer's
booked interviews that ended, each with no plan. With these the count walks the booked
interviews of one workspace up to a time, and "has it a plan?" is one index probe, not a
scan of every plan (at 50,000 candidates some thousands of interviews each ask it).
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
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
