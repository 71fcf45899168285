"""review_draft: a draft from a file, stdin or an .eml, reviewed against an optional situation."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from fairnotice.errors import BadInput
from fairnotice.io import parse_model, read_text
from fairnotice.model import Findings, Situation
from fairnotice.operations.plans.planning import system_now
from fairnotice.review import review

_HEADERS = ("from:", "to:", "subject:", "date:", "mime-version:", "message-id:", "received:")


def _looks_like_mail(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    lines = head.split("\n\n", 1)[0].splitlines()
    return len(lines) >= 2 and sum(line.startswith(_HEADERS) for line in lines) >= 2


def draft_text(raw: str, *, source: str = "DRAFT") -> str:
    """The draft as the reviewer reads it: an e-mail becomes 'Subject: ...' and its text."""
    if not (source.lower().endswith(".eml") or _looks_like_mail(raw)):
        return raw
    message = email.message_from_string(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):  # pragma: no cover - the policy guarantees it
        raise BadInput([(source, "not an e-mail message")])
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        raise BadInput([(source, "the e-mail has no plain-text part to review")])
    body = part.get_content()
    subject = message.get("Subject")
    return f"Subject: {subject}\n\n{body}" if subject else str(body)


def read_draft(source: str) -> str:
    """The draft in a file ('-' = stdin), unwrapped when it is an e-mail."""
    return draft_text(read_text(source, label="DRAFT"), source=source)


def read_situation(source: str) -> Situation:
    """A situation file, with every problem named as situation.<field>."""
    try:
        return parse_model(Situation, read_text(source, label="--situation"), label="--situation")
    except BadInput as exc:
        raise BadInput(
            [(f if f.startswith("--situation") else f"situation.{f}", m) for f, m in exc.problems]
        ) from None


def review_draft(
    *,
    text: str,
    situation: Situation | None = None,
    intent: str | None = None,
    clock: Callable[[], datetime] = system_now,
) -> Findings:
    """The findings on a draft; `now` for the short-notice check comes from the clock."""
    now = (situation.now or clock()) if situation is not None else None
    return review(text, situation=situation, intent=intent, now=now)
