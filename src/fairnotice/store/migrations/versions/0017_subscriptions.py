"""remote busy sources on calendars: subscription links (issue 15), and the columns any
remote source (CalDAV by account, free/busy services) refreshes through

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

A remote calendar is a `calendars` row with `remote_kind` set: its address sealed (a
subscription link is a credential), a hint that may be shown (host + "…"), what it
answered last for conditional requests (ETag, Last-Modified), when it last answered and
when it is due to be asked again (operations/busy/sources.py). Uploads keep NULLs.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COLUMNS: list[tuple[str, sa.types.TypeEngine[Any]]] = [
    ("remote_kind", sa.String(20)),
    ("remote_sealed", sa.Text()),
    ("remote_hint", sa.String(300)),
    ("remote_etag", sa.String(300)),
    ("remote_modified", sa.String(100)),
    ("refreshed_at", sa.DateTime(timezone=True)),
    ("refresh_due", sa.DateTime(timezone=True)),
]


def upgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_index("ix_calendars_refresh_due", "calendars", ["refresh_due"])


def downgrade() -> None:
    op.drop_index("ix_calendars_refresh_due", table_name="calendars")
    with op.batch_alter_table("calendars") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
