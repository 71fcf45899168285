"""calendars.read_cost: what a stored calendar's last reading cost (issue 14)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

The worker reads a calendar within a budget of work (calendar/budget.py): its own, and
what is left of its workspace's once the other calendars' last costs are counted. The
cost of each reading is kept here; NULL for a calendar not read since (it counts as
nothing until it is read, within the budget then).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_cost", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_column("read_cost")
