"""outbox: the claim's index is (state, due, id)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

A worker claims the first due rows in (due, id) order. With `id` in the index, the
pending rows due now are read in that order straight from it and the read stops after a
batch; with (state, due) alone every row due at the same moment (a bulk send) was read
and sorted on every claim.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state_due")
        batch_op.create_index("ix_outbox_state_due_id", ["state", "due", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state_due_id")
        batch_op.create_index("ix_outbox_state_due", ["state", "due"], unique=False)
