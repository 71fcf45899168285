"""link tokens never stored in plaintext (issue 14): offers.sealed_token, texts hold references

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Upgrade adds `offers.sealed_token` (and `password_resets.sealed_token`, for the reset
links the outbox holds the same way) and rewrites every stored pick link: in the outbox's
bodies and calendar texts and in the stored plans (their messages and situation), a link
`/pick/<token>` whose token opens an offer of the same workspace becomes
`/pick/[link:<sha256>]`, and the token is kept sealed with the app's secret key on its
offer (operations/common/links.py writes the link back when a message goes out or is shown).
A token that opens no offer of that workspace is left as it is (it opens nothing).
Downgrade writes the links back into the texts and drops the column. The key is the
one given to `upgrade(url, secret=...)`, else FAIRNOTICE_SECRET_KEY or the data folder's;
it is read only when there is a link to seal or open.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from fairnotice.store.sealing import seal, unseal

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_LINK = re.compile(r"(/(?:pick|reset)/)([A-Za-z0-9_-]{20,100})(?![A-Za-z0-9_-])")
_REFERENCE = re.compile(r"\[link:([0-9a-f]{64})\]")
_BATCH = 500

_OFFERS = sa.table(
    "offers",
    sa.column("id", sa.Integer),
    sa.column("workspace_id", sa.Integer),
    sa.column("token_hash", sa.String),
    sa.column("sealed_token", sa.Text),
)
_RESETS = sa.table(
    "password_resets",
    sa.column("id", sa.Integer),
    sa.column("token_hash", sa.String),
    sa.column("sealed_token", sa.Text),
)
_OUTBOX = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("workspace_id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("calendar_ics", sa.Text),
)
_PLANS = sa.table(
    "plans",
    sa.column("id", sa.Integer),
    sa.column("workspace_id", sa.Integer),
    sa.column("plan", sa.JSON),
    sa.column("situation", sa.JSON),
)


def _secret() -> str:
    given = context.config.attributes.get("secret")
    if given:
        return str(given)
    from fairnotice.settings import Settings

    return Settings().secret


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class _Keys:
    """Offers by (workspace, token hash), their tokens sealed or opened on demand."""

    def __init__(self, bind: sa.Connection) -> None:
        self.bind = bind
        self.secret: str | None = None
        self.offers: dict[tuple[int, str], tuple[int, str | None]] = {
            (ws, token_hash): (offer_id, stored)
            for offer_id, ws, token_hash, stored in bind.execute(
                sa.select(
                    _OFFERS.c.id,
                    _OFFERS.c.workspace_id,
                    _OFFERS.c.token_hash,
                    _OFFERS.c.sealed_token,
                )
            )
        }

        self.resets: dict[str, tuple[int, str | None]] = {
            token_hash: (reset_id, stored)
            for reset_id, token_hash, stored in bind.execute(
                sa.select(_RESETS.c.id, _RESETS.c.token_hash, _RESETS.c.sealed_token)
            )
        }

    def key(self) -> str:
        if self.secret is None:
            self.secret = _secret()
        return self.secret

    def hide(self, workspace_id: int, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            hashed = _digest(match[2])
            reset = match[1] == "/reset/"
            found = self.resets.get(hashed) if reset else self.offers.get((workspace_id, hashed))
            if found is None:
                return match[0]
            row_id, stored = found
            if stored is None:
                stored = seal(match[2], self.key())
                table = _RESETS if reset else _OFFERS
                self.bind.execute(
                    table.update().where(table.c.id == row_id).values(sealed_token=stored)
                )
                if reset:
                    self.resets[hashed] = (row_id, stored)
                else:
                    self.offers[(workspace_id, hashed)] = (row_id, stored)
            return f"{match[1]}[link:{hashed}]"

        return _LINK.sub(one, text)

    def show(self, workspace_id: int, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            found = self.offers.get((workspace_id, match[1])) or self.resets.get(match[1])
            if found is None or found[1] is None:
                raise RuntimeError(
                    f"a stored text of workspace {workspace_id} names an offer that is gone"
                )
            return unseal(found[1], self.key(), what=f"link {found[0]}")

        return _REFERENCE.sub(one, text)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _rewrite(change: Callable[[int, str], str], marker: str) -> None:
    """Every outbox row and plan whose texts hold `marker`, rewritten by `change`."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(_OUTBOX.c.id, _OUTBOX.c.workspace_id, _OUTBOX.c.body, _OUTBOX.c.calendar_ics)
            .where(
                _OUTBOX.c.id > last,
                sa.or_(_OUTBOX.c.body.contains(marker), _OUTBOX.c.calendar_ics.contains(marker)),
            )
            .order_by(_OUTBOX.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        for row_id, ws, body, ics in rows:
            new_body, new_ics = change(ws, body), change(ws, ics) if ics else ics
            if (new_body, new_ics) != (body, ics):
                bind.execute(
                    _OUTBOX.update()
                    .where(_OUTBOX.c.id == row_id)
                    .values(body=new_body, calendar_ics=new_ics)
                )
        last = rows[-1][0]
    last = 0
    while True:
        plans = bind.execute(
            sa.select(_PLANS.c.id, _PLANS.c.workspace_id, _PLANS.c.plan, _PLANS.c.situation)
            .where(_PLANS.c.id > last)
            .order_by(_PLANS.c.id)
            .limit(_BATCH)
        ).all()
        if not plans:
            break
        for plan_id, ws, plan, situation in plans:
            texts = [json.dumps(_json(plan)), json.dumps(_json(situation))]
            if not any(marker in text for text in texts):
                continue
            new = [change(ws, text) for text in texts]
            if new != texts:
                bind.execute(
                    _PLANS.update()
                    .where(_PLANS.c.id == plan_id)
                    .values(plan=json.loads(new[0]), situation=json.loads(new[1]))
                )
        last = plans[-1][0]


def upgrade() -> None:
    for table in ("offers", "password_resets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("sealed_token", sa.Text(), nullable=True))
    keys = _Keys(op.get_bind())
    if keys.offers:
        _rewrite(keys.hide, "/pick/")
    if keys.resets:
        _rewrite(keys.hide, "/reset/")


def downgrade() -> None:
    keys = _Keys(op.get_bind())
    if keys.offers or keys.resets:
        _rewrite(keys.show, "[link:")
    for table in ("offers", "password_resets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("sealed_token")
