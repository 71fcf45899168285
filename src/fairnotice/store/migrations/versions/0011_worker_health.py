"""the delivery worker's health (issue 14): one row per worker process with its
heartbeat, last round (sent, voided, failed), backlog and last error

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

Read by the status page and `fairnotice worker --status`; a heartbeat older than a few
minutes reads as "not running".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_health",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("round_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("round_sent", sa.Integer(), nullable=False),
        sa.Column("round_voided", sa.Integer(), nullable=False),
        sa.Column("round_failed", sa.Integer(), nullable=False),
        sa.Column("backlog", sa.Integer(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_health")),
    )
    op.create_index(op.f("ix_worker_health_heartbeat"), "worker_health", ["heartbeat"])


def downgrade() -> None:
    op.drop_index(op.f("ix_worker_health_heartbeat"), table_name="worker_health")
    op.drop_table("worker_health")
