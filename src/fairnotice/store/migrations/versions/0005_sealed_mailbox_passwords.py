"""mailbox passwords encrypted at rest (Fernet, key by HKDF from the secret key)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Upgrade seals every password still stored in plain text (and widens the column: a token is
longer than its password); downgrade opens them again, and stops naming the mailbox whose
password this key cannot open (nothing is changed then). The key is the app's secret: the
one given to `upgrade(url, secret=...)`, else FAIRNOTICE_SECRET_KEY or the data folder's.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

from fairnotice.store.sealing import is_sealed, seal, unseal

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BOXES = sa.table(
    "mailboxes",
    sa.column("id", sa.Integer),
    sa.column("host", sa.String),
    sa.column("username", sa.String),
    sa.column("password", sa.Text),
)


def _secret() -> str:
    given = context.config.attributes.get("secret")
    if given:
        return str(given)
    from fairnotice.settings import Settings

    return Settings().secret


def _rows() -> list[Any]:
    query = sa.select(_BOXES.c.id, _BOXES.c.host, _BOXES.c.username, _BOXES.c.password)
    return list(op.get_bind().execute(query.order_by(_BOXES.c.id)).all())


def _set(rows: dict[int, str]) -> None:
    bind = op.get_bind()
    for box_id, password in rows.items():
        bind.execute(_BOXES.update().where(_BOXES.c.id == box_id).values(password=password))


def upgrade() -> None:
    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.alter_column(
            "password", existing_type=sa.String(length=500), type_=sa.Text(), nullable=False
        )
    plain = [r for r in _rows() if not is_sealed(r.password)]
    if plain:  # an empty table needs no key (nothing is generated for it)
        secret = _secret()
        _set({r.id: seal(r.password, secret) for r in plain})


def downgrade() -> None:
    sealed = [r for r in _rows() if is_sealed(r.password)]
    if sealed:
        secret = _secret()
        opened = {
            r.id: unseal(r.password, secret, what=f"mailbox {r.id} ({r.username}@{r.host})")
            for r in sealed
        }
        too_long = [i for i, p in opened.items() if len(p) > 500]
        if too_long:
            raise RuntimeError(f"mailbox {too_long[0]}: password longer than 500 characters")
        _set(opened)
    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.alter_column(
            "password", existing_type=sa.Text(), type_=sa.String(length=500), nullable=False
        )
