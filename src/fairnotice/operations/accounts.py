"""Accounts, workspaces and API tokens. Passwords are argon2 hashes; tokens SHA-256 digests.

Isolation starts here: `membership` is the only way from a user to a workspace, and every
other operation takes the workspace id it returns.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.errors import N_, BadInput, Conflict, NotFound
from fairnotice.model import zone
from fairnotice.store.tables import ApiToken, Member, User, Workspace

_hasher = PasswordHasher()
# A fixed hash to verify against when the email is unknown: same cost, no user enumeration.
_DUMMY = _hasher.hash("not a password of anyone")
MIN_PASSWORD = 10
LANGUAGES = ("de", "sv", "en")


def digest(token: str) -> str:
    """How a bearer or link token is stored: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _clean_email(email: str) -> str:
    value = email.strip().lower()
    if "\x00" in value or "@" not in value or len(value) > 320 or any(c.isspace() for c in value):
        raise BadInput([("email", N_("not an email address"))])
    return value


def _clean_name(name: str, field: str = "name") -> str:
    value = " ".join(name.split())
    if not value or len(value) > 200 or "\x00" in value:
        raise BadInput([(field, N_("must be 1 to 200 characters"))])
    return value


def sign_up(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    language: str = "en",
    timezone: str = "UTC",
) -> User:
    """A new user with their personal workspace (the candidate side)."""
    problems: list[tuple[str, str]] = []
    if len(password) < MIN_PASSWORD:
        problems.append(("password", f"must have at least {MIN_PASSWORD} characters"))
    if language not in LANGUAGES:
        problems.append(("language", N_("must be de, sv or en")))
    try:
        zone(timezone)
    except ValueError as exc:
        problems.append(("timezone", str(exc)))
    if problems:
        raise BadInput(problems)
    address = _clean_email(email)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise Conflict(N_("email: an account with this address exists"))
    user = User(
        email=address,
        name=_clean_name(name),
        password_hash=_hasher.hash(password),
        language=language,
        timezone=timezone,
    )
    personal = Workspace(kind="personal", name=user.name)
    session.add_all([user, personal])
    session.flush()
    session.add(Member(workspace_id=personal.id, user_id=user.id, role="owner"))
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The user whose password this is, else None (timing does not reveal which failed)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
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


def add_member(session: Session, *, workspace_id: int, email: str) -> Member:
    """Add an existing user to an organisation (by their sign-in address)."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None or workspace.kind != "organisation":
        raise BadInput([("workspace", N_("members can only join an organisation"))])
    user = session.scalar(select(User).where(User.email == _clean_email(email)))
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


def resolve_api_token(session: Session, token: str) -> tuple[int, int] | None:
    """(user id, workspace id) of a bearer token that still grants access, else None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None:
        return None
    still_member = session.scalar(
        select(Member.id).where(
            Member.user_id == row.user_id, Member.workspace_id == row.workspace_id
        )
    )
    return (row.user_id, row.workspace_id) if still_member is not None else None


Kind = Literal["personal", "organisation"]


def api_tokens(session: Session, *, workspace_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.workspace_id == workspace_id).order_by(ApiToken.id)
        )
    )


def revoke_api_token(session: Session, *, workspace_id: int, token_id: int) -> None:
    """Delete a token of this workspace (processes that cached it stop within 10 s)."""
    row = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.workspace_id == workspace_id)
    )
    if row is None:
        raise NotFound("token")
    session.delete(row)
