"""Link tokens at rest: stored texts hold a reference, the link is written when shown or sent.

A pick link's token is the only key to an offer (a reset link's to an account, kept the
same way in `password_resets`). The database keeps its SHA-256 (to find
the offer when the link is opened) and the token sealed with the app's secret key
(`offers.sealed_token`); every stored text that carries the link (the outbox's bodies,
the stored plan's messages and situation) holds `/pick/[link:<sha256>]` instead. The
worker, the .eml downloads and the pages put the token back (`reveal`) by looking the
offer up by that hash in the text's own workspace; an edit that pastes a live link back
is turned into the reference again (`conceal`). A copy of the database without the key
opens no offer, and no log line or backup of the outbox holds a working link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.operations.accounts.commands import digest
from fairnotice.store.sealing import Unsealable, seal, unseal
from fairnotice.store.tables import Member, Offer, PasswordReset

REFERENCE = re.compile(r"\[link:([0-9a-f]{64})\]")
# A token in a pick link (secrets.token_urlsafe: letters, digits, '-' and '_').
LINK = re.compile(r"(/(?:pick|reset)/)([A-Za-z0-9_-]{20,100})(?![A-Za-z0-9_-])")


class LinkUnavailable(Exception):
    """A stored text names a link this key cannot write (another key, a removed offer)."""


def secret_key(secret: str | None) -> str:
    """The key links are sealed with: the one given, else the configured one."""
    from fairnotice.operations.replies.commands import app_secret

    return app_secret(secret)


def reference(token: str) -> str:
    """What a stored text holds in place of the token."""
    return f"[link:{digest(token)}]"


def sealed(token: str, secret: str) -> str:
    """The token as the offer keeps it (Fernet under the app's key)."""
    return seal(token, secret)


def referenced(texts: Iterable[str | None]) -> set[str]:
    """The token hashes the texts refer to."""
    return {found for text in texts if text for found in REFERENCE.findall(text)}


def tokens(session: Session, *, workspace_id: int, hashes: set[str], secret: str) -> dict[str, str]:
    """hash -> token for the workspace's offers among `hashes` (one query)."""
    if not hashes:
        return {}
    wanted = sorted(hashes)
    offers = session.execute(
        select(Offer.token_hash, Offer.sealed_token).where(
            Offer.workspace_id == workspace_id, Offer.token_hash.in_(wanted)
        )
    ).all()
    resets = session.execute(  # a reset link goes to its user's own (personal) workspace
        select(PasswordReset.token_hash, PasswordReset.sealed_token)
        .join(Member, Member.user_id == PasswordReset.user_id)
        .where(Member.workspace_id == workspace_id, PasswordReset.token_hash.in_(wanted))
    ).all()
    found = {}
    for token_hash, stored in [*offers, *resets]:
        if not stored:
            continue
        try:
            found[token_hash] = unseal(stored, secret, what="link")
        except Unsealable:
            continue
    return found


def fill(text: str, found: Mapping[str, str], *, strict: bool = False) -> str:
    """`text` with each reference replaced by its token; with `strict` a reference that
    cannot be filled is LinkUnavailable (never send a broken link), else left as it is."""

    def token(match: re.Match[str]) -> str:
        if match[1] in found:
            return found[match[1]]
        if strict:
            raise LinkUnavailable(
                "a pick link in this message cannot be written: its offer is gone or the "
                "secret key (FAIRNOTICE_SECRET_KEY) changed since it was made"
            )
        return match[0]

    return REFERENCE.sub(token, text)


def reveal(
    session: Session,
    *,
    workspace_id: int,
    texts: Sequence[str],
    secret: str | None = None,
    strict: bool = False,
) -> list[str]:
    """The texts as their reader sees them: every link written out."""
    hashes = referenced(texts)
    if not hashes:
        return list(texts)
    found = tokens(session, workspace_id=workspace_id, hashes=hashes, secret=secret_key(secret))
    return [fill(text, found, strict=strict) for text in texts]


def reveal_plan(
    session: Session, *, workspace_id: int, plan: Mapping[str, Any], secret: str | None = None
) -> dict[str, Any]:
    """A stored plan (its JSON) with the links in its messages written out."""
    messages = list(plan.get("messages") or [])
    bodies = [str(m.get("body") or "") for m in messages]
    if not referenced(bodies):
        return dict(plan)
    shown = reveal(session, workspace_id=workspace_id, texts=bodies, secret=secret)
    return {
        **plan,
        "messages": [{**m, "body": body} for m, body in zip(messages, shown, strict=True)],
    }


def conceal(session: Session, *, workspace_id: int, text: str) -> str:
    """`text` with every live link of the workspace's offers turned back into a reference
    (a user's edit that pasted the link it was shown)."""
    candidates = {digest(token): token for _, token in LINK.findall(text)}
    if not candidates:
        return text
    known = set(
        session.scalars(
            select(Offer.token_hash).where(
                Offer.workspace_id == workspace_id, Offer.token_hash.in_(sorted(candidates))
            )
        )
    )

    def hidden(match: re.Match[str]) -> str:
        hashed = digest(match[2])
        return match[1] + f"[link:{hashed}]" if hashed in known else match[0]

    return LINK.sub(hidden, text)
