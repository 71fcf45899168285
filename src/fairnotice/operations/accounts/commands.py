"""Accounts, workspaces, roles and API tokens. Passwords are argon2 hashes (passwords.py);
tokens SHA-256 digests.

Isolation starts here: `membership` is the only way from a user to a workspace, and every
other operation takes the workspace id it returns. Within an organisation, owners manage
it (members, roles, everyone's API tokens); members use it and manage their own tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairnotice.errors import N_, BadInput, Conflict, Forbidden, NotFound
from fairnotice.model import zone
from fairnotice.operations.accounts import passwords
from fairnotice.store.tables import MEMBER_ROLES, ApiToken, Member, User, Workspace

MIN_PASSWORD = passwords.MIN_PASSWORD
LANGUAGES = ("de", "sv", "en")


def digest(token: str) -> str:
    """How a bearer or link token is stored: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_email(email: str) -> str:
    value = email.strip().lower()
    if "\x00" in value or "@" not in value or len(value) > 320 or any(c.isspace() for c in value):
        raise BadInput([("email", N_("not an email address"))])
    return value


def _clean_name(name: str, field: str = "name") -> str:
    value = " ".join(name.split())
    if not value or len(value) > 200 or "\x00" in value:
        raise BadInput([(field, N_("must be 1 to 200 characters"))])
    return value


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did: made `user`, or found the address taken (`existing`). The
    faces answer both alike, so a sign-up never tells whether an address has an account."""

    user: User | None = None
    existing: User | None = None


def sign_up(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    language: str = "en",
    timezone: str = "UTC",
) -> User:
    """A new user with their personal workspace (the candidate side); Conflict when the
    address has an account (the CLI and library; the web answers through `enrol`)."""
    done = enrol(
        session, email=email, name=name, password=password, language=language, timezone=timezone
    )
    if done.user is None:
        raise Conflict(N_("email: an account with this address exists"))
    return done.user


def enrol(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    language: str = "en",
    timezone: str = "UTC",
) -> SignUp:
    """Make the account, or find the address taken; bad input is refused either way,
    before the address is looked up, and the password is hashed either way (same time)."""
    problems: list[tuple[str, str]] = []
    problems += passwords.problems(password, user_inputs=(email, name))
    if language not in LANGUAGES:
        problems.append(("language", N_("must be de, sv or en")))
    if not timezone.strip():  # a page without JavaScript could not tell: the user must
        problems.append(("timezone", N_("choose one, for example Europe/Berlin")))
    else:
        try:
            zone(timezone)
        except ValueError as exc:
            problems.append(("timezone", str(exc)))
    if problems:
        raise BadInput(problems)
    address = clean_email(email)
    clean = _clean_name(name)
    password_hash = passwords.hashed(password)
    existing = session.scalar(select(User).where(User.email == address))
    if existing is not None:
        return SignUp(existing=existing)
    user = User(
        email=address, name=clean, password_hash=password_hash, language=language, timezone=timezone
    )
    personal = Workspace(kind="personal", name=user.name)
    session.add_all([user, personal])
    session.flush()
    session.add(Member(workspace_id=personal.id, user_id=user.id, role="owner"))
    session.flush()
    return SignUp(user=user)


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The user whose password this is, else None (timing does not reveal which failed)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if not passwords.matches(user.password_hash if user else None, password):
        return None
    return user


def change_password(session: Session, *, user_id: int, current: str, new: str) -> User:
    """A new password for a user who knows the current one (the caller ends the other
    sessions)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    if not passwords.matches(user.password_hash, current):
        raise BadInput([(passwords.field("current password"), N_("is not your password"))])
    passwords.check(new, name="new password", user_inputs=(user.email, user.name))
    user.password_hash = passwords.hashed(new)
    return user


def workspaces_of(session: Session, user_id: int) -> list[Workspace]:
    rows = session.scalars(
        select(Workspace)
        .join(Member, Member.workspace_id == Workspace.id)
        .where(Member.user_id == user_id)
        .order_by(Workspace.kind.desc(), Workspace.id)
    )
    return list(rows)


def personal_workspace(session: Session, user_id: int) -> Workspace:
    for workspace in workspaces_of(session, user_id):
        if workspace.kind == "personal":
            return workspace
    raise NotFound("personal workspace")


def membership(session: Session, *, user_id: int, workspace_id: int) -> Workspace:
    """The workspace when the user is a member of it; NotFound otherwise (never 403)."""
    workspace = session.scalar(
        select(Workspace)
        .join(Member, Member.workspace_id == Workspace.id)
        .where(Member.user_id == user_id, Workspace.id == workspace_id)
    )
    if workspace is None:
        raise NotFound("workspace")
    return workspace


def create_organisation(session: Session, *, user_id: int, name: str) -> Workspace:
    """An employer workspace whose first member (owner) is the user."""
    workspace = Workspace(kind="organisation", name=_clean_name(name))
    session.add(workspace)
    session.flush()
    session.add(Member(workspace_id=workspace.id, user_id=user_id, role="owner"))
    session.flush()
    return workspace


def role_in(session: Session, *, user_id: int, workspace_id: int) -> str | None:
    """The user's role in the workspace ("owner" or "member"), None when not a member."""
    return session.scalar(
        select(Member.role).where(Member.user_id == user_id, Member.workspace_id == workspace_id)
    )


def require_owner(session: Session, *, user_id: int, workspace_id: int) -> None:
    """Forbidden unless the user owns the workspace (members, roles, others' tokens)."""
    if role_in(session, user_id=user_id, workspace_id=workspace_id) != "owner":
        raise Forbidden(N_("only an owner of this organisation may do this"))


def add_member(session: Session, *, workspace_id: int, email: str, by_user_id: int) -> Member:
    """Add an existing user to an organisation (by their sign-in address); owners only."""
    require_owner(session, user_id=by_user_id, workspace_id=workspace_id)
    workspace = session.get(Workspace, workspace_id)
    if workspace is None or workspace.kind != "organisation":
        raise BadInput([("workspace", N_("members can only join an organisation"))])
    user = session.scalar(select(User).where(User.email == clean_email(email)))
    if user is None:
        raise BadInput([("email", N_("nobody has signed up with this address"))])
    existing = session.scalar(
        select(Member).where(Member.workspace_id == workspace_id, Member.user_id == user.id)
    )
    if existing is not None:
        return existing
    member = Member(workspace_id=workspace_id, user_id=user.id, role="member")
    session.add(member)
    session.flush()
    return member


def set_role(
    session: Session, *, workspace_id: int, user_id: int, role: str, by_user_id: int
) -> Member:
    """Make a member an owner or an owner a member; owners only, and never the last owner."""
    require_owner(session, user_id=by_user_id, workspace_id=workspace_id)
    # Every member row of the workspace locked: two owners demoting each other at once
    # cannot leave it without one.
    session.execute(select(Member.id).where(Member.workspace_id == workspace_id).with_for_update())
    member = session.scalar(
        select(Member).where(Member.workspace_id == workspace_id, Member.user_id == user_id)
    )
    if member is None:
        raise NotFound("member")
    if role not in MEMBER_ROLES:
        raise BadInput([("role", N_("must be owner or member"))])
    if member.role == "owner" and role != "owner":
        owners = session.scalar(
            select(func.count())
            .select_from(Member)
            .where(Member.workspace_id == workspace_id, Member.role == "owner")
        )
        if (owners or 0) <= 1:
            raise Conflict(N_("role: an organisation keeps at least one owner"))
    member.role = role
    session.flush()
    return member


def members_of(session: Session, workspace_id: int) -> list[tuple[User, str]]:
    rows = session.execute(
        select(User, Member.role)
        .join(Member, Member.user_id == User.id)
        .where(Member.workspace_id == workspace_id)
        .order_by(User.name)
    )
    return [(user, role) for user, role in rows]


def update_preferences(
    session: Session, *, user_id: int, language: str | None = None, timezone: str | None = None
) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    if language is not None:
        if language not in LANGUAGES:
            raise BadInput([("language", N_("must be de, sv or en"))])
        user.language = language
    if timezone is not None:
        try:
            zone(timezone)
        except ValueError as exc:
            raise BadInput([("timezone", str(exc))]) from None
        user.timezone = timezone
    return user


def issue_api_token(session: Session, *, user_id: int, workspace_id: int, label: str) -> str:
    """A new bearer token for the API in this workspace; only its digest is kept."""
    token = "fn_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            workspace_id=workspace_id,
            user_id=user_id,
            token_hash=digest(token),
            label=label.replace("\x00", "").strip()[:200],
        )
    )
    session.flush()
    return token


Kind = Literal["personal", "organisation"]


def api_tokens(session: Session, *, workspace_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.workspace_id == workspace_id).order_by(ApiToken.id)
        )
    )


def revoke_api_token(
    session: Session, *, workspace_id: int, token_id: int, by_user_id: int
) -> None:
    """Delete a token of this workspace: one's own, or anyone's for an owner (refused
    from the next request on: queries.TokenReader asks the database every time)."""
    row = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.workspace_id == workspace_id)
    )
    if row is None:
        raise NotFound("token")
    if row.user_id != by_user_id:
        require_owner(session, user_id=by_user_id, workspace_id=workspace_id)
    session.delete(row)
