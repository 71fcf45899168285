"""CalDAV by account: a server address, user name and app password; the calendars found
there (caldav_discovery.py); the ones the user chooses count as busy time.

A chosen calendar is a remote busy source of kind "caldav" (sources.py): a `calendars`
row that the worker's `refresh.refresh_due` asks again like a subscription link, that
every use of a calendar reads like an uploaded one (plan availability, offers, the pick
re-check, K1), and that, when it cannot answer, is never free time. Its sealed address
is the calendar's URL with the login. The account keeps the login too (sealed, as the
IMAP passwords: store/sealing.py), so that the choice can change without typing the
password again; the password is never shown back.

Free-busy periods (RFC 4791 section 7.10) come back as a minimal iCalendar text of
opaque events, one per period, so that K1 can leave out a period that is exactly the
interview's time from a source that sends no event contents, as it does from an
uploaded calendar.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fairnotice.calendar.budget import Budget
from fairnotice.calendar.expand import Interval
from fairnotice.errors import N_, BadInput, NotFound, Phrase
from fairnotice.operations.busy import caldav, caldav_discovery, refresh, sources
from fairnotice.operations.busy.caldav_discovery import Login
from fairnotice.operations.busy.sources import Changed, Opening, Refreshed, Unchanged, Validators
from fairnotice.operations.busy.stored import PLANNING_WINDOW
from fairnotice.operations.replies.commands import app_secret
from fairnotice.store.sealing import seal, unseal
from fairnotice.store.tables import BusyCalendar, CaldavAccount, CaldavCalendar

KIND = "caldav"
OWNER_FIELD, SERVER_FIELD = "owner_email", "caldav_server"
USER_FIELD, PASSWORD_FIELD, CHOICE_FIELD = "caldav_username", "caldav_password", "calendars"
TIMEOUT = 10.0  # per request while the user waits (connecting, choosing)
_FALLBACK = (400, 403, 404, 405, 415, 422, 501)  # a refused free-busy-query: ask for events
_CTAG = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">
  <d:prop><cs:getctag/><d:sync-token/></d:prop>
</d:propfind>"""


# --- checking what the user typed ------------------------------------------------------------


def checked_server(server: str) -> str:
    """The server address as it is asked: `https://` added to a bare host name; refused
    (naming the field) when it is not one http(s) address without a login in it."""
    server = server.strip()
    if not server:
        raise BadInput([(SERVER_FIELD, N_("give the server's address"))])
    if len(server) > 2000 or caldav.unsendable(server):
        raise BadInput([(SERVER_FIELD, N_("one address of at most 2000 characters"))])
    if "://" not in server:
        server = "https://" + server
    try:
        parts = urlsplit(server)
        _ = parts.port  # a bad port raises here
    except ValueError:
        raise BadInput([(SERVER_FIELD, N_("not a valid address"))]) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput([(SERVER_FIELD, N_("must be an http:// or https:// address"))])
    if parts.username is not None or parts.password is not None:
        what = N_("put the user name and password in their own fields, not in the address")
        raise BadInput([(SERVER_FIELD, what)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def checked_login(username: str, password: str) -> tuple[str, str]:
    username = username.strip()
    if not username:
        raise BadInput([(USER_FIELD, N_("give the user name"))])
    if len(username) > 256 or any(c in username for c in "\r\n\x00:"):
        raise BadInput([(USER_FIELD, N_("at most 256 characters, no colon or line break"))])
    if not password:
        raise BadInput([(PASSWORD_FIELD, N_("give the app password"))])
    if len(password) > 1024 or any(c in password for c in "\r\n\x00"):
        raise BadInput([(PASSWORD_FIELD, N_("at most 1024 characters on one line"))])
    return username, password


# --- the source the worker asks ---------------------------------------------------------------


@dataclass(frozen=True)
class _Address:
    """What a chosen calendar's sealed address holds."""

    url: str
    username: str
    password: str
    freebusy: bool

    def dumps(self) -> str:
        return json.dumps(
            {"url": self.url, "u": self.username, "p": self.password, "fb": self.freebusy}
        )

    @classmethod
    def loads(cls, text: str) -> _Address:
        try:
            data: dict[str, Any] = json.loads(text)
            return cls(str(data["url"]), str(data["u"]), str(data["p"]), bool(data["fb"]))
        except (ValueError, KeyError, TypeError):
            raise BadInput(
                [(SERVER_FIELD, N_("the stored account cannot be read; connect it again"))]
            ) from None


class CaldavSource:
    """One chosen calendar, asked by the worker (sources.BusySource)."""

    def __init__(self, opening: Opening) -> None:
        self.address = _Address.loads(opening.address)
        self.login = Login(
            self.address.username,
            self.address.password,
            allow_private=opening.allow_private,
            timeout=opening.timeout,
        )

    def _version(self) -> str | None:
        """The collection's CTag or sync token: it changes whenever an event does."""
        root = caldav.request(
            self.address.url,
            method="PROPFIND",
            body=_CTAG,
            depth="0",
            max_bytes=caldav_discovery.MAX_ANSWER,
            username=self.login.username,
            password=self.login.password,
            timeout=self.login.timeout,
            allow_private=self.login.allow_private,
            label=self.login.url_field,
            login_label=self.login.password_field,
        )[1]
        for name in ("{http://calendarserver.org/ns/}getctag", "{DAV:}sync-token"):
            for node in root.iter(name):
                if node.text and node.text.strip():
                    return node.text.strip()[:250]
        return None

    def refresh(self, *, validators: Validators, window: Interval, budget: Budget) -> Refreshed:
        """Unchanged while the collection's version and the window's last day are those
        of the last reading (so an idle calendar is read in full once a day, as its window
        moves on); otherwise its busy time, by free-busy-query where it can."""
        version = self._version()
        tag = f"{version}|{window[1]:%Y-%m-%d}" if version else None
        if tag is not None and tag == validators.etag:
            return Unchanged(validators)
        return Changed(Validators(etag=tag), ics=self.read(window))

    def read(self, window: Interval) -> str:
        start, end = window
        if self.address.freebusy:
            try:
                found = caldav_discovery.freebusy(
                    self.address.url, self.login, start=start, end=end
                )
            except caldav.Unanswered as exc:
                if exc.code not in _FALLBACK:
                    raise
            else:
                return as_calendar(found)
        texts = caldav_discovery.calendar_texts(self.address.url, self.login, start=start, end=end)
        return "".join(t.decode("utf-8", "replace") for t in texts) or as_calendar([])


sources.register(KIND, CaldavSource)


def as_calendar(periods: list[Interval]) -> str:
    """Busy periods as an iCalendar text of opaque events (no summary, no contents)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fairnotice//caldav free-busy//EN"]
    for number, (start, end) in enumerate(sorted(periods)):
        lines += [
            "BEGIN:VEVENT",
            f"UID:freebusy-{number}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


# --- connecting, choosing, removing -----------------------------------------------------------


def connect(
    session: Session,
    *,
    workspace_id: int,
    owner_email: str,
    server: str,
    username: str,
    password: str,
    allow_private: bool,
    secret: str | None = None,
    timeout: float = TIMEOUT,
) -> CaldavAccount:
    """Find the account's calendars and keep the account (none chosen yet). The same
    login on the same server for the same person is updated, not added twice. Nothing is
    stored when the server cannot be asked or refuses the login."""
    server = checked_server(server)
    username, password = checked_login(username, password)
    login = Login(
        username,
        password,
        allow_private=allow_private,
        timeout=timeout,
        url_field=SERVER_FIELD,
        password_field=PASSWORD_FIELD,
    )
    session.commit()  # nothing held while the server answers
    found = caldav_discovery.discover(server, login)
    if not found.calendars:
        raise BadInput([(SERVER_FIELD, N_("this account has no calendar with events"))])
    account = session.scalar(
        select(CaldavAccount).where(
            CaldavAccount.workspace_id == workspace_id,
            CaldavAccount.owner_email == owner_email,
            CaldavAccount.server == server,
            CaldavAccount.username == username,
        )
    )
    if account is None:
        account = CaldavAccount(
            workspace_id=workspace_id, owner_email=owner_email, server=server, username=username
        )
        session.add(account)
    account.home = found.home
    account.password = seal(password, app_secret(secret))
    session.flush()
    known = {c.href: c for c in calendars_of(session, account.id)}
    for calendar in found.calendars:
        row = known.pop(calendar.href, None) or CaldavCalendar(
            account_id=account.id, href=calendar.href
        )
        row.name, row.colour, row.freebusy = calendar.name, calendar.colour, calendar.freebusy
        session.add(row)
    for gone in known.values():  # no longer on the server: no longer counts
        _forget(session, gone)
    session.flush()
    return account


def calendars_of(session: Session, account_id: int) -> list[CaldavCalendar]:
    return list(
        session.scalars(
            select(CaldavCalendar)
            .where(CaldavCalendar.account_id == account_id)
            .order_by(CaldavCalendar.name, CaldavCalendar.id)
        )
    )


def account_of(session: Session, *, workspace_id: int, account_id: int) -> CaldavAccount:
    account = session.get(CaldavAccount, account_id)
    if account is None or account.workspace_id != workspace_id:
        raise NotFound("CalDAV account")
    return account


def choose(
    session: Session,
    *,
    workspace_id: int,
    account_id: int,
    chosen: set[int],
    zone_name: str,
    now: datetime,
    allow_private: bool,
    secret: str | None = None,
) -> list[CaldavCalendar]:
    """Make exactly the calendars `chosen` (their ids) count. A newly chosen calendar is
    read now, once (its problem is bad input naming it; then nothing changes); a calendar
    no longer chosen stops counting at once."""
    account = account_of(session, workspace_id=workspace_id, account_id=account_id)
    calendars = calendars_of(session, account.id)
    unknown = chosen - {c.id for c in calendars}
    if unknown:
        raise BadInput([(CHOICE_FIELD, Phrase("no such calendar: %(ids)s", ids=sorted(unknown)))])
    key = app_secret(secret)
    password = unseal(account.password, key, what=f"CalDAV account {account.id}")
    owner, host = account.owner_email, urlsplit(account.server).hostname or ""
    new = [c for c in calendars if c.id in chosen and c.calendar_id is None]
    dropped = [c for c in calendars if c.id not in chosen and c.calendar_id is not None]
    plans = [(c, _Address(c.href, account.username, password, c.freebusy).dumps()) for c in new]
    readings = []
    for calendar, address in plans:  # first_reading commits: nothing held while asked
        try:
            _, outcome = refresh.first_reading(
                session,
                kind=KIND,
                address=address,
                workspace_id=workspace_id,
                zone_name=zone_name,
                now=now,
                allow_private=allow_private,
                field=CHOICE_FIELD,
            )
        except BadInput as exc:
            what = exc.problems[0][1] if exc.problems else str(exc)
            raise BadInput(
                [(CHOICE_FIELD, Phrase("%(name)s: %(error)s", name=calendar.name, error=what))]
            ) from None
        readings.append((calendar, address, outcome))
    for calendar in dropped:
        _forget(session, calendar)
    for calendar, address, outcome in readings:
        row = refresh.add_source(
            session,
            kind=KIND,
            address=address,
            hint=f"{calendar.name} ({host})"[:300],
            owner_email=owner,
            workspace_id=workspace_id,
            zone_name=zone_name,
            now=now,
            secret=key,
            outcome=outcome,
        )
        calendar.calendar_id = row.id
    session.flush()
    return calendars_of(session, account.id)


def _forget(session: Session, calendar: CaldavCalendar) -> None:
    """The calendar stops counting: its stored source (and intervals) go."""
    if calendar.calendar_id is not None:
        session.execute(delete(BusyCalendar).where(BusyCalendar.id == calendar.calendar_id))
        calendar.calendar_id = None


def remove(session: Session, *, workspace_id: int, account_id: int) -> None:
    """The account and everything read from it go."""
    account = account_of(session, workspace_id=workspace_id, account_id=account_id)
    for calendar in calendars_of(session, account.id):
        _forget(session, calendar)
    session.delete(account)
    session.flush()


# --- what the page shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One calendar as the page lists it: never the password."""

    id: int
    name: str
    colour: str | None
    freebusy: bool
    chosen: bool
    state: str | None  # the source's: ready | failed | pending; None when not chosen
    error: str | None  # the last reading's error, translatable (sources.shown_error)
    refreshed_at: datetime | None
    answering: bool  # by the one rule, for the planning weeks from now


@dataclass(frozen=True)
class ShownAccount:
    id: int
    owner_email: str
    server: str
    username: str
    calendars: list[Shown]


def accounts(session: Session, *, workspace_id: int, now: datetime) -> list[ShownAccount]:
    """The workspace's CalDAV accounts, each with its calendars and how their last
    reading went (one query for the accounts, one for every calendar and source)."""
    rows = list(
        session.scalars(
            select(CaldavAccount)
            .where(CaldavAccount.workspace_id == workspace_id)
            .order_by(CaldavAccount.owner_email, CaldavAccount.id)
        )
    )
    if not rows:
        return []
    found = session.execute(
        select(CaldavCalendar, BusyCalendar)
        .outerjoin(BusyCalendar, BusyCalendar.id == CaldavCalendar.calendar_id)
        .where(CaldavCalendar.account_id.in_([r.id for r in rows]))
        .order_by(CaldavCalendar.name, CaldavCalendar.id)
    ).all()
    by_account: dict[int, list[Shown]] = {}
    for calendar, source in found:
        why = (
            sources.why_not_answering(source, now, now + PLANNING_WINDOW, now=now)
            if source is not None
            else None
        )
        by_account.setdefault(calendar.account_id, []).append(
            Shown(
                id=calendar.id,
                name=calendar.name,
                colour=calendar.colour,
                freebusy=calendar.freebusy,
                chosen=source is not None,
                state=source.state if source is not None else None,
                error=sources.shown_error(source.error) if source is not None else None,
                refreshed_at=source.refreshed_at if source is not None else None,
                answering=why is None,
            )
        )
    return [
        ShownAccount(
            id=r.id,
            owner_email=r.owner_email,
            server=r.server,
            username=r.username,
            calendars=by_account.get(r.id, []),
        )
        for r in rows
    ]
