"""The API's token check: one indexed lookup by token hash, joined to the membership that
the token still needs, on a pooled connection without an ORM session.

Every /api/v1 request asks it (a revoked token or a removed member is refused from the
very next request on), so it is a Core statement compiled once per dialect (store/raw.py)
rather than an ORM session with its transaction and two queries (~300 µs on SQLite).
"""

from __future__ import annotations

from sqlalchemy import Engine, and_, bindparam, select

from fairnotice.operations.accounts.commands import digest
from fairnotice.store.raw import Prepared
from fairnotice.store.tables import ApiToken, Member

_STATEMENT = (
    select(ApiToken.user_id, ApiToken.workspace_id)
    .join(
        Member,
        and_(Member.user_id == ApiToken.user_id, Member.workspace_id == ApiToken.workspace_id),
    )
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


class TokenReader:
    """(user id, workspace id) of a bearer token that still grants access, else None."""

    def __init__(self, engine: Engine) -> None:
        self.read = Prepared(engine, _STATEMENT)

    def __call__(self, token: str) -> tuple[int, int] | None:
        rows = self.read({"token_hash": digest(token)})
        if not rows:
            return None
        user_id, workspace_id = rows[0]  # token_hash is unique, a membership too
        return int(user_id), int(workspace_id)
