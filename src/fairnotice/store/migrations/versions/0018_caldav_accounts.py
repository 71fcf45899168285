"""CalDAV accounts (issue 15): a server address, user name and sealed app password per
person, the calendars discovery found in it and which of them count

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

A chosen calendar is a remote source (a `calendars` row of kind "caldav", refreshed by the
worker like a subscription link), so every use of a calendar reads it as it reads an
uploaded one; the calendar points at that row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caldav_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("owner_email", sa.String(320), nullable=False),
        sa.Column("server", sa.String(2000), nullable=False),
        sa.Column("home", sa.String(2000), nullable=False),
        sa.Column("username", sa.String(256), nullable=False),
        sa.Column("password", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_caldav_accounts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caldav_accounts")),
    )
    op.create_index(op.f("ix_caldav_accounts_workspace_id"), "caldav_accounts", ["workspace_id"])
    op.create_table(
        "caldav_calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("href", sa.String(2000), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("colour", sa.String(9), nullable=True),
        sa.Column("freebusy", sa.Boolean(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["caldav_accounts.id"],
            name=op.f("fk_caldav_calendars_account_id_caldav_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_caldav_calendars_calendar_id_calendars"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caldav_calendars")),
        sa.UniqueConstraint("account_id", "href", name=op.f("uq_caldav_calendars_account_id")),
    )
    op.create_index(op.f("ix_caldav_calendars_account_id"), "caldav_calendars", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_caldav_calendars_account_id"), table_name="caldav_calendars")
    op.drop_table("caldav_calendars")
    op.drop_index(op.f("ix_caldav_accounts_workspace_id"), table_name="caldav_accounts")
    op.drop_table("caldav_accounts")
