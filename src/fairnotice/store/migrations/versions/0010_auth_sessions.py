"""server-side sessions, password resets, member roles CHECKed (issue 14)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

A browser's session was a signed cookie holding the user id: sign-out only cleared the
cookie, and a copy of it stayed valid for its 14 days. From here on the cookie carries a
random session id whose SHA-256 is a row of `auth_sessions`; deleting the row ends the
session. Cookies of the old kind carry no such id, so every session open at the upgrade
ends and its user signs in again (nothing to convert: the old sessions were never stored).
`password_resets` keeps the SHA-256 of each emailed reset link's token. `members.role`
takes only "owner" or "member" (any other value becomes "member", the lesser right).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _token_table(name: str, *extra: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *extra,
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{name}_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{name}_token_hash")),
    )
    op.create_index(op.f(f"ix_{name}_user_id"), name, ["user_id"])


def upgrade() -> None:
    _token_table("auth_sessions", sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False))
    _token_table(
        "password_resets",
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    members = sa.table("members", sa.column("role", sa.String))
    op.get_bind().execute(
        members.update().where(members.c.role.not_in(("owner", "member"))).values(role="member")
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_check_constraint("role", "role IN ('owner', 'member')")


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint("role", type_="check")
    op.drop_index(op.f("ix_password_resets_user_id"), table_name="password_resets")
    op.drop_table("password_resets")
    op.drop_index(op.f("ix_auth_sessions_user_id"), table_name="auth_sessions")
    op.drop_table("auth_sessions")
