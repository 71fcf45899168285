"""busy intervals: calendars are read in the background

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

Calendars stored before this revision already hold their expanded busy periods (JSON,
a day back to 92 days after upload): they are copied into busy_intervals and marked
`ready` for that window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(value: datetime, dialect: str) -> datetime:
    """What UTCDateTime binds: naive UTC on SQLite, aware UTC elsewhere."""
    utc = _aware(value)
    return utc.replace(tzinfo=None) if dialect == "sqlite" else utc


def upgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), nullable=False, server_default="UTC")
        )
        batch_op.add_column(
            sa.Column("state", sa.String(length=20), nullable=False, server_default="ready")
        )
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("window_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("window_end", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "busy_intervals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_busy_intervals_calendar_id_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_busy_intervals")),
    )
    with op.batch_alter_table("busy_intervals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_busy_intervals_calendar_end", ["calendar_id", "end", "start"], unique=False
        )

    bind = op.get_bind()
    dialect = bind.dialect.name
    calendars = sa.table(
        "calendars",
        sa.column("id", sa.Integer()),
        sa.column("busy", sa.JSON()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("window_start", sa.DateTime(timezone=True)),
        sa.column("window_end", sa.DateTime(timezone=True)),
        sa.column("read_at", sa.DateTime(timezone=True)),
    )
    intervals = sa.table(
        "busy_intervals",
        sa.column("calendar_id", sa.Integer()),
        sa.column("start", sa.DateTime(timezone=True)),
        sa.column("end", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(sa.select(calendars.c.id, calendars.c.busy, calendars.c.created_at))
    for calendar_id, busy, created in list(rows):
        made = _aware(created)
        spans = [
            (datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"]))
            for b in busy or []
        ]
        if spans:
            bind.execute(
                sa.insert(intervals),
                [
                    {"calendar_id": calendar_id, "start": _utc(s, dialect), "end": _utc(e, dialect)}
                    for s, e in spans
                ],
            )
        bind.execute(
            sa.update(calendars)
            .where(calendars.c.id == calendar_id)
            .values(
                window_start=_utc(made - timedelta(days=1), dialect),
                window_end=_utc(made + timedelta(days=92), dialect),
                read_at=_utc(made, dialect),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("busy_intervals", schema=None) as batch_op:
        batch_op.drop_index("ix_busy_intervals_calendar_end")
    op.drop_table("busy_intervals")
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        for name in (
            "read_at",
            "lease_until",
            "claimed_by",
            "window_end",
            "window_start",
            "error",
            "state",
            "timezone",
            "source",
        ):
            batch_op.drop_column(name)
