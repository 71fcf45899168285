"""receipts: proof that the news arrived (issue 17, part 2)

Every notice that changes an interview and leaves through the outbox carries a "Got it"
link (operations/outbox/receipts.py). Its row keeps the token as its SHA-256 and sealed (as
pick links), when the recipient opened the link and when they confirmed, and when an
unconfirmed notice becomes a call (C4). The overview finds those through the index on
(workspace_id, confirmed_at, call_due): the unconfirmed ones of a workspace, by due time.
An outbox row that gets a link says so when it is queued (outbox.receipt_form: the form
of address of the paragraph the worker adds, "formal" or "informal"; NULL: none).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_receipts_workspace_id", ["workspace_id"]),
    ("ix_receipts_interview_id", ["interview_id"]),
    (
        "ix_receipts_workspace_id_confirmed_at_call_due",
        ["workspace_id", "confirmed_at", "call_due"],
    ),
]


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("receipt_form", sa.String(10), nullable=True))
    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("interview_sequence", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("sealed_token", sa.Text(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("call_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_receipts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_receipts_outbox_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_receipts_interview_id_interviews"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("outbox_id", name=op.f("uq_receipts_outbox_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_receipts_token_hash")),
    )
    for name, columns in INDEXES:
        op.create_index(name, "receipts", columns)


def downgrade() -> None:
    for name, _ in reversed(INDEXES):
        op.drop_index(name, table_name="receipts")
    op.drop_table("receipts")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("receipt_form")
