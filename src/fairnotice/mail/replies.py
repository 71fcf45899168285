"""Replies: recognised by In-Reply-To/References, read from .eml bytes or an IMAP mailbox.

`read_message` turns raw bytes into what the matching needs: the Message-IDs the reply
refers to, its sender, date and the *new* words only (quoted history and the "On ...
wrote:" line are cut, so a time quoted from our own message is never taken for theirs).
`fetch_new` reads an IMAP folder past the last UID seen, without marking anything read.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Literal

from fairnotice.mailparse import parse_email

MAX_BYTES = 5 * 1024 * 1024
_MSGID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_QUOTE_HEAD = re.compile(
    r"^(?:On .{4,200} wrote:|Am .{4,200} schrieb .{1,200}:|Den .{4,200} skrev .{1,200}:"
    r"|.{0,40}-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Originalmeddelande)\s*-{2,}"
    r"|(?:From|Von|Från):\s.+|Sent from my .+|Von meinem .+ gesendet)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Incoming:
    message_id: str
    refers_to: tuple[str, ...]  # In-Reply-To first, then References newest first
    sender: str
    subject: str
    written: datetime | None
    text: str  # the new words, without quoted history


def thread_ids(value: str | None) -> list[str]:
    return _MSGID.findall(value or "")


def fresh_text(body: str) -> str:
    """The reply's own words: stop at the quote header, drop '>' lines and signatures."""
    lines = body.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _QUOTE_HEAD.match(stripped):
            break
        if stripped == "--" or stripped == "-- ":
            break
        if stripped.startswith(">"):
            # an interleaved quote ends the reply only when nothing of theirs follows
            if all(not x.strip() or x.strip().startswith(">") for x in lines[index:]):
                break
            continue
        kept.append(line)
    return "\n".join(kept).strip()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "blockquote"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "blockquote") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _body(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:  # a broken Content-Type or parameter: no body we can tell
        return ""
    if part is None:
        return ""
    try:
        content = part.get_content()
    except Exception:  # an unknown charset, a broken transfer encoding, a bad header
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        parser = _Text()
        parser.feed(content)
        content = "".join(parser.parts)
    return content


def _header(message: EmailMessage, name: str) -> str:
    """A header's text; its raw text when the parser cannot read it (the email package
    parses a header when it is asked for it, and raises on some broken ones)."""
    try:
        return str(message.get(name, ""))
    except Exception:
        raw = [value for key, value in message.raw_items() if key.lower() == name.lower()]
        return str(raw[0]) if raw else ""


def read_message(raw: bytes) -> Incoming:
    """The parts of a reply that matching and reading need; ValueError when unusable."""
    if len(raw) > MAX_BYTES:
        raise ValueError(f"message: larger than {MAX_BYTES // (1024 * 1024)} MiB")
    message = parse_email(raw)  # UnusableMail is a ValueError
    own = thread_ids(_header(message, "Message-ID"))
    refers = thread_ids(_header(message, "In-Reply-To"))
    refers += [m for m in reversed(thread_ids(_header(message, "References"))) if m not in refers]
    date = _header(message, "Date")
    try:
        written = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError, IndexError):
        written = None
    if written is not None and written.tzinfo is None:
        written = None
    return Incoming(
        message_id=own[0] if own else "",
        refers_to=tuple(refers),
        sender=parseaddr(_header(message, "From"))[1],
        subject=" ".join(_header(message, "Subject").split())[:500],
        written=written,
        text=fresh_text(_body(message))[:20_000],
    )


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    username: str
    password: str
    tls: Literal["none", "starttls", "tls"] = "tls"
    folder: str = "INBOX"
    timeout: float = 30.0
    context: ssl.SSLContext | None = None


def _connect(account: ImapAccount) -> imaplib.IMAP4:
    context = account.context or ssl.create_default_context()
    client: imaplib.IMAP4
    if account.tls == "tls":
        client = imaplib.IMAP4_SSL(
            account.host, account.port, ssl_context=context, timeout=account.timeout
        )
    else:
        client = imaplib.IMAP4(account.host, account.port, timeout=account.timeout)
    try:
        if account.tls == "starttls":
            client.starttls(ssl_context=context)
        client.login(account.username, account.password)
    except BaseException:
        client.shutdown()
        raise
    return client


def fetch_new(
    account: ImapAccount, *, uidvalidity: int | None, last_uid: int, limit: int = 200
) -> tuple[int, int, list[tuple[int, bytes]]]:
    """Messages past `last_uid` as (uid, bytes), with the folder's UIDVALIDITY and the
    new last UID. A changed UIDVALIDITY means the old UIDs mean nothing: start over."""
    client = _connect(account)
    try:
        status, _ = client.select(_quoted(account.folder), readonly=True)
        if status != "OK":
            raise imaplib.IMAP4.error(f"folder {account.folder!r} cannot be opened")
        _, values = client.response("UIDVALIDITY")
        current = int(values[0]) if values and values[0] else 0
        if uidvalidity is not None and current != uidvalidity:
            last_uid = 0
        status, data = client.uid("SEARCH", f"UID {last_uid + 1}:*")
        raw_uids = data[0].split() if status == "OK" and data and data[0] else []
        uids = sorted(int(u) for u in raw_uids if int(u) > last_uid)[:limit]
        found: list[tuple[int, bytes]] = []
        for uid in uids:
            status, parts = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            for part in parts:
                if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
                    found.append((uid, part[1]))
        newest = max(uids, default=last_uid)
        return current, newest, found
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
