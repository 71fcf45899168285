"""CalDAV by account against servers that misbehave or differ, played by a small local
HTTP server: a free-busy-query refused (the events are asked for instead), a principal
on another origin, an answer over the size limit, an unchanged collection (CTag), and
free-busy answers in their several shapes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from fairnotice.calendar.budget import Budget
from fairnotice.errors import BadInput
from fairnotice.operations.busy import caldav_discovery
from fairnotice.operations.busy.caldav_accounts import CaldavSource, _Address
from fairnotice.operations.busy.caldav_discovery import Login
from fairnotice.operations.busy.sources import Changed, Opening, Unchanged, Validators

WINDOW = (datetime(2026, 2, 8, tzinfo=UTC), datetime(2027, 3, 10, tzinfo=UTC))
EVENT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//odd//EN\r\nBEGIN:VEVENT\r\nUID:odd-1\r\n"
    "DTSTAMP:20260301T000000Z\r\nDTSTART:20260316T080000Z\r\nDTEND:20260316T090000Z\r\n"
    "SUMMARY:Board meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
MULTISTATUS = (
    '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
    'xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">'
    "{}</d:multistatus>"
)


class Odd(BaseHTTPRequestHandler):
    """Answers by the path and the request's body; `script` sets what it does."""

    script: ClassVar[dict[str, Any]] = {}
    seen: ClassVar[list[tuple[str, str, str]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: str, kind: str = "application/xml") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> str:
        size = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(size).decode()

    def do_PROPFIND(self) -> None:
        body = self._body()
        self.seen.append(("PROPFIND", self.path, body))
        if "getctag" in body:
            ctag = self.script.get("ctag", "v1")
            response = f"<d:response><d:href>{self.path}</d:href><d:propstat><d:prop>"
            response += f"<cs:getctag>{ctag}</cs:getctag></d:prop>"
            self._answer(
                207,
                MULTISTATUS.format(
                    response + "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
                ),
            )
            return
        if self.script.get("huge"):
            self._answer(207, MULTISTATUS.format("<d:response>" + "x" * (2 * 1024 * 1024)))
            return
        principal = self.script.get("principal", "/principal/")
        self._answer(
            207,
            MULTISTATUS.format(
                f"<d:response><d:href>{self.path}</d:href><d:propstat><d:prop>"
                f"<d:current-user-principal><d:href>{principal}</d:href>"
                "</d:current-user-principal></d:prop>"
                "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
            ),
        )

    def do_REPORT(self) -> None:
        body = self._body()
        self.seen.append(("REPORT", self.path, body))
        if "free-busy-query" in body:
            self._answer(int(self.script.get("freebusy_status", 501)), "not here", "text/plain")
            return
        data = EVENT.replace("\r\n", "&#13;\n")
        self._answer(
            207,
            MULTISTATUS.format(
                f"<d:response><d:href>{self.path}odd-1.ics</d:href><d:propstat><d:prop>"
                f"<c:calendar-data>{data}</c:calendar-data></d:prop>"
                "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
            ),
        )


@pytest.fixture
def odd() -> Iterator[str]:
    Odd.script, Odd.seen = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Odd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _source(base: str, *, freebusy: bool = True) -> CaldavSource:
    address = _Address(f"{base}/cal/work/", "alex", "pw", freebusy).dumps()
    return CaldavSource(Opening(address, allow_private=True, timeout=5.0))


def test_a_refused_free_busy_query_falls_back_to_the_events(odd: str) -> None:
    answer = _source(odd).refresh(validators=Validators(), window=WINDOW, budget=Budget("t"))
    assert isinstance(answer, Changed) and answer.ics is not None
    assert "SUMMARY:Board meeting" in answer.ics
    reports = [body for method, _, body in Odd.seen if method == "REPORT"]
    assert len(reports) == 2
    assert "free-busy-query" in reports[0] and "calendar-query" in reports[1]
    assert 'start="20260208T000000Z"' in reports[1] and 'end="20270310T000000Z"' in reports[1]


def test_an_error_other_than_a_refusal_is_the_sources_error(odd: str) -> None:
    Odd.script["freebusy_status"] = 500  # a broken server: not "unsupported"
    with pytest.raises(BadInput) as failed:
        _source(odd).refresh(validators=Validators(), window=WINDOW, budget=Budget("t"))
    assert "500" in str(failed.value)
    assert [m for m, _, _ in Odd.seen].count("REPORT") == 1


def test_an_unchanged_collection_costs_one_propfind_until_the_window_moves_a_day(
    odd: str,
) -> None:
    first = _source(odd).refresh(validators=Validators(), window=WINDOW, budget=Budget("t"))
    assert isinstance(first, Changed) and first.validators.etag == "v1|2027-03-10"
    Odd.seen.clear()
    again = _source(odd).refresh(validators=first.validators, window=WINDOW, budget=Budget("t"))
    assert isinstance(again, Unchanged) and [m for m, _, _ in Odd.seen] == ["PROPFIND"]
    moved = (WINDOW[0] + timedelta(days=1), WINDOW[1] + timedelta(days=1))
    assert isinstance(
        _source(odd).refresh(validators=first.validators, window=moved, budget=Budget("t")),
        Changed,
    )
    Odd.script["ctag"] = "v2"
    assert isinstance(
        _source(odd).refresh(validators=first.validators, window=WINDOW, budget=Budget("t")),
        Changed,
    )


def test_a_principal_on_another_origin_is_refused(odd: str) -> None:
    Odd.script["principal"] = "http://169.254.169.254/latest/"
    with pytest.raises(BadInput) as refused:
        caldav_discovery.discover(odd, Login("alex", "pw", allow_private=True))
    assert refused.value.problems == [("server", "the CalDAV server pointed to another server")]
    assert all("169.254" not in path for _, path, _ in Odd.seen)


def test_an_answer_over_the_limit_is_refused(odd: str) -> None:
    Odd.script["huge"] = True
    with pytest.raises(BadInput) as refused:
        caldav_discovery.discover(odd, Login("alex", "pw", allow_private=True))
    assert "larger than the limit" in str(refused.value)


def test_free_busy_answers_in_their_shapes() -> None:
    text = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VFREEBUSY\r\n"
        b"FREEBUSY;FBTYPE=BUSY:20260316T080000Z/20260316T090000Z,20260316T100000Z/PT30M\r\n"
        b"FREEBUSY;FBTYPE=FREE:20260316T120000Z/PT8H\r\n"
        b"FREEBUSY:20260316T140000Z/20\r\n 260316T150000Z\r\n"  # folded, no FBTYPE: busy
        b"FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260317T070000Z/P1D\r\n"
        b"FREEBUSY:20260101T000000Z/20260102T000000Z\r\n"  # before the window
        b"END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
    )
    start, end = datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 3, 18, tzinfo=UTC)
    found = caldav_discovery.periods(data=text, label="x", start=start, end=end)

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 3, day, hour, minute, tzinfo=UTC)

    assert found == [
        (at(16, 8), at(16, 9)),
        (at(16, 10), at(16, 10, 30)),
        (at(16, 14), at(16, 15)),
        (at(17, 7), end),  # clipped to the window
    ]
    for bad in (b"no calendar", b"BEGIN:VFREEBUSY\r\nFREEBUSY:20260316T080000/PT1H\r\n"):
        with pytest.raises(BadInput):
            caldav_discovery.periods(data=bad, label="x", start=start, end=end)
