"""Subscription links refreshed by the worker (issue 15), on SQLite and PostgreSQL, against
a local server that answers as calendar providers do (tests/calendar/ics_server.py):
changed (200, new ETag), unchanged (304: no parse), gone (404/410), too large, hostile
(the reading budget), private addresses refused by the guard, webcal:// read as https://.
A source that cannot answer is never free time: owners_busy names it, a plan refuses."""

from __future__ import annotations

import io
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.errors import BadInput
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.busy import caldav, refresh, sources, subscriptions
from fairnotice.operations.busy import own as own_calendars
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.busy.stored import CalendarNotReady, owners_busy
from fairnotice.store.session import transaction
from fairnotice.store.tables import BusyCalendar
from fairnotice.web import i18n
from tests.calendar import hostile
from tests.calendar.ics_server import Calendars, serving

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
SECRET = "a test secret key of enough length"
OWNER = "kim@example.org"
TOKEN = "private-4f1c9e0b7d2a"  # the secret part of the link: never shown, never in clear


def google_style(*events: tuple[str, datetime, datetime]) -> bytes:
    """A calendar as Google's secret iCal address serves it (CRLF, VTIMEZONE, X-WR-*)."""
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:kim@example.org",
        "X-WR-TIMEZONE:Europe/Berlin",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]
    for uid, start, end in events:
        lines += [
            "BEGIN:VEVENT",
            f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"DTSTAMP:{NOW:%Y%m%dT%H%M%SZ}",
            f"UID:{uid}@google.com",
            "SUMMARY:Busy",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


DENTIST = ("dentist", NOW + timedelta(days=1, hours=2), NOW + timedelta(days=1, hours=3))
LUNCH = ("lunch", NOW + timedelta(days=2, hours=4), NOW + timedelta(days=2, hours=5))


@pytest.fixture
def published() -> Iterator[tuple[str, Calendars]]:
    with serving() as found:
        yield found


def workspace(factory: sessionmaker[Session]) -> int:
    with transaction(factory, write=True) as session:
        user = accounts.sign_up(session, email=OWNER, name="Kim", password="a long password here")
        return accounts.personal_workspace(session, user.id).id


def subscribe(
    factory: sessionmaker[Session], ws: int, link: str, *, allow_private: bool = True
) -> int:
    """What the page does: read the link once, then store it (sealed) with its intervals."""
    url = subscriptions.checked_link(link)
    with factory() as session:
        _, outcome = refresh.first_reading(
            session,
            kind=subscriptions.KIND,
            address=url,
            workspace_id=ws,
            zone_name="Europe/Berlin",
            now=NOW,
            allow_private=allow_private,
            field=subscriptions.FIELD,
        )
    with transaction(factory, write=True) as session:
        row = refresh.add_source(
            session,
            kind=subscriptions.KIND,
            address=url,
            hint=subscriptions.hint(url),
            owner_email=OWNER,
            workspace_id=ws,
            zone_name="Europe/Berlin",
            now=NOW,
            secret=SECRET,
            outcome=outcome,
        )
        return row.id


def run(factory: sessionmaker[Session], at: datetime) -> refresh.Refreshed:
    return refresh.refresh_due(factory, clock=lambda: at, secret=SECRET, allow_private=True)


def busy_of(
    factory: sessionmaker[Session], ws: int, at: datetime
) -> tuple[list[object], list[str]]:
    with factory() as session:
        found, unread = owners_busy(
            session,
            workspace_id=ws,
            emails=[OWNER],
            start=at,
            end=at + timedelta(days=7),
            now=at,
        )
        return list(found), unread


def row(factory: sessionmaker[Session], calendar_id: int) -> BusyCalendar:
    with factory() as session:
        found = session.scalar(select(BusyCalendar).where(BusyCalendar.id == calendar_id))
        assert found is not None
        _ = found.source, found.remote_sealed  # deferred columns, loaded while open
        session.expunge(found)
        return found


LATER = NOW + sources.REFRESH_EVERY + timedelta(minutes=1)


def test_a_changed_calendar_is_read_again_and_its_new_busy_time_counts(
    factory: sessionmaker[Session], published: tuple[str, Calendars]
) -> None:
    base, calendars = published
    first = calendars.publish(f"/calendar/ical/{TOKEN}/basic.ics", google_style(DENTIST))
    ws = workspace(factory)
    calendar_id = subscribe(factory, ws, f"{base}/calendar/ical/{TOKEN}/basic.ics")
    found, unread = busy_of(factory, ws, NOW)
    assert unread == [] and found == [(DENTIST[1], DENTIST[2])]
    changed = calendars.publish(f"/calendar/ical/{TOKEN}/basic.ics", google_style(DENTIST, LUNCH))
    assert changed.etag != first.etag
    outcome = run(factory, LATER)
    assert (outcome.changed, outcome.unchanged, outcome.failed) == (1, 0, 0)
    asked = calendars.seen[-1]
    assert asked.headers.get("if-none-match") == first.etag and asked.status == 200
    found, unread = busy_of(factory, ws, LATER)
    assert unread == [] and found == [(DENTIST[1], DENTIST[2]), (LUNCH[1], LUNCH[2])]
    stored = row(factory, calendar_id)
    assert stored.remote_etag == changed.etag and stored.refreshed_at == LATER
    assert stored.state == "ready" and stored.refresh_due == LATER + sources.REFRESH_EVERY


def test_an_unchanged_calendar_costs_a_304_and_no_parse(
    factory: sessionmaker[Session],
    published: tuple[str, Calendars],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, calendars = published
    calendars.publish("/cal.ics", google_style(DENTIST))
    ws = workspace(factory)
    calendar_id = subscribe(factory, ws, f"{base}/cal.ics")
    before = row(factory, calendar_id)

    def no_parse(*args: object, **kw: object) -> None:
        raise AssertionError("an unchanged calendar was parsed again")

    monkeypatch.setattr(busy, "expand_calendar", no_parse)
    monkeypatch.setattr("fairnotice.calendar.parse.calendars", no_parse)
    outcome = run(factory, LATER)
    assert (outcome.changed, outcome.unchanged, outcome.failed) == (0, 1, 0)
    assert calendars.seen[-1].status == 304
    after = row(factory, calendar_id)
    assert after.intervals_version == before.intervals_version  # intervals not rewritten
    assert after.refreshed_at == LATER and after.source == before.source
    assert busy_of(factory, ws, LATER) == ([(DENTIST[1], DENTIST[2])], [])
    # nothing is due until the next refresh: no request at all
    asked = len(calendars.seen)
    assert run(factory, LATER + timedelta(minutes=1)).total == 0
    assert len(calendars.seen) == asked


@pytest.mark.parametrize("code", [404, 410])
def test_a_gone_calendar_shows_its_error_and_is_never_free(
    factory: sessionmaker[Session], published: tuple[str, Calendars], code: int
) -> None:
    base, calendars = published
    calendars.publish("/gone.ics", google_style(DENTIST))
    ws = workspace(factory)
    subscribe(factory, ws, f"{base}/gone.ics")
    calendars.publish("/gone.ics", b"", status=code)
    outcome = run(factory, LATER)
    assert outcome.failed == 1
    _, unread = busy_of(factory, ws, LATER)
    assert len(unread) == 1 and f"the calendar is gone ({code})" in unread[0]
    assert unread[0].startswith(f"calendar 127.0.0.1… ({OWNER}) could not be read")
    with factory() as session:
        [shown] = refresh.listed(session, workspace_id=ws, now=LATER, kind=subscriptions.KIND)
        assert shown.error is not None and f"({code})" in shown.error and not shown.answering
        assert getattr(shown.error, "template", "").startswith("the calendar is gone")
        with pytest.raises(CalendarNotReady, match="cannot be checked"):
            own_calendars.plan_busy(session, workspace_id=ws, email=OWNER, now=LATER)
    # it is asked again later; once back, it answers again
    calendars.publish("/gone.ics", google_style(DENTIST))
    assert run(factory, LATER + sources.RETRY_AFTER).changed == 1
    assert busy_of(factory, ws, LATER + sources.RETRY_AFTER)[1] == []


def test_a_calendar_grown_past_the_limit_is_refused_and_not_free(
    factory: sessionmaker[Session], published: tuple[str, Calendars]
) -> None:
    base, calendars = published
    calendars.publish("/big.ics", google_style(DENTIST))
    ws = workspace(factory)
    calendar_id = subscribe(factory, ws, f"{base}/big.ics")
    filler = b"X-FILLER:" + b"x" * 60 + b"\r\n"
    body = google_style(DENTIST).replace(
        b"END:VCALENDAR", filler * (subscriptions.MAX_BYTES // len(filler) + 1) + b"END:VCALENDAR"
    )
    assert len(body) > subscriptions.MAX_BYTES
    calendars.publish("/big.ics", body)
    assert run(factory, LATER).failed == 1
    stored = row(factory, calendar_id)
    assert stored.state == "failed" and "larger than the limit" in str(
        sources.shown_error(stored.error)
    )
    assert busy_of(factory, ws, LATER)[1]
    with pytest.raises(BadInput, match="larger than the limit"):
        subscribe(factory, ws, f"{base}/big.ics")


def test_a_hostile_calendar_stops_at_the_reading_budget(
    factory: sessionmaker[Session], published: tuple[str, Calendars]
) -> None:
    base, calendars = published
    ws = workspace(factory)
    calendars.publish("/hostile.ics", hostile.fill(hostile.minutely_series, 10**6, parts=60))
    with pytest.raises(BadInput, match="too costly to read"):
        subscribe(factory, ws, f"{base}/hostile.ics")
    calendars.publish("/fine.ics", google_style(DENTIST))
    calendar_id = subscribe(factory, ws, f"{base}/fine.ics")
    calendars.publish("/fine.ics", hostile.fill(hostile.minutely_series, 10**6, parts=60))
    assert run(factory, LATER).failed == 1
    stored = row(factory, calendar_id)
    assert stored.state == "failed" and "too costly" in str(sources.shown_error(stored.error))
    assert busy_of(factory, ws, LATER)[1]


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:{port}/cal.ics",
        "http://10.0.0.7/cal.ics",
        "http://192.168.1.1/cal.ics",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:{port}/cal.ics",
        "webcal://localhost:{port}/cal.ics",
    ],
)
def test_private_addresses_are_refused_by_the_guard(
    factory: sessionmaker[Session], published: tuple[str, Calendars], link: str
) -> None:
    base, calendars = published
    calendars.publish("/cal.ics", google_style(DENTIST))
    port = base.rsplit(":", 1)[1]
    ws = workspace(factory)
    with pytest.raises(BadInput, match="not allowed"):
        subscribe(factory, ws, link.format(port=port), allow_private=False)
    assert calendars.seen == []  # never reached
    with factory() as session:
        assert (
            refresh.listed(session, workspace_id=ws, now=NOW, kind=subscriptions.KIND) == []
        )  # nothing stored
    # a stored one (the guard opened in tests) is refused by the worker with the guard closed
    calendar_id = subscribe(factory, ws, f"{base}/cal.ics")
    asked = len(calendars.seen)
    refreshed = refresh.refresh_due(factory, clock=lambda: LATER, secret=SECRET)
    assert refreshed.failed == 1 and len(calendars.seen) == asked
    assert "not allowed" in str(sources.shown_error(row(factory, calendar_id).error))


def test_webcal_is_read_over_https_and_the_link_is_kept_sealed(
    factory: sessionmaker[Session], published: tuple[str, Calendars]
) -> None:
    assert (
        subscriptions.checked_link(f"webcal://p42-caldav.icloud.com/published/2/{TOKEN}")
        == f"https://p42-caldav.icloud.com/published/2/{TOKEN}"
    )
    assert subscriptions.checked_link("WEBCALS://outlook.live.com/owa/calendar/x/reachcalendar.ics")
    assert subscriptions.checked_link("webcal://a.example/x.ics").startswith("https://")
    for bad in ("ftp://a.example/x.ics", "webcal://", "https://u:p@a.example/x.ics", "x"):
        with pytest.raises(BadInput, match=subscriptions.FIELD):
            subscriptions.checked_link(bad)
    base, calendars = published
    calendars.publish(f"/{TOKEN}.ics", google_style(DENTIST))
    ws = workspace(factory)
    calendar_id = subscribe(factory, ws, f"{base}/{TOKEN}.ics")
    stored = row(factory, calendar_id)
    assert stored.remote_sealed is not None and stored.remote_sealed.startswith("fernet1:")
    assert TOKEN not in stored.remote_sealed and stored.remote_hint == "127.0.0.1…"
    with factory() as session:
        [shown] = refresh.listed(session, workspace_id=ws, now=NOW, kind=subscriptions.KIND)
    assert TOKEN not in repr(shown) and shown.hint == "127.0.0.1…"


def test_webcal_to_a_server_without_https_says_so_plainly_in_every_language(
    factory: sessionmaker[Session], published: tuple[str, Calendars]
) -> None:
    base, calendars = published
    calendars.publish("/cal.ics", google_style(DENTIST))
    ws = workspace(factory)
    with pytest.raises(BadInput) as failed:  # read over https from a plain-http server
        subscribe(factory, ws, base.replace("http://", "webcal://") + "/cal.ics")
    [(_, why)] = failed.value.problems
    said = {
        "en": "the server did not answer securely (https): check the address",
        "de": "der Server hat nicht sicher (https) geantwortet: prüfe die Adresse",
        "sv": "servern svarade inte säkert (https): kontrollera adressen",
    }
    for language, text in said.items():
        shown = i18n.translate(why, language)
        assert shown == text and "WRONG_VERSION" not in shown and "SSL" not in shown


def test_a_stale_or_never_read_source_cannot_answer(
    factory: sessionmaker[Session], published: tuple[str, Calendars]
) -> None:
    base, calendars = published
    calendars.publish("/cal.ics", google_style(DENTIST))
    ws = workspace(factory)
    subscribe(factory, ws, f"{base}/cal.ics")
    fresh = NOW + sources.STALE_AFTER
    assert busy_of(factory, ws, fresh)[1] == []
    stale = NOW + sources.STALE_AFTER + timedelta(minutes=1)
    _, unread = busy_of(factory, ws, stale)
    assert len(unread) == 1 and "may have changed since" in unread[0]
    # read at 08:00 UTC: each viewer sees the time in their own zone and language, no "UTC"
    read_at = {
        ("de", "Europe/Berlin"): "zuletzt am Dienstag, 10. März 2026, 09:00 gelesen",
        ("sv", "Europe/Stockholm"): "lästes senast tisdag 10 mars 2026, 09:00",
        ("en", "Europe/London"): "was last read at Tuesday, 10 March 2026, 08:00 and",
    }
    for (language, zone), text in read_at.items():
        shown = i18n.translate(unread[0], language, zone)
        assert text in shown and "UTC" not in shown
    # a remote row never read (as another kind would first store it) is not free either
    with transaction(factory, write=True) as session:
        session.add(
            BusyCalendar(
                workspace_id=ws,
                owner_email=OWNER,
                busy=[],
                state="pending",
                remote_kind="subscription",
                remote_sealed="x",
                refresh_due=NOW,
            )
        )
    # the upload reader leaves it to the refresh: it never becomes "ready" with no text
    assert busy.read_calendars(factory, clock=lambda: NOW) == 0
    assert any("being read" in why for why in busy_of(factory, ws, NOW)[1])


def test_a_redirect_to_another_host_is_followed_through_the_guard(
    factory: sessionmaker[Session],
    published: tuple[str, Calendars],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """iCloud answers a public calendar's address with a redirect to the partition that
    holds it: followed, each hop checked by the guard, https:// never down to http://."""
    base, calendars = published
    ws = workspace(factory)
    with serving("127.0.0.2") as (partition, held):
        held.publish(f"/published/2/{TOKEN}", google_style(DENTIST))
        calendars.redirect(f"/published/2/{TOKEN}", f"{partition}/published/2/{TOKEN}")
        calendar_id = subscribe(factory, ws, f"{base}/published/2/{TOKEN}")
        assert busy_of(factory, ws, NOW) == ([(DENTIST[1], DENTIST[2])], [])
        assert row(factory, calendar_id).remote_hint == "127.0.0.1…"  # the link's own host
        # with the guard closed, 127.0.0.1 taken for public here: the hop to 127.0.0.2
        # (loopback, so private) is refused at connect time, and never reached
        monkeypatch.setattr(caldav, "_public_address", lambda address: address == "127.0.0.1")
        asked = len(held.seen)
        with pytest.raises(BadInput, match="not allowed"):
            subscribe(factory, ws, f"{base}/published/2/{TOKEN}", allow_private=False)
        assert len(held.seen) == asked and calendars.seen[-1].status == 302
    downgrade = subscriptions._Redirect().redirect_request(
        urllib.request.Request("https://p42-caldav.icloud.com/published/2/x"),
        io.BytesIO(),
        302,
        "Found",
        {},
        "http://p43-caldav.icloud.com/published/2/x",
    )
    assert downgrade is None
