"""storage that does not grow with what nobody reads again (issue 18)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

A stored calendar's iCalendar text (`calendars.source`, read by a worker when its window
runs short) is kept zlib-compressed (`store/compressed.py`): the column becomes bytes
(BLOB, bytea), every existing text compressed in Python, chunk by chunk. PostgreSQL is
told not to compress it again (STORAGE EXTERNAL).

An offer's plan no longer copies the interviewers' busy periods into its situation (they
are read again from their stored calendars and interviews, operations/offers/commands.py): the
copies kept by earlier offers are dropped. The downgrade turns the bytes back into text;
the dropped copies stay dropped (the code of 0011's time then checks a reply's times
against the user's own calendars only).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CHUNK = 500
LEVEL = 9  # as store/compressed.py (not imported: a migration keeps its own format)


def _move(source: str, target: str, convert: Callable[[Any], Any]) -> None:
    """Copy calendars.<source> into calendars.<target>, converted, CHUNK rows at a time."""
    bind = op.get_bind()
    table = sa.table(
        "calendars",
        sa.column("id", sa.Integer),
        sa.column(source, sa.LargeBinary if source == "source_packed" else sa.Text),
        sa.column(target, sa.LargeBinary if target == "source_packed" else sa.Text),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c[source])
            .where(table.c.id > last, table.c[source].is_not(None))
            .order_by(table.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        for row_id, value in rows:
            bind.execute(
                table.update().where(table.c.id == row_id).values({target: convert(value)})
            )
        last = rows[-1][0]


def _drop_offer_busy() -> None:
    """Empty `availability.busy` in the situations of offers' plans (an employer's plan
    with a pick link)."""
    bind = op.get_bind()
    plans = sa.table("plans", sa.column("id", sa.Integer), sa.column("situation", sa.JSON))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(plans.c.id, plans.c.situation)
            .where(plans.c.id > last)
            .order_by(plans.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        for row_id, situation in rows:
            facts = json.loads(situation) if isinstance(situation, str) else situation
            if not isinstance(facts, dict) or facts.get("role") != "employer":
                continue
            availability = facts.get("availability") or {}
            if not (facts.get("options") or {}).get("pick_url") or not availability.get("busy"):
                continue
            facts["availability"] = {**availability, "busy": []}
            bind.execute(plans.update().where(plans.c.id == row_id).values(situation=facts))
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_packed", sa.LargeBinary(), nullable=True))
    _move("source", "source_packed", lambda text: zlib.compress(text.encode("utf-8"), LEVEL))
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.alter_column(
            "source_packed",
            new_column_name="source",
            existing_type=sa.LargeBinary(),
            existing_nullable=True,
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE calendars ALTER COLUMN source SET STORAGE EXTERNAL")
    _drop_offer_busy()


def downgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.alter_column(
            "source",
            new_column_name="source_packed",
            existing_type=sa.LargeBinary(),
            existing_nullable=True,
        )
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.Text(), nullable=True))
    _move("source_packed", "source", lambda data: zlib.decompress(bytes(data)).decode("utf-8"))
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_column("source_packed")
