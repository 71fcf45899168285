"""Server-side sessions of the web pages: started at sign-in, ended at will.

The browser's cookie carries a random id (256 bits); the database keeps its SHA-256 only,
so a copy of the table does not sign anyone in. A session ends when its row goes:
sign-out (this one), sign-out everywhere, a password change (all but the one that made
it), a password reset (all), or expiry: idle for longer than `idle`, or older than
`lifetime` however busy.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from fairnotice.operations.accounts.commands import digest
from fairnotice.store.tables import AuthSession

IDLE = timedelta(hours=8)
LIFETIME = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=5)  # how stale `seen_at` may get before it is written


def start(session: Session, *, user_id: int, now: datetime) -> str:
    """A new session for the user; the cookie's value (only its digest is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(user_id=user_id, token_hash=digest(token), created_at=now, seen_at=now))
    session.flush()
    return token


def find(
    session: Session,
    token: str,
    *,
    now: datetime,
    idle: timedelta = IDLE,
    lifetime: timedelta = LIFETIME,
) -> AuthSession | None:
    """The live session of a cookie's value, else None (unknown, ended or expired)."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == digest(token)))
    if row is None or row.seen_at + idle <= now or row.created_at + lifetime <= now:
        return None
    return row


def stale(row: AuthSession, now: datetime) -> bool:
    """Whether the session's last activity should be written (coarsely, not per request)."""
    return row.seen_at + TOUCH_EVERY <= now


def touch(session: Session, *, session_id: int, now: datetime) -> None:
    session.execute(update(AuthSession).where(AuthSession.id == session_id).values(seen_at=now))


def end(session: Session, token: str) -> None:
    """End the session of this cookie's value (sign-out); nothing if it has ended."""
    session.execute(delete(AuthSession).where(AuthSession.token_hash == digest(token)))


def end_all(session: Session, *, user_id: int, keep: str | None = None) -> int:
    """End every session of the user but the one of `keep`; how many ended."""
    query = delete(AuthSession).where(AuthSession.user_id == user_id)
    if keep:
        query = query.where(AuthSession.token_hash != digest(keep))
    return session.execute(query).rowcount or 0  # type: ignore[attr-defined]


def prune(
    session: Session,
    *,
    user_id: int,
    now: datetime,
    idle: timedelta = IDLE,
    lifetime: timedelta = LIFETIME,
) -> None:
    """Forget the user's expired sessions (done at each sign-in, so rows do not pile up)."""
    session.execute(
        delete(AuthSession).where(
            AuthSession.user_id == user_id,
            or_(AuthSession.seen_at <= now - idle, AuthSession.created_at <= now - lifetime),
        )
    )


def count(session: Session, *, user_id: int) -> int:
    """How many sessions of the user are stored (expired ones until their next sign-in)."""
    found = session.scalar(
        select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user_id)
    )
    return int(found or 0)
