"""Today's new surfaces attacked as an outsider would (issue 17): the plan without an
account (/plan and its sealed `carried` field, also on /signup and /signin), the "Got
it" links (/got-it/{token}) and the insights page, its CSV and API. Both databases."""

from __future__ import annotations

import base64
import email
import email.policy
import logging
import re
import secrets
import zlib
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from icalendar import Calendar
from limits import parse
from sqlalchemy import func, select

from fairnotice.operations.plans import anonymous
from fairnotice.store import sealing
from fairnotice.store.tables import Interview, PlanRecord, Receipt, Workspace
from fairnotice.web import throttle
from fairnotice.web.guards import redact_access_log
from tests.security.test_tokens_at_rest import Keep
from tests.web.conftest import Browser, Clock
from tests.web.helpers import organisation, position
from tests.web.test_anonymous_plan import (
    CARRIED,
    CHOICES,
    DE,
    INVITE,
    ME,
    MESSAGE,
    TYPED,
    counts,
)
from tests.web.test_api import api_token
from tests.web.test_got_it import _interview, _org, deliver, link_in, mails_to, receipt

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
CRLF_BCC = "Eve\r\nBcc: evil@attacker.example"
ICS_INJECTION = "Paralegal\r\nATTENDEE:mailto:evil@attacker.example\r\nX-EVIL:1"


def _plan(browser: Browser, data: dict[str, Any], **files: Any) -> Any:
    browser.get("/plan", headers=DE)
    return browser.post("/plan", {**ME, **CHOICES, **data}, headers=DE, files=files or None)


def _carried(page: Any) -> str:
    [carried] = set(CARRIED.findall(page.text))
    return str(carried)


# --- /plan ------------------------------------------------------------------------


def test_every_plan_post_needs_the_csrf_token(app: FastAPI, browser: Browser) -> None:
    page = _plan(browser, TYPED)
    assert page.status_code == 200, page.text[:2000]
    carried = _carried(page)
    message = MESSAGE.findall(page.text)[0]
    before = counts(app)
    posts = {
        "/plan": {**ME, **CHOICES, **TYPED},
        "/plan/check": {"carried": carried, "message": message, "body": "Hallo"},
        "/plan/eml": {"carried": carried, "message": message},
        "/plan/ics": {"carried": carried, "message": message},
        "/plan/keep": {"carried": carried},
        "/signup": {"email": "x@example.org", "password": "a long passphrase", "carried": carried},
        "/signin": {"email": "x@example.org", "password": "a long passphrase", "carried": carried},
    }
    for path, data in posts.items():
        forged = browser.http.post(path, data=data, follow_redirects=False)
        assert forged.status_code == 403, (path, forged.status_code)
        wrong = browser.http.post(
            path, data={**data, "csrf_token": "x" * 43}, follow_redirects=False
        )
        assert wrong.status_code == 403, (path, wrong.status_code)
    assert counts(app) == before


def _forged(carried: str, secret: str) -> list[str]:
    """The carried value changed in every way an outsider could: a flipped character,
    cut short, sealed under another secret, unsealed JSON, an empty seal, doubled."""
    body = carried[len("anon1:") :]
    flip = body[:40] + ("A" if body[40] != "A" else "B") + body[41:]
    draft = {"interview": {}, "me": {}, "choices": {}, "now": "2026-03-10T09:00:00+00:00"}
    plain = base64.b64encode(zlib.compress(repr(draft).encode())).decode()
    other = sealing.seal(plain, "another secret of thirty-two characters!" + "\x00")
    return [
        "anon1:" + flip,
        carried[:-10],
        "anon1:" + other,
        "anon1:" + plain,
        "anon1:",
        carried + carried[6:],
        carried.replace("anon1:", "anon2:"),
    ]


def test_forged_carried_values_are_refused_by_the_field(
    app: FastAPI, browser: Browser, tally: Counter[str]
) -> None:
    page = _plan(browser, TYPED)
    carried = _carried(page)
    message = MESSAGE.findall(page.text)[0]
    before = counts(app)
    for forged in _forged(carried, app.state.settings.secret):
        for path, extra in (
            ("/plan/check", {"message": message, "body": "Hallo"}),
            ("/plan/eml", {"message": message}),
            ("/plan/ics", {"message": message}),
            ("/plan/keep", {}),
        ):
            answer = browser.post(path, {"carried": forged, **extra}, headers=DE)
            assert answer.status_code == 422, (path, answer.status_code)
            main = answer.text.split('<main id="main">', 1)[-1]
            assert "Plan ließ sich nicht mehr lesen" in main, (path, forged[:60], main[:800])
            tally["forged carried values"] += 1
    assert counts(app) == before


def test_a_huge_carried_value_is_refused_before_any_work(app: FastAPI, browser: Browser) -> None:
    page = _plan(browser, TYPED)
    message = MESSAGE.findall(page.text)[0]
    huge = "anon1:" + "A" * (anonymous.MAX_CARRIED + 10)
    for path in ("/plan/eml", "/plan/keep"):
        answer = browser.post(path, {"carried": huge, "message": message}, headers=DE)
        assert answer.status_code in (413, 422), (path, answer.status_code)


def test_a_carried_plan_goes_only_into_the_signing_in_accounts_workspace(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    """The victim's account exists; an attacker's carried plan names the victim's address
    as `me`. Signing in as the attacker keeps it in the attacker's workspace; the victim's
    stays empty, and the carried plan cannot be kept by signing in with a wrong password."""
    victim = other_browser.sign_up("victim@example.org")
    other_browser.http.cookies.clear()
    page = _plan(browser, {**TYPED, "my_email": "victim@example.org", "my_name": "Victim"})
    carried = _carried(page)
    browser.get("/signin")
    refused = browser.post(
        "/signin", {"email": "victim@example.org", "password": "wrong guess!", "carried": carried}
    )
    assert refused.status_code == 401
    attacker = Browser(browser.http.__class__(app, base_url="http://testserver"))
    home = attacker.sign_up("attacker@example.org")
    attacker.http.cookies.clear()
    attacker.get("/signin")
    kept = attacker.post(
        "/signin", {"email": "attacker@example.org", "password": "a long passphrase",
                    "carried": carried},
    )  # fmt: skip
    assert kept.status_code == 303, kept.text[:500]
    with app.state.sessions() as session:
        where = session.scalars(select(Interview.workspace_id)).all()
        plans = session.scalars(select(PlanRecord.workspace_id)).all()
    assert where == [home] and plans == [home]
    assert victim not in where


def test_crlf_in_names_and_fields_reaches_no_mail_header(app: FastAPI, browser: Browser) -> None:
    hostile = {
        **TYPED,
        "my_name": CRLF_BCC,
        "contact_name": CRLF_BCC,
        "position": "Paralegal\r\nBcc: evil@attacker.example",
        "company": "Muster\nX-Evil: 1",
    }
    page = _plan(browser, hostile)
    if page.status_code == 422:  # refused by the field: nothing to download
        assert re.search(r'aria-invalid="true"', page.text)
        return
    assert page.status_code == 200, page.text[:1000]
    carried = _carried(page)
    for message in MESSAGE.findall(page.text):
        for subject in (None, "Neuer Termin\r\nBcc: evil@attacker.example"):
            data = {"carried": carried, "message": message}
            if subject:
                data["subject"] = subject
            eml = browser.post("/plan/eml", data, headers=DE)
            if eml.status_code != 200:
                assert eml.status_code in (404, 422), eml.status_code
                continue
            head = eml.content.split(b"\r\n\r\n", 1)[0].lower()
            assert b"\nbcc:" not in head and b"\nx-evil:" not in head, head
            parsed = email.message_from_bytes(eml.content, policy=email.policy.default)
            assert parsed.get_all("Bcc") is None and parsed.get_all("X-Evil") is None
            assert eml.headers["content-disposition"] == f'attachment; filename="{message}.eml"'


def _hostile_invite() -> bytes:
    """The Outlook invitation with escaped line breaks, quotes and parameters in the
    organizer's name, SUMMARY, LOCATION and DESCRIPTION (each decodes to a CR/LF)."""
    text = INVITE.decode("utf-8")
    evil = "\\nATTENDEE:mailto:evil@attacker.example\\nX-EVIL:1"
    for prop in ("SUMMARY", "LOCATION", "DESCRIPTION"):
        line = re.compile(rf"^{prop};LANGUAGE=de-DE:([^\r\n]*)", re.M)
        text = line.sub(lambda m, p=prop: f"{p}:{m.group(1)}{evil}", text)
    text = text.replace("ORGANIZER;CN=Jonas Doe", 'ORGANIZER;CN="Jonas\\nX-EVIL:2 Doe;RSVP=TRUE"')
    return text.encode("utf-8")


def test_calendar_fields_cannot_add_properties(
    app: FastAPI, browser: Browser, tally: Counter[str]
) -> None:
    found = 0
    for intent in ("reschedule", "withdraw"):
        invite = ("invite.ics", _hostile_invite(), "text/calendar")
        page = _plan(browser, {"intent": intent}, file=invite)
        assert page.status_code == 200, page.text[:1000]
        carried = _carried(page)
        for message in MESSAGE.findall(page.text):
            ics = browser.post("/plan/ics", {"carried": carried, "message": message}, headers=DE)
            if ics.status_code != 200:
                continue
            found += 1
            lines = ics.content.decode().replace("\r\n ", "").split("\r\n")
            assert not [ln for ln in lines if ln.startswith(("X-EVIL", "ATTENDEE:mailto:evil"))]
            for event in Calendar.from_ical(ics.content).walk("VEVENT"):
                assert "X-EVIL" not in event
                attendees = event.get("ATTENDEE", [])
                attendees = attendees if isinstance(attendees, list) else [attendees]
                assert not [a for a in attendees if "attacker" in str(a)], attendees
            assert ics.headers["content-disposition"] == f'attachment; filename="{message}.ics"'
            tally["calendar property injections (.ics download)"] += 1
    assert found, "no calendar download to attack"


def test_echoed_fields_are_escaped_also_in_the_mailto_link(app: FastAPI, browser: Browser) -> None:
    hostile = {**TYPED, "my_name": HOSTILE, "contact_name": HOSTILE, "position": HOSTILE,
               "note": HOSTILE, "company": HOSTILE}  # fmt: skip
    page = _plan(browser, hostile)
    assert page.status_code in (200, 422)
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    for href in re.findall(r'href="(mailto:[^"]*)"', page.text):
        assert "<" not in href and '"' not in href and "javascript:" not in href.lower()
    if page.status_code == 200:
        keep = browser.post("/plan/keep", {"carried": _carried(page)}, headers=DE)
        assert "<script>alert(1)" not in keep.text


def test_a_spoofed_forwarded_header_does_not_reset_the_count(
    app: FastAPI, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "ANON_PLAN", parse("2 per 10 minutes"))
    for n in range(2):
        spoof = {**DE, "X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}"}
        browser.get("/plan", headers=DE)
        ok = browser.post("/plan", {**ME, **CHOICES, **TYPED}, headers=spoof)
        assert ok.status_code == 200
    spoof = {**DE, "X-Forwarded-For": "192.0.2.77", "Forwarded": "for=192.0.2.78"}
    refused = browser.post("/plan", {**ME, **CHOICES, **TYPED}, headers=spoof)
    assert refused.status_code == 429


RRULE_BOMB = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n"
    + "".join(
        f"BEGIN:VEVENT\r\nUID:bomb{n}@x\r\nDTSTAMP:20260301T000000Z\r\n"
        f"DTSTART:20260301T000{n % 10}00Z\r\nDTEND:20260301T000{n % 10}01Z\r\n"
        "RRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n"
        for n in range(200)
    )
    + "END:VCALENDAR\r\n"
)


def _mime_bomb(depth: int) -> str:
    head = "From: a@example.org\r\nTo: b@example.org\r\nSubject: Interview\r\n"
    parts = [head + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n']
    for n in range(1, depth):
        parts.append(f'--b{n - 1}\r\nContent-Type: multipart/mixed; boundary="b{n}"\r\n\r\n')
    return "".join(parts) + "".join(f"--b{n}--\r\n" for n in reversed(range(depth)))


def _many_events() -> bytes:
    """The invitation's event 1,400 times with UIDs of their own: just under 1 MiB."""
    text = INVITE.decode("utf-8")
    head, rest = text.split("BEGIN:VEVENT", 1)
    event, tail = rest.split("END:VEVENT", 1)
    events = "".join(
        f"BEGIN:VEVENT{event.replace('UID:', f'UID:{n}-')}END:VEVENT" for n in range(1400)
    )
    data = (head + events + tail).encode("utf-8")
    assert 900_000 < len(data) <= 1024 * 1024, len(data)
    return data


@pytest.mark.parametrize("kind", ["rrule", "mime", "events"])
def test_costly_uploads_are_bounded_named_by_their_field_and_store_nothing(
    app: FastAPI, browser: Browser, kind: str
) -> None:
    before = counts(app)
    if kind == "rrule":
        page = _plan(browser, TYPED, calendar=("busy.ics", RRULE_BOMB.encode(), "text/calendar"))
        field = "calendar"
    elif kind == "mime":
        page = _plan(browser, {"invitation_text": _mime_bomb(5000)})
        field = "invitation_text"
    else:
        page = _plan(browser, {}, file=("invite.ics", _many_events(), "text/calendar"))
        field = "file"
    # a bomb is refused; a file of many events may be read (one is the interview)
    assert page.status_code in ((200, 422) if kind == "events" else (422,)), page.status_code
    if page.status_code != 200:
        assert f'id="err-{field}"' in page.text, page.text[:3000]
    assert counts(app) == before


# --- /got-it/{token} ----------------------------------------------------------------


def _link(app: FastAPI, browser: Browser, clock: Clock) -> str:
    headers = _org(browser)
    item = _interview(browser, headers, datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    browser.http.post(f"/api/v1/interviews/{item}/cancel", json={}, headers=headers)
    return link_in(mails_to(deliver(app, clock), "lena@example.org")[0][1])


def test_got_it_links_are_long_and_only_a_form_with_the_pages_token_confirms(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    path = _link(app, browser, clock)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    # a cross-site form post (no session, no token) confirms nothing
    forged = other_browser.http.post(path, data={}, follow_redirects=False)
    assert forged.status_code == 403 and receipt(app, path).confirmed_at is None
    page = other_browser.get(path)  # the visitor from the email, without any session
    assert page.status_code == 200 and receipt(app, path).confirmed_at is None
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert 'name="csrf_token"' in page.text
    # the notice's subject and sender only: no address, no way into the workspace
    assert "lena@example.org" not in page.text and 'href="/w/' not in page.text
    done = other_browser.post(path, {})
    assert done.status_code == 200 and receipt(app, path).confirmed_at is not None
    # the sender's own pages never show the token
    with app.state.sessions() as session:
        ws, item = session.execute(select(Receipt.workspace_id, Receipt.interview_id)).one()
    for page_path in (f"/w/{ws}/interviews/{item}", f"/w/{ws}/outbox"):
        shown = browser.get(page_path)
        assert shown.status_code == 200 and token not in shown.text


def test_guessing_got_it_links_is_throttled_and_a_real_link_then_waits_too(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock, tally: Counter[str]
) -> None:
    """Wrong tokens by GET, HEAD and POST (odd shapes too) count against the client; once
    spent, even the right link answers 429 to that client and records nothing."""
    path = _link(app, browser, clock)
    guesses = ["A" * 43, "a" * 101, "%2e%2e", "x.y", secrets.token_urlsafe(32)]
    for i in range(throttle.TOKEN_CLIENT.amount):
        guess = f"/got-it/{guesses[i % len(guesses)]}"
        method = ("get", "head", "post")[i % 3]
        response = getattr(other_browser.http, method)(guess)
        assert response.status_code in (403, 404), (method, guess, response.status_code)
        if response.status_code == 403:  # a POST without the page's token is no guess
            assert other_browser.http.get(guess).status_code == 404
        tally["got-it tokens guessed"] += 1
    refused = other_browser.http.get(path)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert receipt(app, path).opened_at is None


def test_the_access_log_redacts_got_it_tokens() -> None:
    """uvicorn's access line ('%s - "%s %s HTTP/%s" %d') with a "Got it" path."""
    redact_access_log()
    token = "k3Y_9-" + "x" * 37

    keep = Keep()
    logger = logging.getLogger("uvicorn.access")
    logger.addHandler(keep)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        for method in ("GET", "POST"):
            logger.info(
                '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", method, f"/got-it/{token}", "1.1", 200
            )
    finally:
        logger.removeHandler(keep)
        logger.setLevel(level)
    assert len(keep.lines) == 2
    assert not any(token in line for line in keep.lines), keep.lines
    assert all("/got-it/[token]" in line for line in keep.lines), keep.lines


# --- insights -------------------------------------------------------------------------


def test_insights_escape_hostile_position_names_and_bound_the_period(
    app: FastAPI, browser: Browser, other_browser: Browser, tally: Counter[str]
) -> None:
    browser.sign_up("hr@example.com")
    org = organisation(browser, '=HYPERLINK("http://evil")')
    for title in (HOSTILE, '=cmd|"/c calc"!A1', "+1+2", "-2+3", "@SUM(A1)"):
        position(browser, org, title)
    page = browser.get(f"/w/{org}/insights")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    for svg in re.findall(r"<svg[^>]*>.*?</svg>", page.text, re.S):
        assert "<script" not in svg.lower() and "javascript:" not in svg.lower()
        assert not re.search(r'href="(?!#)', svg), svg[:500]
    csv_text = browser.get(f"/w/{org}/insights.csv").text
    for line in csv_text.splitlines():
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "@")), line
            assert not re.match(r'"?-\D', cell), line
        tally["insights CSV cells checked"] += 1
    # two years and a day, and a position of another organisation: refused by the field
    long = browser.get(f"/w/{org}/insights?from=2020-01-01&until=2022-01-02")
    assert long.status_code == 422 and 'id="until"' in long.text
    other_browser.sign_up("boss@example.se")
    foreign_org = organisation(other_browser, "Fremd AB")
    foreign = position(other_browser, foreign_org, "Lagerist")
    refused = browser.get(f"/w/{org}/insights.csv?position={foreign}")
    assert refused.status_code == 422
    # a stranger (signed in, another organisation) gets nothing of this one
    for path in ("insights", "insights.csv", f"insights?position={foreign}"):
        assert other_browser.get(f"/w/{org}/{path}").status_code == 404
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Workspace)) >= 2


def test_the_insights_api_needs_an_organisations_token_and_bounds_the_period(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    org_headers = _org(browser)
    personal = api_token(other_browser, "solo@example.org")
    with TestClient(app, base_url="http://testserver") as http:
        assert http.get("/api/v1/insights").status_code == 401
        bad = {"Authorization": "Bearer fn_" + "x" * 40}
        assert http.get("/api/v1/insights", headers=bad).status_code == 401
        assert http.get("/api/v1/insights", headers=personal).status_code == 404
        long = {"from": "2020-01-01", "until": "2022-01-02"}
        refused = http.get("/api/v1/insights", params=long, headers=org_headers)
        assert refused.status_code == 422
        assert [d["field"] for d in refused.json()["detail"]] == ["until"]
        odd = http.get("/api/v1/insights", params={"position": "1 OR 1=1"}, headers=org_headers)
        assert odd.status_code == 422 and odd.json()["detail"][0]["field"] == "position"
        assert http.get("/api/v1/insights", headers=org_headers).status_code == 200
