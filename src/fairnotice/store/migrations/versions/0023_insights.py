"""indexes for fair notice, measured (issue 17): a workspace's audit events from a time
on, and a fill's letter to one candidate

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

The insights page (operations/overview/insights.py) reads a workspace's audit events of a period:
without an index on (workspace_id, at) that is a scan of every workspace's events. How
soon each candidate was told of a fill looks up the fill plan's letter to that
candidate's address: one probe of (plan_id, recipient) per candidate, not a walk over
every letter of the plan (50,000 at a large fill) for each.
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_interview_events_workspace_id_at", "interview_events", ["workspace_id", "at"]),
    ("ix_outbox_plan_id_recipient", "outbox", ["plan_id", "recipient"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
