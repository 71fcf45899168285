"""calendars.intervals_version: changes whenever a calendar's busy intervals are rewritten

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Slot search keeps a calendar's parsed intervals in memory per process and checks this
value, read in the same statement as the calendar's state, before using them. Calendars
stored before this revision get a version of their own (NULL, which is never kept, stays
for those not read yet).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intervals_version", sa.BigInteger(), nullable=True))
    calendars = sa.table(
        "calendars",
        sa.column("id", sa.Integer),
        sa.column("window_end", sa.DateTime(timezone=True)),
        sa.column("intervals_version", sa.BigInteger),
    )
    bind = op.get_bind()
    read = bind.execute(sa.select(calendars.c.id).where(calendars.c.window_end.is_not(None)))
    for (calendar_id,) in read.fetchall():
        bind.execute(
            calendars.update()
            .where(calendars.c.id == calendar_id)
            .values(intervals_version=secrets.randbits(62))
        )


def downgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_column("intervals_version")
