"""Microsoft 365 and Google Workspace: an organisation connects its tenant or workspace
once (OAuth 2 authorisation code flow with PKCE), then its interviewers' free/busy is read
through Microsoft Graph `getSchedule` and Google Calendar `freeBusy`.

Free/busy only: the scopes asked are Graph's `Calendars.ReadBasic` (the least privileged
one that allows getSchedule) and Google's `calendar.freebusy`; of an answer only each
busy period's start, end and status is read, never a subject or a body.

A person read through a connection is a remote busy source (sources.py) of kind
"microsoft" or "google": a `calendars` row the worker's `refresh.refresh_due` asks again
like a subscription link, read by every use of a calendar like an uploaded one. Its
sealed address names the connection and the person, not a token: the tokens live on the
connection, sealed like the IMAP passwords (store/sealing.py), renewed shortly before
they expire and whenever the service answers 401. A refresh token the service no longer
accepts (revoked, expired) makes the connection `failing`, shown on its page, and its
people's sources failed at once: by the one rule they cannot answer and are never free.

Every request goes to the addresses in the settings (FAIRNOTICE_MICROSOFT__*,
FAIRNOTICE_GOOGLE__*), never to one a user or an answer names (a Graph `@odata.nextLink`
is followed only below the configured API address).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from authlib.common.errors import AuthlibBaseError  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.calendar.budget import Budget
from fairnotice.calendar.expand import Interval
from fairnotice.errors import N_, BadInput, NotFound, Phrase
from fairnotice.operations.busy import refresh, sources
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.busy.caldav_accounts import as_calendar
from fairnotice.operations.busy.sources import Changed, Opening, Refreshed, Validators, stored_error
from fairnotice.settings import OAuthService, Settings
from fairnotice.store.sealing import Unsealable, seal, unseal
from fairnotice.store.session import transaction
from fairnotice.store.tables import BusyCalendar, CalendarConnection, CloudPerson

PROVIDERS = ("microsoft", "google")
NAMES = {"microsoft": "Microsoft 365", "google": "Google"}
SCOPES = {
    "microsoft": "offline_access https://graph.microsoft.com/Calendars.ReadBasic",
    "google": "https://www.googleapis.com/auth/calendar.freebusy",
}
PROVIDER_FIELD, PEOPLE_FIELD, SIGN_IN_FIELD = "provider", "people", "sign_in"
CALLBACK_PATH = "/cloud/callback"
PENDING_FOR = timedelta(minutes=15)  # from the redirect to the service until its answer
RENEW_BEFORE = 300.0  # seconds: an access token this close to expiry is renewed first
BATCH = {"microsoft": 20, "google": 50}  # people per request (Google: calendarExpansionMax 50)
SPAN = timedelta(days=60)  # per request: both services bound the time asked at once
MAX_WAIT = 10.0  # seconds: the longest Retry-After honoured in place; longer is a failure
TRIES = 3
MAX_PAGES = 20
MAX_PEOPLE = 200
TIMEOUT = 20.0
_REFUSED = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})
_BUSY = frozenset({"busy", "tentative", "oof"})  # workingElsewhere and free are free time


# --- where the process keeps its settings (the worker and the web app install them) --------


@dataclass(frozen=True)
class _Installed:
    sessions: sessionmaker[Session]
    settings: Settings


_INSTALLED: list[_Installed] = []
sleep: Callable[[float], None] = time.sleep  # tests count the waits
seconds: Callable[[], float] = time.time  # tokens expire in real time (tests move it)


def install(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Let sources of these kinds reach their connection's tokens (the worker and the web
    app call this at start; a source asked without it cannot answer)."""
    _INSTALLED[:] = [_Installed(sessions, settings)]


def _installed() -> _Installed:
    if not _INSTALLED:
        raise BadInput([(PROVIDER_FIELD, N_("calendar connections are not set up here"))])
    return _INSTALLED[0]


def service(settings: Settings, provider: str) -> OAuthService:
    if provider == "microsoft":
        return settings.microsoft
    if provider == "google":
        return settings.google
    raise NotFound("calendar service")


def _client(svc: OAuthService, provider: str, redirect_uri: str | None = None) -> Any:
    return OAuth2Client(
        client_id=svc.client_id,
        client_secret=svc.client_secret,
        scope=SCOPES[provider],
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
        timeout=TIMEOUT,
        follow_redirects=False,
    )


def _sealed_tokens(token: dict[str, Any], secret: str, old_refresh: str | None = None) -> str:
    """The token answer as kept: the access token, the refresh token (Google sends none
    on a refresh: the old one stays) and when the access token expires."""
    lifetime = token.get("expires_in")
    expires = seconds() + float(lifetime) if lifetime else float(token.get("expires_at") or 0)
    kept = {
        "a": str(token["access_token"]),
        "r": str(token.get("refresh_token") or old_refresh or ""),
        "x": float(expires),
    }
    return seal(json.dumps(kept), secret)


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


# --- connecting --------------------------------------------------------------------------------


def callback_uri(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + CALLBACK_PATH


def start(
    session: Session,
    *,
    workspace_id: int,
    provider: str,
    settings: Settings,
    connected_by: str,
    auth_session_id: int,
    now: datetime,
) -> str:
    """A pending connection bound to this browser session; the address of the service's
    sign-in page, carrying `state` and the PKCE challenge (the verifier stays here)."""
    if provider not in PROVIDERS:
        raise NotFound("calendar service")
    svc = service(settings, provider)
    if not svc.configured:
        what = N_("this server has no client id and secret for this service; ask its admin")
        raise BadInput([(PROVIDER_FIELD, what)])
    state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    session.execute(  # an abandoned sign-in of this session goes
        delete(CalendarConnection).where(
            CalendarConnection.state == "pending",
            CalendarConnection.pending_until < now,
        )
    )
    session.add(
        CalendarConnection(
            workspace_id=workspace_id,
            provider=provider,
            state="pending",
            connected_by=connected_by,
            state_hash=_hash(state),
            verifier=seal(verifier, settings.secret),
            auth_session_id=auth_session_id,
            pending_until=now + PENDING_FOR,
        )
    )
    session.flush()
    extra = {"access_type": "offline", "prompt": "consent"} if provider == "google" else {}
    client = _client(svc, provider, callback_uri(settings))
    url, _ = client.create_authorization_url(
        svc.authorize_url, state=state, code_verifier=verifier, **extra
    )
    return str(url)


def finish(
    session: Session,
    *,
    state: str,
    code: str,
    error: str,
    auth_session_id: int | None,
    settings: Settings,
    now: datetime,
) -> CalendarConnection:
    """The service's answer to `start`: the code exchanged (with the verifier) for tokens,
    sealed. The state is used once, only by the browser session that started it and
    within `PENDING_FOR`; otherwise nothing is exchanged."""
    row = session.scalar(
        select(CalendarConnection).where(CalendarConnection.state_hash == _hash(state[:200]))
    )
    if (
        row is None
        or row.state != "pending"
        or auth_session_id is None
        or row.auth_session_id != auth_session_id
        or row.pending_until is None
        or _aware(row.pending_until) < now
        or row.verifier is None
    ):
        what = N_(
            "this sign-in was not started here, was already used or took too long; start again"
        )
        raise BadInput([(SIGN_IN_FIELD, what)])
    verifier = unseal(row.verifier, settings.secret, what=f"connection {row.id}")
    row.state_hash, row.verifier, row.auth_session_id = None, None, None  # used once
    if error or not code:
        session.delete(row)
        session.commit()
        shown = error[:100] or "no code"
        raise BadInput(
            [(SIGN_IN_FIELD, Phrase("the service did not agree: %(error)s", error=shown))]
        )
    session.commit()  # nothing held while the service answers
    svc = service(settings, row.provider)
    try:
        token = _client(svc, row.provider, callback_uri(settings)).fetch_token(
            svc.token_url, code=code[:4000], code_verifier=verifier
        )
    except (AuthlibBaseError, httpx.HTTPError, ValueError) as exc:
        session.delete(row)
        session.commit()
        why = getattr(exc, "error", None) or type(exc).__name__
        raise BadInput(
            [(SIGN_IN_FIELD, Phrase("the service did not give access: %(error)s", error=str(why)))]
        ) from None
    row.tokens = _sealed_tokens(dict(token), settings.secret)
    row.state, row.error, row.pending_until = "ready", None, None
    session.flush()
    return row


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- the tokens, renewed -------------------------------------------------------------------


def _failed(session: Session, row: CalendarConnection, error: str) -> None:
    """The connection and every source read through it fail now (never free time)."""
    row.state, row.error = "failing", stored_error(error)
    people = select(CloudPerson.calendar_id).where(
        CloudPerson.connection_id == row.id, CloudPerson.calendar_id.is_not(None)
    )
    session.execute(
        update(BusyCalendar)
        .where(BusyCalendar.id.in_(people))
        .values(state="failed", error=stored_error(error))
    )


def access_token(connection_id: int, *, renew: bool = False) -> tuple[str, str, OAuthService]:
    """A live access token of the connection (renewed first when it is about to expire,
    or when `renew`: the service answered 401), its provider and service settings."""
    where = _installed()
    secret = where.settings.secret
    refused: str | None = None
    with transaction(where.sessions, write=True) as session:
        row = session.scalar(
            select(CalendarConnection)
            .where(CalendarConnection.id == connection_id)
            .with_for_update()
        )
        if row is None:
            raise BadInput([(PROVIDER_FIELD, N_("the calendar connection was removed"))])
        name = NAMES[row.provider]
        if row.state == "failing" or row.tokens is None:
            raise BadInput([(PROVIDER_FIELD, _renew_phrase(name))])
        svc = service(where.settings, row.provider)
        try:
            kept = json.loads(unseal(row.tokens, secret, what=f"connection {row.id}"))
        except Unsealable:
            refused = N_("the stored tokens cannot be decrypted; connect again")
            _failed(session, row, refused)
        else:
            if not renew and float(kept["x"]) - RENEW_BEFORE > seconds():
                return str(kept["a"]), row.provider, svc
            try:
                token = _client(svc, row.provider).refresh_token(
                    svc.token_url, refresh_token=kept["r"]
                )
            except AuthlibBaseError as exc:
                if getattr(exc, "error", None) not in _REFUSED:
                    raise BadInput(
                        [(PROVIDER_FIELD, Phrase("%(service)s did not renew access", service=name))]
                    ) from None
                refused = _renew_phrase(name)
                _failed(session, row, refused)
            except httpx.HTTPError:
                raise BadInput(
                    [(PROVIDER_FIELD, Phrase("%(service)s could not be reached", service=name))]
                ) from None
            else:
                row.tokens = _sealed_tokens(dict(token), secret, old_refresh=str(kept["r"]))
                return str(token["access_token"]), row.provider, svc
    raise BadInput([(PROVIDER_FIELD, refused)])


def _renew_phrase(name: str) -> Phrase:
    return Phrase(
        "%(service)s no longer accepts this connection (access withdrawn or expired); "
        "connect it again",
        service=name,
    )


# --- asking the services -----------------------------------------------------------------------


def _wait(answer: httpx.Response) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), or None when absent."""
    value = answer.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _send(
    client: httpx.Client,
    connection_id: int,
    method: str,
    url: str,
    body: Any,
    headers: dict[str, str],
) -> dict[str, Any]:
    """One request with the connection's token: renewed once on 401, waited on a 429 or
    503 for at most `MAX_WAIT` seconds a time and `TRIES` times in all."""
    token, provider, _ = access_token(connection_id)
    name = NAMES[provider]
    renewed = False
    for _try in range(TRIES):
        answer = client.request(
            method, url, json=body, headers={**headers, "Authorization": f"Bearer {token}"}
        )
        if answer.status_code == 401 and not renewed:
            token, renewed = access_token(connection_id, renew=True)[0], True
            continue
        if answer.status_code in (429, 503):
            wait = _wait(answer)
            wait = 1.0 if wait is None else wait
            if wait > MAX_WAIT or _try == TRIES - 1:
                raise BadInput(
                    [
                        (
                            PROVIDER_FIELD,
                            Phrase(
                                "%(service)s asks to wait (throttled); read again later",
                                service=name,
                            ),
                        )
                    ]
                )
            sleep(wait)
            continue
        if answer.status_code >= 400:
            raise BadInput(
                [
                    (
                        PROVIDER_FIELD,
                        Phrase(
                            "%(service)s answered %(code)s", service=name, code=answer.status_code
                        ),
                    )
                ]
            )
        try:
            found = answer.json()
        except ValueError:
            found = None
        if not isinstance(found, dict):
            raise BadInput(
                [
                    (
                        PROVIDER_FIELD,
                        Phrase("%(service)s sent an answer that cannot be read", service=name),
                    )
                ]
            )
        return found
    raise BadInput([(PROVIDER_FIELD, Phrase("%(service)s could not be read", service=name))])


@dataclass
class Read:
    """Busy periods per person, or why a person's calendar cannot answer."""

    busy: dict[str, list[Interval]]
    errors: dict[str, str]


def _spans(window: Interval) -> list[Interval]:
    start, end = window
    found = []
    while start < end:
        found.append((start, min(end, start + SPAN)))
        start += SPAN
    return found


def _batches(emails: list[str], size: int) -> Iterable[list[str]]:
    for at in range(0, len(emails), size):
        yield emails[at : at + size]


def read_busy(connection_id: int, emails: list[str], window: Interval) -> Read:
    """The busy periods of `emails` over `window`, through the connection, in batches of
    at most `BATCH` people and `SPAN` of time per request."""
    _, provider, svc = access_token(connection_id)
    found = Read({e: [] for e in emails}, {})
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        for batch in _batches(emails, BATCH[provider]):
            for span in _spans(window):
                ask = _graph if provider == "microsoft" else _google
                ask(client, connection_id, svc, batch, span, found)
    for email in found.errors:
        found.busy.pop(email, None)
    return found


def _graph(
    client: httpx.Client,
    cid: int,
    svc: OAuthService,
    emails: list[str],
    span: Interval,
    found: Read,
) -> None:
    base = svc.api_url.rstrip("/")
    body = {
        "schedules": emails,
        "startTime": {
            "dateTime": f"{span[0].astimezone(UTC):%Y-%m-%dT%H:%M:%S}",
            "timeZone": "UTC",
        },
        "endTime": {"dateTime": f"{span[1].astimezone(UTC):%Y-%m-%dT%H:%M:%S}", "timeZone": "UTC"},
        "availabilityViewInterval": 60,
    }
    headers = {"Prefer": 'outlook.timezone="UTC"'}
    answer = _send(client, cid, "POST", f"{base}/me/calendar/getSchedule", body, headers)
    for _page in range(MAX_PAGES):
        for schedule in answer.get("value") or []:
            email = _match(emails, schedule.get("scheduleId"))
            if email is None:
                continue
            if isinstance(schedule.get("error"), dict):
                code = str(schedule["error"].get("responseCode") or "error")[:100]
                found.errors[email] = Phrase(
                    "Microsoft 365 cannot show this calendar (%(code)s)", code=code
                )
                continue
            for item in schedule.get("scheduleItems") or []:
                if str(item.get("status", "")).lower() in {s.lower() for s in _BUSY}:
                    found.busy[email].append((_graph_time(item["start"]), _graph_time(item["end"])))
        more = answer.get("@odata.nextLink")
        if not more:
            return
        if not isinstance(more, str) or not more.startswith(base + "/"):
            raise BadInput(
                [(PROVIDER_FIELD, N_("Microsoft 365 pointed to another address; not followed"))]
            )
        answer = _send(client, cid, "GET", more, None, headers)
    raise BadInput([(PROVIDER_FIELD, N_("Microsoft 365 sent too many pages"))])


def _graph_time(value: dict[str, Any]) -> datetime:
    """A Graph dateTimeTimeZone (asked in UTC; another IANA zone is read as such)."""
    moment = datetime.fromisoformat(str(value["dateTime"])[:19])
    zone_name = str(value.get("timeZone") or "UTC")
    try:
        zone = UTC if zone_name in ("UTC", "Etc/UTC") else ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(
            [(PROVIDER_FIELD, Phrase("unknown time zone %(zone)s", zone=zone_name[:64]))]
        ) from None
    return moment.replace(tzinfo=zone).astimezone(UTC)


def _google(
    client: httpx.Client,
    cid: int,
    svc: OAuthService,
    emails: list[str],
    span: Interval,
    found: Read,
) -> None:
    body = {
        "timeMin": f"{span[0].astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
        "timeMax": f"{span[1].astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
        "items": [{"id": e} for e in emails],
    }
    answer = _send(client, cid, "POST", f"{svc.api_url.rstrip('/')}/freeBusy", body, {})
    calendars = answer.get("calendars") or {}
    for email in emails:
        calendar = calendars.get(email)
        if not isinstance(calendar, dict):
            found.errors[email] = N_("Google did not answer for this calendar")
            continue
        errors = calendar.get("errors") or []
        if errors:
            reason = str(errors[0].get("reason") or "error")[:100]
            found.errors[email] = Phrase("Google cannot show this calendar (%(code)s)", code=reason)
            continue
        for period in calendar.get("busy") or []:
            start = datetime.fromisoformat(str(period["start"]).replace("Z", "+00:00"))
            end = datetime.fromisoformat(str(period["end"]).replace("Z", "+00:00"))
            found.busy[email].append((start.astimezone(UTC), end.astimezone(UTC)))


def _match(emails: list[str], given: Any) -> str | None:
    wanted = str(given or "").casefold()
    return next((e for e in emails if e.casefold() == wanted), None)


# --- the source the worker asks ------------------------------------------------------------


class CloudSource:
    """One person read through a connection (sources.BusySource)."""

    def __init__(self, opening: Opening) -> None:
        try:
            data = json.loads(opening.address)
            self.connection_id, self.email = int(data["c"]), str(data["e"])
        except (ValueError, KeyError, TypeError):
            raise BadInput([(PROVIDER_FIELD, N_("the stored connection cannot be read"))]) from None

    def refresh(self, *, validators: Validators, window: Interval, budget: Budget) -> Refreshed:
        read = read_busy(self.connection_id, [self.email], window)
        if self.email in read.errors:
            raise BadInput([(PROVIDER_FIELD, read.errors[self.email])])
        return Changed(Validators(), ics=as_calendar(read.busy[self.email]))


for _kind in PROVIDERS:
    sources.register(_kind, CloudSource)


def _address(connection_id: int, email: str) -> str:
    return json.dumps({"c": connection_id, "e": email})


# --- the people read, the page ---------------------------------------------------------------


def connection_of(session: Session, *, workspace_id: int, connection_id: int) -> CalendarConnection:
    row = session.get(CalendarConnection, connection_id)
    if row is None or row.workspace_id != workspace_id or row.state == "pending":
        raise NotFound("calendar connection")
    return row


def set_people(
    session: Session,
    *,
    workspace_id: int,
    connection_id: int,
    emails: list[str],
    zone_name: str,
    now: datetime,
    secret: str,
) -> None:
    """Exactly `emails` are read through the connection. The new ones are read now, in
    one batched reading (a person the service cannot show is bad input naming them, and
    nothing changes); a person left out stops counting at once."""
    row = connection_of(session, workspace_id=workspace_id, connection_id=connection_id)
    if len(emails) > MAX_PEOPLE:
        raise BadInput([(PEOPLE_FIELD, Phrase("at most %(n)s people", n=MAX_PEOPLE))])
    wanted = {e.casefold(): e for e in emails}
    people = list(session.scalars(select(CloudPerson).where(CloudPerson.connection_id == row.id)))
    known = {p.email.casefold() for p in people}
    new = [e for k, e in wanted.items() if k not in known]
    gone = [p for p in people if p.email.casefold() not in wanted]
    window = (now - busy.READ_BEFORE, now + busy.READ_AHEAD)
    read = Read({}, {})
    if new:
        session.commit()  # nothing held while the service answers
        read = read_busy(row.id, new, window)
        if read.errors:
            email, why = next(iter(read.errors.items()))
            raise BadInput([(PEOPLE_FIELD, Phrase("%(email)s: %(error)s", email=email, error=why))])
        row = connection_of(session, workspace_id=workspace_id, connection_id=connection_id)
    for person in gone:
        if person.calendar_id is not None:
            refresh.remove(
                session,
                workspace_id=workspace_id,
                calendar_id=person.calendar_id,
                kind=row.provider,
            )
        session.delete(person)
    for email in new:
        outcome = refresh.Outcome(
            validators=Validators(), intervals=read.busy[email], window=window, cost=0
        )
        source = refresh.add_source(
            session,
            kind=row.provider,
            address=_address(row.id, email),
            hint=NAMES[row.provider],
            owner_email=email,
            workspace_id=workspace_id,
            zone_name=zone_name,
            now=now,
            secret=secret,
            outcome=outcome,
        )
        session.add(CloudPerson(connection_id=row.id, email=email, calendar_id=source.id))
    session.flush()


def remove(session: Session, *, workspace_id: int, connection_id: int) -> None:
    """The connection, its tokens and every source read through it go."""
    row = connection_of(session, workspace_id=workspace_id, connection_id=connection_id)
    for person in session.scalars(select(CloudPerson).where(CloudPerson.connection_id == row.id)):
        if person.calendar_id is not None:
            refresh.remove(
                session,
                workspace_id=workspace_id,
                calendar_id=person.calendar_id,
                kind=row.provider,
            )
    session.delete(row)
    session.flush()


@dataclass(frozen=True)
class ShownPerson:
    email: str
    refreshed_at: datetime | None
    error: str | None
    answering: bool


@dataclass(frozen=True)
class ShownConnection:
    """A connection as its page shows it: never a token."""

    id: int
    provider: str
    name: str
    state: str
    error: str | None
    connected_by: str
    people: list[ShownPerson]


def connections(session: Session, *, workspace_id: int, now: datetime) -> list[ShownConnection]:
    rows = list(
        session.scalars(
            select(CalendarConnection)
            .where(
                CalendarConnection.workspace_id == workspace_id,
                CalendarConnection.state != "pending",
            )
            .order_by(CalendarConnection.id)
        )
    )
    if not rows:
        return []
    found = session.execute(
        select(CloudPerson, BusyCalendar)
        .outerjoin(BusyCalendar, BusyCalendar.id == CloudPerson.calendar_id)
        .where(CloudPerson.connection_id.in_([r.id for r in rows]))
        .order_by(CloudPerson.email)
    ).all()
    people: dict[int, list[ShownPerson]] = {}
    for person, source in found:
        why = (
            busy.why_unread(source, now, now + busy.PLANNING_WINDOW, now=now)
            if source is not None
            else "gone"
        )
        people.setdefault(person.connection_id, []).append(
            ShownPerson(
                email=person.email,
                refreshed_at=source.refreshed_at if source is not None else None,
                error=sources.shown_error(source.error)
                if source is not None and source.state == "failed"
                else None,
                answering=why is None,
            )
        )
    return [
        ShownConnection(
            id=r.id,
            provider=r.provider,
            name=NAMES[r.provider],
            state=r.state,
            error=sources.shown_error(r.error),
            connected_by=r.connected_by,
            people=people.get(r.id, []),
        )
        for r in rows
    ]
