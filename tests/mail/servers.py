"""Real SMTP servers for the tests: aiosmtpd on 127.0.0.1, recording what arrives.

`Recorder` keeps every message the server accepted, by Message-ID, and every connection
with whether the client said QUIT, so a test can tell a duplicate caused by a connection
that died after DATA from any other. `Faults` makes the same server misbehave: 4xx, 5xx,
connections dropped before or after DATA, slow answers, chosen per message.
"""

from __future__ import annotations

import asyncio
import email
import random
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    message_id: str
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    connection: int

    def parsed(self) -> email.message.Message:
        return email.message_from_bytes(self.data, policy=policy.default)


@dataclass
class Connection:
    quit: bool = False
    accepted: list[str] = field(default_factory=list)


@dataclass
class Faults:
    """What to do with a message, by its (first) recipient and how often it was tried.

    Keyed by recipient rather than Message-ID because a drop *before* DATA has to be
    decided before the server has seen the message; the tests give each message its own
    recipient.
    """

    temporary: dict[str, int] = field(default_factory=dict)  # rcpt -> how many 451s first
    permanent: set[str] = field(default_factory=set)  # 550 at the end of DATA, every time
    drop_before: set[str] = field(default_factory=set)  # drop at RCPT, first time only
    drop_after: set[str] = field(default_factory=set)  # accept, then drop: first time only
    refuse_rcpt: dict[str, int] = field(default_factory=dict)  # rcpt -> RCPT code
    slow: dict[str, float] = field(default_factory=dict)  # rcpt -> seconds before the 250

    @classmethod
    def mixed(
        cls, recipients: list[str], *, seed: int, temporary: float, dropped: float, permanent: float
    ) -> Faults:
        """A random share of ids for each fault; the rest go through at once."""
        rng = random.Random(seed)
        faults = cls()
        for rcpt in recipients:
            roll = rng.random()
            if roll < permanent:
                faults.permanent.add(rcpt)
            elif roll < permanent + dropped:
                (faults.drop_before if rng.random() < 0.5 else faults.drop_after).add(rcpt)
            elif roll < permanent + dropped + temporary:
                faults.temporary[rcpt] = rng.randint(1, 3)
        return faults


def message_id_of(data: bytes) -> str:
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    parsed = email.message_from_bytes(head + b"\r\n\r\n", policy=policy.compat32)
    return str(parsed.get("Message-ID", "")).strip()


class Recorder:
    """An aiosmtpd handler that records, and misbehaves as `faults` says."""

    def __init__(self, faults: Faults | None = None, delay: float = 0.0) -> None:
        self.faults = faults or Faults()
        self.delay = delay  # seconds before every answer to DATA (a relay's own work)
        self.received: list[Received] = []
        self.connections: dict[int, Connection] = {}
        self.attempts: Counter[str] = Counter()  # by recipient, at the end of DATA
        self.rcpt_seen: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._next = 0

    def _conn(self, session: Any) -> int:
        with self.lock:
            number = getattr(session, "fairnotice_conn", None)
            if number is None:
                self._next += 1
                number = self._next
                session.fairnotice_conn = number
                self.connections[number] = Connection()
            return int(number)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self._conn(session)
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            self.rcpt_seen[address] += 1
            seen = self.rcpt_seen[address]
        if address in self.faults.drop_before and seen == 1:
            server.transport.close()
            return "421 4.4.2 closing"
        code = self.faults.refuse_rcpt.get(address)
        if code is not None:
            return f"{code} {'4.2.1 mailbox busy' if code < 500 else '5.1.1 no such user here'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        conn = self._conn(session)
        data: bytes = envelope.content
        mid = message_id_of(data)
        key = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        with self.lock:
            self.attempts[key] += 1
            seen = self.attempts[key]
        faults = self.faults
        if key in faults.permanent:
            return "550 5.7.1 message refused by policy"
        if seen <= faults.temporary.get(key, 0):
            return "451 4.3.0 try again later"
        if key in faults.slow and seen == 1:
            await asyncio.sleep(faults.slow[key])
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.append(
                Received(mid, envelope.mail_from, list(envelope.rcpt_tos), data, conn)
            )
            self.connections[conn].accepted.append(mid)
        if key in faults.drop_after and seen == 1:
            server.transport.close()
        return "250 2.0.0 OK queued"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.connections[self._conn(session)].quit = True
        return "221 Bye"

    # --- counting ---------------------------------------------------------------------

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(r.message_id for r in self.received)

    def duplicates(self) -> dict[str, int]:
        return {mid: n for mid, n in self.counts().items() if n > 1}

    def deaths_after(self, mid: str) -> int:
        """How many connections ended without QUIT right after the server took `mid`."""
        with self.lock:
            return sum(
                1
                for c in self.connections.values()
                if not c.quit and c.accepted and c.accepted[-1] == mid
            )

    def died_after_data(self, mid: str) -> bool:
        """Was `mid` the last message accepted on a connection that ended without QUIT?"""
        with self.lock:
            return any(
                not c.quit and c.accepted and c.accepted[-1] == mid
                for c in self.connections.values()
            )


@contextmanager
def smtp_server(recorder: Recorder | None = None, **kwargs: Any) -> Iterator[tuple[int, Recorder]]:
    """aiosmtpd on 127.0.0.1 at a free port, stopped afterwards."""
    recorder = recorder or Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port, recorder
    finally:
        controller.stop()
