"""offers.address_form: how the offer's letter addressed the candidate (issue 19)

The pick page speaks to the candidate as the letter with its link did: a German letter in
"Sie" gets a page in "Sie", one in "du" a page in "du". The form is kept on the offer
("formal" or "informal", from the plan's address); NULL (offers made before this) reads
as formal, the form a stranger from a company is addressed in.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch_op:
        batch_op.add_column(sa.Column("address_form", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers") as batch_op:
        batch_op.drop_column("address_form")
