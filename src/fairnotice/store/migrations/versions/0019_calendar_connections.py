"""Microsoft 365 and Google connections (issue 15): an organisation's tenant or workspace
connected by OAuth 2, its sealed tokens, and the people whose free/busy it reads

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

A person read through a connection is a remote source (a `calendars` row of kind
"microsoft" or "google", refreshed by the worker like a subscription link); the person
points at that row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("connected_by", sa.String(320), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=True),
        sa.Column("state_hash", sa.String(64), nullable=True),
        sa.Column("verifier", sa.Text(), nullable=True),
        sa.Column("auth_session_id", sa.Integer(), nullable=True),
        sa.Column("pending_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "provider IN ('microsoft', 'google')", name=op.f("ck_calendar_connections_provider")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'ready', 'failing')", name=op.f("ck_calendar_connections_state")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_calendar_connections_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["auth_session_id"],
            ["auth_sessions.id"],
            name=op.f("fk_calendar_connections_auth_session_id_auth_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_connections")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_calendar_connections_state_hash")),
    )
    op.create_index(
        op.f("ix_calendar_connections_workspace_id"), "calendar_connections", ["workspace_id"]
    )
    op.create_table(
        "cloud_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["calendar_connections.id"],
            name=op.f("fk_cloud_people_connection_id_calendar_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_cloud_people_calendar_id_calendars"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_people")),
        sa.UniqueConstraint("connection_id", "email", name=op.f("uq_cloud_people_connection_id")),
    )
    op.create_index(op.f("ix_cloud_people_connection_id"), "cloud_people", ["connection_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_cloud_people_connection_id"), table_name="cloud_people")
    op.drop_table("cloud_people")
    op.drop_index(op.f("ix_calendar_connections_workspace_id"), table_name="calendar_connections")
    op.drop_table("calendar_connections")
