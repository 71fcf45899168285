"""the interview lifecycle: states as CHECKed values, an audit event per change, a UID per
interview, holds and the notice policy

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

`interviews.status` was free text ("scheduled", "rescheduling", "cancelled"); it now takes
only the states of `fairnotice.lifecycle.State` ("rescheduling" becomes "offered"), and
`offers.state` only those of `OfferState`. Every change of an interview writes a row to
`interview_events`. Interviews that shared a UID in one workspace (it used to be derived
from company, position and start) get random ones, all but the oldest, so that a UID is
unique per workspace from now on. Workspaces get the notice policy of their picks.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STATES = (
    "scheduled",
    "offered",
    "rescheduled",
    "cancelled",
    "withdrawn",
    "filled",
    "took_place",
    "no_show",
)
OFFER_STATES = ("open", "picked", "declined", "replaced", "withdrawn", "closed")
POSITION_STATES = ("open", "filling", "filled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    bind = op.get_bind()
    interviews = sa.table(
        "interviews",
        sa.column("id", sa.Integer),
        sa.column("workspace_id", sa.Integer),
        sa.column("uid", sa.String),
        sa.column("status", sa.String),
    )
    bind.execute(
        interviews.update().where(interviews.c.status == "rescheduling").values(status="offered")
    )
    bind.execute(
        interviews.update().where(interviews.c.status.not_in(STATES)).values(status="scheduled")
    )
    seen: set[tuple[int, str]] = set()
    rows = bind.execute(
        sa.select(interviews.c.id, interviews.c.workspace_id, interviews.c.uid).order_by(
            interviews.c.id
        )
    ).fetchall()
    for row_id, workspace_id, uid in rows:
        if (workspace_id, uid) in seen:
            bind.execute(
                interviews.update()
                .where(interviews.c.id == row_id)
                .values(uid=f"{secrets.token_hex(16)}@fairnotice")
            )
        else:
            seen.add((workspace_id, uid))
    offers = sa.table("offers", sa.column("state", sa.String))
    bind.execute(offers.update().where(offers.c.state.not_in(OFFER_STATES)).values(state="closed"))

    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organizer", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("previous_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("previous_end", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("reschedules", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_check_constraint("status", _in("status", STATES))
        batch_op.create_unique_constraint("uq_interviews_workspace_id", ["workspace_id", "uid"])
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_check_constraint("state", _in("state", OFFER_STATES))
    positions = sa.table("positions", sa.column("status", sa.String))
    bind.execute(
        positions.update().where(positions.c.status.not_in(POSITION_STATES)).values(status="open")
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fill_plan_id", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("status", _in("status", POSITION_STATES))
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pick_notice_minutes", sa.Integer(), nullable=False, server_default="720")
        )
        batch_op.add_column(
            sa.Column("max_reschedules", sa.Integer(), nullable=False, server_default="3")
        )
    op.create_table(
        "interview_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=True),
        sa.Column("why", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_interview_events_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_interview_events_interview_id_interviews"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_events")),
    )
    op.create_index(
        "ix_interview_events_interview_id_at", "interview_events", ["interview_id", "at"]
    )
    op.create_index(op.f("ix_interview_events_workspace_id"), "interview_events", ["workspace_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_interview_events_workspace_id"), table_name="interview_events")
    op.drop_index("ix_interview_events_interview_id_at", table_name="interview_events")
    op.drop_table("interview_events")
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("max_reschedules")
        batch_op.drop_column("pick_notice_minutes")
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_constraint("status", type_="check")
        batch_op.drop_column("fill_plan_id")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_constraint("state", type_="check")
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_constraint("uq_interviews_workspace_id", type_="unique")
        batch_op.drop_constraint("status", type_="check")
        batch_op.drop_column("reschedules")
        batch_op.drop_column("previous_end")
        batch_op.drop_column("previous_start")
        batch_op.drop_column("organizer")
    interviews = sa.table("interviews", sa.column("status", sa.String))
    op.get_bind().execute(
        interviews.update().where(interviews.c.status == "offered").values(status="rescheduling")
    )
