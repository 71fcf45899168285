"""An outbox row as the bytes that go over SMTP (or into an .eml the user opens).

The one email writer: the worker, the outbox's .eml and the plan page's .eml download
all write their messages here.

Messages with a calendar object take the iMIP shape of `mime.build`; plain ones are a
single text/plain part. Either way every header a user can influence (names, subject,
threading ids) goes through `mime`'s one-line and RFC 2047 helpers, so no CR, LF, U+2028
or typed "=?...?=" can add a header or a recipient.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from fairnotice.mail.mime import (
    Invitation,
    Mailbox,
    address,
    build,
    folded,
    one_line,
    subject_line,
    text_part,
)

_MSGID = re.compile(r"^<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+>$")


@dataclass(frozen=True)
class Outgoing:
    """What a message says and to whom: a snapshot of one outbox row."""

    message_id: str
    recipient: str
    subject: str
    body: str
    language: str = "en"
    recipient_name: str | None = None
    sender_name: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    calendar_method: str | None = None
    calendar_ics: str | None = None
    auto: bool = False  # a reminder fairnotice writes to its own user
    draft: bool = False  # a file the user opens and sends: X-Unsent, the draft mark


def new_message_id(sender: str) -> str:
    """A globally unique Message-ID in the sender's domain, fixed before the first try."""
    domain = sender.rpartition("@")[2] or "fairnotice.invalid"
    domain = re.sub(r"[^A-Za-z0-9.-]", "", domain) or "fairnotice.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def is_message_id(value: str) -> bool:
    """Whether `value` can go into Message-ID, In-Reply-To or References as it is."""
    return bool(_MSGID.match(value))


def _thread_id(value: str) -> str:
    clean = one_line(value)
    if not _MSGID.match(clean):
        raise ValueError(f"in_reply_to: {value!r} is not a Message-ID")
    return clean


def render(item: Outgoing, *, sender: str, date: datetime) -> bytes:
    """The message as CRLF bytes; ValueError names the field that cannot be carried."""
    from_box = Mailbox(item.sender_name or "", sender)
    to_box = Mailbox(item.recipient_name or "", item.recipient)
    extra: list[str] = []
    if item.reply_to and one_line(item.reply_to) != sender:
        extra.append("Reply-To: " + address(Mailbox("", item.reply_to)))
    if item.in_reply_to:
        thread = _thread_id(item.in_reply_to)
        extra += [f"In-Reply-To: {thread}", f"References: {thread}"]
    if re.match(r"^[a-z]{2}$", item.language):
        extra.append(f"Content-Language: {item.language}")
    if item.auto:
        extra.append("Auto-Submitted: auto-generated")
    if item.draft:  # Outlook and Thunderbird open it as a draft to send
        extra.append("X-Unsent: 1")
    if item.calendar_ics and item.calendar_method:
        data = build(
            Invitation(
                sender=from_box,
                to=[to_box],
                subject=item.subject,
                text=item.body,
                ics=item.calendar_ics,
                method=item.calendar_method,
                date=date,
                message_id=item.message_id,
            )
        )
    else:
        if not _MSGID.match(item.message_id):
            raise ValueError(f"message_id: {item.message_id!r} is not like <id@host>")
        head = "".join(
            line + "\r\n"
            for line in (
                folded("From", address(from_box)),
                folded("To", address(to_box)),
                subject_line(item.subject),
                "Date: " + format_datetime(date),
                "Message-ID: " + item.message_id,
                "MIME-Version: 1.0",
            )
        )
        data = head.encode("ascii") + text_part(item.body, "plain")
    if not extra:
        return data
    return "\r\n".join(extra).encode("ascii") + b"\r\n" + data
