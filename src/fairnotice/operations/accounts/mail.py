"""Mail about the account itself: a password-reset link, and the note that tells an
address's owner someone tried to sign up with it.

Both go through the outbox (its one email writer, delivered by the workers) as rows of
kind "account" in the user's personal workspace, in the user's language. They are not
listed on the outbox page: a reset link must reach the mailbox only, never a page that a
stolen session could read. A reset token is random (256 bits); only its SHA-256 is kept,
it works once and for RESET_VALID, and using it ends every session of the account.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fairnotice.compose.notes import NoteName, render_note
from fairnotice.errors import BadInput, NotFound
from fairnotice.model import Language
from fairnotice.operations.accounts import passwords, sessions
from fairnotice.operations.accounts.commands import clean_email, digest, personal_workspace
from fairnotice.operations.common import links
from fairnotice.operations.outbox.commands import queue
from fairnotice.store.tables import PasswordReset, User

RESET_VALID = timedelta(hours=1)
KIND = "account"
SENDER = ("fairnotice", "")


def _language(user: User) -> Language:
    return Language(user.language) if user.language in Language._value2member_map_ else Language.en


def _send(session: Session, user: User, note: NoteName, *, now: datetime, **facts: str) -> None:
    language = _language(user)
    subject, body = render_note(note, language, recipient=user.name, **facts)
    queue(
        session,
        workspace_id=personal_workspace(session, user.id).id,
        recipient=user.email,
        recipient_name=user.name,
        subject=subject,
        body=body,
        language=language.value,
        due=now,
        sender=SENDER,
        kind=KIND,
        reference=f"account:{note}",
        deadline=now + RESET_VALID if note == "password_reset" else None,
    )


def request_reset(
    session: Session, *, email: str, base_url: str, now: datetime, secret: str | None = None
) -> None:
    """Queue a reset link to the account of `email`, if there is one (the caller answers
    the same either way). The outbox keeps a reference, the token is sealed with the
    app's key `secret` (by default the configured one) and written at send time."""
    try:
        address = clean_email(email)
    except BadInput:
        return
    user = session.scalar(select(User).where(User.email == address))
    if user is None:
        return
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=digest(token),
            sealed_token=links.sealed(token, links.secret_key(secret)),
            created_at=now,
            expires_at=now + RESET_VALID,
        )
    )
    link = f"{base_url.rstrip('/')}/reset/{links.reference(token)}"
    _send(session, user, "password_reset", now=now, link=link, minutes=str(_minutes()))


def _minutes() -> int:
    return int(RESET_VALID.total_seconds() // 60)


def tell_owner_of_signup(session: Session, *, user: User, base_url: str, now: datetime) -> None:
    """Someone tried to sign up with this address: its owner hears, nobody else does."""
    base = base_url.rstrip("/")
    _send(
        session,
        user,
        "account_exists",
        now=now,
        signin=f"{base}/signin",
        reset=f"{base}/reset",
    )


def usable_reset(session: Session, token: str, *, now: datetime) -> PasswordReset:
    """The unused, unexpired reset of this token; NotFound otherwise (one answer for all)."""
    if not token or len(token) > 100:
        raise NotFound("reset link")
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise NotFound("reset link")
    return row


def reset_password(session: Session, *, token: str, password: str, now: datetime) -> User:
    """Set a new password by a reset link: the link and every other one of the account
    stop working, and every session of the account ends."""
    row = usable_reset(session, token, now=now)
    user = session.get(User, row.user_id)
    if user is None:
        raise NotFound("reset link")
    passwords.check(password, name="new password", user_inputs=(user.email, user.name))
    # Used once: the UPDATE only matches unused links, so of two racing posts one wins.
    done = session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise NotFound("reset link")
    user.password_hash = passwords.hashed(password)
    sessions.end_all(session, user_id=user.id)
    session.flush()
    return user
