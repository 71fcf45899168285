"""iMIP emails (RFC 6047) shaped as Google Calendar sends invitations.

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain; charset=UTF-8
    │   ├── text/html; charset=UTF-8
    │   └── text/calendar; charset=UTF-8; method=REQUEST|CANCEL|COUNTER|...
    └── application/ics; name="invite.ics"   (attachment)

Gmail, Outlook, Apple Mail and Thunderbird all recognise this shape and apply the
calendar part by themselves. Self-contained: the message is data (bytes), delivery is the
transport's business.

Headers are written by hand (compat32) rather than through `email.policy.default`, which
decodes "=?...?=" typed by a user into something else: every user-supplied header text is
stripped of control and line-separator characters, and whatever is not plain printable
ASCII (or looks like an encoded word) is sent as RFC 2047 encoded words, so it re-parses
to exactly the text intended and can never start a header of its own.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import encoders, policy
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime

METHODS = frozenset(
    {"PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER"}
)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029\ud800-\udfff]+")
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_PLAIN = re.compile(r"^[\x20-\x7e]*$")
_WIRE = policy.compat32.clone(linesep="\r\n", max_line_length=78)


@dataclass(frozen=True, slots=True)
class Mailbox:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Invitation:
    """Everything an iMIP email says; `ics` is the calendar object (its METHOD = `method`)."""

    sender: Mailbox
    to: Sequence[Mailbox]
    subject: str
    text: str
    ics: str
    method: str
    date: datetime
    message_id: str
    html: str | None = None
    filename: str = "invite.ics"


def one_line(value: str) -> str:
    """Header text: controls and line separators become single spaces."""
    return " ".join(_UNSAFE.sub(" ", value).split())


def _literal(text: str) -> bool:
    """Text safe to write as is: printable ASCII, no encoded-word look-alike, short enough
    that no folding can put a line break into it."""
    return bool(_PLAIN.match(text)) and "=?" not in text and len(text) <= 60


def header_text(value: str) -> str:
    """The Subject as it goes on the wire (RFC 2047 where needed)."""
    clean = one_line(value)
    if _literal(clean):
        return clean
    return Header(clean, "utf-8", header_name="Subject").encode(maxlinelen=76)


def address(mailbox: Mailbox) -> str:
    """'Name <a@b>' with the name quoted or encoded so no character of it is structure."""
    mail = one_line(mailbox.email)
    if not _ADDRESS.match(mail):
        raise ValueError(f"email: {mail!r} is not an address this message can carry")
    name = one_line(mailbox.name)
    if not name:
        return mail
    if _PLAIN.match(name) and "=?" not in name:
        # A quoted string folds only at its (single) spaces, which unfolding restores.
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{mail}>'
    # One encoded word, even past RFC 2047's 75 characters: parsers join the several words
    # of a longer name differently (Python's adds spaces), a single word they all read.
    word = base64.b64encode(name.encode("utf-8")).decode("ascii")
    return f"=?utf-8?b?{word}?= <{mail}>"


def _text_part(body: str, subtype: str) -> MIMEBase:
    return _inner(MIMEText(body.replace("\r\n", "\n"), subtype, "utf-8"))


def _inner(part: MIMEBase) -> MIMEBase:
    """A body part: MIME-Version belongs to the message's top-level header only."""
    del part["MIME-Version"]
    return part


def build(invitation: Invitation) -> bytes:
    """The email as bytes with CRLF line ends, ready for SMTP or an .eml file."""
    method = invitation.method.upper()
    if method not in METHODS:
        raise ValueError(f"method: {invitation.method!r} is not an iTIP method")
    if not invitation.to:
        raise ValueError("to: an invitation needs at least one recipient")
    alternative = _inner(MIMEMultipart("alternative"))
    alternative.attach(_text_part(invitation.text, "plain"))
    page = invitation.html or (
        "<html><body><pre>" + html.escape(invitation.text) + "</pre></body></html>"
    )
    alternative.attach(_text_part(page, "html"))
    # Plain ASCII (the usual case: ICS folds its lines at 75 octets) travels as 7bit, as
    # Google sends it; anything else as base64 UTF-8.
    ascii_only = invitation.ics.isascii()
    calendar = _inner(MIMEText(invitation.ics, "calendar", "us-ascii" if ascii_only else "utf-8"))
    calendar.replace_header("Content-Type", f'text/calendar; charset="UTF-8"; method={method}')
    alternative.attach(calendar)

    attachment = _inner(MIMEBase("application", "ics", name=invitation.filename))
    attachment.set_payload(invitation.ics.encode("utf-8"))
    encoders.encode_base64(attachment)
    attachment.add_header("Content-Disposition", "attachment", filename=invitation.filename)

    message = MIMEMultipart("mixed")
    message["From"] = address(invitation.sender)
    message["To"] = ", ".join(address(m) for m in invitation.to)
    message["Subject"] = header_text(invitation.subject)
    message["Date"] = format_datetime(invitation.date)
    message["Message-ID"] = _message_id(invitation.message_id)
    message.attach(alternative)
    message.attach(attachment)
    return message.as_bytes(policy=_WIRE)


def _message_id(value: str) -> str:
    inner = one_line(value).strip("<>")
    if not re.match(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$", inner):
        raise ValueError(f"message_id: {value!r} is not like <id@host>")
    return f"<{inner}>"
