"""Hostile servers behind a subscription link or a CalDAV account (both reached from a
web user's input): an answer that trickles a byte at a time is cut at one deadline for
the whole exchange (headers, body and redirects together), a redirect's body is never
read (urllib reads it whole, of any size), and a multistatus with a DTD (entity
expansion) is refused unparsed. Every server here is on 127.0.0.1, stops by itself and
is bounded in bytes and time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

import pytest

from fairnotice.calendar.budget import Budget
from fairnotice.errors import BadInput
from fairnotice.operations.busy import caldav, subscriptions
from fairnotice.operations.busy.sources import Changed, Validators

CALENDAR = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:a@b\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260310T090000Z\r\n"
    b"DTEND:20260310T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def answer(body: bytes, *, status: str = "200 OK", extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: text/calendar\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n"
    )
    return head.encode() + body


@contextmanager
def raw_server(handle: Callable[[socket.socket, int], None]) -> Iterator[int]:
    """A loopback server calling handle(connection, number) for each connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        count = 0
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            count += 1
            with conn:
                conn.recv(65536)  # the request
                with suppress(OSError):  # the client hung up
                    handle(conn, count)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(10)
        listener.close()


def trickle(
    data: bytes, *, every: float, until: float, sent: list[int] | None = None
) -> Callable[[socket.socket, int], None]:
    """Send `data` a byte at a time, `every` seconds (well under any socket timeout),
    for at most `until` seconds in all; `sent` counts the bytes the client took."""

    def handle(conn: socket.socket, _: int) -> None:
        end = time.monotonic() + until
        for byte in data:
            if time.monotonic() > end:
                return
            conn.sendall(bytes([byte]))
            if sent is not None:
                sent[0] += 1
            time.sleep(every)

    return handle


def read_link(url: str, *, timeout: float) -> Changed:
    source = subscriptions.Subscription(url, allow_private=True, timeout=timeout)
    found = source.refresh(
        validators=Validators(),
        window=(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
        budget=Budget("test", work=10**6, instances=10**6),
    )
    assert isinstance(found, Changed)
    return found


# The whole answer takes about 0.02 s a byte: 400 bytes, 8 s; each wait is far below the
# client's per-wait timeout. Without one deadline the client reads it all and succeeds.
SLOW = answer(CALENDAR)


@pytest.mark.parametrize("cut", ["headers", "body"])
def test_a_subscription_that_trickles_is_cut_at_one_deadline(cut: str) -> None:
    head, body = SLOW.split(b"\r\n\r\n", 1)
    sent = [0]
    if cut == "headers":
        handle = trickle(SLOW, every=0.02, until=20, sent=sent)
        whole = len(head)  # cut while the headers still trickle
    else:
        whole = len(body)

        def handle(conn: socket.socket, _: int) -> None:
            conn.sendall(head + b"\r\n\r\n")
            trickle(body, every=0.03, until=20, sent=sent)(conn, 0)

    with raw_server(handle) as port:
        url = f"http://127.0.0.1:{port}/secret-token/basic.ics"
        with pytest.raises(BadInput) as refused:
            read_link(url, timeout=1.0)
    (field, why), *_ = refused.value.problems
    assert field == subscriptions.FIELD
    assert "too long" in str(why)
    assert "secret-token" not in str(why)
    # the client hung up at its deadline: it did not wait for the rest
    assert sent[0] < whole, "the whole trickle was read before giving up"


def test_the_deadline_spans_redirects() -> None:
    """Each hop answers within the per-wait timeout, but the hops together do not."""
    hops: list[int] = []

    def handle(conn: socket.socket, number: int) -> None:
        hops.append(number)
        if number < 5:
            trickle(
                answer(b"", status="302 Found", extra=f"Location: /hop/{number}\r\n"),
                every=0.006,
                until=20,
            )(conn, 0)
        else:
            conn.sendall(answer(CALENDAR))

    with raw_server(handle) as port, pytest.raises(BadInput) as refused:
        read_link(f"http://127.0.0.1:{port}/start", timeout=1.5)
    assert "too long" in str(refused.value.problems[0][1])
    assert len(hops) < 5, "every hop was followed before giving up"


def test_a_fast_calendar_is_still_read() -> None:
    with raw_server(lambda conn, _: conn.sendall(SLOW)) as port:
        found = read_link(f"http://127.0.0.1:{port}/x.ics", timeout=5)
    assert "UID:a@b" in (found.ics or "")


def endless_redirect_body(sent: list[int]) -> Callable[[socket.socket, int], None]:
    """A redirect whose body claims 1 GiB and streams it as fast as it is read (at most
    64 MiB here); the redirect's target answers a calendar."""
    chunk = b"x" * 65536

    def handle(conn: socket.socket, number: int) -> None:
        if number == 1:
            conn.sendall(
                b"HTTP/1.1 302 Found\r\nLocation: /target\r\nContent-Length: 1073741824\r\n\r\n"
            )
            conn.settimeout(5)
            for _ in range(1024):
                conn.sendall(chunk)
                sent[0] += len(chunk)
        else:
            conn.sendall(answer(CALENDAR))

    return handle


def test_a_subscription_redirect_body_is_not_read() -> None:
    sent = [0]
    with raw_server(endless_redirect_body(sent)) as port:
        found = read_link(f"http://127.0.0.1:{port}/start", timeout=10)
    assert "UID:a@b" in (found.ics or "")
    assert sent[0] < 16 * 1024 * 1024, f"the redirect's body was read: {sent[0]} bytes"


def test_a_caldav_redirect_body_is_not_read() -> None:
    sent = [0]
    multistatus = b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"/>'

    def handle(conn: socket.socket, number: int) -> None:
        if number == 1:
            endless_redirect_body(sent)(conn, 1)
        else:
            conn.sendall(answer(multistatus))

    with raw_server(handle) as port:
        answered, root = caldav.request(
            f"http://127.0.0.1:{port}/start",
            method="PROPFIND",
            body=b"",
            depth="0",
            max_bytes=1 << 20,
            timeout=10,
        )
    assert answered.endswith("/target")
    assert root.tag == "{DAV:}multistatus"
    assert sent[0] < 16 * 1024 * 1024, f"the redirect's body was read: {sent[0]} bytes"


def test_a_caldav_answer_that_trickles_is_cut_at_one_deadline() -> None:
    slow = answer(b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"/>' + b" " * 300)
    sent = [0]
    with (
        raw_server(trickle(slow, every=0.02, until=20, sent=sent)) as port,
        pytest.raises(BadInput) as refused,
    ):
        caldav.request(
            f"http://127.0.0.1:{port}/dav/",
            method="PROPFIND",
            body=b"",
            depth="0",
            max_bytes=1 << 20,
            timeout=1.0,
            label="caldav_url",
        )
    assert refused.value.problems[0][0] == "caldav_url"
    assert "too long" in str(refused.value.problems[0][1])
    head = slow.split(b"\r\n\r\n", 1)[0]
    assert sent[0] < len(head), "the headers were read whole before giving up"


@pytest.mark.parametrize(
    "doctype",
    [
        # a thousand copies of a thousand bytes from 60 bytes of entity use
        '<!DOCTYPE d:multistatus [<!ENTITY a "' + "x" * 1000 + '">]>',
        '<!DOCTYPE d:multistatus SYSTEM "http://127.0.0.1:9/evil.dtd">',
        "<!DOCTYPE d:multistatus>",
    ],
)
def test_a_multistatus_with_a_dtd_is_refused(doctype: str) -> None:
    uses = "&a;" * 1000 if "ENTITY" in doctype else ""
    doc = (
        f'<?xml version="1.0"?>{doctype}<d:multistatus xmlns:d="DAV:"><d:response>'
        f"<d:href>/x/{uses}</d:href></d:response></d:multistatus>"
    ).encode()
    with (
        raw_server(lambda conn, _: conn.sendall(answer(doc))) as port,
        pytest.raises(BadInput) as refused,
    ):
        caldav.request(
            f"http://127.0.0.1:{port}/dav/",
            method="PROPFIND",
            body=b"",
            depth="0",
            max_bytes=1 << 20,
            timeout=5,
            label="caldav_url",
        )
    assert refused.value.problems[0][0] == "caldav_url"
    assert "DTD" in str(refused.value.problems[0][1])


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("::ffff:127.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("2002:a9fe:a9fe::", False),  # 6to4 of 169.254.169.254
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::", False),
        ("0.0.0.0", False),
        ("100.64.0.1", False),
        ("2002:101:101::", True),  # 6to4 of 1.1.1.1
        ("2606:4700::1111", True),
        ("1.1.1.1", True),
    ],
)
def test_addresses_with_an_ipv4_inside_are_judged_by_it(address: str, public: bool) -> None:
    assert caldav._public_address(address) is public
