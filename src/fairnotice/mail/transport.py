"""Mail transports behind one small interface: an SMTP relay and an in-memory double.

A transport sends one envelope at a time and answers with a `Result` that says what the
server said, in its own words, and whether the outcome is final. It never raises for a
server's answer or a lost connection: the delivery loop decides what a 4xx or a drop
means (retry) and what a 5xx means (failed at once). The SMTP transport keeps one
connection open for as many envelopes as the caller sends before `close()` (a batch),
and reconnects by itself after the server dropped it.

The SMTP dialogue is driven step by step (MAIL, RCPT, DATA) rather than through
`smtplib.sendmail`, so a connection lost *after* the message content went out is told
apart from one lost before: only the former may have delivered the message.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol

TlsMode = Literal["none", "starttls", "tls"]


class Outcome(StrEnum):
    delivered = "delivered"  # the server took responsibility (250 after DATA)
    temporary = "temporary"  # 4xx, a lost connection, a timeout: try again later
    permanent = "permanent"  # 5xx: the server will never take this message


@dataclass(frozen=True)
class Envelope:
    """What goes over the wire: envelope sender, recipients, the message bytes."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes
    message_id: str


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    code: int | None = None
    text: str = ""
    # Recipients the server refused inside a transaction it otherwise accepted.
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    # The connection was lost after the content was sent: the message may have arrived.
    after_data: bool = False
    # The caller's `meanwhile` asked to withdraw the message before its content went out.
    withdrawn: bool = False

    @property
    def words(self) -> str:
        """The server's answer as a person reads it: '451 4.3.0 try again later'."""
        return f"{self.code} {self.text}".strip() if self.code else self.text


# Called once the MAIL command is on its way and before its answer is read, so that the
# caller's own work (recording the previous outcome) overlaps the relay's; a reason it
# returns withdraws the message (RSET, nothing delivered).
Meanwhile = Callable[[], str | None]


class Transport(Protocol):
    def send(self, envelope: Envelope, meanwhile: Meanwhile | None = None) -> Result: ...

    def close(self) -> None: ...


def _text(reply: bytes | str) -> str:
    raw = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(raw.split())[:1000]


def classify(code: int, reply: bytes | str) -> Result:
    """A non-success SMTP reply as a Result: 4xx temporary, anything else permanent."""
    outcome = Outcome.temporary if 400 <= code < 500 else Outcome.permanent
    return Result(outcome, code, _text(reply))


_LEADING_DOT = re.compile(rb"(?m)^\.")
_BARE_EOL = re.compile(rb"\r\n|\r|\n")


def dot_stuffed(data: bytes) -> bytes:
    """Message bytes ready for DATA: CRLF line ends, leading dots doubled, final '.'.

    The messages fairnotice writes already end every line in CRLF and rarely start one
    with a dot; counting (in C) tells so, and spares two regular-expression passes."""
    crlf = data.count(b"\r\n")
    body = data
    if data.count(b"\n") != crlf or data.count(b"\r") != crlf:
        body = _BARE_EOL.sub(b"\r\n", data)
    if body.startswith(b".") or b"\n." in body:
        body = _LEADING_DOT.sub(b"..", body)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the relay (FAIRNOTICE_SMTP_*), and how long to wait for it."""

    host: str
    port: int = 587
    tls: TlsMode = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    local_hostname: str | None = None
    context: ssl.SSLContext | None = None

    def tls_context(self) -> ssl.SSLContext:
        return self.context or ssl.create_default_context()


class SmtpTransport:
    """A relay reached with smtplib; one connection for a batch, reopened after a drop."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self.connections = 0  # how many times a connection was opened (for tests, stats)

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        smtp: smtplib.SMTP
        if cfg.tls == "tls":
            smtp = smtplib.SMTP_SSL(
                cfg.host,
                cfg.port,
                local_hostname=cfg.local_hostname,
                timeout=cfg.timeout,
                context=cfg.tls_context(),
            )
        else:
            smtp = smtplib.SMTP(
                cfg.host, cfg.port, local_hostname=cfg.local_hostname, timeout=cfg.timeout
            )
        try:
            smtp.ehlo()
            if cfg.tls == "starttls":
                smtp.starttls(context=cfg.tls_context())
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
        except BaseException:
            _quietly_close(smtp)
            raise
        self.connections += 1
        return smtp

    def send(self, envelope: Envelope, meanwhile: Meanwhile | None = None) -> Result:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
        except smtplib.SMTPResponseException as exc:
            self._smtp = None
            # A relay that refuses us (auth, TLS) is a setup problem to retry, not this
            # message's fault: failing every message at once would lose the whole queue.
            return Result(Outcome.temporary, exc.smtp_code, "connect: " + _text(exc.smtp_error))
        except (OSError, smtplib.SMTPException) as exc:
            self._smtp = None
            return Result(Outcome.temporary, None, f"cannot connect to the relay: {exc}")
        try:
            return self._transaction(self._smtp, envelope, meanwhile)
        except _Lost as lost:
            self._drop()
            return Result(
                Outcome.temporary,
                None,
                f"connection lost during {lost.phase}: {lost.reason}",
                after_data=lost.phase == "end of data",
            )

    def _transaction(
        self, smtp: smtplib.SMTP, envelope: Envelope, meanwhile: Meanwhile | None
    ) -> Result:
        for address in (envelope.sender, *envelope.recipients):
            if _UNSAFE_PATH.search(address) or address.count("@") != 1:
                return Result(Outcome.permanent, None, f"{address!r} is not a mailbox address")
        options: list[str] = []
        if smtp.has_extn("size"):
            options.append(f"SIZE={len(envelope.data)}")
        if not envelope.sender.isascii() or not all(r.isascii() for r in envelope.recipients):
            if not smtp.has_extn("smtputf8"):
                return Result(Outcome.permanent, None, "the relay does not accept UTF-8 addresses")
            options.append("SMTPUTF8")
        _step("mail", lambda: _mail(smtp, envelope.sender, options))
        withdraw = meanwhile() if meanwhile is not None else None
        code, reply = _step("mail", smtp.getreply)
        if withdraw is not None:
            self._reset(smtp)
            return Result(Outcome.temporary, None, f"withdrawn: {withdraw}", withdrawn=True)
        if code != 250:
            self._reset(smtp)
            return classify(code, reply)
        refused: dict[str, tuple[int, str]] = {}
        for rcpt in envelope.recipients:
            code, reply = _step("rcpt", lambda: _rcpt(smtp, rcpt))  # noqa: B023 (called at once)
            if code not in (250, 251):
                refused[rcpt] = (code, _text(reply))
        if len(refused) == len(envelope.recipients):
            self._reset(smtp)
            codes = [c for c, _ in refused.values()]
            code, words = refused[envelope.recipients[0]]
            outcome = Outcome.temporary if any(400 <= c < 500 for c in codes) else Outcome.permanent
            return Result(outcome, code, words, refused=refused)
        code, reply = _step("data", lambda: smtp.docmd("DATA"))
        if code != 354:
            self._reset(smtp)
            return classify(code, reply)
        _step("data", lambda: _sent(smtp, dot_stuffed(envelope.data)))
        code, reply = _step("end of data", smtp.getreply)
        if code != 250:
            return classify(code, reply)
        return Result(Outcome.delivered, code, _text(reply), refused=refused)

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            _quietly_close(self._smtp)
        self._smtp = None

    def close(self) -> None:
        """QUIT and close the batch's connection (reopened by the next send)."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            _quietly_close(smtp)


class _Lost(Exception):
    def __init__(self, phase: str, reason: str) -> None:
        super().__init__(phase, reason)
        self.phase, self.reason = phase, reason


def _step(phase: str, call: Callable[[], tuple[int, bytes]]) -> tuple[int, bytes]:
    """Run one SMTP command; a dropped or silent connection becomes `_Lost(phase)`."""
    try:
        return call()
    except smtplib.SMTPServerDisconnected as exc:
        raise _Lost(phase, str(exc) or "server closed the connection") from None
    except TimeoutError:
        raise _Lost(phase, "timed out waiting for the server") from None
    except OSError as exc:
        raise _Lost(phase, str(exc)) from None


# Never part of an envelope address: line breaks, spaces, angle brackets, controls.
_UNSAFE_PATH = re.compile(r"[\x00-\x20<>()\[\]\\,;:\"\x7f\u0085\u2028\u2029]")
# A plain ASCII mailbox that needs no quoting in a MAIL FROM or RCPT TO path.
_PLAIN_PATH = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$")


def _mail(smtp: smtplib.SMTP, sender: str, options: list[str]) -> tuple[int, bytes]:
    """Send MAIL FROM without reading its answer (the caller reads it): a plain address as
    <address> directly (smtplib parses every address with the email package first, a
    quarter of a millisecond a message), anything else with smtplib's own quoting."""
    extra = " " + " ".join(options) if options else ""
    if "SMTPUTF8" in options:
        smtp.command_encoding = "utf-8"  # what smtplib's mail() does for SMTPUTF8
    path = f"<{sender}>" if _PLAIN_PATH.match(sender) else smtplib.quoteaddr(sender)
    smtp.putcmd("mail", f"FROM:{path}{extra}")
    return 0, b""


def _rcpt(smtp: smtplib.SMTP, recipient: str) -> tuple[int, bytes]:
    """RCPT TO, the same way as `_mail`."""
    if not _PLAIN_PATH.match(recipient):
        return smtp.rcpt(recipient)
    return smtp.docmd("RCPT", f"TO:<{recipient}>")


def _sent(smtp: smtplib.SMTP, data: bytes) -> tuple[int, bytes]:
    smtp.send(data)
    return 0, b""


def _quietly_close(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()


class MemoryTransport:
    """The in-memory double: keeps what it was given; `answer` scripts the server."""

    def __init__(self, answer: Callable[[Envelope], Result] | None = None) -> None:
        self.answer = answer
        self.sent: list[Envelope] = []
        self.closed = 0

    def send(self, envelope: Envelope, meanwhile: Meanwhile | None = None) -> Result:
        withdraw = meanwhile() if meanwhile is not None else None
        if withdraw is not None:
            return Result(Outcome.temporary, None, f"withdrawn: {withdraw}", withdrawn=True)
        result = self.answer(envelope) if self.answer else Result(Outcome.delivered, 250, "OK")
        if result.outcome is Outcome.delivered or result.after_data:
            self.sent.append(envelope)
        return result

    def close(self) -> None:
        self.closed += 1
