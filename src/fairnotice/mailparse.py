"""Parsing an email someone else wrote (an invitation, a reply) without trusting its shape.

Python's email parser recurses once per nested MIME part: a 68 KiB message of 1,000
nested multiparts raises RecursionError deep inside it (a 500 on import, where any
broken input is bad input). Nesting is bounded before parsing, by counting the headers
that open a nested part, and the parse itself is guarded as well. Pure: bytes in.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

from fairnotice.errors import N_, Phrase

MAX_NESTED = 100  # multipart and message/rfc822 parts; real mail nests a handful
_NESTING = re.compile(rb"(?im)^content-type:\s*(?:multipart/|message/(?:rfc822|global)\b)")


class UnusableMail(ValueError):
    """The bytes cannot be read as an email (too deeply nested, or not one at all); its
    argument is the text to show (translatable)."""

    @property
    def what(self) -> str:
        found = self.args[0] if self.args else ""
        return found if isinstance(found, str) else str(found)  # a Phrase stays one


def parse_email(data: bytes) -> EmailMessage:
    """The message in `data`; `UnusableMail` when its parts nest deeper than we read."""
    if len(_NESTING.findall(data)) > MAX_NESTED:
        raise UnusableMail(
            Phrase(
                "the email is nested too deeply (more than %(max)s parts inside each other)",
                max=MAX_NESTED,
            )
        )
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        if isinstance(message, EmailMessage):
            sum(1 for _ in message.walk())  # the walk callers make must not recurse away
    except RecursionError:
        raise UnusableMail(N_("the email is nested too deeply")) from None
    if not isinstance(message, EmailMessage):
        raise UnusableMail(N_("not an email"))
    return message
